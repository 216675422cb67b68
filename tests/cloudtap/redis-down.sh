# With Redis down for the whole run, Zeek is not blocked: it finishes after
# CloudTap::redis_close_timeout, warns that Redis cannot be reached, and
# reports, per log, exactly how many records it could not deliver
# (reporter.log, or stderr for what is said at shutdown; Scripts/zeek-reports).
# @TEST-EXEC: bash %INPUT
set -euo pipefail
port=$(free-udp-port) # nothing listens on it over TCP either
start=$(date +%s)
zeek -C -r "$TRACES/inner/wikipedia.trace" CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:$port/0" \
	CloudTap::redis_close_timeout=1sec 2>stderr || { rc=$?; cat stderr >&2; echo "zeek failed (exit $rc)" >&2; exit 1; }
[[ $(($(date +%s) - start)) -lt 20 ]] || { echo "Zeek took too long to give up on Redis" >&2; exit 1; }
zeek-reports stderr > reports
for log in conn dns http; do
	n=$(grep -vc '^#' $log.log)
	grep -q "DROPPED $n records of log path \"$log\"" reports ||
		{ echo "reporter.log does not report the $n undelivered $log records" >&2; exit 1; }
done
grep -q "cloudtap: Redis: connect to redis at 127.0.0.1:$port: .*connection refused (records wait in memory; retrying)" reports ||
	{ echo "reporter.log does not warn that Redis at 127.0.0.1:$port cannot be reached" >&2; exit 1; }
# Not as a raw Go log line on stderr ("2026/12/01 12:00:00 ERROR ..."), which
# no Zeek log keeps.
if grep -E '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} ERROR ' stderr; then
	echo "the outage went to stderr through Go's log instead of Zeek's reporter" >&2
	exit 1
fi
