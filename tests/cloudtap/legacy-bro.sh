# What an old Bro runbook needs: env.sh sets ZEEK_PLUGIN_PATH and
# BRO_PLUGIN_PATH for the build, and the bro wrapper maps BRO_PLUGIN_PATH,
# BROPATH and BRO_PLUGIN_ACTIVATE onto their Zeek names.
# @TEST-EXEC: bash %INPUT > output 2>&1
# @TEST-EXEC: btest-diff output
set -euo pipefail
unset ZEEK_PLUGIN_PATH BRO_PLUGIN_PATH
build=$(cd "$CLOUDTAP_BUILD" && pwd)
(
	. "$build/env.sh"
	[[ $ZEEK_PLUGIN_PATH == "$build" && $BRO_PLUGIN_PATH == "$build" ]] && echo "env.sh: both plugin paths name the build"
	[[ $(command -v bro) == "$build/bin/bro" ]] && echo "env.sh: bro is on PATH"
)
bro=$build/bin/bro
echo "-- BRO_PLUGIN_PATH alone:"
BRO_PLUGIN_PATH=$build "$bro" -N CloudTap::Sensor
echo "-- BROPATH finds a site script:"
mkdir site && echo 'event zeek_init() { print "loaded through BROPATH"; }' > site/legacy.zeek
BROPATH=$PWD/site "$bro" -b legacy
echo "-- bare mode activates the plugin only through BRO_PLUGIN_ACTIVATE:"
if BRO_PLUGIN_PATH=$build "$bro" -b -r "cloudtap::file://$TRACES/vxlan.pcap" 2>/dev/null; then
	echo "unexpected: a bare zeek knew the cloudtap source without activation"
fi
BRO_PLUGIN_PATH=$build BRO_PLUGIN_ACTIVATE=CloudTap::Sensor "$bro" -b -r "cloudtap::file://$TRACES/vxlan.pcap" \
	-e 'event zeek_done() { print "read the capture through the activated plugin"; }'
