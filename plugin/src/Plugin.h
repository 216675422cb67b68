#pragma once

#include <zeek/logging/WriterBackend.h>
#include <zeek/plugin/Plugin.h>

namespace plugin::CloudTap_Sensor {

class Plugin : public zeek::plugin::Plugin {
protected:
    zeek::plugin::Configuration Configure() override;
    void InitPostScript() override;
    void Done() override;
    // Makes the telemetry of every log Log::WRITER_REDIS writes, on the
    // main thread.
    void HookLogInit(const std::string& writer, const std::string& instantiating_filter, bool local, bool remote,
                     const zeek::logging::WriterBackend::WriterInfo& info, int num_fields,
                     const zeek::threading::Field* const* fields) override;
};

extern Plugin plugin;

} // namespace plugin::CloudTap_Sensor
