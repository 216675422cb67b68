#include "RedisWriter.h"

#include "CApi.h"
#include "Telemetry.h"

#include <zeek/Desc.h>
#include <zeek/RunState.h>
#include <zeek/zeek-config.h>
#include <zeek/util.h>

#include <cstdio>
#include <map>
#include <mutex>

#include "libcloudtap.h"

namespace cloudtap::zeek_plugin {

namespace {

RedisSettings settings;

// One Go writer per configuration (CloudTap::redis_url with a filter's
// $config laid over it), shared by every log's writer thread that uses it:
// Go's writer is safe for concurrent use and keeps one buffer bound for
// all. It is closed when the last log using it finishes, on that log's
// thread, so that nothing of it is left for Plugin::Done, after Zeek's
// threads are gone.
struct SharedWriter {
    uintptr_t handle = 0;
    int logs = 0;
};
std::mutex writers_mutex;
std::map<std::string, SharedWriter> writers;

// writerKey names a filter's configuration: the same $config shares a
// writer. Zeek's table is ordered by key, so the same table gives the same
// key.
std::string writerKey(const zeek::logging::WriterBackend::WriterInfo::config_map& config) {
    std::string key;
    for ( const auto& [k, v] : config )
        key += std::string(k) + "=" + std::string(v) + "\n";
    return key;
}

uintptr_t acquireWriter(const zeek::logging::WriterBackend::WriterInfo::config_map& config, std::string* err) {
    std::lock_guard<std::mutex> lock(writers_mutex);
    auto key = writerKey(config);
    auto& shared = writers[key];
    if ( ! shared.handle ) {
        std::vector<cloudtap_option> overrides;
        for ( const auto& [k, v] : config )
            overrides.push_back({k, v});
        char* cerr = nullptr;
        // Queued: the writer's reports (Redis away, batches resent) are
        // taken by the writer threads' heartbeats and go to reporter.log.
        shared.handle = cloudtap_writer_open_with(const_cast<char*>(settings.url.c_str()), overrides.data(),
                                                  static_cast<uint32_t>(overrides.size()), 1, &cerr);
        if ( ! shared.handle ) {
            writers.erase(key);
            *err = takeError(cerr);
            return 0;
        }
    }
    shared.logs++;
    return shared.handle;
}

// releaseWriter closes the writer once no log uses it: within the
// configuration's close-timeout for Redis, then es-close-timeout for the
// embedded shipper. It returns the close's error, empty when fine.
std::string releaseWriter(uintptr_t handle) {
    uintptr_t closing = 0;
    {
        std::lock_guard<std::mutex> lock(writers_mutex);
        for ( auto it = writers.begin(); it != writers.end(); ++it ) {
            if ( it->second.handle == handle && --it->second.logs == 0 ) {
                closing = handle;
                writers.erase(it);
                break;
            }
        }
    }
    if ( ! closing )
        return "";
    char* err = nullptr;
    if ( cloudtap_writer_close(closing, 0, &err) != 0 )
        return takeError(err);
    return "";
}

} // namespace

std::string RedisWriter::Configure(const RedisSettings& s) {
    settings = s;
    // Checks the configuration without needing Redis up; writers open with
    // the first log that uses them.
    char* err = nullptr;
    if ( cloudtap_config_check(const_cast<char*>(settings.url.c_str()), &err) != 0 )
        return takeError(err);
    return "";
}

void RedisWriter::CloseAll() {
    // Every log has finished by now, and each closed its writer with the
    // last one; what is left here was opened by a log that never finished.
    std::lock_guard<std::mutex> lock(writers_mutex);
    for ( auto& [key, shared] : writers ) {
        char* err = nullptr;
        // This runs after Zeek's threads and logs are gone, so stderr is
        // the place left; the writer puts messages nobody took there too.
        if ( cloudtap_writer_close(shared.handle, 0, &err) != 0 )
            fprintf(stderr, "%s\n", takeError(err).c_str());
    }
    writers.clear();
}

RedisWriter::RedisWriter(zeek::logging::WriterFrontend* frontend) : WriterBackend(frontend) {}

RedisWriter::~RedisWriter() = default;

bool RedisWriter::DoInit(const WriterInfo& info, int num_fields, const zeek::threading::Field* const* fields) {
    // A filter's $config keys are writer options laid over
    // CloudTap::redis_url ($config=table(["redis_url"] = "...",
    // ["es-index-mode"] = "datastream")); an unknown key is refused.
    std::string err;
    writer = acquireWriter(info.config, &err);
    if ( ! writer ) {
        Error(err.c_str()); // names cloudtap itself
        return false;
    }

    std::vector<std::string> types;
    std::vector<cloudtap_field> schema;
    types.reserve(num_fields);
    for ( int i = 0; i < num_fields; ++i )
        types.push_back(fields[i]->TypeName());
    for ( int i = 0; i < num_fields; ++i )
        schema.push_back({fields[i]->name, types[i].c_str()});

    char* cerr = nullptr;
    log = cloudtap_log_open(writer, const_cast<char*>(info.path), schema.data(), static_cast<uint32_t>(schema.size()),
                            &cerr);
    if ( ! log ) {
        Error(takeError(cerr).c_str());
        return false;
    }
    formatter = std::make_unique<zeek::threading::formatter::JSON>(this, zeek::threading::formatter::JSON::TS_EPOCH);
    pending.reserve(settings.batch_size);
    return true;
}

bool RedisWriter::DoWrite(int num_fields, const zeek::threading::Field* const* fields, zeek::threading::Value** vals) {
    zeek::ODesc desc;
    if ( ! formatter->Describe(&desc, num_fields, fields, vals) ) {
        Warning(zeek::util::fmt("cloudtap: a %s record could not be rendered as JSON", Info().path));
        return true;
    }
#if ZEEK_VERSION_NUMBER >= 80000
    pending.emplace_back(reinterpret_cast<const char*>(desc.Bytes()), desc.Size());
#else
    pending.emplace_back(reinterpret_cast<const char*>(desc.Bytes()), desc.Len()); // Size() arrived in 8.0
#endif
    if ( ! buffered || pending.size() >= settings.batch_size )
        Send();
    return true;
}

void RedisWriter::Send() {
    if ( pending.empty() || ! log )
        return;
    std::vector<cloudtap_record> recs;
    recs.reserve(pending.size());
    for ( const auto& r : pending )
        recs.push_back({r.data(), static_cast<uint32_t>(r.size())});
    char* err = nullptr;
    if ( cloudtap_log_write(log, recs.data(), static_cast<uint32_t>(recs.size()), &err) != 0 )
        // The Go side counted what it could not keep; say so loudly, but
        // keep the writer running for the records that follow.
        Warning(takeError(err).c_str());
    pending.clear();
}

bool RedisWriter::DoSetBuf(bool enabled) {
    buffered = enabled;
    if ( ! buffered )
        Send();
    return true;
}

// Zeek flushes on its own schedule and on heartbeats (every second by
// default): hand over what has gathered, without waiting for Redis.
bool RedisWriter::DoFlush(double network_time) {
    Send();
    return true;
}

// Heartbeats follow network time: live, one a second; reading a trace,
// one per second of the trace, which a sparse trace races through in
// fractions of a millisecond. Handing over at each would cost Redis a
// script call per handful of records (and a call into Go per log), so a
// heartbeat does its work only once heartbeat_interval of real time has
// passed since the last that did. Full batches go at once, from DoWrite.
bool RedisWriter::DoHeartbeat(double network_time, double current_time) {
    auto now = std::chrono::steady_clock::now();
    if ( now - last_beat < heartbeat_interval )
        return true;
    last_beat = now;
    Send();
    ReportMessages();
    PublishStats();
    return true;
}

// The Go writer is shared by every log's thread; whichever heartbeat comes
// first reports what waits, so each message appears once.
void RedisWriter::ReportMessages() {
    if ( ! writer )
        return;
    forEachMessage([this] { return cloudtap_writer_next_message(writer); }, [this](const char* msg) { Report(msg); });
}

// Zeek 8 raises the reporter's events only after its threads have stopped
// (terminate_zeek drains the event queue after thread_mgr->Terminate), so a
// warning a writer sends while the logs close makes Zeek start a
// reporter.log writer thread that nothing stops ("Thread ... added after
// threading manager terminated"), and Zeek 8 then sometimes aborts. Zeek 9
// drains first and prints such warnings on stderr itself; on Zeek 8 they go
// to stderr from here, in Zeek 9's shape (network time, "warning in", the
// thread's name), so that both versions say them in the same place.
void RedisWriter::Report(const char* msg) {
#if ZEEK_VERSION_NUMBER < 90000
    // Set on the main thread before the logs were told to finish.
    if ( zeek::run_state::terminating ) {
        fprintf(stderr, "%.6f warning in %s: %s\n", zeek::run_state::network_time, Name(), msg);
        return;
    }
#endif
    Warning(msg);
}

// Redis has no files to rotate; rotation is acknowledged so that Zeek's
// rotation machinery, if enabled for this filter, carries on.
bool RedisWriter::DoRotate(const char* rotated_path, double open, double close, bool terminating) {
    return FinishedRotation("/dev/null", Info().path, open, close, terminating);
}

// PublishStats hands the log's counts to Zeek's telemetry (Telemetry.h).
void RedisWriter::PublishStats() {
    if ( ! log )
        return;
    cloudtap_log_stats st;
    cloudtap_log_get_stats(log, &st);
    telemetry::LogStats(Info().path, st);
}

bool RedisWriter::DoFinish(double network_time) {
    Send();
    if ( ! log )
        return true;
    PublishStats(); // the last counts before the close frees the log
    char* err = nullptr;
    // 0: the configuration's close-timeout bounds it.
    if ( cloudtap_log_close(log, 0, &err) != 0 )
        Report(takeError(err).c_str());
    log = 0;
    ReportMessages();
    if ( auto close_err = releaseWriter(writer); ! close_err.empty() )
        Report(close_err.c_str());
    writer = 0;
    return true;
}

} // namespace cloudtap::zeek_plugin
