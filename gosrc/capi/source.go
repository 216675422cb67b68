package main

/*
#include "cloudtap_types.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"runtime/cgo"
	"sync"
	"unsafe"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/capture"
)

// source is what a packet-source handle holds. Zeek calls a source from its
// main thread only, but stats may come from elsewhere: the mutex keeps a
// stray concurrent call from corrupting the batch.
type source struct {
	mu    sync.Mutex
	src   *capture.Source
	batch capture.Batch
}

func sourceOf(h C.uintptr_t) (*source, error) { return valueOf[*source](h, "packet source") }

//export cloudtap_src_open
func cloudtap_src_open(spec *C.char, errOut **C.char) C.uintptr_t {
	src, err := capture.Open(C.GoString(spec))
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(&source{src: src}))
}

//export cloudtap_src_next_batch
func cloudtap_src_next_batch(h C.uintptr_t, b *C.cloudtap_batch, errOut **C.char) C.int {
	s, err := sourceOf(h)
	if err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	if b == nil || b.packets == nil || b.data == nil || b.max_packets == 0 || b.data_size == 0 {
		setErr(errOut, errors.New("cloudtap: batch has no packet array or no data buffer"))
		return C.CLOUDTAP_ERROR
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int(b.max_packets)
	if cap(s.batch.Meta) < n {
		s.batch.Meta = make([]capture.Meta, n)
	}
	s.batch.Meta = s.batch.Meta[:n]
	// Frames are copied straight into the caller's buffer.
	s.batch.Data = unsafe.Slice((*byte)(unsafe.Pointer(b.data)), int(b.data_size))
	s.batch.Reset()
	got, err := s.src.ReadBatch(&s.batch)
	s.batch.Data = nil // hold no pointer to C memory past the call
	pkts := unsafe.Slice(b.packets, n)
	for i := 0; i < got; i++ {
		m := &s.batch.Meta[i]
		p := &pkts[i]
		p.ts_ns = C.int64_t(m.Time)
		p.caplen, p.len, p.offset = C.uint32_t(m.CapLen), C.uint32_t(m.OrigLen), C.uint32_t(m.Offset)
		p.link_type, p.encap = C.uint16_t(m.Link), C.uint8_t(m.Encap)
		p.has_session, p.session = 0, C.uint32_t(m.Session)
		if m.HasSession {
			p.has_session = 1
		}
	}
	switch {
	case errors.Is(err, io.EOF):
		return C.CLOUDTAP_EOF
	case err != nil:
		setErr(errOut, fmt.Errorf("cloudtap: %w", err))
		if got > 0 {
			return C.int(got) // deliver what was read; the error repeats next call
		}
		return C.CLOUDTAP_ERROR
	}
	return C.int(got)
}

//export cloudtap_src_fd
func cloudtap_src_fd(h C.uintptr_t) C.int {
	s, err := sourceOf(h)
	if err != nil {
		return -1
	}
	return C.int(s.src.Fd())
}

//export cloudtap_src_is_live
func cloudtap_src_is_live(h C.uintptr_t) C.int {
	s, err := sourceOf(h)
	if err != nil || !s.src.Live() {
		return 0
	}
	return 1
}

//export cloudtap_src_get_stats
func cloudtap_src_get_stats(h C.uintptr_t, out *C.cloudtap_src_stats) {
	s, err := sourceOf(h)
	if err != nil || out == nil {
		return
	}
	st := s.src.Stats()
	out.received, out.bytes, out.delivered = C.uint64_t(st.Received), C.uint64_t(st.Bytes), C.uint64_t(st.Delivered)
	out.refused, out.other_session, out.other_worker = C.uint64_t(st.Refused), C.uint64_t(st.OtherSession), C.uint64_t(st.OtherWorker)
	out.malformed, out.kernel_drops = C.uint64_t(st.Malformed), C.uint64_t(st.KernelDrops)
	out.duplicates, out.reassembled, out.fragments_held = C.uint64_t(st.Duplicates), C.uint64_t(st.Reassembled), C.uint64_t(st.FragmentsHeld)
	out.queued = C.uint64_t(st.Queued)
	out.nreasons = C.uint32_t(min(len(st.ByReason), C.CLOUDTAP_MAX_REASONS))
	for i := 0; i < int(out.nreasons); i++ {
		out.by_reason[i] = C.uint64_t(st.ByReason[i])
	}
}

//export cloudtap_src_close
func cloudtap_src_close(h C.uintptr_t) {
	s, err := sourceOf(h)
	if err != nil {
		return
	}
	s.mu.Lock()
	_ = s.src.Close()
	s.mu.Unlock()
	cgo.Handle(h).Delete()
}

// reasonNames are the C names of decap's reasons, made once and never
// freed: cloudtap_reason_name hands out pointers to them.
var reasonNames = sync.OnceValue(func() []*C.char {
	names := make([]*C.char, decap.NumReasons)
	for i := range names {
		names[i] = C.CString(decap.Reason(i).String())
	}
	return names
})

// cloudtap_reason_name is the stable snake_case name of reason i of
// cloudtap_src_stats.by_reason ("truncated_vxlan", "fragment_overlap"),
// owned by the library; NULL past the last.
//
//export cloudtap_reason_name
func cloudtap_reason_name(i C.uint32_t) *C.char {
	names := reasonNames()
	if int(i) >= len(names) {
		return nil
	}
	return names[i]
}

// by_reason must hold every reason: this fails to compile if it cannot.
var _ [C.CLOUDTAP_MAX_REASONS - int(decap.NumReasons)]struct{}
