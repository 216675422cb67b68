# A real HTTP capture, replayed as live VXLAN over loopback into
# zeek -i cloudtap::vxlan://, yields the connections Zeek logs reading the
# plain capture; Ctrl-C (SIGINT) then stops Zeek cleanly. Replay is paced:
# sent at full speed, a 3-minute capture arrives within milliseconds, and
# Zeek's timing-sensitive UDP/DNS analysis then groups a few packets
# differently than it does reading the file (every packet still arrives).
# @TEST-EXEC: bash %INPUT
set -euo pipefail
trace=$TRACES/inner/wikipedia.trace
mkdir ref live
(cd ref && zeek -C -r "$trace" && conn-fields got < conn.log > fields)
port=$(free-udp-port)
cd live
zeek -C -i "cloudtap::vxlan://127.0.0.1:$port?vni=9&allow=127.0.0.1" > zeek.out 2>&1 &
zeek_pid=$!
for _ in $(seq 50); do grep -q "listening on" zeek.out && break; sleep 0.1; done
cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni 9 --pps 500
sleep 1
kill -INT $zeek_pid
wait $zeek_pid # fails the test on a non-zero exit
grep -q "received termination signal" zeek.out
grep -q "136 packets received on interface" zeek.out
! grep -qi "panic\|goroutine" zeek.out
conn-fields got < conn.log > fields
diff -u ../ref/fields fields
