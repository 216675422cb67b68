# Zeek 9 bundles zeek-packet-source-udp (udp::). With cloudtap loaded too,
# both sources are there, and the same VXLAN mirror traffic, replayed live
# into each, gives the same inner connections as zeek -r on the plain
# capture: loading one does not disturb the other. (Which to choose:
# README, "cloudtap:: or Zeek 9's udp::".)
# @TEST-REQUIRES: zeek -N Zeek::PacketSourceUDP 2>/dev/null | grep -q PacketSourceUDP
# @TEST-EXEC: bash %INPUT
set -euo pipefail
zeek -N Zeek::PacketSourceUDP | grep -o "Zeek::PacketSourceUDP - [A-Za-z ]*"
zeek -N CloudTap::Sensor | grep -o "CloudTap::Sensor - Packet source"
trace=$TRACES/inner/wikipedia.trace
mkdir ref
(cd ref && zeek -C -r "$trace" && conn-fields got < conn.log > fields)
for source in udp cloudtap; do
	port=$(free-udp-port)
	case $source in
	udp) iface="udp::127.0.0.1:$port:vxlan" ;;
	cloudtap) iface="cloudtap::vxlan://127.0.0.1:$port" ;;
	esac
	mkdir $source && cd $source
	zeek -C -i "$iface" > zeek.out 2>&1 &
	zeek_pid=$!
	for _ in $(seq 50); do grep -q "listening on" zeek.out && break; sleep 0.1; done
	cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni 9 --pps 500
	sleep 1
	kill -INT $zeek_pid
	wait $zeek_pid
	conn-fields got < conn.log > fields
	diff -u ../ref/fields fields || { echo "-i $iface differs from zeek -r" >&2; exit 1; }
	echo "-i ${iface%%:*}::: $(wc -l < fields) connections, as zeek -r"
	cd ..
done
