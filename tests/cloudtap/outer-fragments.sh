# Tunnel packets that a small-MTU path fragmented: cloudtap::file://
# reassembles them, and Zeek logs the inner connections it logs
# reassembling and decapsulating the raw capture itself. Covered: the
# repository's fragmented samples (ERSPAN II and VXLAN over IPv4 at MTU
# 576, VXLAN over IPv6 at 1280, every other datagram's fragments
# reversed), and two real traces mirrored so: full-size SMTP frames over
# ERSPAN II on a 1500-byte IPv4 path, and an HTTP download over VXLAN on a
# 1280-byte IPv6 path. Every fragment is accounted for, and none is
# refused.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
(cd "$CLOUDTAP_ROOT" && go run ./gosrc/internal/cmd/samples --dir "$OLDPWD/s" >/dev/null)
(cd "$CLOUDTAP_ROOT" && go build -o "$OLDPWD/samples" ./gosrc/internal/cmd/samples)
./samples --wrap "$TRACES/inner/smtp.trace" --format erspan2 --mtu 1500 --out s/smtp-erspan2-1500.pcap >/dev/null
./samples --wrap "$TRACES/inner/206_example_b.pcap" --format vxlan --ipv6 --mtu 1280 --out s/http-vxlan6-1280.pcap >/dev/null
compared=0
for trace in s/*-fragmented.pcap s/smtp-erspan2-1500.pcap s/http-vxlan6-1280.pcap; do
	name=$(basename "$trace")
	trace=$PWD/$trace
	rm -rf ref got && mkdir ref got
	(cd ref && zeek -C -r "$trace" && conn-fields ref < conn.log > fields)
	[[ -s ref/fields ]] || { echo "$name: Zeek's reference has no inner connection" >&2; exit 1; }
	(cd got && zeek -C -r "cloudtap::file://$trace" CloudTap/session-key && conn-fields got < conn.log > fields)
	diff -u ref/fields got/fields || { echo "$name: cloudtap's connections differ from Zeek's own reassembly and decapsulation" >&2; exit 1; }
	# What the source did with each fragment: the reassembled datagrams
	# counted once, the other fragments as reassembled, nothing malformed.
	cloudtap decap --read "$trace" --write /dev/null > counts 2>&1
	grep -q "malformed 0," counts || { echo "$name: fragments were refused:" >&2; cat counts >&2; exit 1; }
	grep -q "fragments reassembled into the tunnel packets they complete [1-9][0-9]*, waiting 0" counts ||
		{ echo "$name: no fragment was reassembled:" >&2; cat counts >&2; exit 1; }
	echo "$name: $(wc -l < got/fields) connections as zeek -r; $(grep -o 'complete [0-9]*' counts | cut -d' ' -f2) fragments reassembled"
	compared=$((compared + 1))
done
[[ $compared -eq 5 ]] || { echo "compared $compared captures, want 5" >&2; exit 1; }
