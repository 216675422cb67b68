// cloudtap's counters in Zeek's telemetry framework, so that they show on
// Zeek's Prometheus endpoint (Telemetry::metrics_port) beside Zeek's own:
//
//   cloudtap_source_packets_total{source, outcome}   received, delivered, refused,
//       other_session, other_worker, duplicate, reassembled, malformed, kernel_drop
//   cloudtap_source_malformed_packets_total{source, reason}
//   cloudtap_writer_records_total{path, outcome}     written, dropped
//   cloudtap_writer_buffered_records{path}
//   cloudtap_writer_reconnects_total{path}
//
// The values are read at each scrape, on Zeek's main thread.
#pragma once

#include <cstdint>
#include <string>

#include "libcloudtap.h"

namespace cloudtap::zeek_plugin::telemetry {

// SourceOpened makes a packet source's counters (main thread): read from
// handle while it is open, its last counts after SourceClosed.
void SourceOpened(const std::string& source, uintptr_t handle);
void SourceClosed(const std::string& source);

// LogOpened makes a Redis log's counters (main thread: Plugin::HookLogInit);
// LogStats keeps its latest counts (writer threads, at each heartbeat and
// at finish).
void LogOpened(const std::string& path);
void LogStats(const std::string& path, const cloudtap_log_stats& stats);

} // namespace cloudtap::zeek_plugin::telemetry
