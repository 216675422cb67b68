# The packet source's and the Redis writer's counters are on Zeek's own
# Prometheus endpoint (Telemetry::metrics_port), beside Zeek's: after a
# real capture replayed live plus one truncated VXLAN packet, the source
# counts every packet by outcome and the malformed one by reason, and the
# writer's written count for dns equals what Redis holds.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
trace=$TRACES/inner/wikipedia.trace
zeek_pid=
# A failing check leaves neither Zeek nor Redis running.
trap 'kill $zeek_pid "$(cat redis/redis.pid 2>/dev/null)" 2>/dev/null || true' EXIT
rport=$(redis-start redis)
port=$(free-udp-port)
mport=$(free-udp-port)
zeek -C -i "cloudtap::vxlan://127.0.0.1:$port" CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:$rport/0" \
	"Telemetry::metrics_port=$mport/tcp" > zeek.out 2>&1 &
zeek_pid=$!
for _ in $(seq 100); do grep -q "listening on" zeek.out && break; sleep 0.1; done
cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni 5 --pps 500 2>/dev/null
python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"\x08\x00", ("127.0.0.1", int(sys.argv[1])))' "$port"
sent=$(($(cloudtap decap --read "$trace" --write /dev/null 2>&1 | awk 'NR == 1 {print $2}') + 1))
metric() { # NAME LABEL-MATCH: the value of the first sample whose labels hold every LABEL-MATCH
	local name=$1
	shift
	local lines
	lines=$(curl -s "http://127.0.0.1:$mport/metrics" | grep "^$name{" || true)
	for l in "$@"; do lines=$(grep -F "$l" <<<"$lines" || true); done
	head -1 <<<"$lines" | awk '{print $NF}'
}
got=
for _ in $(seq 100); do
	got=$(metric cloudtap_source_packets_total 'outcome="received"')
	[[ ${got%.*} == "$sent" ]] && break
	sleep 0.2
done
[[ ${got%.*} == "$sent" ]] || { echo "received: $got, want $sent" >&2; curl -s "http://127.0.0.1:$mport/metrics" | grep cloudtap_ >&2; exit 1; }
delivered=$(metric cloudtap_source_packets_total 'outcome="delivered"')
malformed=$(metric cloudtap_source_packets_total 'outcome="malformed"')
truncated=$(metric cloudtap_source_malformed_packets_total 'reason="truncated_vxlan"')
[[ ${delivered%.*} == $((sent - 1)) && ${malformed%.*} == 1 && ${truncated%.*} == 1 ]] ||
	{ echo "delivered $delivered malformed $malformed truncated_vxlan $truncated; want $((sent - 1)), 1, 1" >&2; exit 1; }
# The writer: what it says it wrote for dns is what Redis has (heartbeats
# publish the counts once a second).
for _ in $(seq 50); do
	written=$(metric cloudtap_writer_records_total 'path="dns"' 'outcome="written"')
	inredis=$(redis-cli -p "$rport" XLEN zeek:dns)
	[[ -n $written && ${written%.*} == "$inredis" && $inredis -gt 0 ]] && break
	sleep 0.2
done
[[ -n $written && ${written%.*} == "$inredis" && $inredis -gt 0 ]] || { echo "writer: written $written for dns, Redis holds $inredis" >&2; exit 1; }
[[ $(metric cloudtap_writer_records_total 'path="dns"' 'outcome="dropped"') == 0* ]] || { echo "dns records dropped" >&2; exit 1; }
kill -INT $zeek_pid
wait $zeek_pid
echo "source: $sent received, $((sent - 1)) delivered, 1 truncated_vxlan; writer: $inredis dns records, as in Redis"
