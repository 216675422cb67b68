// Package samples generates the sample traffic that tools/demo shows, so
// that the demo needs no capture from outside the repository: a few
// ordinary sessions between clients in 10.0.0.0/8 and their servers (DNS
// lookups over UDP, HTTP GETs answered 200, a TLS-looking session to port
// 443), as a plain Ethernet capture and as a traffic mirror sends the same
// frames (VXLAN as AWS VPC Traffic Mirroring does, GENEVE, ERSPAN type II).
//
// gopacket writes every header, with correct lengths and checksums. TCP
// sessions open with a three-way handshake, keep sequence and acknowledgment
// numbers in step, and close with a FIN from each side, so Zeek logs them
// as complete (conn_state SF). Nothing is random: every run writes the same
// bytes.
package samples

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/flowhash"
	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
)

// Frame is one captured packet.
type Frame = pcapread.Frame

// Session is the mirror session of every mirrored capture: the VXLAN and
// GENEVE VNI, the ERSPAN session id.
const Session = 42

// Start is the time of the first frame.
var Start = time.Date(2025, time.March, 14, 9, 26, 53, 0, time.UTC)

// The mirror's outer addresses: the mirrored network interface and the
// sensor that receives its copies (AWS's default VPC range, apart from the
// mirrored 10.0.0.0/8 traffic).
var (
	MirrorSource = netip.MustParseAddr("172.31.16.5")
	Sensor       = netip.MustParseAddr("172.31.32.9")
	// The same over IPv6.
	MirrorSource6 = netip.MustParseAddr("fd00:31:16::5")
	Sensor6       = netip.MustParseAddr("fd00:31:32::9")
)

// Mirror is one tunnel a mirrored capture is written in.
type Mirror struct {
	Name   string // the capture is Name.pcap
	Format encap.Format
	What   string
}

// Mirrors are the mirrored captures Write writes.
var Mirrors = []Mirror{
	{"vxlan", encap.VXLAN, fmt.Sprintf("mirrored as VXLAN to UDP 4789, VNI %d, as AWS VPC Traffic Mirroring sends it", Session)},
	{"geneve", encap.GENEVE, fmt.Sprintf("mirrored as GENEVE to UDP 6081, VNI %d", Session)},
	{"erspan2", encap.ERSPAN2, fmt.Sprintf("mirrored as ERSPAN type II over GRE, session %d", Session)},
	{"greudp", encap.GREUDP, fmt.Sprintf("mirrored as GRE-in-UDP (RFC 8086) to UDP 4754, GRE key %d", Session)},
}

// FragmentedMirror is a mirrored capture whose tunnel packets crossed a
// path of MTU bytes, which fragmented those that outgrew it: full-size
// frames mirrored over ERSPAN or VXLAN grow by the tunnel's headers.
type FragmentedMirror struct {
	Name   string
	Format encap.Format
	IPv6   bool // outer IPv6, from MirrorSource6 to Sensor6
	MTU    int
	What   string
}

// FragmentedMirrors are the fragmented captures Write writes. Every other
// fragmented datagram has its fragments in reverse order, as paths with
// several links deliver them.
var FragmentedMirrors = []FragmentedMirror{
	{"erspan2-fragmented", encap.ERSPAN2, false, 576, "ERSPAN type II over a 576-byte IPv4 path, tunnel packets fragmented"},
	{"vxlan-fragmented", encap.VXLAN, false, 576, "VXLAN over a 576-byte IPv4 path, tunnel packets fragmented"},
	{"vxlan6-fragmented", encap.VXLAN, true, 1280, "VXLAN over a 1280-byte IPv6 path, tunnel packets fragmented"},
}

// PlainName is the plain capture Write writes.
const PlainName = "plain"

// The hosts of the sessions.
var (
	resolver = newHost("10.0.0.2") // a VPC's resolver sits at its base + 2
	clientA  = newHost("10.0.1.10")
	clientB  = newHost("10.0.2.20")
	clientC  = newHost("10.0.3.30")
	shop     = newHost("10.2.0.80")
	api      = newHost("10.2.0.81")
	pay      = newHost("10.2.0.43")
)

// What says what the plain capture holds.
const What = "plain Ethernet: 3 DNS lookups, 2 HTTP GETs answered 200, 1 TLS-looking session to port 443; clients 10.0.1.10, 10.0.2.20, 10.0.3.30"

