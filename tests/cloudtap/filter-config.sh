# A filter's $config takes the writer's keys, laid over CloudTap::redis_url:
# a filter with a Redis of its own keeps the cold tier and the other
# options (a filter's redis_url used to lose the Elasticsearch tier, and
# every other key was ignored), and an unknown key is refused by name.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
port=$(redis-start redis)
port2=$(redis-start redis2)
es=$(es-start es)
trap 'kill "$(cat redis/redis.pid)" "$(cat redis2/redis.pid)" "$(cat es/engine.pid)"' EXIT
cat > filters.zeek <<ZEEK
event zeek_init()
	{
	# Its own Redis and daily-index prefix; everything else from redis_url.
	Log::add_filter(Conn::LOG, [\$name="other-redis", \$writer=Log::WRITER_REDIS, \$path="conn_other",
	                            \$config=table(["redis_url"] = "redis://127.0.0.1:$port2/0", ["es-index-prefix"] = "other")]);
	# A misspelt key: this filter is refused, the others go on.
	Log::add_filter(DNS::LOG, [\$name="misspelt", \$writer=Log::WRITER_REDIS, \$path="dns_misspelt",
	                           \$config=table(["es-index-prefx"] = "x")]);
	}
ZEEK
zeek -C -r "$TRACES/inner/wikipedia.trace" CloudTap/logs-to-redis filters.zeek \
	"CloudTap::redis_url=redis://127.0.0.1:$port/0 es-flush-interval=200ms prefix=sensor1:" "CloudTap::elasticsearch_url=$es" 2> zeek.stderr || true
n=$(wc -l < <(zeek-cut uid < conn.log))
[[ $n -gt 5 ]] || { echo "only $n connections in conn.log" >&2; exit 1; }
# The filter's records are in its own Redis, and its embedded shipper put
# them into the cold tier under its prefix: the same uids as conn.log.
# The base's prefix= reached it too.
[[ $(redis-cli -p "$port2" XLEN sensor1:conn_other) -eq $n ]] || { echo "sensor1:conn_other in the filter's Redis: $(redis-cli -p "$port2" XLEN sensor1:conn_other), want $n" >&2; exit 1; }
[[ $(redis-cli -p "$port" EXISTS sensor1:conn_other) -eq 0 ]] || { echo "sensor1:conn_other also in the main Redis" >&2; exit 1; }
zeek-cut uid < conn.log | sort > conn.uids
es-uids "$es" "other-conn_other-*" "$n" > other.uids
diff -u conn.uids other.uids || { echo "other-conn_other-* differs from conn.log" >&2; exit 1; }
# The main filter still ships under the default prefix.
es-uids "$es" "zeek-conn-*" "$n" > main.uids
diff -u conn.uids main.uids
# The misspelt key, named with the closest one, in one line.
grep -o 'cloudtap: writer: invalid option es-index-prefx="x": unknown option; did you mean es-index-prefix?' zeek.stderr reporter.log 2>/dev/null | head -1 | sed 's/^[^:]*://' > refused
[[ -s refused ]] || { echo "the misspelt key was not refused by name:" >&2; cat zeek.stderr >&2; exit 1; }
cat refused
[[ $(redis-cli -p "$port" EXISTS sensor1:dns_misspelt) -eq 0 ]] || { echo "the refused filter wrote" >&2; exit 1; }
[[ $(redis-cli -p "$port" XLEN sensor1:dns) -gt 0 ]] || { echo "the other DNS filter stopped too" >&2; exit 1; }
