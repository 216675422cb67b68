#include "SessionConnKey.h"

#include <zeek/ID.h>
#include <zeek/Val.h>
#include <zeek/packet_analysis/protocol/ip/conn_key/IPBasedConnKey.h>

#include <cstring>

#include "PacketSource.h"

namespace cloudtap::zeek_plugin {

namespace {

int sessionFieldOffset() {
    static int offset = zeek::id::conn_id_ctx->FieldOffset("mirror_session");
    return offset;
}

class SessionConnKey : public zeek::IPBasedConnKey {
public:
    // Padding in the packed key must be zero: the key is hashed as bytes.
    SessionConnKey() { std::memset(static_cast<void*>(&key), 0, sizeof(key)); }

    zeek::detail::PackedConnTuple& PackedTuple() override { return key.tuple; }
    const zeek::detail::PackedConnTuple& PackedTuple() const override { return key.tuple; }

    void SetSession(uint32_t id, bool known) {
        key.session = id;
        key.known = known ? 1 : 0;
    }

protected:
    zeek::session::detail::Key DoSessionKey() const override {
        return {reinterpret_cast<const void*>(&key), sizeof(key), zeek::session::detail::Key::CONNECTION_KEY_TYPE};
    }

    void DoPopulateConnIdVal(zeek::RecordVal& conn_id, zeek::RecordVal& ctx) override {
        zeek::IPBasedConnKey::DoPopulateConnIdVal(conn_id, ctx);
        if ( conn_id.GetType() != zeek::id::conn_id || ! key.known || sessionFieldOffset() < 0 )
            return;
        ctx.Assign(sessionFieldOffset(), static_cast<zeek_uint_t>(key.session));
    }

    void DoInit(const zeek::Packet& pkt) override {
        const auto& s = PacketSource::CurrentSession();
        SetSession(s.id, s.known);
    }

private:
    struct {
        zeek::detail::PackedConnTuple tuple;
        uint32_t session;
        uint8_t known;
    } __attribute__((packed, aligned)) key;
};

} // namespace

zeek::ConnKeyPtr SessionConnKeyFactory::DoNewConnKey() const { return std::make_unique<SessionConnKey>(); }

// DoConnKeyFromVal builds a key from a script-layer conn_id (lookup_connection
// and friends), taking the session from id.ctx.
zeek::expected<zeek::ConnKeyPtr, std::string> SessionConnKeyFactory::DoConnKeyFromVal(const zeek::Val& v) const {
    if ( v.GetType() != zeek::id::conn_id )
        return zeek::unexpected<std::string>{"cloudtap: expected a conn_id"};
    auto ck = zeek::conn_key::fivetuple::Factory::DoConnKeyFromVal(v);
    if ( ! ck.has_value() )
        return ck;
    if ( sessionFieldOffset() < 0 )
        return zeek::unexpected<std::string>{"cloudtap: conn_id_ctx has no mirror_session field (@load CloudTap/session-key)"};
    static int ctx_offset = zeek::id::conn_id->FieldOffset("ctx");
    auto* ctx = v.AsRecordVal()->GetFieldAs<zeek::RecordVal>(ctx_offset);
    auto* k = static_cast<SessionConnKey*>(ck.value().get());
    if ( ctx->HasField(sessionFieldOffset()) )
        k->SetSession(static_cast<uint32_t>(ctx->GetFieldAs<zeek::CountVal>(sessionFieldOffset())), true);
    return ck;
}

} // namespace cloudtap::zeek_plugin
