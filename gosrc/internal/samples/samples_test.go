package samples

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
)

// decoded is one plain frame as gopacket reads it.
type decoded struct {
	time time.Time
	ip   *layers.IPv4
	tcp  *layers.TCP
	udp  *layers.UDP
}

// decodeAll decodes Ethernet frames with gopacket and checks what every
// frame must be: whole, IPv4 with TCP or UDP, every checksum right.
func decodeAll(t *testing.T, frames []Frame) []decoded {
	t.Helper()
	var out []decoded
	for i, f := range frames {
		p := gopacket.NewPacket(f.Data, layers.LayerTypeEthernet, gopacket.Default)
		require.Nil(t, p.ErrorLayer(), "frame %d", i+1)
		requireChecksums(t, p, i+1)
		d := decoded{time: f.Time}
		d.ip, _ = p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		require.NotNil(t, d.ip, "frame %d: IPv4", i+1)
		// Short frames are padded to Ethernet's 60 bytes, as on a wire.
		assert.Equal(t, max(60, int(d.ip.Length)+14), len(f.Data), "frame %d: IP length", i+1)
		d.tcp, _ = p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		d.udp, _ = p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		require.True(t, d.tcp != nil || d.udp != nil, "frame %d: TCP or UDP", i+1)
		out = append(out, d)
	}
	return out
}

// requireChecksums checks every checksum of a decoded packet, tunnels'
// and inner frames' alike. gopacket's decoder does not tell TCP and UDP
// which IP header holds their pseudo-header, so this does.
func requireChecksums(t *testing.T, p gopacket.Packet, frame int) {
	t.Helper()
	var ip gopacket.NetworkLayer
	for _, l := range p.Layers() {
		switch l := l.(type) {
		case gopacket.NetworkLayer:
			ip = l
		case interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}:
			require.NoError(t, l.SetNetworkLayerForChecksum(ip), "frame %d", frame)
		}
	}
	err, mismatches := p.VerifyChecksums()
	require.NoError(t, err, "frame %d", frame)
	require.Empty(t, mismatches, "frame %d: checksums", frame)
}

type endpoint struct {
	addr netip.Addr
	port uint16
}

func (d decoded) src() endpoint {
	a, _ := netip.AddrFromSlice(d.ip.SrcIP)
	if d.tcp != nil {
		return endpoint{a, uint16(d.tcp.SrcPort)}
	}
	return endpoint{a, uint16(d.udp.SrcPort)}
}

func (d decoded) dst() endpoint {
	a, _ := netip.AddrFromSlice(d.ip.DstIP)
	if d.tcp != nil {
		return endpoint{a, uint16(d.tcp.DstPort)}
	}
	return endpoint{a, uint16(d.udp.DstPort)}
}

// tcpSession is one TCP connection replayed through a strict state
// machine: what each side sent, and whether it closed.
type tcpSession struct {
	cli, srv          endpoint
	next              map[endpoint]uint32 // next sequence number a side may send
	data              map[endpoint][]byte
	fin               map[endpoint]bool
	established, done bool
}

