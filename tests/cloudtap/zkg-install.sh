# What users do: `zkg install` of this package, then Zeek from the
# installed copy, then `zkg remove`. Runs only where zkg is on PATH, or in
# Zeek's bin/, which tools/test puts first (btest
# reports it "not available, skipped" otherwise). The zkg here is
# hermetic: its config, state and script/plugin/bin directories are in this
# test's directory, and it knows no package source, so it neither touches
# the real Zeek's directories nor goes to the network.
#
# zkg installs from git, so the package is a git repository holding the
# working tree as it is now (tracked and untracked files, not ignored
# ones), committed in a fresh repo: what is tested is the checkout, not
# only its last commit. `zkg install` runs the package's test_command first
# (here the tests that need no capture: no shared/traces beside zkg's clone).
#
# @TEST-REQUIRES: command -v zkg && [ -z "${CLOUDTAP_IN_ZKG:-}" ]
# @TEST-EXEC: bash %INPUT > output 2>&1
# @TEST-EXEC: btest-diff output
set -euo pipefail
here=$PWD
unset CLOUDTAP_TRACES # the zkg clone is tested as users get it: no captures
root=$(cd "$CLOUDTAP_ROOT" && pwd)

# The package: the checkout's files, committed in a repo named cloudtap.
mkdir cloudtap
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -C cloudtap -xf -
git -C cloudtap init -q -b main
git -C cloudtap add -A
git -C cloudtap -c user.name=btest -c user.email=btest@localhost commit -q -m "the checkout under test"

cat > zkg.config <<CONFIG
[sources]
[paths]
state_dir = $here/zkg/state
script_dir = $here/zkg/site
plugin_dir = $here/zkg/plugins
bin_dir = $here/zkg/bin
CONFIG
zkg() { command zkg --configfile "$here/zkg.config" "$@"; }
show() { sed "s|$here|.|g"; } # paths relative to the test directory

echo "-- zkg install (runs the package's test_command first)"
if zkg install --force "$here/cloudtap" > install.out 2>&1; then
	echo "installed"
else
	cat install.out
	cat zkg/state/testing/cloudtap/clones/cloudtap/zkg.test_command.* 2>/dev/null || true
	cat zkg/state/logs/cloudtap-build.log 2>/dev/null | tail -40 || true
	exit 1
fi
grep -o 'running only the tests that need no capture' zkg/state/testing/cloudtap/clones/cloudtap/zkg.test_command.stdout
grep 'tests successful' zkg/state/testing/cloudtap/clones/cloudtap/zkg.test_command.stderr
zkg list installed | cut -d' ' -f1-3 | show

echo "-- what was installed"
(cd zkg && find plugins bin -path '*/packages/cloudtap/*' -prune -o -print | LC_ALL=C sort)
# Everything of the package: the plugin and its Zeek scripts, none of the
# repository's tools (tools/).
(cd zkg/plugins/packages/cloudtap && find . -mindepth 1 | LC_ALL=C sort)
usage=$(zkg/bin/cloudtap 2>&1 || true) # no command: usage, exit status 2
echo "bin/cloudtap: ${usage%%$'\n'*}"

echo "-- zeek -N through the installed plugin only"
export ZEEK_PLUGIN_PATH=$here/zkg/plugins
unset BRO_PLUGIN_PATH
zeek -N CloudTap::Sensor

echo "-- zeek -r cloudtap::file:// from the installed location"
mkdir run
(cd run && zeek -r "cloudtap::file://$TRACES/vxlan-encapsulated-http.pcap" CloudTap/session-key misc/loaded-scripts)
grep -E 'CloudTap|packages/cloudtap' run/loaded_scripts.log | sed 's/^ *//' | show
zeek-cut id.orig_h id.orig_p id.resp_h id.resp_p id.ctx.mirror_session proto service < run/conn.log

echo "-- zkg remove"
zkg remove --force cloudtap | show
zkg list installed | show
ls zkg/plugins/packages zkg/bin
if zeek -N CloudTap::Sensor > /dev/null 2>&1; then echo "unexpected: the plugin is still found"; else echo "zeek no longer finds CloudTap::Sensor"; fi
