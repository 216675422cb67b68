# The sensors' site script (ConfigMap cloudtap-sensor-scripts).
@load CloudTap/logs-to-redis
@load CloudTap/session-key

# The hot tier's URL comes from the environment (the password from the
# Secret "cloudtap"), so it is in no file and no command line.
redef CloudTap::redis_url = getenv("CLOUDTAP_REDIS_URL");

# Each Zeek of a pod serves its own Prometheus endpoint.
redef Telemetry::metrics_port = to_port(getenv("CLOUDTAP_METRICS_PORT") + "/tcp");

# Logs go to Redis only: a pod's disk is not where anyone reads them.
event zeek_init() &priority=-20
	{
	for ( id in Log::active_streams )
		Log::remove_filter(id, "default");
	}
