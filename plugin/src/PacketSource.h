// A Zeek packet source over cloudtap's Go capture library: it pulls batches
// of decapsulated packets through the C API and hands them to Zeek one by
// one. All parsing, filtering and receiving happens in Go.
#pragma once

#include <zeek/iosource/BPF_Program.h>
#include <zeek/iosource/PktSrc.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libcloudtap.h"

namespace cloudtap::zeek_plugin {

// The mirror session of the packet Zeek is processing. Zeek processes
// packets one at a time on its main thread, between ExtractNextPacket() and
// DoneWithPacket(), so a ConnKey built for that packet can read it here.
struct MirrorSession {
    uint32_t id = 0;
    bool known = false;
};

class PacketSource : public zeek::iosource::PktSrc {
public:
    static zeek::iosource::PktSrc* Instantiate(const std::string& path, bool is_live);

    static const MirrorSession& CurrentSession() { return current_session; }

    ~PacketSource() override;

protected:
    void Open() override;
    void Close() override;
    bool ExtractNextPacket(zeek::Packet* pkt) override;
    void DoneWithPacket() override;
    bool PrecompileFilter(int index, const std::string& filter) override;
    bool SetFilter(int index) override;
    void Statistics(Stats* stats) override;
    double GetNextTimeout() override;

private:
    PacketSource(std::string spec, bool is_live);

    // Refill pulls the next batch; false when none is ready (or at the end).
    bool Refill();

    // Matches runs the selected BPF filter on a frame, with the program
    // compiled for the frame's own link type.
    bool Matches(const cloudtap_packet& p, const pcap_pkthdr& hdr, const u_char* frame);

    std::string spec;
    bool is_live;
    uintptr_t handle = 0;
    std::vector<cloudtap_packet> packets;
    std::vector<uint8_t> data;
    int count = 0; // packets in the current batch
    int next = 0;  // the packet ExtractNextPacket hands out
    bool had_packet = false; // the last ExtractNextPacket found one
    int filter_index = -1;
    // The same filters compiled for raw IP frames (tunnels that carried IP
    // without Ethernet); Zeek's own copies are compiled for Ethernet.
    std::vector<std::unique_ptr<zeek::iosource::detail::BPF_Program>> raw_filters;
    uint64_t bpf_filtered = 0;

    static MirrorSession current_session;
};

} // namespace cloudtap::zeek_plugin
