# With the cold tier switched on but Elasticsearch down, Zeek is not held
# up: it finishes after the shipper's close timeout, warns (reporter.log, or stderr at shutdown;
# Scripts/zeek-reports) that Elasticsearch cannot be reached (never showing the password), and
# every record waits in Redis, unacknowledged by the cold tier's group.
# Once Elasticsearch is up, `cloudtap ship` ships exactly those records.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
port=$(redis-start redis)
ship=
trap 'kill "$(cat redis/redis.pid)" "$(cat es/engine.pid 2>/dev/null)" $ship 2>/dev/null || true' EXIT
esport=$(free-udp-port) # nothing listens there over TCP
start=$(date +%s)
zeek -C -r "$TRACES/inner/wikipedia.trace" CloudTap/logs-to-redis \
	"CloudTap::redis_url=redis://127.0.0.1:$port/0 es-close-timeout=1s es-backoff-max=200ms" \
	"CloudTap::elasticsearch_url=http://elastic:s3cret-pw@127.0.0.1:$esport" 2>stderr
[[ $(($(date +%s) - start)) -lt 20 ]] || { echo "Zeek took too long to give up on Elasticsearch" >&2; exit 1; }
zeek-reports stderr > reports
grep -q "cloudtap: Elasticsearch shipper: .*127.0.0.1:$esport.*connection refused" reports ||
	{ echo "reporter.log does not warn that Elasticsearch at 127.0.0.1:$esport cannot be reached" >&2; cat reports >&2; exit 1; }
! grep -q "s3cret-pw" reports stderr || { echo "the Elasticsearch password was shown" >&2; exit 1; }
# What the writer reports after Zeek's logs have closed goes to stderr
# ("2026/12/01 12:00:00 ERROR ..."), each message once: the shipper retries
# every path over and over meanwhile.
repeated=$( (grep -E '^[0-9]{4}/[0-9]{2}/[0-9]{2} ' stderr || true) | cut -d' ' -f3- | sort | uniq -d)
[[ -z $repeated ]] || { echo "stderr repeats: $repeated" >&2; exit 1; }
for log in conn dns http; do
	redis-matches-log "$port" $log
	backlog=$(group-backlog "$port" "zeek:$log")
	[[ $backlog -eq $(wc -l < $log.ascii) ]] ||
		{ echo "zeek:$log: $backlog records wait for the cold tier, want all $(wc -l < $log.ascii)" >&2; exit 1; }
done

es=$(es-start es)
cloudtap ship --redis "redis://127.0.0.1:$port/0" --elasticsearch "$es" --flush-interval 200ms --claim-idle 1s \
	--consumer late-shipper > ship.out 2>&1 &
ship=$!
for log in conn dns http; do
	es-uids "$es" "zeek-$log-*" "$(wc -l < $log.ascii)" > $log.es
	diff -u $log.ascii $log.es || { echo "zeek-$log-* differs from $log.log" >&2; cat ship.out >&2; exit 1; }
done
kill -TERM $ship
wait $ship || { echo "cloudtap ship did not stop cleanly" >&2; cat ship.out >&2; exit 1; }
ship=
for log in conn dns http; do
	backlog=$(group-backlog "$port" "zeek:$log")
	[[ $backlog -eq 0 ]] || { echo "zeek:$log: $backlog records unacknowledged after cloudtap ship" >&2; exit 1; }
done
