#include "Plugin.h"

#include <zeek/conn_key/Component.h>
#include <zeek/iosource/Component.h>

#include "PacketSource.h"
#include "SessionConnKey.h"

namespace plugin::CloudTap_Sensor {

Plugin plugin;

zeek::plugin::Configuration Plugin::Configure() {
    // zeek -i cloudtap::vxlan://:4789 (live) and zeek -r cloudtap::file:///trace.pcap.
    AddComponent(new zeek::iosource::PktSrcComponent("CloudTapSource", "cloudtap", zeek::iosource::PktSrcComponent::BOTH,
                                                     cloudtap::zeek_plugin::PacketSource::Instantiate));
    // The 5-tuple plus mirror session; scripts/CloudTap/session-key.zeek selects it.
    AddComponent(new zeek::conn_key::Component("CLOUDTAP_SESSION_FIVETUPLE",
                                               cloudtap::zeek_plugin::SessionConnKeyFactory::Instantiate));

    zeek::plugin::Configuration config;
    config.name = "CloudTap::Sensor";
    config.description = "Packet source for cloud traffic mirroring: VXLAN, GENEVE, GRE, ERSPAN";
    config.version.major = 0;
    config.version.minor = 1;
    config.version.patch = 0;
    return config;
}

} // namespace plugin::CloudTap_Sensor
