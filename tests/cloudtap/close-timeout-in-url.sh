# close-timeout= in CloudTap::redis_url bounds Zeek's wait for Redis at
# shutdown (it used to be overridden by CloudTap::redis_close_timeout's
# 5 s). With Redis away, Zeek waits the whole bound: at least 12 s here, so
# a 5 s close would show. A lower bound only: a busy machine is slower,
# never faster.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
port=$(free-udp-port) # nothing listens on it over TCP either
start=$(date +%s.%N)
zeek -C -r "$TRACES/inner/get.trace" CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:$port/0 close-timeout=12s" 2>stderr
took=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
python3 -c "import sys; t = float(sys.argv[1]); sys.exit(0 if 11.5 <= t < 60 else 'Zeek took %.1f s to give up on Redis, want 12 s (close-timeout=12s)' % t)" "$took"
n=$(grep -vc '^#' conn.log)
grep -q "DROPPED $n records of log path \"conn\"" <(zeek-reports stderr) ||
	{ echo "reporter.log does not report the $n undelivered conn records" >&2; exit 1; }