// Plain returns the frames of the sessions, in time order: each client
// looks its server up, then talks to it.
func Plain() []Frame {
	t := &trace{now: Start, rng: rand.New(rand.NewPCG(2025, 42))}

	t.dnsLookup(clientA, "www.shop.example", shop.ip)
	t.wait(3 * time.Millisecond)
	c := t.dial(clientA, shop, 80, 6*time.Millisecond)
	c.exchange(httpGet("www.shop.example", "/", "text/html"), httpOK("text/html; charset=utf-8", shopPage()), 9*time.Millisecond)
	c.close()

	t.wait(41 * time.Millisecond)
	t.dnsLookup(clientB, "api.shop.example", api.ip)
	t.wait(2 * time.Millisecond)
	c = t.dial(clientB, api, 80, 4*time.Millisecond)
	c.exchange(httpGet("api.shop.example", "/v1/cart/1842", "application/json"),
		httpOK("application/json", []byte(`{"cart":1842,"items":[{"sku":"TEA-0042","qty":2,"price":"7.50"},{"sku":"MUG-0007","qty":1,"price":"12.00"}],"total":"27.00"}`)),
		3*time.Millisecond)
	c.close()

	t.wait(57 * time.Millisecond)
	t.dnsLookup(clientC, "pay.shop.example", pay.ip)
	t.wait(2 * time.Millisecond)
	c = t.dial(clientC, pay, 443, 8*time.Millisecond)
	t.tlsSession(c, "pay.shop.example")
	c.close()
	return t.frames
}

// DNSHeavy returns n DNS lookups (a query and its answer each) from 250
// clients in 10.1.0.0/16 to the resolver, 50 microseconds apart: the load
// of a DNS-heavy VPC, for benchmarks. Every lookup is its own flow.
func DNSHeavy(n int) []Frame {
	t := &trace{now: Start, rng: rand.New(rand.NewPCG(2025, 53))}
	clients := make([]host, 250)
	for i := range clients {
		clients[i] = newHost(fmt.Sprintf("10.1.%d.%d", i/200, 10+i%200))
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%d.shop.example", i%5000)
		t.dnsLookup(clients[i%len(clients)], name, netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}))
		t.wait(50 * time.Microsecond)
	}
	return t.frames
}

// Mirrored returns frames as a traffic mirror sends them in format f, from
// MirrorSource to Sensor with mirror session Session: whole outer Ethernet
// frames at the same times. UDP tunnels get a source port from the inner
// flow's hash, as VXLAN senders do, so both directions of a flow share one.
func Mirrored(frames []Frame, f encap.Format) ([]Frame, error) {
	return mirrored(frames, f, MirrorSource, Sensor)
}

func mirrored(frames []Frame, f encap.Format, src, dst netip.Addr) ([]Frame, error) {
	out := make([]Frame, len(frames))
	for i, fr := range frames {
		h := encap.Header{Format: f, ID: Session, Seq: uint32(i), HasKey: f == encap.GRE || f == encap.GREUDP}
		o := encap.Outer{Src: src, Dst: dst}
		if f.OverUDP() {
			o.SrcPort = 49152 + uint16(flowhash.Hash(fr.Data, decap.LinkEthernet)%16384)
		}
		data, err := encap.Frame(o, &h, fr.Data)
		if err != nil {
			return nil, fmt.Errorf("samples: frame %d: %w", i+1, err)
		}
		out[i] = Frame{Time: fr.Time, Data: data, OrigLen: len(data)}
	}
	return out, nil
}

// MirroredFragmented returns frames as Mirrored does, in m's format and
// outer family, each tunnel packet larger than m.MTU split into IP
// fragments (identification: the frame's number).
func MirroredFragmented(frames []Frame, m FragmentedMirror) ([]Frame, error) {
	src, dst := MirrorSource, Sensor
	if m.IPv6 {
		src, dst = MirrorSource6, Sensor6
	}
	whole, err := mirrored(frames, m.Format, src, dst)
	if err != nil {
		return nil, err
	}
	var out []Frame
	split := 0
	for i, fr := range whole {
		frags, err := encap.Fragment(fr.Data, m.MTU, uint32(i+1))
		if err != nil {
			return nil, fmt.Errorf("samples: frame %d: %w", i+1, err)
		}
		if len(frags) > 1 {
			if split++; split%2 == 0 {
				slices.Reverse(frags)
			}
		}
		for _, f := range frags {
			out = append(out, Frame{Time: fr.Time, Data: f, OrigLen: len(f)})
		}
	}
	return out, nil
}

