// A connection key that adds the mirror session (VNI, ERSPAN session id,
// GRE key) to Zeek's 5-tuple, so that connections with the same addresses
// seen in different mirror sessions (overlapping VPC CIDRs) never merge,
// and the session shows in conn.log as id.ctx.mirror_session.
#pragma once

#include <zeek/ConnKey.h>
#include <zeek/packet_analysis/protocol/ip/conn_key/fivetuple/Factory.h>

namespace cloudtap::zeek_plugin {

class SessionConnKeyFactory : public zeek::conn_key::fivetuple::Factory {
public:
    static zeek::conn_key::FactoryPtr Instantiate() { return std::make_unique<SessionConnKeyFactory>(); }

private:
    zeek::ConnKeyPtr DoNewConnKey() const override;
    zeek::expected<zeek::ConnKeyPtr, std::string> DoConnKeyFromVal(const zeek::Val& v) const override;
};

} // namespace cloudtap::zeek_plugin
