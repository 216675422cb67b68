# The whole hunting loop: an indicator pushed into Redis while Zeek runs
# live, with CloudTap/logs-to-redis and the cold tier on, gives intel.log
# hits that reach Redis (zeek:intel) and the search engine (zeek-intel-*),
# the same hits as intel.log holds.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
trace=$TRACES/inner/wikipedia.trace
rport=$(redis-start redis)
es=$(es-start es)
zeek_pid=
trap 'kill $zeek_pid "$(cat redis/redis.pid)" "$(cat es/engine.pid)" 2>/dev/null || true' EXIT
url=redis://127.0.0.1:$rport/0
(mkdir ref && cd ref && zeek -C -r "$trace" && zeek-cut id.resp_h proto conn_state < conn.log | awk '$2 == "tcp" && $3 ~ /^(S1|SF|S2|S3|RSTO|RSTR)$/ {print $1}' | sort -u | head -1 > server)
server=$(cat ref/server)
[[ -n $server ]] || { echo "the trace has no TCP server" >&2; exit 1; }
port=$(free-udp-port)
zeek -C -i "cloudtap::vxlan://127.0.0.1:$port" CloudTap/intel-from-redis CloudTap/logs-to-redis frameworks/intel/seen \
	"CloudTap::redis_url=$url es-flush-interval=200ms" "CloudTap::elasticsearch_url=$es" > zeek.out 2>&1 &
zeek_pid=$!
for _ in $(seq 100); do grep -q "listening on" zeek.out && break; sleep 0.1; done
cloudtap intel add --redis "$url" --type Intel::ADDR --source hunt-7 --desc "found in the cold tier" "$server" >/dev/null
sleep 2.5 # the reader hands the indicator over at the next heartbeat
cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni 3 --pps 500 2>/dev/null
sleep 1
kill -INT $zeek_pid
wait $zeek_pid
[[ -s intel.log ]] || { echo "no intel.log hit" >&2; cat zeek.out >&2; exit 1; }
hits=$(grep -vc '^#' intel.log)
inredis=$(redis-cli -p "$rport" XLEN zeek:intel)
[[ $inredis -eq $hits ]] || { echo "intel.log has $hits hits, zeek:intel in Redis $inredis" >&2; exit 1; }
es-uids "$es" "zeek-intel-*" "$hits" > intel.es
zeek-cut uid < intel.log | sort > intel.ascii
diff -u intel.ascii intel.es || { echo "zeek-intel-* differs from intel.log" >&2; exit 1; }
echo "$hits hits for $server (source hunt-7): in intel.log, in Redis, in the cold tier"
