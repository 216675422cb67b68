# Both ends of a real TCP connection mirrored, as a cloud does for two
# hosts in one VPC: the kernel mirrors each veth end (tc mirred) into
# VXLAN, so the sensor gets every packet twice, from VNI 42 and VNI 43
# (Scripts/double-mirror-netns). With dedup=50ms, conn.log's bytes and
# packets equal those of a Zeek that gets one end's mirror only; without,
# they are doubled. Needs root for the namespaces (tools/test says when
# it skips).
# @TEST-REQUIRES: test "$(id -u)" = 0 && command -v tc >/dev/null && command -v python3 >/dev/null && command -v curl >/dev/null
# @TEST-EXEC: bash %INPUT
set -euo pipefail
tag=cd$$
zpids=()
web=
trap 'kill "${zpids[@]}" $web 2>/dev/null || true; double-mirror-netns down $tag' EXIT
PORTS="4789 4791" A_PORTS="4790" double-mirror-netns up $tag
s=$tag-s
mkdir dedup single double
# 50ms, not the 2ms a cloud needs: on a loaded 2-core machine one veth
# end's copy can lag the other's by more than 2ms.
for run in dedup:4789?dedup=50ms single:4790 double:4791; do
	dir=${run%%:*}
	# ip netns exec execs Zeek: $! is Zeek's pid.
	(cd $dir && exec ip netns exec $s zeek -C -i "cloudtap::vxlan://0.0.0.0:${run#*:}" > zeek.out 2>&1) &
	zpids+=($!)
done
for dir in dedup single double; do
	for _ in $(seq 100); do grep -q "listening on" $dir/zeek.out && break; sleep 0.1; done
	grep -q "listening on" $dir/zeek.out || { cat $dir/zeek.out >&2; exit 1; }
done
head -c 400000 /dev/urandom > body.bin
ip netns exec $tag-b python3 -m http.server --bind 10.91.0.2 8080 > http.out 2>&1 &
web=$!
for _ in $(seq 50); do ip netns exec $tag-a curl -s -o /dev/null http://10.91.0.2:8080/ && break; sleep 0.1; done
for _ in 1 2 3; do
	ip netns exec $tag-a curl -sS -o /dev/null http://10.91.0.2:8080/body.bin
done
sleep 1
kill $web
kill -INT "${zpids[@]}"
for pid in "${zpids[@]}"; do wait $pid; done # fails the test on a non-zero exit
fields() { zeek-cut id.orig_h id.orig_p id.resp_h id.resp_p proto orig_bytes resp_bytes orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes < $1/conn.log | sort; }
for dir in dedup single double; do fields $dir > $dir/fields; done
[[ $(grep -c $'\t8080\ttcp\t' single/fields) -ge 4 ]] || { echo "the single mirror saw too few HTTP connections:" >&2; cat single/fields >&2; exit 1; }
diff -u single/fields dedup/fields >&2 || { echo "with dedup=50ms, conn.log differs from one end's mirror (above); what the sources said:" >&2; tail -n 5 */zeek.out >&2; exit 1; }
# Without dedup, every packet counts twice.
read -r sp dp < <(paste <(awk '{s += $8 + $10} END {print s}' single/fields) <(awk '{s += $8 + $10} END {print s}' double/fields))
((dp == 2 * sp)) || { echo "both mirrors without dedup: $dp packets, want twice the single mirror's $sp" >&2; exit 1; }
echo "one end: $sp packets; both ends: $dp; both ends with dedup=50ms: as one end"