// File is a capture Write wrote.
type File struct {
	Path   string
	Frames int
	What   string
}

// Write writes the plain capture and every mirrored one into dir (created
// if missing) as microsecond pcap files: plain.pcap, one per Mirrors
// (vxlan.pcap, ...), then one per FragmentedMirrors.
func Write(dir string) ([]File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	plain := Plain()
	files := []File{{filepath.Join(dir, PlainName+".pcap"), len(plain), What}}
	if err := WritePcap(files[0].Path, plain); err != nil {
		return nil, err
	}
	for _, m := range Mirrors {
		frames, err := Mirrored(plain, m.Format)
		if err != nil {
			return nil, err
		}
		f := File{filepath.Join(dir, m.Name+".pcap"), len(frames), m.What}
		if err := WritePcap(f.Path, frames); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	for _, m := range FragmentedMirrors {
		frames, err := MirroredFragmented(plain, m)
		if err != nil {
			return nil, err
		}
		f := File{filepath.Join(dir, m.Name+".pcap"), len(frames), m.What}
		if err := WritePcap(f.Path, frames); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// WritePcap writes Ethernet frames as a microsecond pcap file.
func WritePcap(path string, frames []Frame) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	w := pcapgo.NewWriter(bw)
	err = w.WriteFileHeader(65535, layers.LinkTypeEthernet)
	for _, fr := range frames {
		if err != nil {
			break
		}
		err = w.WritePacket(gopacket.CaptureInfo{Timestamp: fr.Time, CaptureLength: len(fr.Data), Length: fr.OrigLen}, fr.Data)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

type host struct {
	ip  netip.Addr
	mac net.HardwareAddr
}

// newHost gives a host a locally administered MAC address made of its IPv4
// address, 02:00:a.b.c.d.
func newHost(ip string) host {
	a := netip.MustParseAddr(ip).As4()
	return host{netip.AddrFrom4(a), net.HardwareAddr{0x02, 0x00, a[0], a[1], a[2], a[3]}}
}

// trace collects frames; now is the time of the next one.
type trace struct {
	now    time.Time
	frames []Frame
	ipID   map[netip.Addr]uint16
	rng    *rand.Rand
}

func (t *trace) wait(d time.Duration) { t.now = t.now.Add(d) }

// transport is a TCP or UDP header that gopacket checksums over the IP
// pseudo-header.
type transport interface {
	gopacket.SerializableLayer
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}

// emit appends a frame from src to dst at the current time, then moves the
// time on by a few microseconds, as a host's packets on the wire are.
func (t *trace) emit(src, dst host, l4 transport, payload []byte) {
	if t.ipID == nil {
		t.ipID = map[netip.Addr]uint16{}
	}
	t.ipID[src.ip]++
	ip := &layers.IPv4{
		Version: 4, TTL: 64, Id: t.ipID[src.ip], Flags: layers.IPv4DontFragment,
		SrcIP: src.ip.AsSlice(), DstIP: dst.ip.AsSlice(),
	}
	switch l4.(type) {
	case *layers.TCP:
		ip.Protocol = layers.IPProtocolTCP
	case *layers.UDP:
		ip.Protocol = layers.IPProtocolUDP
	}
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	// These layers fail to serialize only on a bug here: the test writes
	// every frame.
	if err := l4.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, l4, gopacket.Payload(payload)); err != nil {
		panic(err)
	}
	data := append([]byte(nil), buf.Bytes()...)
	t.frames = append(t.frames, Frame{Time: t.now, Data: data, OrigLen: len(data)})
	t.wait(time.Duration(20+len(data)/16) * time.Microsecond)
}

// ephemeralPort is a client's source port, from the Linux default range.
func (t *trace) ephemeralPort() uint16 { return uint16(32768 + t.rng.IntN(28232)) }

// dnsLookup is a client asking the resolver for name's A record, and the
// answer, rtt later.
func (t *trace) dnsLookup(client host, name string, addr netip.Addr) {
	cport, id := t.ephemeralPort(), uint16(t.rng.Uint32())
	q := layers.DNSQuestion{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}
	query := &layers.DNS{ID: id, RD: true, QDCount: 1, Questions: []layers.DNSQuestion{q}}
	t.emit(client, resolver, &layers.UDP{SrcPort: layers.UDPPort(cport), DstPort: 53}, serialize(query))
	t.wait(1200 * time.Microsecond)
	answer := &layers.DNS{
		ID: id, QR: true, OpCode: layers.DNSOpCodeQuery, RD: true, RA: true, ResponseCode: layers.DNSResponseCodeNoErr,
		QDCount: 1, ANCount: 1, Questions: []layers.DNSQuestion{q},
		Answers: []layers.DNSResourceRecord{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 60, IP: addr.AsSlice()}},
	}
	t.emit(resolver, client, &layers.UDP{SrcPort: 53, DstPort: layers.UDPPort(cport)}, serialize(answer))
}

func serialize(l gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := l.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		panic(err) // a bug here: the test decodes every message
	}
	return buf.Bytes()
}

// mss is the most payload a segment carries (a 1500-byte MTU's 1460 less
// room for options, as clouds' MTUs and tunnels often leave).
const mss = 1400

// tcpConn is an open TCP connection: next is the sequence number each side
// sends next, so every segment's seq and ack follow from what went before.
type tcpConn struct {
	t                *trace
	cli, srv         host
	cport, sport     uint16
	cliNext, srvNext uint32
	rtt              time.Duration
}

// dial opens a connection from cli to srv:port with a three-way handshake
// over a path of the given round-trip time.
func (t *trace) dial(cli, srv host, port uint16, rtt time.Duration) *tcpConn {
	c := &tcpConn{t: t, cli: cli, srv: srv, cport: t.ephemeralPort(), sport: port, rtt: rtt}
	cisn, sisn := t.rng.Uint32(), t.rng.Uint32()
	c.cliNext = cisn
	c.segment(true, syn, nil)
	t.wait(rtt / 2)
	c.srvNext = sisn
	c.segment(false, syn|ack, nil)
	t.wait(rtt / 2)
	c.segment(true, ack, nil)
	return c
}

type tcpFlags uint8

const (
	syn tcpFlags = 1 << iota
	ack
	psh
	fin
)

// segment sends one segment from the client (fromCli) or the server,
// acknowledging everything the other side sent.
func (c *tcpConn) segment(fromCli bool, flags tcpFlags, payload []byte) {
	src, dst, sport, dport, seq, peer := c.srv, c.cli, c.sport, c.cport, &c.srvNext, c.cliNext
	// Windows as Linux sends them: unscaled in the handshake, then in
	// units of 128 (window scale 7).
	window, synWindow := uint16(509), uint16(65160)
	if fromCli {
		src, dst, sport, dport, seq, peer = c.cli, c.srv, c.cport, c.sport, &c.cliNext, c.srvNext
		window, synWindow = 502, 64240
	}
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: *seq,
		SYN: flags&syn != 0, ACK: flags&ack != 0, PSH: flags&psh != 0, FIN: flags&fin != 0,
		Window: window,
	}
	if tcp.ACK {
		tcp.Ack = peer
	}
	if tcp.SYN {
		tcp.Options = []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
		}
		tcp.Window = synWindow
	}
	*seq += uint32(len(payload))
	if tcp.SYN || tcp.FIN {
		*seq++
	}
	c.t.emit(src, dst, tcp, payload)
}

