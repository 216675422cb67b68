# Under live load, Ctrl-C (SIGINT) ends Zeek cleanly and every record it
# logged is in Redis: nothing queued in the writer is lost at shutdown.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
rport=$(redis-start redis)
trap 'kill "$(cat redis/redis.pid)"' EXIT
port=$(free-udp-port)
zeek -C -i "cloudtap::vxlan://127.0.0.1:$port" CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:$rport/0" > zeek.out 2>&1 &
zeek_pid=$!
for _ in $(seq 50); do grep -q "listening on" zeek.out && break; sleep 0.1; done
for vni in 1 2 3 4 5; do
	cloudtap replay --read "$TRACES/inner/wikipedia.trace" --encap vxlan --to "127.0.0.1:$port" --vni $vni 2>/dev/null
done
kill -INT $zeek_pid # while records are still being written
wait $zeek_pid
for log in conn dns http; do
	redis-matches-log "$rport" $log || { echo "zeek:$log lost records at shutdown" >&2; exit 1; }
done