// step checks one segment against the session so far: a SYN, SYN-ACK, ACK
// handshake first, then every segment at the sender's next sequence number
// and acknowledging all the other side sent, FINs from both sides, the last
// FIN acknowledged.
func (s *tcpSession) step(t *testing.T, i int, d decoded) {
	t.Helper()
	from, to, tcp := d.src(), d.dst(), d.tcp
	switch {
	case s.next == nil:
		require.True(t, tcp.SYN && !tcp.ACK, "frame %d: a session starts with a SYN", i)
		s.cli, s.srv = from, to
		s.next = map[endpoint]uint32{from: tcp.Seq + 1}
		s.data, s.fin = map[endpoint][]byte{}, map[endpoint]bool{}
		return
	case len(s.next) == 1:
		require.True(t, tcp.SYN && tcp.ACK && from == s.srv, "frame %d: SYN-ACK from the server", i)
		require.Equal(t, s.next[s.cli], tcp.Ack, "frame %d: SYN-ACK acknowledges the SYN", i)
		s.next[from] = tcp.Seq + 1
		return
	}
	require.False(t, tcp.SYN, "frame %d: SYN after the handshake", i)
	require.False(t, s.done, "frame %d: segment after the last ACK", i)
	require.True(t, tcp.ACK, "frame %d: ACK set", i)
	require.Equal(t, s.next[from], tcp.Seq, "frame %d: seq", i)
	require.Equal(t, s.next[to], tcp.Ack, "frame %d: ack", i)
	if !s.established {
		require.True(t, from == s.cli && len(tcp.Payload) == 0, "frame %d: the handshake's ACK", i)
		s.established = true
	}
	if s.fin[from] {
		require.True(t, len(tcp.Payload) == 0 && !tcp.FIN, "frame %d: data or FIN after its FIN", i)
	}
	s.data[from] = append(s.data[from], tcp.Payload...)
	s.next[from] += uint32(len(tcp.Payload))
	if tcp.FIN {
		s.fin[from] = true
		s.next[from]++
	} else if s.fin[s.cli] && s.fin[s.srv] {
		require.Empty(t, tcp.Payload, "frame %d: data after both FINs", i)
		s.done = true
	}
}

// TestPlainSessionsAreWholeAndHealthy replays the plain capture through
// gopacket: correct checksums and lengths, TCP sessions from handshake to
// FINs with seq/ack in step, HTTP requests answered 200 with the body the
// header announces, TLS records, each DNS query answered with the address
// the client then connects to, realistic times.
func TestPlainSessionsAreWholeAndHealthy(t *testing.T) {
	frames := Plain()
	require.NotEmpty(t, frames)
	ds := decodeAll(t, frames)

	tcp := map[[2]endpoint]*tcpSession{}
	var order [][2]endpoint
	dnsQueries := map[uint16]*layers.DNS{}
	resolved := map[netip.Addr]map[netip.Addr]bool{} // client: addresses it was given
	clients := map[netip.Addr]bool{}
	ten := netip.MustParsePrefix("10.0.0.0/8")
	for i, d := range ds {
		n := i + 1
		if i > 0 {
			gap := d.time.Sub(ds[i-1].time)
			require.Greater(t, gap, time.Duration(0), "frame %d: times increase", n)
			assert.Less(t, gap, 100*time.Millisecond, "frame %d", n)
			require.Equal(t, d.time, d.time.Truncate(time.Microsecond), "frame %d: a microsecond pcap keeps the time", n)
		}
		require.True(t, ten.Contains(d.src().addr) && ten.Contains(d.dst().addr), "frame %d: addresses in 10.0.0.0/8", n)
		if d.udp != nil {
			var dns layers.DNS
			require.NoError(t, dns.DecodeFromBytes(d.udp.Payload, gopacket.NilDecodeFeedback), "frame %d: DNS", n)
			if !dns.QR {
				require.Equal(t, uint16(53), uint16(d.udp.DstPort), "frame %d", n)
				require.Len(t, dns.Questions, 1, "frame %d", n)
				dnsQueries[dns.ID] = &dns
				clients[d.src().addr] = true
				continue
			}
			q := dnsQueries[dns.ID]
			require.NotNil(t, q, "frame %d: an answer to no query", n)
			delete(dnsQueries, dns.ID)
			require.Equal(t, layers.DNSResponseCodeNoErr, dns.ResponseCode, "frame %d", n)
			require.Equal(t, q.Questions, dns.Questions, "frame %d", n)
			require.Len(t, dns.Answers, 1, "frame %d", n)
			a := dns.Answers[0]
			require.Equal(t, layers.DNSTypeA, a.Type, "frame %d", n)
			ip, _ := netip.AddrFromSlice(a.IP)
			if resolved[d.dst().addr] == nil {
				resolved[d.dst().addr] = map[netip.Addr]bool{}
			}
			resolved[d.dst().addr][ip] = true
			continue
		}
		key := [2]endpoint{d.src(), d.dst()}
		if s := tcp[[2]endpoint{d.dst(), d.src()}]; s != nil {
			key = [2]endpoint{d.dst(), d.src()}
		}
		s := tcp[key]
		if s == nil {
			s = &tcpSession{}
			tcp[key] = s
			order = append(order, key)
		}
		s.step(t, n, d)
	}
	assert.Empty(t, dnsQueries, "queries left unanswered")
	assert.GreaterOrEqual(t, len(clients), 3, "several clients")

	httpOK := regexp.MustCompile(`^HTTP/1\.1 200 OK\r\n(?s:.*?)Content-Length: (\d+)\r\n(?s:.*?)\r\n\r\n`)
	var ports []uint16
	for _, key := range order {
		s := tcp[key]
		name := fmt.Sprintf("%v:%d > %v:%d", s.cli.addr, s.cli.port, s.srv.addr, s.srv.port)
		require.True(t, s.done, "%s: closed by both sides and acknowledged", name)
		assert.True(t, resolved[s.cli.addr][s.srv.addr], "%s: the client looked its server up first", name)
		req, resp := s.data[s.cli], s.data[s.srv]
		ports = append(ports, s.srv.port)
		switch s.srv.port {
		case 80:
			require.Regexp(t, `^GET /\S* HTTP/1\.1\r\nHost: \S+\r\n(?s:.*)\r\n\r\n$`, string(req), name)
			m := httpOK.FindSubmatch(resp)
			require.NotNil(t, m, "%s: response %q", name, resp)
			length, err := strconv.Atoi(string(m[1]))
			require.NoError(t, err)
			assert.Equal(t, length, len(resp)-len(m[0]), "%s: body as long as Content-Length says", name)
		case 443:
			for _, side := range [][]byte{req, resp} {
				records := 0
				for len(side) > 0 {
					require.GreaterOrEqual(t, len(side), 5, "%s: a whole record header", name)
					require.Contains(t, []byte{0x14, 0x15, 0x16, 0x17}, side[0], "%s: record type", name)
					require.Equal(t, byte(3), side[1], "%s: record version", name)
					l := 5 + int(side[3])<<8 + int(side[4])
					require.GreaterOrEqual(t, len(side), l, "%s: a whole record", name)
					side = side[l:]
					records++
				}
				assert.Greater(t, records, 2, "%s", name)
			}
			assert.Equal(t, byte(0x01), req[5], "%s: the client begins with a ClientHello", name)
			assert.Contains(t, string(req), "pay.shop.example", "%s: server name", name)
			assert.Equal(t, byte(0x02), resp[5], "%s: the server answers with a ServerHello", name)
		default:
			t.Fatalf("%s: unexpected port", name)
		}
	}
	assert.Equal(t, []uint16{80, 80, 443}, ports)
	assert.Less(t, frames[len(frames)-1].Time.Sub(frames[0].Time), 2*time.Second)
}