// send sends data in segments of at most mss bytes, the last one pushed.
func (c *tcpConn) send(fromCli bool, data []byte) {
	for len(data) > 0 {
		n := min(len(data), mss)
		flags := ack
		if n == len(data) {
			flags |= psh
		}
		c.segment(fromCli, flags, data[:n])
		data = data[n:]
	}
}

// exchange is a request from the client and the server's response after
// it thought for a while, acknowledged by the client.
func (c *tcpConn) exchange(request, response []byte, think time.Duration) {
	c.send(true, request)
	c.t.wait(c.rtt/2 + think)
	c.send(false, response)
	c.t.wait(c.rtt / 2)
	c.segment(true, ack, nil)
}

// close is the client closing first: FIN, the server's FIN with its
// acknowledgment, the client's last ACK.
func (c *tcpConn) close() {
	c.t.wait(2 * time.Millisecond)
	c.segment(true, fin|ack, nil)
	c.t.wait(c.rtt / 2)
	c.segment(false, fin|ack, nil)
	c.t.wait(c.rtt / 2)
	c.segment(true, ack, nil)
}

func httpGet(hostName, path, accept string) []byte {
	return fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: curl/8.5.0\r\nAccept: %s\r\n\r\n", path, hostName, accept)
}

func httpOK(contentType string, body []byte) []byte {
	head := fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n",
		Start.Format(http1Date), contentType, len(body))
	return append(head, body...)
}

