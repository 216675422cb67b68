# The Kubernetes manifests rehearsed without a cluster: the base
# (deploy/kubernetes/base) with a Secret of the test's own, rendered by
# kustomize's library and checked (k8s-pod, gosrc/internal/k8scheck); then
# one Redis pod, one sensor pod (its two Zeek containers share a network
# namespace, as a pod's containers do) and one shipper pod, each
# container started by Scripts/k8s-run with the command, arguments,
# environment, files, user and capabilities rendered, a read-only root,
# in network namespaces joined by a bridge (the pod network), and
# /etc/hosts standing in for the cluster's DNS. A mirror sends the sample
# sessions as VXLAN to the sensor pod's address, as an NLB with IP
# targets does. The probes are asked as the kubelet would, then SIGTERM
# ends every pod inside its grace period. Checked: Redis holds each
# connection `zeek -r` logs, once; the cold tier (a real OpenSearch node
# outside the "cluster") holds the same records; the sensor's metrics
# count every packet sent as delivered. Needs root.
# @TEST-REQUIRES: test "$(id -u)" = 0 && command -v setpriv >/dev/null && command -v unshare >/dev/null && command -v curl >/dev/null
# @TEST-EXEC: bash %INPUT
set -euo pipefail
t=k$$
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null || true
	[[ -f engine/engine.pid ]] && kill "$(cat engine/engine.pid)" 2>/dev/null || true
	for n in redis sensor ship; do ip netns del $t-$n 2>/dev/null || true; done
	ip link del br$t 2>/dev/null || true
}
trap 'cleanup || true' EXIT

# The pod network: a bridge on the "node" (10.92.0.1), a pod a namespace.
ip link add br$t type bridge
ip addr add 10.92.0.1/24 dev br$t
ip link set br$t up
i=1
for n in redis sensor ship; do
	i=$((i + 1))
	ip netns add $t-$n
	ip -n $t-$n link set lo up
	ip link add $t$n type veth peer name eth0 netns $t-$n
	ip link set $t$n master br$t up
	ip -n $t-$n addr add 10.92.0.$i/24 dev eth0
	ip -n $t-$n link set eth0 up
	ip -n $t-$n route add default via 10.92.0.1
done
redis_ip=10.92.0.2 sensor_ip=10.92.0.3 ship_ip=10.92.0.4

