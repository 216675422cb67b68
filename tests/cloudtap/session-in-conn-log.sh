# With CloudTap/session-key loaded, conn.log shows each connection's mirror
# session: the VXLAN VNI, the GENEVE VNI, or the ERSPAN session id.
# @TEST-EXEC: bash %INPUT > output
# @TEST-EXEC: btest-diff output
set -euo pipefail
for trace in vxlan-encapsulated-http.pcap vxlan.pcap geneve-ipv6.pcap erspanII.pcap geneve-vxlan-dns-truncated.pcap; do
	rm -f conn.log
	zeek -C -r "cloudtap::file://$TRACES/$trace" CloudTap/session-key
	echo "$trace: $(zeek-cut id.orig_h id.resp_h id.ctx.mirror_session < conn.log | sort -u | tr '\t\n' '  ')"
done
