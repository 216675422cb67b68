// Package hotstore is cloudtap's hot tier: it writes Zeek log records,
// already rendered as Zeek JSON, to Redis.
//
// # Layout
//
// Default (ModeStream): one Redis Stream per log path, key prefix+path
// ("zeek:conn"), one entry per record with a single field "json" holding
// the record as Zeek wrote it:
//
//	redis-cli XREVRANGE zeek:conn + - COUNT 5
//
// A stream keeps arrival order, gives every entry an ID that is its arrival
// time (so retention by age is possible), and lets the cold tier read it
// through a consumer group and acknowledge only what Elasticsearch
// accepted. The JSON is not split into stream fields: Zeek records have
// nested and optional fields, one field keeps the exact bytes Zeek produced
// and costs Redis one field per entry. ModeList (RPUSH of the raw line, as
// Logstash's redis input and Filebeat's redis output use) and ModePubSub
// (PUBLISH on channel prefix+path, for live fan-out) are options.
//
// # Delivery, and why nothing is duplicated
//
// Write only buffers. Each open path has one goroutine and one connection
// that takes batches from the path's queue, in order, and delivers each
// batch with one call of a Lua script (deliver.lua): one round trip, many
// records. The script also sets a small marker key, per writer and path,
// to the batch's sequence number, and skips a batch whose number the marker
// already holds. A script runs atomically and is written to the append-only
// file as one transaction, so the records of a batch and its marker are
// either both in Redis or both absent. When the connection breaks with a
// batch in flight, the writer cannot know whether Redis ran it; it resends
// the same batch (same number, same records) after reconnecting, and the
// marker makes that resend a no-op if the first one landed. So, as long as
// Redis keeps what it acknowledged (appendonly yes with appendfsync always;
// everysec may lose up to a second of acknowledged writes on a crash), each
// record is stored once, in order. Pub/sub messages are not stored, so a
// subscriber disconnected by the outage may miss some; the marker still
// prevents publishing a batch twice.
//
// # Buffer bounds
//
// Records wait in memory from Write until Redis acknowledges them, queued
// or in flight, bounded per Writer by Config.BufferMaxRecords and
// Config.BufferMaxBytes. When Redis is down or slow and the buffer is
// full, Write waits at most Config.BlockTimeout for room, then keeps the
// records that fit and drops the rest. Drops are counted (Stats.Dropped),
// returned as a *DropError and passed to Config.OnError; never silent.
//
// # Retention and the cold tier
//
// Config.MaxLen trims by count (streams "~", whole nodes; lists exactly),
// Config.MaxAge by age (streams, MINID from the server clock). Retention
// runs apart from delivery (retain.lua, retention.go): after deliveries,
// at most once per Config.RetentionInterval per path, so that its cost
// does not ride on every batch; delivery's script only appends and sets
// the marker. With Config.ProtectGroup set (the cold tier's consumer
// group) the first pass creates that group if it is missing, and no pass
// trims an entry the group still needs: its pending entries and everything
// it has not read yet (see trim_protected in retain.lua).
package hotstore
