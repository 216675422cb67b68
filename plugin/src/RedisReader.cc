#include "RedisReader.h"

#include "CApi.h"

#include <zeek/util.h>

#include "libcloudtap.h"

namespace cloudtap::zeek_plugin {

namespace {

std::string default_url; // set on the main thread before any reader starts

} // namespace

void RedisReader::Configure(const std::string& url) { default_url = url; }

RedisReader::RedisReader(zeek::input::ReaderFrontend* frontend) : ReaderBackend(frontend) {}

RedisReader::~RedisReader() { DoClose(); }

bool RedisReader::DoInit(const ReaderInfo& info, int arg_num_fields, const zeek::threading::Field* const* arg_fields) {
    num_fields = arg_num_fields;
    fields = arg_fields;
    // What Go writes: set separator ",", unset "-", empty "(empty)".
    formatter = std::make_unique<zeek::threading::formatter::Ascii>(
        this, zeek::threading::formatter::Ascii::SeparatorInfo("\t", ",", "-", "(empty)"));

    std::vector<cloudtap_option> config;
    for ( const auto& [k, v] : info.config )
        config.push_back({k, v});
    std::vector<std::string> types;
    std::vector<cloudtap_field> schema;
    types.reserve(num_fields);
    for ( int i = 0; i < num_fields; ++i )
        types.push_back(fields[i]->TypeName());
    for ( int i = 0; i < num_fields; ++i )
        schema.push_back({fields[i]->name, types[i].c_str()});

    int mode = CLOUDTAP_INPUT_MANUAL;
    switch ( info.mode ) {
        case zeek::input::MODE_MANUAL: mode = CLOUDTAP_INPUT_MANUAL; break;
        case zeek::input::MODE_REREAD: mode = CLOUDTAP_INPUT_REREAD; break;
        case zeek::input::MODE_STREAM: mode = CLOUDTAP_INPUT_STREAM; break;
        default: Error("cloudtap: reader: unknown input mode"); return false;
    }
    char* err = nullptr;
    reader = cloudtap_reader_open(const_cast<char*>(info.source), const_cast<char*>(default_url.c_str()),
                                  config.data(), static_cast<uint32_t>(config.size()), mode, schema.data(),
                                  static_cast<uint32_t>(schema.size()), &err);
    if ( ! reader ) {
        Error(takeError(err).c_str());
        return false;
    }
    // Redis may answer at once: hand over what is there without waiting a
    // heartbeat.
    Take();
    return true;
}

void RedisReader::DoClose() {
    if ( reader ) {
        cloudtap_reader_close(reader);
        reader = 0;
    }
}

bool RedisReader::DoUpdate() {
    Take();
    return true;
}

// Rows arrive on Go's goroutine; the reader thread takes them at each
// heartbeat (Threading::heartbeat_interval, 1 s by default).
bool RedisReader::DoHeartbeat(double network_time, double current_time) {
    Take();
    ReportMessages();
    return true;
}

void RedisReader::Take() {
    if ( ! reader )
        return;
    cloudtap_input_row row;
    while ( cloudtap_reader_next(reader, &row) ) {
        if ( row.op == CLOUDTAP_ROW_END ) {
            cloudtap_free(row.data);
            EndCurrentSend();
            continue;
        }
        if ( static_cast<int>(row.ncols) != num_fields ) {
            cloudtap_free(row.data);
            Warning(zeek::util::fmt("cloudtap: reader %s: a row of %u columns for %d fields", Info().source,
                                    row.ncols, num_fields));
            continue;
        }
        auto* vals = new zeek::threading::Value*[num_fields];
        const char* col = row.data;
        bool ok = true;
        for ( int i = 0; i < num_fields; ++i ) {
            std::string s(col);
            col += s.size() + 1;
            vals[i] = formatter->ParseValue(s, fields[i]->name, fields[i]->type, fields[i]->subtype);
            if ( ! vals[i] )
                ok = false; // the formatter warned, naming the field
        }
        cloudtap_free(row.data);
        if ( ! ok ) {
            for ( int i = 0; i < num_fields; ++i )
                delete vals[i];
            delete[] vals;
            continue;
        }
        // The Input framework takes vals.
        switch ( row.op ) {
            case CLOUDTAP_ROW_READ: SendEntry(vals); break;
            case CLOUDTAP_ROW_PUT: Put(vals); break;
            case CLOUDTAP_ROW_DELETE: Delete(vals); break;
            default:
                for ( int i = 0; i < num_fields; ++i )
                    delete vals[i];
                delete[] vals;
        }
    }
}

void RedisReader::ReportMessages() {
    if ( ! reader )
        return;
    forEachMessage([this] { return cloudtap_reader_next_message(reader); }, [this](const char* msg) { Warning(msg); });
}

} // namespace cloudtap::zeek_plugin
