# Every shared GRE and ERSPAN capture, resent as live traffic into
# zeek -i cloudtap::gre:// (a raw IP socket, hence root), gives the inner
# connections Zeek logs decapsulating the raw trace itself.
# @TEST-REQUIRES: test "$(id -u)" -eq 0
# @TEST-EXEC: bash %INPUT > output
# @TEST-EXEC: btest-diff output
set -euo pipefail
for trace in "$TRACES"/gre*.pcap "$TRACES"/erspan*.pcap; do replay-capture-live gre "$trace"; done
