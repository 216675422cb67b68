##! Sends every log stream to Redis as well (Log::WRITER_REDIS), next to
##! the usual writers: one filter per stream, named "cloudtap-redis".
##! Per stream instead: Log::add_filter(Conn::LOG, [$name="redis",
##! $writer=Log::WRITER_REDIS]); a filter's $config takes every writer
##! option, laid over CloudTap::redis_url, e.g. its own Redis with
##! $config=table(["redis_url"] = "redis://..."); it then needs a $path of
##! its own if another Redis filter writes the same path (Zeek shares one
##! writer per writer type and path).

@load base/frameworks/logging

event zeek_init() &priority=-10
	{
	for ( stream_id in Log::active_streams )
		Log::add_filter(stream_id, [$name="cloudtap-redis", $writer=Log::WRITER_REDIS]);
	}
