// Package coldstore is cloudtap's cold tier: a shipper that reads the hot
// tier's Redis streams (package hotstore) through a consumer group and
// bulk-indexes the records into Elasticsearch or OpenSearch, acknowledging
// in Redis only what the cluster accepted.
//
// # Flow
//
// One goroutine per log path reads zeek:<path> with XREADGROUP as
// Config.Consumer of Config.Group (default "cloudtap", the group the
// writer protects from retention), gathers up to BatchMaxDocs /
// BatchMaxBytes or FlushInterval, and sends one _bulk request. Each item
// of the reply is shipped (then XACKed), retryable (429, 5xx, timeouts,
// no connection: sent again with backoff; the entries stay pending in
// Redis meanwhile), or refused for good (mapping conflict, bad value:
// moved with the error to the dead-letter stream {zeek:<path>}:dead and
// acknowledged, so that it never blocks the rest). Several shippers share
// one group to scale out; each entry goes to one of them. A shipper that
// dies leaves its entries pending: it takes them back first when it
// restarts with the same consumer name, and any other shipper takes them
// over (XAUTOCLAIM) once they have been idle for ClaimIdle.
//
// # Nothing lost, nothing doubled
//
// An entry is acknowledged only after Elasticsearch accepted its document
// or it was written to the dead-letter stream (atomically with the ack,
// once). Everything else stays in Redis, where the writer's protect-group
// keeps retention from trimming it, however long Elasticsearch is away.
// Every document's _id is derived from the path, the stream entry ID and
// the record itself, so an entry shipped twice (crash after indexing and
// before XACK, a takeover of a slow shipper's entries, a bulk retried
// after a lost reply) overwrites itself rather than becoming a second
// document; a data stream answers 409 to the repeat, which counts as
// shipped.
//
// # Indices
//
// Daily indices <prefix>-<path>-YYYY.MM.DD (UTC day of the record's ts;
// Zeek's epoch-seconds and ISO 8601 ts both read) by default; data
// streams logs-zeek.<path>-<namespace> as an option (op_type create).
// Before shipping a path the shipper installs a composable index template
// built from the path's Zeek schema (see Mapping): addr→ip, count, int and
// port→long, double and interval→double, time→date, string, enum and
// subnet→keyword, bool→boolean, set[T] and vector[T] as T, plus
// @timestamp, which the shipper fills from ts. The schema comes from
// Config.Schemas, else from the one the writer stores at {zeek:<path>}:schema.
//
// # Why plain net/http
//
// The shipper needs two endpoints, _bulk and _index_template, which are
// the same in Elasticsearch 8 and 9 and OpenSearch 2. The official
// go-elasticsearch client refuses servers that do not answer with
// X-Elastic-Product (OpenSearch, and proxies that strip headers), and its
// bulk indexer hides the per-item outcomes this package must act on.
// Using its transport without the check would keep a large dependency for
// a retry loop this package has to own anyway. So the REST calls are made
// with net/http, and the package depends on no product header or version.
package coldstore
