// Input::READER_REDIS: a Zeek input reader over cloudtap's Go reader
// (gosrc/internal/redisinput). Go reads Redis and checks each value
// against its field's type; this adaptor turns the rows, already in
// Zeek's ASCII form, into values with Zeek's own formatter and hands them
// to the Input framework.
#pragma once

#include <zeek/input/ReaderBackend.h>
#include <zeek/threading/formatters/Ascii.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cloudtap::zeek_plugin {

class RedisReader : public zeek::input::ReaderBackend {
public:
    explicit RedisReader(zeek::input::ReaderFrontend* frontend);
    ~RedisReader() override;

    static zeek::input::ReaderBackend* Instantiate(zeek::input::ReaderFrontend* frontend) {
        return new RedisReader(frontend);
    }

    // Configure takes CloudTap::redis_url, the server of a $source that is
    // a bare key; called from the plugin's InitPostScript, before any
    // reader thread starts.
    static void Configure(const std::string& default_url);

protected:
    bool DoInit(const ReaderInfo& info, int num_fields, const zeek::threading::Field* const* fields) override;
    void DoClose() override;
    bool DoUpdate() override;
    bool DoHeartbeat(double network_time, double current_time) override;

private:
    // Take hands Zeek every row the Go reader has waiting.
    void Take();
    void ReportMessages();

    uintptr_t reader = 0;
    int num_fields = 0;
    const zeek::threading::Field* const* fields = nullptr;
    std::unique_ptr<zeek::threading::formatter::Ascii> formatter;
};

} // namespace cloudtap::zeek_plugin
