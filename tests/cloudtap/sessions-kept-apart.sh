# The same traffic mirrored in two sessions (VNI 1 and VNI 2, as two VPCs
# with overlapping CIDRs would produce): with CloudTap/session-key the
# connections stay apart, one per session; without it they would merge.
# @TEST-EXEC: bash %INPUT > output
# @TEST-EXEC: btest-diff output
set -euo pipefail
trace=$TRACES/inner/get.trace
port=$(free-udp-port)
zeek -C -i "cloudtap::vxlan://127.0.0.1:$port" CloudTap/session-key > zeek.out 2>&1 &
zeek_pid=$!
for _ in $(seq 50); do grep -q "listening on" zeek.out && break; sleep 0.1; done
cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni 1 --pps 500 2>/dev/null
cloudtap replay --read "$trace" --encap vxlan --to "127.0.0.1:$port" --vni 2 --pps 500 2>/dev/null
sleep 1
kill -INT $zeek_pid
wait $zeek_pid
zeek-cut id.orig_h id.resp_h id.resp_p id.ctx.mirror_session service conn_state < conn.log | sort
