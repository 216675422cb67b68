#include "PacketSource.h"

#include "CApi.h"
#include "Telemetry.h"

#include <zeek/iosource/Packet.h>
#include <zeek/util.h>

#include <cstdlib>

namespace cloudtap::zeek_plugin {

namespace {
// Batch geometry: 256 packets with room for a full snaplen each, so a
// batch never truncates a frame (see cloudtap_types.h).
constexpr uint32_t batch_packets = 256;
constexpr uint32_t snaplen = 16384;
constexpr int link_ethernet = 1; // DLT_EN10MB
constexpr int linktype_raw = 101; // LINKTYPE_RAW, as cloudtap reports raw IP frames
constexpr int dlt_raw = 12;       // libpcap's DLT_RAW, what pcap_compile expects for them
} // namespace

MirrorSession PacketSource::current_session;

PacketSource::PacketSource(std::string arg_spec, bool arg_is_live) : spec(std::move(arg_spec)), is_live(arg_is_live) {}

PacketSource::~PacketSource() { Close(); }

zeek::iosource::PktSrc* PacketSource::Instantiate(const std::string& path, bool is_live) {
    return new PacketSource(path, is_live);
}

void PacketSource::Open() {
    char* err = nullptr;
    handle = cloudtap_src_open(const_cast<char*>(spec.c_str()), &err);
    if ( ! handle ) {
        Error(takeError(err));
        return;
    }
    if ( ! is_live && cloudtap_src_is_live(handle) ) {
        Error("cloudtap: -r needs a file:// spec; use -i for live listeners");
        cloudtap_src_close(handle);
        handle = 0;
        return;
    }
    packets.resize(batch_packets);
    data.resize(static_cast<size_t>(batch_packets) * snaplen);

    Properties props;
    props.path = spec;
    // An epoll descriptor over every listener: readable when packets wait,
    // so Zeek's IO loop sleeps instead of polling. Files return -1.
    props.selectable_fd = cloudtap_src_fd(handle);
    props.link_type = link_ethernet; // each packet carries its own link type too
    props.netmask = NETMASK_UNKNOWN;
    props.is_live = cloudtap_src_is_live(handle) != 0;
    telemetry::SourceOpened(spec, handle);
    Opened(props);
}

void PacketSource::Close() {
    if ( ! handle )
        return;
    telemetry::SourceClosed(spec); // keeps the last counts
    cloudtap_src_close(handle);
    handle = 0;
    count = next = 0;
    Closed();
}

bool PacketSource::Refill() {
    char* err = nullptr;
    cloudtap_batch batch{packets.data(), static_cast<uint32_t>(packets.size()), data.data(),
                         static_cast<uint32_t>(data.size())};
    int n = cloudtap_src_next_batch(handle, &batch, &err);
    if ( n == CLOUDTAP_EOF ) {
        Close();
        return false;
    }
    if ( n == CLOUDTAP_ERROR ) {
        Error(takeError(err));
        Close();
        return false;
    }
    if ( err ) // packets came with an error that will repeat on the next call
        Info(takeError(err));
    count = n;
    next = 0;
    return n > 0;
}

bool PacketSource::ExtractNextPacket(zeek::Packet* pkt) {
    had_packet = false;
    while ( handle ) {
        if ( next >= count && ! Refill() )
            return false;
        const cloudtap_packet& p = packets[next];
        const u_char* frame = data.data() + p.offset;
        pkt_timeval ts{static_cast<time_t>(p.ts_ns / 1000000000), static_cast<suseconds_t>((p.ts_ns % 1000000000) / 1000)};
        if ( filter_index >= 0 ) {
            pcap_pkthdr hdr{ts, p.caplen, p.len};
            if ( ! Matches(p, hdr, frame) ) {
                ++bpf_filtered;
                ++next;
                continue;
            }
        }
        current_session = {p.session, p.has_session != 0};
        pkt->Init(p.link_type, &ts, p.caplen, p.len, frame);
        had_packet = true;
        return true;
    }
    return false;
}

// While packets flow (a batch is half read, or the last call found one),
// the source is ready at once: Zeek's IO loop then processes packet after
// packet without waiting on the descriptor each time. Once it runs dry,
// Zeek's default applies: sleep on the epoll descriptor until packets come.
double PacketSource::GetNextTimeout() {
    if ( handle && (had_packet || next < count) )
        return 0.0;
    return PktSrc::GetNextTimeout();
}

void PacketSource::DoneWithPacket() {
    if ( next < count )
        ++next;
}

// BPF filters (-f) run in user space on the decapsulated frame, after
// cloudtap has stripped the tunnel: a filter sees what Zeek analyses. Each
// filter is compiled twice, for Ethernet (by Zeek) and for raw IP (here).
bool PacketSource::PrecompileFilter(int index, const std::string& filter) {
    if ( ! PrecompileBPFFilter(index, filter) )
        return false;
    auto raw = std::make_unique<zeek::iosource::detail::BPF_Program>();
    if ( ! raw->Compile(snaplen, dlt_raw, filter.c_str(), NETMASK_UNKNOWN) ) {
        Error(zeek::util::fmt("cloudtap: cannot compile BPF filter '%s' for raw IP frames", filter.c_str()));
        return false;
    }
    if ( index >= static_cast<int>(raw_filters.size()) )
        raw_filters.resize(index + 1);
    raw_filters[index] = std::move(raw);
    return true;
}

bool PacketSource::SetFilter(int index) {
    filter_index = index;
    return true;
}

bool PacketSource::Matches(const cloudtap_packet& p, const pcap_pkthdr& hdr, const u_char* frame) {
    if ( p.link_type != linktype_raw )
        return ApplyBPFFilter(filter_index, &hdr, frame);
    if ( filter_index >= static_cast<int>(raw_filters.size()) || ! raw_filters[filter_index] )
        return true; // SetFilter without PrecompileFilter: Zeek's default, no filter
    auto& code = raw_filters[filter_index];
    return code->MatchesAnything() || pcap_offline_filter(code->GetProgram(), &hdr, frame);
}

void PacketSource::Statistics(Stats* stats) {
    if ( ! handle )
        return;
    cloudtap_src_stats s;
    cloudtap_src_get_stats(handle, &s);
    stats->received = s.delivered - bpf_filtered;
    stats->dropped = s.kernel_drops + s.malformed;
    // Tunnel packets, a reassembled datagram once: link = received +
    // dropped + filtered, exactly. Those waiting in the receiver's ring
    // are not on it yet, as those in the socket's buffer are not.
    stats->link = s.received - s.reassembled - s.fragments_held - s.queued;
    stats->bytes_received = s.bytes;
    stats->filtered = s.refused + s.other_session + s.other_worker + s.duplicates + bpf_filtered;
}

} // namespace cloudtap::zeek_plugin
