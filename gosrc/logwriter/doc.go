// Package logwriter is the writer the Zeek plugin's C API wraps: one
// configuration string, log streams opened with their Zeek schema, batches
// of records already rendered as Zeek JSON, bounded flush and close, and
// statistics. It adds to the hot tier (package hotstore) what a caller
// outside Go needs, and keeps cgo out so that all of it is tested in Go.
//
// # Configuration
//
// ParseConfig reads one string, either a Redis URL or key=value pairs
// separated by white space, or both:
//
//	redis://[user:password@]host[:port][/db][?option=value&...]
//	redis=URL elasticsearch=URL option=value ...
//	redis://host:6379/0 mode=list maxlen=100000
//
// Keys:
//
//	redis=URL              the hot tier (redis:// or rediss://); default redis://127.0.0.1:6379/0.
//	                       A bare redis:// or rediss:// word means the same.
//	elasticsearch=URL      the cold tier (http:// or https://, [user:password@] for basic auth).
//	                       With it, protect-group defaults to "cloudtap" (DefaultGroup): Redis
//	                       retention never trims a record the cold tier has not acknowledged.
//	ship=embedded          with elasticsearch=: the writer runs a shipper (package coldstore) in
//	                       its own process (the default); ship=external leaves shipping to
//	                       `cloudtap ship` processes and only protects their group.
//	es-OPTION=VALUE        an option of the embedded shipper, named as the `cloudtap ship` flag:
//	                       es-index-mode=datastream, es-index-prefix, es-namespace, es-consumer,
//	                       es-username, es-ca-file, es-tls-skip-verify, es-batch-size,
//	                       es-batch-bytes, es-flush-interval, es-claim-idle, es-backoff-min,
//	                       es-backoff-max, es-drain-timeout, es-discover-interval,
//	                       es-request-timeout, es-dead-letter-maxlen. The password and an API
//	                       key come from CLOUDTAP_ELASTICSEARCH_PASSWORD and
//	                       CLOUDTAP_ELASTICSEARCH_API_KEY, or the password from the URL.
//	es-close-timeout=10s   the longest Close waits, after Redis, for the embedded shipper to
//	                       ship what this writer wrote; the rest waits in Redis, in the group,
//	                       for the next shipper (the next run's, or cloudtap ship).
//	close-timeout=5s       the longest Close (and a Flush without a deadline) waits for Redis
//	every hotstore option  prefix, mode=stream|list|pubsub, maxlen, maxage, protect-group,
//	                       buffer-max-records, buffer-max-bytes, block-timeout, batch-max-records,
//	                       batch-max-bytes, tls-ca-file, tls-skip-verify, dial-timeout, io-timeout,
//	                       backoff-min, backoff-max (gosrc/hotstore/README.md)
//
// Every key may also be written in the Redis URL's query (escape & in a
// value as %26). Values hold no white space; a key given twice, in the URL
// and as a pair or twice as a pair, is an error. An empty string is every
// default. The first bad part gives one error naming it; passwords are
// never echoed.
//
// # Redis layout, by convention with the cold tier
//
// For log path P and key prefix X (default "zeek:"):
//
//	X P          the records (stream, list, or pub/sub channel)
//	X P :schema  the log's schema as JSON [{"name":…,"type":…},…] (stream and list modes)
//	X P :dead    records the cold tier refused for good (dead-letter stream)
//
// and the cold tier's consumer group is DefaultGroup unless protect-group
// names another.
//
// # The embedded shipper
//
// It ships every stream under the key prefix (found at start and every
// discover interval, so records an earlier run left behind are shipped
// too), and each log this writer opens at once. Its consumer name defaults
// to "<host>/writer", stable across restarts so that a restarted Zeek
// takes back what it had in hand. Several writers and `cloudtap ship`
// processes may share the group; each record goes to one of them, and
// document ids are deterministic, so a record shipped twice is still one
// document.
package logwriter
