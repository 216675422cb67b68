# Every shared VXLAN and GENEVE capture, resent as live traffic into
# zeek -i cloudtap::vxlan:// or geneve://, gives the inner connections Zeek
# logs decapsulating the raw trace itself (5-tuple, service, bytes,
# packets, state).
#
# The two *-truncated captures were recorded shorter than the packets on
# the wire. Zeek's -r knows the wire length; a resend can only carry the
# bytes that were kept, so its inner IP headers claim more than the
# datagram holds. No live replay can recreate them: file-source-matches-
# zeek covers them instead.
# @TEST-EXEC: bash %INPUT > output
# @TEST-EXEC: btest-diff output
set -euo pipefail
for trace in "$TRACES"/vxlan*.pcap "$TRACES"/geneve*.pcap; do
	name=$(basename "$trace")
	case $name in
	*truncated*) echo "$name: not replayed, captured shorter than on the wire" ;;
	vxlan*) replay-capture-live vxlan "$trace" ;;
	*) replay-capture-live geneve "$trace" ;;
	esac
done