const http1Date = "Mon, 02 Jan 2006 15:04:05 GMT"

// shopPage is an HTML page long enough to take two segments.
func shopPage() []byte {
	b := []byte("<!doctype html>\n<html><head><title>Tea shop</title></head>\n<body><h1>Our teas</h1>\n<ul>\n")
	for i := 1; i <= 40; i++ {
		b = fmt.Appendf(b, "<li><a href=\"/tea/%04d\">Tea number %d</a>, 7.50</li>\n", i, i)
	}
	return append(b, "</ul></body></html>\n"...)
}

// tlsSession is what a resumed TLS 1.2 session looks like on the wire:
// ClientHello with the server's name, ServerHello taking the offered
// session, both sides' ChangeCipherSpec and Finished, then application
// data and close_notify alerts, all encrypted parts being bytes from the
// trace's generator.
func (t *trace) tlsSession(c *tcpConn, serverName string) {
	sessionID := t.bytes(32)
	c.send(true, tlsRecord(0x01, 0x16, handshake(0x01, clientHello(t.bytes(32), sessionID, serverName))))
	t.wait(c.rtt/2 + time.Millisecond)
	c.send(false, append(append(
		tlsRecord(0x03, 0x16, handshake(0x02, serverHello(t.bytes(32), sessionID))),
		tlsRecord(0x03, 0x14, []byte{1})...),
		tlsRecord(0x03, 0x16, t.bytes(40))...))
	t.wait(c.rtt / 2)
	c.send(true, append(append(
		tlsRecord(0x03, 0x14, []byte{1}),
		tlsRecord(0x03, 0x16, t.bytes(40))...),
		tlsRecord(0x03, 0x17, t.bytes(420))...))
	t.wait(c.rtt/2 + 5*time.Millisecond)
	c.send(false, tlsRecord(0x03, 0x17, t.bytes(2150)))
	t.wait(c.rtt / 2)
	c.send(true, tlsRecord(0x03, 0x15, t.bytes(26)))
	t.wait(c.rtt / 2)
	c.send(false, tlsRecord(0x03, 0x15, t.bytes(26)))
}

func (t *trace) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(t.rng.Uint32())
	}
	return b
}

// tlsRecord is a TLS record of the given type, version 3.minor.
func tlsRecord(minor, typ byte, body []byte) []byte {
	return append([]byte{typ, 3, minor, byte(len(body) >> 8), byte(len(body))}, body...)
}

func handshake(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// ext is a TLS extension.
func ext(typ uint16, body []byte) []byte {
	return append([]byte{byte(typ >> 8), byte(typ), byte(len(body) >> 8), byte(len(body))}, body...)
}

func clientHello(random, sessionID []byte, serverName string) []byte {
	b := append([]byte{3, 3}, random...)
	b = append(append(b, byte(len(sessionID))), sessionID...)
	b = append(b, 0, 6, 0xc0, 0x2f, 0xc0, 0x30, 0xcc, 0xa8) // ECDHE-RSA with AES-GCM, ChaCha20
	b = append(b, 1, 0)                                     // no compression
	name := []byte(serverName)
	sni := append([]byte{byte((len(name) + 3) >> 8), byte(len(name) + 3), 0, byte(len(name) >> 8), byte(len(name))}, name...)
	exts := append(ext(0x0000, sni), ext(0xff01, []byte{0})...)         // server_name, renegotiation_info
	exts = append(exts, ext(0x000a, []byte{0, 4, 0, 0x1d, 0, 0x17})...) // supported_groups x25519, secp256r1
	exts = append(exts, ext(0x000b, []byte{1, 0})...)                   // ec_point_formats uncompressed
	return append(append(b, byte(len(exts)>>8), byte(len(exts))), exts...)
}

func serverHello(random, sessionID []byte) []byte {
	b := append([]byte{3, 3}, random...)
	b = append(append(b, byte(len(sessionID))), sessionID...)
	b = append(b, 0xc0, 0x2f, 0) // ECDHE-RSA-AES128-GCM-SHA256, no compression
	exts := ext(0xff01, []byte{0})
	return append(append(b, byte(len(exts)>>8), byte(len(exts))), exts...)
}
