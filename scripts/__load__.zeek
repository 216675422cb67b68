##! cloudtap: a packet source for cloud traffic mirroring and a Redis /
##! Elasticsearch log writer. Loaded when the plugin is active.
##!
##! zeek -i cloudtap::vxlan://:4789                 live mirrored traffic
##! zeek -r cloudtap::file:///trace.pcap            a capture of mirrored traffic
##! @load CloudTap/session-key                      mirror session in conn.log, sessions kept apart
