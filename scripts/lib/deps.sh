# Installs what cloudtap's build and tests need on a Debian machine that
# has Go and a C compiler; a no-op where everything is present. Sourced by
# scripts/test and scripts/demo.

ensure_deps() {
	local missing=()
	command -v redis-server >/dev/null || missing+=(redis-server)
	command -v btest >/dev/null || missing+=(btest)
	command -v ip >/dev/null || missing+=(iproute2)
	command -v cc >/dev/null || missing+=(gcc libc6-dev)
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
	# Tests start their own redis-server on free ports; the packaged
	# service is not needed and must not hold a port.
	go mod download
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
