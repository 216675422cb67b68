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
// The keys are the rows of Options: the writer's own (redis, elasticsearch,
// ship, close-timeout, es-close-timeout), every hotstore option, and every
// coldstore option as es-<option>; `cloudtap options` prints them, and the
// root README's Options section is generated from them. With
// elasticsearch=, protect-group defaults to "cloudtap" (rediskey.DefaultGroup), so
// that Redis retention never trims a record the cold tier has not
// acknowledged. The Elasticsearch password and API key come from
// CLOUDTAP_ELASTICSEARCH_PASSWORD and CLOUDTAP_ELASTICSEARCH_API_KEY, or
// the password from the URL.
//
// Every key may also be written in the Redis URL's query (escape & in a
// value as %26). Values hold no white space; a key given twice, in the URL
// and as a pair or twice as a pair, is an error. An empty string is every
// default. The first bad part gives one *option.Error naming it;
// passwords are never echoed. ParseConfigWith lays a Zeek filter's
// $config over such a string; ParseReaderConfig reads one for the
// commands that only read Redis.
//
// # Redis layout, shared with the cold tier
//
// The key names are package rediskey's: for log path P and key prefix X
// (default "zeek:"), the records at X P, the schema at {X P}:schema (stream
// and list modes), dead letters at {X P}:dead; the cold tier's consumer
// group is rediskey.DefaultGroup unless protect-group names another.
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