// TestMirroredCarryThePlainFrames decodes each mirrored capture twice:
// with gopacket (outer checksums, the tunnel's port or GRE protocol) and
// with cloudtap's decoder, which must give back each plain frame exactly,
// with mirror session Session.
func TestMirroredCarryThePlainFrames(t *testing.T) {
	plain := Plain()
	dec, err := decap.NewDecoder(decap.DefaultConfig())
	require.NoError(t, err)
	for _, m := range Mirrors {
		t.Run(m.Name, func(t *testing.T) {
			frames, err := Mirrored(plain, m.Format)
			require.NoError(t, err)
			require.Len(t, frames, len(plain))
			ports := map[[2]endpoint]uint16{}
			for i, f := range frames {
				require.Equal(t, plain[i].Time, f.Time)
				p := gopacket.NewPacket(f.Data, layers.LayerTypeEthernet, gopacket.Default)
				require.Nil(t, p.ErrorLayer(), "frame %d", i+1)
				requireChecksums(t, p, i+1)
				ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
				assert.Equal(t, MirrorSource.AsSlice(), []byte(ip.SrcIP.To4()))
				assert.Equal(t, Sensor.AsSlice(), []byte(ip.DstIP.To4()))
				if m.Format.OverUDP() {
					udp := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
					assert.Equal(t, m.Format.DefaultPort(), uint16(udp.DstPort))
					// Both directions of an inner flow share a source port.
					inner := decodeAll(t, plain[i:i+1])[0]
					key := [2]endpoint{inner.src(), inner.dst()}
					if key[1].addr.Less(key[0].addr) {
						key = [2]endpoint{key[1], key[0]}
					}
					if p, ok := ports[key]; ok {
						assert.Equal(t, p, uint16(udp.SrcPort), "frame %d: source port of its flow", i+1)
					}
					ports[key] = uint16(udp.SrcPort)
				} else {
					gre := p.Layer(layers.LayerTypeGRE).(*layers.GRE)
					assert.Equal(t, layers.EthernetTypeERSPAN, gre.Protocol)
					assert.Equal(t, uint32(i), gre.Seq)
				}

				var pkt decap.Packet
				require.NoError(t, dec.DecodeFrame(f.Data, decap.LinkEthernet, &pkt), "frame %d", i+1)
				assert.Equal(t, plain[i].Data, pkt.Inner, "frame %d: the plain frame", i+1)
				assert.Equal(t, decap.LinkEthernet, pkt.InnerLink)
				id, ok := pkt.Session()
				assert.True(t, ok)
				assert.Equal(t, uint32(Session), id)
				assert.Equal(t, map[encap.Format]decap.Encap{encap.VXLAN: decap.EncapVXLAN, encap.GENEVE: decap.EncapGENEVE, encap.ERSPAN2: decap.EncapERSPAN2, encap.GREUDP: decap.EncapGRE}[m.Format], pkt.Encap())
			}
		})
	}
}

