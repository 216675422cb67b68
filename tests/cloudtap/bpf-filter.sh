# -f filters the decapsulated frames, whether the tunnel carried Ethernet
# (VXLAN) or bare IP (GRE): the result equals Zeek reading the inner frames
# (written by `cloudtap decap`) with the same filter through libpcap.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
check() { # trace filter subset|all|none
	local trace=$TRACES/$1 filter=$2 want=$3
	rm -rf ref got && mkdir ref got
	cloudtap decap --read "$trace" --write ref/inner.pcap 2>/dev/null
	(cd ref && zeek -C -r inner.pcap -f "$filter" && touch conn.log && conn-fields got < conn.log > fields)
	(cd got && zeek -C -r "cloudtap::file://$trace" -f "$filter" && touch conn.log && conn-fields got < conn.log > fields)
	diff -u ref/fields got/fields || { echo "$1 -f '$filter' differs" >&2; exit 1; }
	# What the filter kept, against the connections without a filter.
	local all kept
	all=$(cd got && rm -f conn.log && zeek -C -r "cloudtap::file://$trace" && grep -vc '^#' conn.log)
	kept=$(wc -l < got/fields)
	case $want in
	subset) ((kept > 0 && kept < all)) ;;
	all) ((kept == all && all > 0)) ;;
	none) ((kept == 0 && all > 0)) ;;
	esac || { echo "$1 -f '$filter': kept $kept of $all, wanted $want" >&2; exit 1; }
}
check gre-sample.pcap icmp subset
check gre-sample.pcap "tcp or udp" subset
check gre-sample.pcap "host 66.59.111.190 and icmp" subset
check vxlan-encapsulated-http.pcap "port 80" all
check vxlan-encapsulated-http.pcap "not port 80" none
