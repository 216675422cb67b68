##! Adds the mirror session (VXLAN/GENEVE VNI, ERSPAN session id, GRE key)
##! to every connection's identity: conn.log shows it as
##! id.ctx.mirror_session, and two connections with the same addresses seen
##! in different mirror sessions (overlapping VPC CIDRs) stay separate.

redef record conn_id_ctx += {
	## The mirror session the connection was captured in, when the tunnel
	## carried one.
	mirror_session: count &log &optional;
};

redef ConnKey::factory = ConnKey::CONNKEY_CLOUDTAP_SESSION_FIVETUPLE;
