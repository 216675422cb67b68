// Helpers for calling cloudtap's C API (libcloudtap.h) from C++, shared by
// the adaptors.
#pragma once

#include <string>

#include "libcloudtap.h"

namespace cloudtap::zeek_plugin {

// takeError turns a C API error string into a std::string and frees it.
inline std::string takeError(char* err) {
    std::string msg = err ? err : "unknown error";
    cloudtap_free(err);
    return msg;
}

// forEachMessage hands every message next() returns (a C API
// *_next_message call) to report, and frees it.
template<typename Next, typename Report>
void forEachMessage(Next next, Report report) {
    while ( char* msg = next() ) {
        report(msg);
        cloudtap_free(msg);
    }
}

} // namespace cloudtap::zeek_plugin
