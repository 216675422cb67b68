// Log::WRITER_REDIS: a Zeek log writer over cloudtap's Go hot tier. It
// renders records with Zeek's own JSON formatter and hands them to Go in
// batches; buffering, reconnecting and delivery happen in Go.
#pragma once

#include <zeek/logging/WriterBackend.h>
#include <zeek/threading/formatters/JSON.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cloudtap::zeek_plugin {

// Settings read from script-land once, on the main thread, before any
// writer thread starts (writer threads must not touch script values).
struct RedisSettings {
    std::string url; // the writer's configuration string, every script option in it
    size_t batch_size = 1000;
};

class RedisWriter : public zeek::logging::WriterBackend {
public:
    explicit RedisWriter(zeek::logging::WriterFrontend* frontend);
    ~RedisWriter() override;

    static zeek::logging::WriterBackend* Instantiate(zeek::logging::WriterFrontend* frontend) {
        return new RedisWriter(frontend);
    }

    // Configure is called from the plugin's InitPostScript; it checks the
    // configuration and returns an error message, empty when fine.
    static std::string Configure(const RedisSettings& settings);
    // CloseAll closes any Go writer a log left open, at shutdown.
    static void CloseAll();

protected:
    bool DoInit(const WriterInfo& info, int num_fields, const zeek::threading::Field* const* fields) override;
    bool DoWrite(int num_fields, const zeek::threading::Field* const* fields, zeek::threading::Value** vals) override;
    bool DoSetBuf(bool enabled) override;
    bool DoRotate(const char* rotated_path, double open, double close, bool terminating) override;
    bool DoFlush(double network_time) override;
    bool DoFinish(double network_time) override;
    bool DoHeartbeat(double network_time, double current_time) override;

private:
    // Send hands the pending records to Go; drops are reported loudly.
    void Send();
    // ReportMessages turns the Go writer's waiting messages into warnings.
    void ReportMessages();
    // Report is Warning, but for what DoFinish says while Zeek shuts down
    // on Zeek 8, where it goes to stderr (see RedisWriter.cc).
    void Report(const char* msg);
    void PublishStats();

    std::unique_ptr<zeek::threading::Formatter> formatter;
    // The shortest real time between two heartbeats that do work. Live,
    // heartbeats come a second apart anyway; this only thins out those of
    // a trace read faster than real time (see DoHeartbeat).
    static constexpr std::chrono::milliseconds heartbeat_interval{100};
    std::chrono::steady_clock::time_point last_beat{};

    uintptr_t writer = 0; // the shared Go writer of this log's configuration
    uintptr_t log = 0;
    bool buffered = true;
    std::vector<std::string> pending;
};

} // namespace cloudtap::zeek_plugin
