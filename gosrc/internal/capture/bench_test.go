package capture

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

// blast sends VXLAN datagrams built from frames to port as fast as
// sendmmsg allows, until stop is set.
func blast(b *testing.B, port int, frames [][]byte, stop *atomic.Bool) {
	conn, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		b.Error(err)
		return
	}
	defer conn.Close()
	pc := ipv4.NewPacketConn(conn)
	h := encap.Header{Format: encap.VXLAN, ID: 1}
	msgs := make([]ipv4.Message, 64)
	for i := range msgs {
		f := frames[i%len(frames)]
		msgs[i].Buffers = [][]byte{append(encap.AppendHeader(nil, &h), f...)}
	}
	for !stop.Load() {
		if _, err := pc.WriteBatch(msgs, 0); err != nil && !stop.Load() {
			time.Sleep(10 * time.Microsecond) // ENOBUFS: the receiver is behind
		}
	}
}

func benchFrames(b *testing.B, mix string) [][]byte {
	if mix == "64B" {
		f := make([]byte, 64)
		f[12], f[13], f[14] = 0x08, 0x00, 0x45
		return [][]byte{f}
	}
	frames, _ := traces.Read(b, "inner/ssh.trace")
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = f.Data
	}
	return out
}

// receiveBench runs recv against a blasting sender until b.N packets were
// received, and reports the packets/s it kept up with.
func receiveBench(b *testing.B, mix string, open func() (port int, recv func() int, closeFn func())) {
	port, recv, closeFn := open()
	defer closeFn()
	var stop atomic.Bool
	done := make(chan struct{})
	go func() { blast(b, port, benchFrames(b, mix), &stop); close(done) }()
	// Let the sender reach speed, and drain what piled up.
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		recv()
	}
	b.ResetTimer()
	got := 0
	for got < b.N {
		got += recv()
	}
	b.StopTimer()
	stop.Store(true)
	<-done
	b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkReceiveBaseline is the bare loop: recvmmsg into the same
// preallocated buffers, counting datagrams, nothing else.
func BenchmarkReceiveBaseline(b *testing.B) {
	for _, mix := range []string{"64B", "mixed"} {
		b.Run(mix, func(b *testing.B) {
			receiveBench(b, mix, func() (int, func() int, func()) {
				fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK, 0)
				if err != nil {
					b.Fatal(err)
				}
				if err := setupSocket(fd, DefaultRcvBuf); err != nil {
					b.Fatal(err)
				}
				if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
					b.Fatal(err)
				}
				local, _ := localAddr(fd)
				m := newMmsg(fd, DefaultBatch, DefaultSnaplen)
				return int(local.Port()), func() int {
					n, _ := m.recv(DefaultBatch)
					return n
				}, func() { unix.Close(fd) }
			})
		})
	}
}

// BenchmarkReceiveCapture is the whole path: receive, allowlist, decap,
// session filter, copy into a batch.
func BenchmarkReceiveCapture(b *testing.B) {
	for _, mix := range []string{"64B", "mixed"} {
		b.Run(mix, func(b *testing.B) {
			receiveBench(b, mix, func() (int, func() int, func()) {
				src, err := Open("vxlan://127.0.0.1:0?allow=127.0.0.0/8&vni=1")
				if err != nil {
					b.Fatal(err)
				}
				batch := NewBatch(DefaultBatch, DefaultBatch*DefaultSnaplen)
				b.ReportAllocs()
				return int(src.LocalAddrs()[0].Port()), func() int {
					batch.Reset()
					n, err := src.ReadBatch(batch)
					if err != nil {
						b.Fatal(err)
					}
					return n
				}, func() { src.Close() }
			})
		})
	}
}