# The cold tier, outside the cluster: serving the bridge too.
url=$(es-start engine -set http.host=0.0.0.0)
es_port=${url##*:}

# An overlay of the test's own: the base with real secrets.
password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir overlay
base=$(realpath --relative-to=overlay "$CLOUDTAP_ROOT/deploy/kubernetes/base") # kustomize takes no absolute path
cat > overlay/kustomization.yaml <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $base
secretGenerator:
  - name: cloudtap
    behavior: replace
    literals:
      - redis-password=$password
      - elasticsearch-url=http://opensearch.rehearsal:$es_port
YAML
for pc in redis:cloudtap-redis:redis zeek-0:cloudtap-sensor:zeek-0 zeek-1:cloudtap-sensor:zeek-1 ship:cloudtap-shipper:ship; do
	IFS=: read -r dir workload container <<<"$pc"
	(cd "$CLOUDTAP_ROOT" && go run ./gosrc/internal/cmd/k8s-pod "$OLDPWD/overlay" "$workload" "$container" "$OLDPWD/pods/$dir")
done
hosts=("$redis_ip cloudtap-redis" "10.92.0.1 opensearch.rehearsal")
# The image's plugin: the tarball `make install` (and deploy/Dockerfile)
# installs, not the build tree, whose scripts/ links into the checkout.
mkdir -p image/plugins
tar -xzf "$CLOUDTAP_BUILD/CloudTap_Sensor.tgz" -C image/plugins
export ZEEK_PLUGIN_PATH=$PWD/image/plugins

# ready HOST PORT [PATH]: the pod's readiness probe, from the node.
ready() {
	for _ in $(seq 300); do
		if [[ -n ${3:-} ]]; then curl -sf -o /dev/null "http://$1:$2$3" && return 0
		else (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; fi
		sleep 0.2
	done
	echo "no answer from the probe at $1:$2${3:-}" >&2
	return 1
}
k8s-run $t-redis pods/redis cloudtap-redis-0 "${hosts[@]}" > redis.out 2>&1 &
pids+=($!) redis_pid=$!
ready $redis_ip 6379 || { cat redis.out >&2; exit 1; }
for w in 0 1; do
	k8s-run $t-sensor pods/zeek-$w cloudtap-sensor-0 "${hosts[@]}" > zeek-$w.out 2>&1 &
	pids+=($!) zeek_pids[$w]=$!
done
k8s-run $t-ship pods/ship cloudtap-shipper-0 "${hosts[@]}" > ship.out 2>&1 &
pids+=($!) ship_pid=$!
ready $sensor_ip 9911 /metrics || { cat zeek-0.out >&2; exit 1; }
ready $sensor_ip 9912 /metrics || { cat zeek-1.out >&2; exit 1; }
ready $ship_ip 9118 /healthz || { cat ship.out >&2; exit 1; }
for w in 0 1; do
	ps -o user= -p ${zeek_pids[$w]} | grep -qx nobody || { echo "zeek-$w does not run as the pod's user 65534:" >&2; ps -o user,args -p ${zeek_pids[$w]} >&2; exit 1; }
done

# The mirror: the sample sessions as VXLAN, at a rate no buffer overflows.
(cd "$CLOUDTAP_ROOT" && go run ./gosrc/internal/cmd/samples --dir "$OLDPWD/samples") > samples.txt
sent=$(awk '$1 ~ /plain.pcap$/ { print $2 }' samples.txt)
cloudtap replay --read samples/plain.pcap --encap vxlan --to $sensor_ip:4789 --vni 42 --pps 5000
sleep 1

# Every packet sent was delivered to one of the two Zeeks.
delivered=0
for port in 9911 9912; do
	n=$(curl -sf "http://$sensor_ip:$port/metrics" | awk '/^cloudtap_source_packets_total\{.*outcome="delivered"/ { s += $2 } END { print s + 0 }')
	((n > 0)) || { echo "the Zeek on metrics port $port got no packet: flows are not spread over both workers" >&2; exit 1; }
	delivered=$((delivered + n))
done
((delivered == sent)) || { echo "the sensor's metrics count $delivered packets delivered, $sent were sent" >&2; exit 1; }

# The kubelet's SIGTERM, to both containers of the sensor pod at once;
# each must end inside the pod's grace period, with status 0.
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]; }
stop() { # GRACE NAME=PID...
	local grace=$1 p
	shift
	for p in "$@"; do kill -TERM "${p#*=}"; done
	local deadline=$((SECONDS + grace))
	for p in "$@"; do
		while alive "${p#*=}" && ((SECONDS < deadline)); do sleep 0.1; done
		if alive "${p#*=}"; then echo "${p%%=*} outlived its grace period of $grace s" >&2; return 1; fi
		wait "${p#*=}" || { echo "${p%%=*} exited with status $? after SIGTERM" >&2; return 1; }
	done
}
stop 30 zeek-0=${zeek_pids[0]} zeek-1=${zeek_pids[1]} || { tail zeek-0.out zeek-1.out >&2; exit 1; }

# What Zeek logs reading the same sessions, and what Redis holds.
mkdir ref && (cd ref && zeek -C -r ../samples/plain.pcap)
zeek-cut id.orig_h id.orig_p id.resp_h id.resp_p proto < ref/conn.log | sort > ref.conns
ip netns exec $t-redis env REDISCLI_AUTH=$password redis-cli --raw XRANGE zeek:conn - + |
	python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
for i, l in enumerate(lines):
    if l == "json":
        r = json.loads(lines[i + 1])
        print("\t".join(str(r[k]) for k in ("id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto")))
' | sort > redis.conns
[[ -s ref.conns ]] || { echo "zeek -r logged no connection" >&2; exit 1; }
diff -u ref.conns redis.conns >&2 || { echo "Redis's zeek:conn differs from zeek -r's conn.log (above)" >&2; exit 1; }

# The shipper takes them all to the cold tier, then ends on SIGTERM.
ip netns exec $t-redis env REDISCLI_AUTH=$password redis-uids 6379 zeek:conn > redis.uids
# The shipper started before Zeek made any stream: it finds zeek:conn at
# its next look, discover-interval (30 s) after it started.
ES_WAIT=90 es-uids "$url" 'zeek-conn-*' "$(wc -l < redis.uids)" > es.uids
diff -u redis.uids es.uids >&2 || { echo "the cold tier differs from Redis (above)" >&2; tail ship.out >&2; exit 1; }
stop 45 cloudtap-shipper=$ship_pid || { tail ship.out >&2; exit 1; }
stop 30 cloudtap-redis=$redis_pid || { tail redis.out >&2; exit 1; }
if grep -E ' (error|warning) ' zeek-0.out zeek-1.out >&2; then echo "the sensor reported problems (above)" >&2; exit 1; fi
echo "rehearsed: $sent packets delivered, $(wc -l < ref.conns) connections in Redis and in the cold tier"
