# A live Zeek whose Redis is not up yet: Zeek runs on, warns once in
# reporter.log that it cannot reach Redis and is retrying, and once Redis
# is up every record logged before and after is there, exactly once.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
rport=$(free-udp-port) # nothing listens there over TCP yet
port=$(free-udp-port)
trap 'kill "$(cat redis/redis.pid 2>/dev/null)" 2>/dev/null || true' EXIT
zeek -C -i "cloudtap::vxlan://127.0.0.1:$port" CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:$rport/0" > zeek.out 2>&1 &
zeek_pid=$!
for _ in $(seq 50); do grep -q "listening on" zeek.out && break; sleep 0.1; done
cloudtap replay --read "$TRACES/inner/wikipedia.trace" --encap vxlan --to "127.0.0.1:$port" --vni 1 --pps 500 2>/dev/null
sleep 2 # heartbeats hand the records over; the writer meets the closed port
kill -0 $zeek_pid || { echo "Zeek stopped while Redis was away" >&2; cat zeek.out >&2; exit 1; }

redis-start redis "$rport" >/dev/null
for _ in $(seq 150); do
	[[ $(redis-cli -p "$rport" XLEN zeek:conn) -gt 0 ]] && break
	sleep 0.1
done
cloudtap replay --read "$TRACES/inner/wikipedia.trace" --encap vxlan --to "127.0.0.1:$port" --vni 2 --pps 500 2>/dev/null
sleep 1
kill -INT $zeek_pid
wait $zeek_pid

for log in conn dns http; do
	redis-matches-log "$rport" $log
done
warned=$(grep -c "cloudtap: Redis: connect to redis at 127.0.0.1:$rport: .*connection refused (records wait in memory; retrying)" reporter.log || true)
[[ $warned -eq 1 ]] || { echo "reporter.log warns $warned times that Redis is away, want once" >&2; cat reporter.log >&2; exit 1; }
! grep -q DROPPED reporter.log || { echo "records were dropped" >&2; exit 1; }
