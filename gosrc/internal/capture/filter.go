package capture

import (
	"net/netip"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/flowhash"
	"github.com/cloudtap/cloudtap/gosrc/internal/dedup"
)

// Filter decides which decapsulated packets a source delivers.
type Filter struct {
	// Allow lists the prefixes mirror sources may send from; empty allows
	// any source. Tunnels carry no authentication, so this is what keeps
	// forged tunnel packets out of the sensor.
	Allow []netip.Prefix
	// Sessions keeps only these VNIs / ERSPAN session ids; empty keeps all.
	Sessions []uint32
	// Workers and Worker keep one worker's share of flows. UDP listeners
	// have the kernel steer flows to sockets instead (see reuseport_linux.go).
	Workers, Worker int
	// Dedup, when set, drops a packet that one equal but for TTL, IP
	// checksum and Ethernet header preceded within it (package dedup):
	// both ends of a connection mirrored.
	Dedup time.Duration
}

// pipeline runs decoded packets through a Filter into a Batch and counts
// every outcome.
type pipeline struct {
	dec       *decap.Decoder
	allow     []netip.Prefix
	sessions  map[uint32]struct{}
	workers   int
	worker    int
	userShare bool // filter flows by hash here (files, raw sockets)
	dedup     *dedup.Table
	c         counters
	pkt       decap.Packet
}

func newPipeline(dec *decap.Decoder, f Filter, userShare bool) *pipeline {
	pl := &pipeline{dec: dec, allow: f.Allow, workers: f.Workers, worker: f.Worker, userShare: userShare && f.Workers > 1}
	if f.Dedup > 0 {
		pl.dedup = dedup.New(f.Dedup)
	}
	if len(f.Sessions) > 0 {
		pl.sessions = make(map[uint32]struct{}, len(f.Sessions))
		for _, s := range f.Sessions {
			pl.sessions[s] = struct{}{}
		}
	}
	return pl
}

func (pl *pipeline) allowed(src netip.Addr) bool {
	if len(pl.allow) == 0 {
		return true
	}
	src = src.Unmap()
	for _, p := range pl.allow {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// refuseEarly counts a packet whose source is known before decoding (a
// socket's peer address) and is not allowed; forged packets are then not
// even parsed.
func (pl *pipeline) refuseEarly(src netip.Addr, n int) bool {
	if pl.allowed(src) {
		return false
	}
	pl.receive(n)
	pl.c.refused.Add(1)
	return true
}

// receive counts one tunnel packet of n bytes read; every packet read is
// counted so once, whatever becomes of it.
func (pl *pipeline) receive(n int) {
	pl.c.received.Add(1)
	pl.c.bytes.Add(uint64(n))
}

// deliver files the outcome of decoding one tunnel packet of wireLen bytes.
func (pl *pipeline) deliver(b *Batch, err error, ts int64, wireLen int, checkSource bool) {
	pl.deliverDatagram(b, err, ts, wireLen, wireLen, checkSource)
}

// deliverDatagram is deliver for a tunnel packet of origLen bytes on the
// wire that arrived as a packet of wireLen: a reassembled datagram, whose
// last fragment it is counted as.
func (pl *pipeline) deliverDatagram(b *Batch, err error, ts int64, wireLen, origLen int, checkSource bool) {
	pl.receive(wireLen)
	p := &pl.pkt
	if err != nil {
		r, _ := err.(decap.Reason)
		pl.c.malformed.Add(1)
		pl.c.byReason[r].Add(1)
		return
	}
	if checkSource && !pl.allowed(p.Outer().Src) {
		pl.c.refused.Add(1)
		return
	}
	if pl.sessions != nil {
		id, ok := p.Session()
		if _, want := pl.sessions[id]; !ok || !want {
			pl.c.otherSession.Add(1)
			return
		}
	}
	if pl.userShare && flowhash.Worker(flowhash.Hash(p.Inner, p.InnerLink), pl.workers) != pl.worker {
		pl.c.otherWorker.Add(1)
		return
	}
	if pl.dedup != nil && pl.dedup.Copy(p.Inner, p.InnerLink, ts) {
		pl.c.duplicates.Add(1)
		return
	}
	b.add(p, ts, origLen)
	pl.c.delivered.Add(1)
}
