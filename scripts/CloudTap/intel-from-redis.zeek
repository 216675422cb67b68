##! Feeds Zeek's Intel framework from Redis, live. The current indicators
##! are a Redis hash (CloudTap::intel_key), so a Zeek that starts, or
##! restarts, reads them all; every change also goes to the stream beside
##! it ({KEY}:changes), which this Zeek then follows: an indicator added
##! matches from the next heartbeat on (about a second), one removed stops
##! matching (Intel::remove). Every Zeek reads on its own, with no
##! consumer group, so each sensor sees every indicator; in a Zeek cluster
##! the manager reads, and the Intel framework hands the indicators to the
##! workers. `cloudtap intel add|remove|list|import` writes both keys.
##!
##! The hash's values are Intel::Item rows as JSON, named as Zeek's intel
##! file format names the columns: indicator, indicator_type, meta.source,
##! meta.desc, ... A bad row gives a warning naming it; the rest load.

@load base/frameworks/intel
@load base/frameworks/cluster

module CloudTap;

export {
	## The Redis hash of the current indicators, on CloudTap::redis_url's
	## server.
	const intel_key = "cloudtap:intel" &redef;

	## The input's $source when the indicators live on another server,
	## e.g. "redis://10.0.0.5:6379/0#cloudtap:intel"; "" reads intel_key
	## from CloudTap::redis_url's server.
	const intel_source = "" &redef;

	## Raised for every indicator read from Redis (Input::EVENT_NEW) or
	## removed there (Input::EVENT_REMOVED); this script's handler inserts
	## or removes it. Handle it too to see the feed.
	global intel_entry: event(desc: Input::EventDescription, tpe: Input::Event, item: Intel::Item);
}

event CloudTap::intel_entry(desc: Input::EventDescription, tpe: Input::Event, item: Intel::Item)
	{
	if ( tpe == Input::EVENT_REMOVED )
		# Only this source's entry: the same indicator from another source
		# stays.
		Intel::remove(item);
	else
		Intel::insert(item);
	}

event zeek_init() &priority=5
	{
	if ( Cluster::is_enabled() && Cluster::local_node_type() != Cluster::MANAGER )
		return;

	Input::add_event([$source=intel_source != "" ? intel_source : intel_key,
	                  $reader=Input::READER_REDIS, $mode=Input::STREAM,
	                  $name="cloudtap-intel", $fields=Intel::Item,
	                  $ev=CloudTap::intel_entry, $want_record=T]);
	}
