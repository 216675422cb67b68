# `cloudtap intel import FILE` then CloudTap/intel-from-redis gives the
# intel.log that Zeek's own Intel::read_files gives on the same file: the
# same live traffic into two Zeeks, one reading the intel file, one the
# indicators imported into Redis, and the same hits (indicator, type,
# where seen, sources, connection).
# @TEST-EXEC: bash %INPUT
set -euo pipefail
trace=$TRACES/inner/wikipedia.trace
pid=
trap 'kill $pid "$(cat redis/redis.pid 2>/dev/null)" 2>/dev/null || true' EXIT
rport=$(redis-start redis)
url=redis://127.0.0.1:$rport/0
# An intel file of the trace's servers and hosts, as a feed would have them.
(mkdir ref && cd ref && zeek -C -r "$trace" && zeek-cut id.orig_h id.resp_h < conn.log | tr '\t' '\n' | sort -u > hosts)
{
	printf '#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n'
	awk '{printf "%s\tIntel::ADDR\tfeed-%d\thost %d\n", $1, NR % 3, NR}' ref/hosts
	printf 'upload.wikimedia.org\tIntel::DOMAIN\tfeed-1\ta domain\n'
} > feed.intel
cloudtap intel import --redis "$url" feed.intel >/dev/null
for side in file fromredis; do
	mkdir $side
	port=$(free-udp-port)
	case $side in
	file) scripts=(frameworks/intel/seen "Intel::read_files+={\"$PWD/feed.intel\"}") ;;
	fromredis) scripts=(CloudTap/intel-from-redis frameworks/intel/seen "CloudTap::redis_url=$url") ;;
	esac
	(cd $side && exec zeek -C -i "cloudtap::vxlan://127.0.0.1:$port" "${scripts[@]}" > zeek.out 2>&1) &
	pid=$!
	for _ in $(seq 100); do grep -q "listening on" $side/zeek.out && break; sleep 0.1; done
	sleep 3 # both feeds loaded
	cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni 1 --pps 500 2>/dev/null
	sleep 1
	kill -INT $pid
	wait $pid
	[[ -s $side/intel.log ]] || { echo "$side: no intel.log" >&2; cat $side/zeek.out >&2; exit 1; }
	zeek-cut seen.indicator seen.indicator_type seen.where sources id.orig_h id.orig_p id.resp_h id.resp_p < $side/intel.log | sort > $side/hits
done
[[ $(wc -l < file/hits) -gt 5 ]] || { echo "only $(wc -l < file/hits) hits from Intel::read_files" >&2; exit 1; }
diff -u file/hits fromredis/hits || { echo "the imported feed's hits differ from Intel::read_files'" >&2; exit 1; }
echo "$(wc -l < file/hits) hits, the same from the file and from Redis"
