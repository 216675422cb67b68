# Installs what cloudtap's build and tests need on a Debian machine that
# has Go and a C compiler; a no-op where everything is present. Sourced by
# tools/test and tools/demo.

ensure_deps() {
	local missing=()
	command -v redis-server >/dev/null || missing+=(redis-server)
	command -v btest >/dev/null || missing+=(btest)
	command -v ip >/dev/null || missing+=(iproute2)
	command -v cc >/dev/null || missing+=(gcc libc6-dev)
	# The cold tier's tests run a real OpenSearch node, assembled from Maven
	# Central by gosrc/internal/estest.
	command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
	command -v mvn >/dev/null || missing+=(maven)
	# ... and put a real TLS and auth front (nginx) before it.
	command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
	# The shipper's metrics are scraped by a real Prometheus.
	command -v prometheus >/dev/null || missing+=(prometheus)
	# With a Zeek to build the plugin against: CMake and a C++ compiler.
	if [[ -n "$(find_zeek)" ]]; then
		command -v cmake >/dev/null || missing+=(cmake)
		command -v c++ >/dev/null || missing+=(g++)
	fi
	if ((${#missing[@]})); then
		if [[ $(id -u) -ne 0 ]]; then
			echo "cloudtap: missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root" >&2
			return 1
		fi
		echo "cloudtap: installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	# zkg (installed with Zeek) is Python and needs GitPython and
	# semantic-version in the python3 it runs with; the zkg-install test
	# runs it.
	local z zkg
	while read -r z; do
		zkg=$(dirname "$z")/zkg
		[[ -x $zkg ]] || continue
		"$zkg" --version >/dev/null 2>&1 && continue
		if [[ $(id -u) -ne 0 ]]; then
			echo "cloudtap: $zkg cannot run: install GitPython and semantic-version for python3 (pip3 install GitPython semantic-version)" >&2
			return 1
		fi
		echo "cloudtap: installing GitPython and semantic-version for $zkg"
		python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore GitPython semantic-version >/dev/null
	done < <(zeek_dists)
	# Tests start their own redis-server on free ports; the packaged
	# service is not needed and must not hold a port.
	go mod download
}

# zeek_dists prints the zeek binary of every Zeek to test against, one per
# line, each once: ZEEK_DISTS (install prefixes, separated by : or spaces) if set,
# else find_zeek's and every /opt/zeek*/bin/zeek beside it (8.0 LTS at
# /opt/zeek and 9.0 at /opt/zeek-9.0, say).
zeek_dists() {
	local z seen=() out=()
	if [[ -n ${ZEEK_DISTS:-} ]]; then
		for z in ${ZEEK_DISTS//:/ }; do out+=("$z/bin/zeek"); done
	else
		z=$(find_zeek)
		[[ -n $z ]] && out+=("$z")
		for z in /opt/zeek*/bin/zeek; do [[ -x $z ]] && out+=("$z"); done
	fi
	for z in "${out[@]}"; do
		[[ -x $z ]] || { echo "cloudtap: ZEEK_DISTS names $z, which is not there" >&2; continue; }
		local real
		real=$(readlink -f "$z")
		[[ " ${seen[*]} " == *" $real "* ]] && continue
		seen+=("$real")
		echo "$z"
	done
}

# find_zeek prints the zeek binary to use: on PATH, beside zeek-config, or
# under /opt/zeek. Prints nothing when there is none.
find_zeek() {
	if command -v zeek >/dev/null; then
		command -v zeek
	elif command -v zeek-config >/dev/null && [[ -x "$(zeek-config --prefix)/bin/zeek" ]]; then
		echo "$(zeek-config --prefix)/bin/zeek"
	elif [[ -x /opt/zeek/bin/zeek ]]; then
		echo /opt/zeek/bin/zeek
	fi
}
