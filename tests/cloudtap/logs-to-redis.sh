# @load CloudTap/logs-to-redis sends every log to Redis as well: each
# stream holds exactly the records of the ASCII log beside it. A filter of
# its own can name another Redis and the list layout (Logstash, Filebeat).
# @TEST-EXEC: bash %INPUT
set -euo pipefail
port=$(redis-start redis)
trap 'kill "$(cat redis/redis.pid)"' EXIT
zeek -C -r "$TRACES/inner/wikipedia.trace" CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:$port/0" \
	-e "event zeek_init() { Log::add_filter(HTTP::LOG, [\$name=\"list\", \$path=\"http_list\", \$writer=Log::WRITER_REDIS, \$config=table([\"redis_url\"] = \"redis://127.0.0.1:$port/1?mode=list&prefix=logstash:\")]); }"
checked=0
for log in conn dns http; do
	[[ -s $log.log ]] || { echo "no $log.log" >&2; exit 1; }
	redis-matches-log "$port" $log
	checked=$((checked + $(wc -l < $log.ascii)))
done
[[ $checked -gt 50 ]] || { echo "only $checked records compared" >&2; exit 1; }
# The per-filter Redis: database 1, list layout, its own prefix. (Zeek
# shares one writer between filters of the same writer and path, hence the
# filter's own $path.)
redis-cli -p "$port" -n 1 TYPE logstash:http_list | grep -qx list
redis-matches-log "$port" http logstash:http_list 1
