#include "RedisWriter.h"

#include <zeek/Desc.h>
#include <zeek/zeek-config.h>
#include <zeek/util.h>

#include <map>
#include <mutex>

#include "libcloudtap.h"

namespace cloudtap::zeek_plugin {

namespace {

RedisSettings settings;

// One Go writer per Redis URL, shared by every log's writer thread: Go's
// writer is safe for concurrent use and keeps one buffer bound for all.
std::mutex writers_mutex;
std::map<std::string, uintptr_t> writers;

std::string takeError(char* err) {
    std::string msg = err ? err : "unknown error";
    cloudtap_free(err);
    return msg;
}

uintptr_t sharedWriter(const std::string& url, std::string* err) {
    std::lock_guard<std::mutex> lock(writers_mutex);
    if ( auto it = writers.find(url); it != writers.end() )
        return it->second;
    char* cerr = nullptr;
    // Queued: the writer's reports (Redis away, batches resent) are taken
    // by the writer threads' heartbeats and go to reporter.log.
    uintptr_t w = cloudtap_writer_open_queued(const_cast<char*>(url.c_str()), &cerr);
    if ( ! w ) {
        *err = takeError(cerr);
        return 0;
    }
    writers[url] = w;
    return w;
}

} // namespace

std::string RedisWriter::Configure(const RedisSettings& s) {
    settings = s;
    // Opening checks the URL and options without needing Redis up; the
    // writer is then ready for the first log.
    std::string err;
    if ( ! sharedWriter(settings.url, &err) )
        return err;
    return "";
}

void RedisWriter::CloseAll() {
    std::lock_guard<std::mutex> lock(writers_mutex);
    for ( auto& [url, w] : writers ) {
        char* err = nullptr;
        // The Go error names cloudtap itself. This runs after Zeek's
        // threads and logs are gone, so stderr is the place left; the
        // writer puts messages nobody took there too.
        if ( cloudtap_writer_close(w, settings.close_timeout_ms, &err) != 0 )
            fprintf(stderr, "%s\n", takeError(err).c_str());
    }
    writers.clear();
}

RedisWriter::RedisWriter(zeek::logging::WriterFrontend* frontend) : WriterBackend(frontend) {}

RedisWriter::~RedisWriter() = default;

bool RedisWriter::DoInit(const WriterInfo& info, int num_fields, const zeek::threading::Field* const* fields) {
    // A filter may name its own Redis: $config=table(["redis_url"] = "...").
    std::string url = settings.url;
    if ( auto it = info.config.find("redis_url"); it != info.config.end() )
        url = it->second;

    std::string err;
    writer = sharedWriter(url, &err);
    if ( ! writer ) {
        Error(zeek::util::fmt("cloudtap: %s", err.c_str()));
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
        Error(zeek::util::fmt("cloudtap: %s", takeError(cerr).c_str()));
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
    return true;
}

// The Go writer is shared by every log's thread; whichever heartbeat comes
// first reports what waits, so each message appears once.
void RedisWriter::ReportMessages() {
    if ( ! writer )
        return;
    while ( char* msg = cloudtap_writer_next_message(writer) ) {
        Warning(msg);
        cloudtap_free(msg);
    }
}

// Redis has no files to rotate; rotation is acknowledged so that Zeek's
// rotation machinery, if enabled for this filter, carries on.
bool RedisWriter::DoRotate(const char* rotated_path, double open, double close, bool terminating) {
    return FinishedRotation("/dev/null", Info().path, open, close, terminating);
}

bool RedisWriter::DoFinish(double network_time) {
    Send();
    if ( ! log )
        return true;
    char* err = nullptr;
    if ( cloudtap_log_close(log, settings.close_timeout_ms, &err) != 0 )
        Warning(takeError(err).c_str());
    log = 0;
    ReportMessages();
    return true;
}

} // namespace cloudtap::zeek_plugin
