# The hunting loop, live: with CloudTap/intel-from-redis, an indicator
# pushed with `cloudtap intel add` while Zeek runs gives intel.log hits on
# the next matching connections of live mirrored traffic; after `cloudtap
# intel remove` it gives none; a restarted Zeek reads what is in Redis and
# still hits; a malformed indicator gives a warning naming it while the
# good ones work; and a Zeek started before Redis gets the indicators
# once Redis comes up.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
trace=$TRACES/inner/wikipedia.trace
zeek_pid=
# A failing check leaves neither Zeek nor Redis running.
trap 'kill $zeek_pid "$(cat redis/redis.pid 2>/dev/null)" "$(cat redis2/redis.pid 2>/dev/null)" 2>/dev/null || true' EXIT
rport=$(redis-start redis)
url=redis://127.0.0.1:$rport/0
# Two servers the trace talks to over established TCP connections (which
# the Intel framework's seen scripts look at): A, then B.
(mkdir ref && cd ref && zeek -C -r "$trace" && zeek-cut id.resp_h proto conn_state < conn.log | awk '$2 == "tcp" && $3 ~ /^(S1|SF|S2|S3|RSTO|RSTR)$/ {print $1}' | sort -u > servers)
A=$(sed -n 1p ref/servers)
B=$(sed -n 2p ref/servers)
[[ -n $A && -n $B ]] || { echo "the trace has fewer than two TCP servers" >&2; exit 1; }

port=$(free-udp-port)
start_zeek() { # DIR REDIS-URL
	mkdir -p "$1"
	# session-key: each replay, under a VNI of its own, makes new
	# connections, which the seen scripts look at anew.
	(cd "$1" && exec zeek -C -i "cloudtap::vxlan://127.0.0.1:$port" CloudTap/intel-from-redis CloudTap/session-key frameworks/intel/seen \
		"CloudTap::redis_url=$2" > zeek.out 2>&1) &
	zeek_pid=$!
	for _ in $(seq 100); do grep -q "listening on" "$1/zeek.out" && return; sleep 0.1; done
	cat "$1/zeek.out" >&2
	return 1
}
stop_zeek() {
	kill -INT $zeek_pid
	wait $zeek_pid
}
vni=0
replay() {
	sleep 2.5 # the reader hands rows over at heartbeats, one a second
	vni=$((vni + 1))
	cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni $vni --pps 500 2>/dev/null
	sleep 1
}
hits() { # DIR INDICATOR: intel.log lines for it
	[[ -f $1/intel.log ]] || { echo 0; return; }
	zeek-cut seen.indicator < "$1/intel.log" | { grep -cx "$2" || true; }
}

# 1. Pushed while Zeek runs: hits. Removed: none after.
start_zeek run1 "$url"
cloudtap intel add --redis "$url" --type Intel::ADDR --source hunt-42 --desc "seen in the cold tier" "$A" >/dev/null
replay
stop_zeek
hits_a=$(hits run1 "$A")
((hits_a > 0)) || { echo "no intel.log hit for $A pushed while Zeek ran" >&2; cat run1/zeek.out run1/reporter.log >&2 2>/dev/null; exit 1; }
zeek-cut sources < run1/intel.log | grep -q hunt-42 || { echo "intel.log does not name the source hunt-42" >&2; exit 1; }

start_zeek run2 "$url"
replay
before=$(hits run2 "$A")
((before > 0)) || { echo "a restarted Zeek does not hit $A, which is in Redis" >&2; exit 1; }
cloudtap intel remove --redis "$url" "$A" >/dev/null
cloudtap intel add --redis "$url" --type Intel::ADDR --source hunt-43 "$B" >/dev/null
redis-cli -p "$rport" HSET cloudtap:intel bad '{"indicator":"x","indicator_type":"Intel::ADDR","meta.source":"s","meta.colour":"red"}' >/dev/null
marker=$(date +%s)
replay
stop_zeek
late=$(zeek-cut ts seen.indicator < run2/intel.log | awk -v a="$A" -v m="$marker" '$2 == a && $1 > m + 1' | wc -l)
((late == 0)) || { echo "$late hits for $A after cloudtap intel remove" >&2; exit 1; }
(($(hits run2 "$B") > 0)) || { echo "no hit for $B added while Zeek ran" >&2; exit 1; }
echo "pushed live: $hits_a hits; after a restart: $before; after remove: 0 for $A, $(hits run2 "$B") for $B"

# 2. A malformed indicator: a warning naming key, entry and field; B still hits.
start_zeek run3 "$url"
replay
stop_zeek
(($(hits run3 "$B") > 0)) || { echo "a malformed indicator stopped the good ones" >&2; exit 1; }
grep -q 'cloudtap: reader cloudtap:intel: field bad: field meta.colour: no such field' <(cd run3 && zeek-reports zeek.out) ||
	{ echo "no warning naming the malformed indicator:" >&2; cat run3/reporter.log run3/zeek.out >&2 2>/dev/null; exit 1; }

# 3. Zeek first, Redis later.
rport2=$(free-udp-port)
start_zeek run4 "redis://127.0.0.1:$rport2/0"
sleep 1
redis-start redis2 "$rport2" >/dev/null
cloudtap intel add --redis "redis://127.0.0.1:$rport2/0" --type Intel::ADDR --source late "$B" >/dev/null
sleep 5 # the reader's reconnect backoff
replay
stop_zeek
(($(hits run4 "$B") > 0)) || { echo "indicators pushed once Redis came up did not arrive" >&2; cat run4/reporter.log >&2 2>/dev/null; exit 1; }
grep -q "cloudtap: reader cloudtap:intel: .*retrying" <(cd run4 && zeek-reports zeek.out) ||
	{ echo "no warning that Redis was away" >&2; exit 1; }
