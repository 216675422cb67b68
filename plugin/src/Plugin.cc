#include "Plugin.h"

#include <zeek/ID.h>
#include <zeek/Reporter.h>
#include <zeek/Val.h>
#include <zeek/conn_key/Component.h>
#include <zeek/iosource/Component.h>
#include <zeek/logging/Component.h>

#include "PacketSource.h"
#include "RedisWriter.h"
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

    // Log::WRITER_REDIS.
    AddComponent(new zeek::logging::Component("Redis", cloudtap::zeek_plugin::RedisWriter::Instantiate));

    zeek::plugin::Configuration config;
    config.name = "CloudTap::Sensor";
    config.description = "Packet source for cloud traffic mirroring (VXLAN, GENEVE, GRE, ERSPAN) and a Redis log writer with an Elasticsearch cold tier";
    config.version.major = 0;
    config.version.minor = 1;
    config.version.patch = 0;
    return config;
}

// The writer's options are read here, on the main thread, once scripts have
// set them; a bad Redis URL stops Zeek with one clear error. Redis itself
// need not be up: records wait in a bounded buffer while cloudtap retries.
void Plugin::InitPostScript() {
    cloudtap::zeek_plugin::RedisSettings s;
    s.url = zeek::id::find_val<zeek::StringVal>("CloudTap::redis_url")->ToStdString();
    // The cold tier is one more option of the same configuration string.
    auto es_url = zeek::id::find_val<zeek::StringVal>("CloudTap::elasticsearch_url")->ToStdString();
    if ( ! es_url.empty() )
        s.url += " elasticsearch=" + es_url;
    s.batch_size = zeek::id::find_val<zeek::CountVal>("CloudTap::redis_batch_size")->Get();
    s.close_timeout_ms = static_cast<int>(zeek::id::find_val<zeek::IntervalVal>("CloudTap::redis_close_timeout")->Get() * 1000);
    if ( s.batch_size == 0 )
        zeek::reporter->FatalError("CloudTap::redis_batch_size must be at least 1");
    if ( auto err = cloudtap::zeek_plugin::RedisWriter::Configure(s); ! err.empty() )
        zeek::reporter->FatalError("%s: %s",
                                   es_url.empty() ? "CloudTap::redis_url" :
                                                    "CloudTap::redis_url, CloudTap::elasticsearch_url",
                                   err.c_str());
}

void Plugin::Done() {
    cloudtap::zeek_plugin::RedisWriter::CloseAll();
    zeek::plugin::Plugin::Done();
}

} // namespace plugin::CloudTap_Sensor