// TestWriteIsDeterministic writes the captures twice and reads them back:
// the same bytes each time, the frames Plain and Mirrored return.
func TestWriteIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), filepath.Join(t.TempDir(), "new")
	fa, err := Write(a)
	require.NoError(t, err)
	fb, err := Write(b)
	require.NoError(t, err)
	require.Len(t, fa, 1+len(Mirrors)+len(FragmentedMirrors))
	plain := Plain()
	for i := range fa {
		da, err := os.ReadFile(fa[i].Path)
		require.NoError(t, err)
		db, err := os.ReadFile(fb[i].Path)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(da, db), "%s differs between runs", filepath.Base(fa[i].Path))

		frames, link, err := pcapread.ReadFile(fa[i].Path)
		require.NoError(t, err)
		assert.Equal(t, layers.LinkTypeEthernet, link)
		want := plain
		switch m := i - 1; {
		case m >= len(Mirrors):
			fm := FragmentedMirrors[m-len(Mirrors)]
			want, err = MirroredFragmented(plain, fm)
			require.NoError(t, err)
			assert.Equal(t, fm.Name+".pcap", filepath.Base(fa[i].Path))
		case m >= 0:
			want, err = Mirrored(plain, Mirrors[m].Format)
			require.NoError(t, err)
			assert.Equal(t, Mirrors[m].Name+".pcap", filepath.Base(fa[i].Path))
		}
		require.Len(t, frames, fa[i].Frames)
		for j := range want {
			assert.True(t, want[j].Time.Equal(frames[j].Time), "%s frame %d: time", fa[i].Path, j+1)
			assert.Equal(t, want[j].Data, frames[j].Data, "%s frame %d", fa[i].Path, j+1)
		}
	}
}

func TestDNSHeavyIsLookupsEachAFlowOfItsOwn(t *testing.T) {
	frames := DNSHeavy(300)
	require.Len(t, frames, 600)
	ports := map[uint16]bool{}
	for i, f := range frames {
		p := gopacket.NewPacket(f.Data, layers.LayerTypeEthernet, gopacket.Default)
		require.Nil(t, p.ErrorLayer(), "frame %d", i+1)
		dns, ok := p.Layer(layers.LayerTypeDNS).(*layers.DNS)
		require.True(t, ok, "frame %d is not DNS", i+1)
		assert.Equal(t, i%2 == 1, dns.QR, "frame %d: queries and answers alternate", i+1)
		if !dns.QR {
			ports[uint16(p.Layer(layers.LayerTypeUDP).(*layers.UDP).SrcPort)] = true
		}
	}
	assert.Greater(t, len(ports), 250, "client ports vary")
}
