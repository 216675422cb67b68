# For every shared capture of mirrored traffic, the connections Zeek logs
# through cloudtap's file source are the inner connections Zeek logs when it
# decapsulates the raw trace itself. -C on both sides: several captures
# carry offloaded (invalid) checksums, which Zeek's test suite ignores too.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
compared=0
for trace in "$TRACES"/*.pcap; do
	name=$(basename "$trace")
	rm -rf ref got && mkdir ref got
	(cd ref && zeek -C -r "$trace" && touch conn.log && conn-fields ref < conn.log > fields)
	(cd got && zeek -C -r "cloudtap::file://$trace" && touch conn.log && conn-fields got < conn.log > fields)
	if [[ $name != geneve-truncated.pcap && ! -s ref/fields ]]; then
		echo "$name: Zeek's reference has no inner connection; the comparison would prove nothing" >&2
		exit 1
	fi
	if ! diff -u ref/fields got/fields; then
		echo "$name: cloudtap's connections differ from Zeek's own decapsulation" >&2
		exit 1
	fi
	compared=$((compared + 1))
done
[[ $compared -ge 12 ]] || { echo "only $compared traces compared" >&2; exit 1; }
