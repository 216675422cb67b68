# Two Zeek workers share one VXLAN port (workers=2). The kernel steers each
# datagram by a hash of its inner flow, so together they log exactly the
# connections of a single Zeek, none of them split between the workers,
# although every datagram comes from the same outer address and port.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
trace=$TRACES/inner/wikipedia.trace
mkdir ref w0 w1
(cd ref && zeek -C -r "$trace" && conn-fields got < conn.log > fields)
port=$(free-udp-port)
pids=()
for w in 0 1; do
	(cd w$w && exec zeek -C -i "cloudtap::vxlan://127.0.0.1:$port?workers=2&worker=$w" > zeek.out 2>&1) &
	pids+=($!)
done
for w in 0 1; do
	for _ in $(seq 50); do grep -q "listening on" w$w/zeek.out && break; sleep 0.1; done
done
cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni 3 --pps 500 2>/dev/null
sleep 1
kill -INT "${pids[@]}"
wait "${pids[@]}"
for w in 0 1; do
	[[ -s w$w/conn.log ]] || { echo "worker $w logged nothing: no load was shared" >&2; exit 1; }
	conn-fields got < w$w/conn.log > w$w/fields
done
# A connection split between workers would show up in both, with partial counts.
split=$(cut -f1-5 w0/fields | sort -u | comm -12 - <(cut -f1-5 w1/fields | sort -u) | wc -l)
[[ $split -eq 0 ]] || { echo "$split connections were split between the workers" >&2; exit 1; }
sort w0/fields w1/fields | diff -u ref/fields -
