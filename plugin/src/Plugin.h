#pragma once

#include <zeek/plugin/Plugin.h>

namespace plugin::CloudTap_Sensor {

class Plugin : public zeek::plugin::Plugin {
protected:
    zeek::plugin::Configuration Configure() override;
    void InitPostScript() override;
    void Done() override;
};

extern Plugin plugin;

} // namespace plugin::CloudTap_Sensor
