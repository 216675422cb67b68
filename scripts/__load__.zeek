##! cloudtap: a packet source for cloud traffic mirroring, a Redis log
##! writer and a Redis input reader. Loaded when the plugin is active.
##!
##! zeek -i cloudtap::vxlan://:4789                 live mirrored traffic
##! zeek -r cloudtap::file:///trace.pcap            a capture of mirrored traffic
##! @load CloudTap/session-key                      mirror session in conn.log, sessions kept apart
##! @load CloudTap/logs-to-redis                    every log also to Redis (Log::WRITER_REDIS)
##! @load CloudTap/intel-from-redis                  threat indicators from Redis, live (Input::READER_REDIS)

module CloudTap;

export {
	## The configuration of Log::WRITER_REDIS, whose server is also the one
	## Input::READER_REDIS reads a $source that is a bare key from: a redis:// or rediss:// URL
	## with options in its query or as key=value words after it (prefix=,
	## mode=stream|list|pubsub, maxlen=, maxage=, buffer-max-bytes=64M,
	## es-format=ecs, ...; `cloudtap options` lists them all, and README.md's
	## Options section). A filter's $config takes the same keys, laid over
	## this. Checked at start-up; Redis itself need not be up yet.
	const redis_url = "redis://127.0.0.1:6379/0" &redef;

	## Records a writer thread gathers before handing them to the hot tier;
	## Zeek's flushes and heartbeats hand over smaller batches.
	const redis_batch_size = 1000 &redef;

	## How long Zeek waits at shutdown for Redis to take what is still
	## buffered; what is left then is reported as lost. 0 secs: the
	## close-timeout= of redis_url, 5 s by default (setting both is refused).
	const redis_close_timeout = 0 secs &redef;

	## The Elasticsearch (8, 9) or OpenSearch (2) cold tier:
	## http(s)://[user:password@]host:port[/path]; "" for none. Set, it makes
	## Log::WRITER_REDIS run a shipper inside Zeek that bulk-indexes every
	## log from Redis into daily indices zeek-<path>-YYYY.MM.DD, with index
	## templates typed from the logs' Zeek schemas, and keeps Redis
	## retention from trimming what is not shipped yet. More options go
	## into redis_url as words: es-index-mode=datastream, es-ca-file=...,
	## ship=external (leave shipping to `cloudtap ship` processes), ...
	## (gosrc/internal/logwriter/doc.go). An API key or password may come from the
	## environment (CLOUDTAP_ELASTICSEARCH_API_KEY, _PASSWORD). At shutdown
	## Zeek waits up to 10 s (es-close-timeout) for the shipper to catch
	## up; what is left waits in Redis for the next run.
	const elasticsearch_url = "" &redef;
}
