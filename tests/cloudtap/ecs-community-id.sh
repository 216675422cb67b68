# es-format=ecs: Zeek's logs reach the tests' OpenSearch node as ECS
# documents in logs-zeek.<dataset>-default, one per record, and each
# connection's network.community_id equals the community_id that Zeek's
# own policy/protocols/conn/community-id-logging.zeek logs for it.
# @TEST-EXEC: bash %INPUT
set -euo pipefail
port=$(redis-start redis)
es=$(es-start es)
trap 'kill "$(cat redis/redis.pid)" "$(cat es/engine.pid)"' EXIT
zeek -C -r "$TRACES/inner/wikipedia.trace" CloudTap/logs-to-redis policy/protocols/conn/community-id-logging \
	"CloudTap::redis_url=redis://127.0.0.1:$port/0 es-format=ecs es-flush-interval=200ms" "CloudTap::elasticsearch_url=$es"
want=$(grep -vc '^#' conn.log)
[[ $want -gt 10 ]] || { echo "only $want connections in conn.log" >&2; exit 1; }
zeek-cut uid community_id < conn.log | sort > zeek.ids
[[ $(cut -f2 zeek.ids | grep -c '^1:') -eq $want ]] || { echo "Zeek logged no community_id for some connections" >&2; exit 1; }
es-get "$es" "/logs-zeek.*/_refresh" '{}' >/dev/null # searchable now, not at the next refresh
es-get "$es" /logs-zeek.connection-default/_search \
	'{"size":10000,"track_total_hits":true,"_source":["zeek.session_id","network.community_id","event.dataset"]}' |
	python3 -c '
import json, sys
r = json.load(sys.stdin)["hits"]
for h in r["hits"]:
    s = h["_source"]
    assert s["event"]["dataset"] == "zeek.connection", s
    print(s["zeek"]["session_id"] + "\t" + s["network"]["community_id"])' | sort > es.ids
diff -u zeek.ids es.ids || { echo "network.community_id differs from Zeek's community_id" >&2; exit 1; }
for log in dns http; do
	n=$(es-get "$es" "/logs-zeek.$log-default/_count" '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
	[[ $n -eq $(grep -vc '^#' $log.log) ]] || { echo "logs-zeek.$log-default holds $n documents, $log.log $(grep -vc '^#' $log.log)" >&2; exit 1; }
done
