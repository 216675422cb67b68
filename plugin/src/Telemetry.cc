#include "Telemetry.h"

#include <zeek/telemetry/Manager.h>

#include <map>
#include <mutex>
#include <set>

namespace cloudtap::zeek_plugin::telemetry {

namespace {

struct Source {
    uintptr_t handle = 0; // 0 once closed
    cloudtap_src_stats last{};
};

std::mutex mu;
std::map<std::string, Source> sources;
std::map<std::string, cloudtap_log_stats> logs;
std::set<std::string> logs_registered;

cloudtap_src_stats sourceStats(const std::string& source) {
    std::lock_guard<std::mutex> lock(mu);
    auto& s = sources[source];
    if ( s.handle )
        cloudtap_src_get_stats(s.handle, &s.last);
    return s.last;
}

cloudtap_log_stats logStats(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu);
    return logs[path];
}

} // namespace

void SourceOpened(const std::string& source, uintptr_t handle) {
    bool known;
    {
        std::lock_guard<std::mutex> lock(mu);
        known = sources.count(source) > 0;
        sources[source].handle = handle;
    }
    if ( known )
        return; // reopened: its counters exist, and read the new handle
    struct Outcome {
        const char* name;
        uint64_t cloudtap_src_stats::* field;
    };
    static const Outcome outcomes[] = {
        {"received", &cloudtap_src_stats::received},       {"delivered", &cloudtap_src_stats::delivered},
        {"refused", &cloudtap_src_stats::refused},         {"other_session", &cloudtap_src_stats::other_session},
        {"other_worker", &cloudtap_src_stats::other_worker}, {"duplicate", &cloudtap_src_stats::duplicates},
        {"reassembled", &cloudtap_src_stats::reassembled}, {"malformed", &cloudtap_src_stats::malformed},
        {"kernel_drop", &cloudtap_src_stats::kernel_drops},
    };
    for ( const auto& o : outcomes ) {
        auto field = o.field;
        zeek::telemetry_mgr->CounterInstance("cloudtap", "source_packets", {{"source", source}, {"outcome", o.name}},
                                             "Tunnel packets a cloudtap source received, by what became of them", "",
                                             [source, field]() { return static_cast<double>(sourceStats(source).*field); });
    }
    // Reason 0 is "none": no packet is malformed for it.
    for ( uint32_t i = 1; const char* reason = cloudtap_reason_name(i); ++i )
        zeek::telemetry_mgr->CounterInstance("cloudtap", "source_malformed_packets",
                                             {{"source", source}, {"reason", reason}},
                                             "Tunnel packets a cloudtap source refused as malformed, by reason", "",
                                             [source, i]() {
                                                 auto s = sourceStats(source);
                                                 return i < s.nreasons ? static_cast<double>(s.by_reason[i]) : 0.0;
                                             });
}

void SourceClosed(const std::string& source) {
    std::lock_guard<std::mutex> lock(mu);
    auto& s = sources[source];
    if ( s.handle )
        cloudtap_src_get_stats(s.handle, &s.last);
    s.handle = 0;
}

void LogOpened(const std::string& path) {
    {
        std::lock_guard<std::mutex> lock(mu);
        if ( ! logs_registered.insert(path).second )
            return;
    }
    for ( const auto* outcome : {"written", "dropped"} ) {
        std::string o = outcome;
        zeek::telemetry_mgr->CounterInstance("cloudtap", "writer_records", {{"path", path}, {"outcome", outcome}},
                                             "Records of a log the Redis writer delivered, or dropped past its bound",
                                             "", [path, o]() {
                                                 auto s = logStats(path);
                                                 return static_cast<double>(o == "written" ? s.written : s.dropped);
                                             });
    }
    zeek::telemetry_mgr->GaugeInstance("cloudtap", "writer_buffered_records", {{"path", path}},
                                       "Records of a log waiting in the Redis writer's memory", "",
                                       [path]() { return static_cast<double>(logStats(path).buffered); });
    zeek::telemetry_mgr->CounterInstance("cloudtap", "writer_reconnects", {{"path", path}},
                                         "Times the Redis writer reconnected for a log", "",
                                         [path]() { return static_cast<double>(logStats(path).reconnects); });
}

void LogStats(const std::string& path, const cloudtap_log_stats& stats) {
    std::lock_guard<std::mutex> lock(mu);
    logs[path] = stats;
}

} // namespace cloudtap::zeek_plugin::telemetry
