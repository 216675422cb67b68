# CloudTap::elasticsearch_url switches on the cold tier: Zeek's logs reach
# Redis and, through the shipper inside Zeek, the tests' OpenSearch node,
# before Zeek exits: each index holds exactly the records of the ASCII log
# beside it, once each, typed from the Zeek schema.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
port=$(redis-start redis)
es=$(es-start es)
trap 'kill "$(cat redis/redis.pid)" "$(cat es/engine.pid)"' EXIT
zeek -C -r "$TRACES/inner/wikipedia.trace" CloudTap/logs-to-redis \
	"CloudTap::redis_url=redis://127.0.0.1:$port/0 es-flush-interval=200ms" "CloudTap::elasticsearch_url=$es"
checked=0
for log in conn dns http; do
	[[ -s $log.log ]] || { echo "no $log.log" >&2; exit 1; }
	redis-matches-log "$port" $log
	es-uids "$es" "zeek-$log-*" "$(wc -l < $log.ascii)" > $log.es
	diff -u $log.ascii $log.es || { echo "zeek-$log-* differs from $log.log" >&2; exit 1; }
	# Zeek waited for the shipper: the group has acknowledged everything.
	backlog=$(group-backlog "$port" "zeek:$log")
	[[ $backlog -eq 0 ]] || { echo "zeek:$log: $backlog records unacknowledged after exit" >&2; exit 1; }
	checked=$((checked + $(wc -l < $log.ascii)))
done
[[ $checked -gt 50 ]] || { echo "only $checked records compared" >&2; exit 1; }
# Typed by the template built from conn.log's schema: time as a date, count
# as a long, string as a keyword, addr as an ip (found by a CIDR term).
day=$(date -u -d "@$(zeek-cut ts < conn.log | head -1)" +%Y.%m.%d)
es-get "$es" "/zeek-conn-$day/_mapping" | python3 -c '
import json, sys
props = json.load(sys.stdin)[sys.argv[1]]["mappings"]["properties"]
want = {"ts": "date", "@timestamp": "date", "uid": "keyword", "orig_bytes": "long", "proto": "keyword", "id.orig_h": "ip"}
def typ(name):
    p = {"properties": props}
    for part in name.split("."):
        p = p.get("properties", {}).get(part, {})
    return p.get("type")
got = {k: typ(k) for k in want}
if got != want:
    sys.exit(f"conn mapping: want {want}, got {got}")' "zeek-conn-$day"
orig=$(zeek-cut id.orig_h < conn.log | sort -u | head -1)
want=$(zeek-cut id.orig_h < conn.log | grep -cxF "$orig")
found=$(es-get "$es" "/zeek-conn-*/_count" "{\"query\":{\"term\":{\"id.orig_h\":\"$orig/32\"}}}" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[[ $found -eq $want ]] || { echo "a CIDR term on id.orig_h=$orig/32 found $found, want $want" >&2; exit 1; }
