# GRE-in-UDP (RFC 8086, UDP 4754), which Zeek decapsulates itself: a
# capture of it read through cloudtap::file://, and the same traffic
# replayed live into zeek -i cloudtap::greudp://, give the inner
# connections Zeek logs decapsulating the raw capture, with the GRE key as
# the mirror session. The capture is the repository's own samples (no
# shared traces needed).
# @TEST-EXEC: bash %INPUT
set -euo pipefail
(cd "$CLOUDTAP_ROOT" && go run ./gosrc/internal/cmd/samples --dir "$OLDPWD/s" >/dev/null)
trace=$PWD/s/greudp.pcap
mkdir ref file live
(cd ref && zeek -C -r "$trace" && conn-fields ref < conn.log > fields)
[[ -s ref/fields ]] || { echo "Zeek's reference has no inner connection" >&2; exit 1; }
(cd file && zeek -C -r "cloudtap::file://$trace" CloudTap/session-key && conn-fields got < conn.log > fields)
diff -u ref/fields file/fields || { echo "cloudtap::file:// differs from Zeek's own decapsulation" >&2; exit 1; }
sessions=$(zeek-cut id.ctx.mirror_session < file/conn.log | sort -u | tr '\n' ' ')
[[ $sessions == "42 " ]] || { echo "mirror sessions $sessions, want the samples' GRE key 42 on every connection" >&2; exit 1; }
echo "file: $(wc -l < file/fields) connections, as zeek -r; mirror session: $sessions"
# Live: replay-capture-live resends each packet's own tunnel to greudp://.
replay-capture-live greudp "$trace"
