#include "Plugin.h"

#include <string>

#include <zeek/ID.h>
#include <zeek/Reporter.h>
#include <zeek/Val.h>
#include <zeek/util.h>
#include <zeek/conn_key/Component.h>
#include <zeek/input/Component.h>
#include <zeek/iosource/Component.h>
#include <zeek/logging/Component.h>

#include "PacketSource.h"
#include "RedisReader.h"
#include "RedisWriter.h"
#include "SessionConnKey.h"
#include "Telemetry.h"

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
    // Input::READER_REDIS: Redis keys into the Input framework (and so the
    // Intel framework: scripts/CloudTap/intel-from-redis.zeek).
    AddComponent(new zeek::input::Component("Redis", cloudtap::zeek_plugin::RedisReader::Instantiate));

    EnableHook(zeek::plugin::HOOK_LOG_INIT);

    zeek::plugin::Configuration config;
    config.name = "CloudTap::Sensor";
    config.description = "Packet source for cloud traffic mirroring (VXLAN, GENEVE, GRE, ERSPAN), a Redis log writer with an Elasticsearch cold tier, and a Redis input reader";
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
    // An input's $source that is a bare key is read from this server.
    cloudtap::zeek_plugin::RedisReader::Configure(s.url);
    // The script options that went into the configuration, for its errors.
    std::string from = "CloudTap::redis_url";
    // The cold tier is one more option of the same configuration string.
    auto es_url = zeek::id::find_val<zeek::StringVal>("CloudTap::elasticsearch_url")->ToStdString();
    if ( ! es_url.empty() ) {
        s.url += " elasticsearch=" + es_url;
        from += ", CloudTap::elasticsearch_url";
    }
    // 0 leaves the bound to close-timeout= in redis_url (5 s by default);
    // set, it is that option, and naming both is refused.
    auto close_timeout = zeek::id::find_val<zeek::IntervalVal>("CloudTap::redis_close_timeout")->Get();
    if ( close_timeout < 0 )
        zeek::reporter->FatalError("CloudTap::redis_close_timeout must not be negative");
    if ( close_timeout > 0 ) {
        s.url += zeek::util::fmt(" close-timeout=%lldms", static_cast<long long>(close_timeout * 1000 + 0.5));
        from += ", CloudTap::redis_close_timeout";
    }
    s.batch_size = zeek::id::find_val<zeek::CountVal>("CloudTap::redis_batch_size")->Get();
    if ( s.batch_size == 0 )
        zeek::reporter->FatalError("CloudTap::redis_batch_size must be at least 1");
    if ( auto err = cloudtap::zeek_plugin::RedisWriter::Configure(s); ! err.empty() )
        zeek::reporter->FatalError("%s: %s", from.c_str(), err.c_str());
}

void Plugin::HookLogInit(const std::string& writer, const std::string& instantiating_filter, bool local, bool remote,
                         const zeek::logging::WriterBackend::WriterInfo& info, int num_fields,
                         const zeek::threading::Field* const* fields) {
    if ( writer.ends_with("WRITER_REDIS") )
        cloudtap::zeek_plugin::telemetry::LogOpened(info.path);
}

void Plugin::Done() {
    cloudtap::zeek_plugin::RedisWriter::CloseAll();
    zeek::plugin::Plugin::Done();
}

} // namespace plugin::CloudTap_Sensor
