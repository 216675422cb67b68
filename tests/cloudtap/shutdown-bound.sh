# Zeek's shutdown has one bound, close-timeout for Redis then
# es-close-timeout for the embedded shipper, which a server that accepts
# connections and never answers cannot stretch: before, a black-holed
# Redis held Zeek for the writer's I/O timeout (10 s) and a black-holed
# Elasticsearch for the shipper's drain timeout (30 s). Upper bounds with
# room for a loaded machine over the same run against a Redis that
# answers, far below the old waits; every record is still accounted for.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
hole=$(blackhole-start hole)
port=$(redis-start redis)
here=$PWD
trap 'kill "$(cat "$here/hole/blackhole.pid")" "$(cat "$here/redis/redis.pid")"' EXIT
took() { python3 -c "import sys; print(int(float(sys.argv[2]) - float(sys.argv[1]) + 0.5))" "$1" "$(date +%s.%N)"; }

# The baseline: the same run against a Redis that answers.
mkdir base
start=$(date +%s.%N)
(cd base && zeek -C -r "$TRACES/inner/get.trace" CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:$port/15 close-timeout=1s")
base=$(took "$start")

# Redis black-holed, close-timeout=1s.
start=$(date +%s.%N)
zeek -C -r "$TRACES/inner/get.trace" CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:$hole/0 close-timeout=1s" 2>redis.stderr
t=$(took "$start")
((t <= base + 1 + 5)) || { echo "with Redis black-holed Zeek took $t s to stop, $base s with Redis answering: want about 1 s more (close-timeout=1s; the I/O timeout is 10 s)" >&2; exit 1; }
n=$(grep -vc '^#' conn.log)
grep -q "DROPPED $n records of log path \"conn\"" <(zeek-reports redis.stderr) ||
	{ echo "the $n undelivered conn records are not reported" >&2; exit 1; }
echo "Redis black-holed: stopped within the bound"

# Elasticsearch black-holed, es-close-timeout=1s: the records wait in Redis.
mkdir es && cd es
start=$(date +%s.%N)
zeek -C -r "$TRACES/inner/get.trace" CloudTap/logs-to-redis \
	"CloudTap::redis_url=redis://127.0.0.1:$port/0 close-timeout=1s es-close-timeout=1s es-flush-interval=50ms" \
	"CloudTap::elasticsearch_url=http://127.0.0.1:$hole" 2>stderr
t=$(took "$start")
((t <= base + 2 + 6)) || { echo "with Elasticsearch black-holed Zeek took $t s to stop, $base s with Redis alone: want about 2 s more (the drain timeout is 30 s)" >&2; exit 1; }
n=$(grep -vc '^#' conn.log)
[[ $(redis-cli -p "$port" XLEN zeek:conn) -eq $n ]] || { echo "zeek:conn does not hold the $n conn records" >&2; exit 1; }
backlog=$(group-backlog "$port" zeek:conn)
[[ $backlog -eq $n ]] || { echo "zeek:conn: $backlog records wait for the cold tier, want all $n" >&2; exit 1; }
echo "Elasticsearch black-holed: stopped within the bound, $n records wait in Redis"
