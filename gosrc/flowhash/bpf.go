package flowhash

import (
	"fmt"

	"golang.org/x/net/bpf"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

// Scratch memory of the BPF program.
const (
	mBase = 0 // offset of the inner IP header
	mTmp  = 1
	mHash = 2
	mNeed = 3
)

// ReuseportProgram returns a classic BPF program for SO_ATTACH_REUSEPORT_CBPF
// on UDP sockets that share a VXLAN, GENEVE or GRE-in-UDP (decap.EncapGRE)
// port: it computes Hash of the
// inner frame (the kernel hands it the UDP payload) and returns Hash % n,
// the index of the socket in the reuseport group that gets the packet.
// With n == 0 it returns the bare hash, which tests compare with Hash.
func ReuseportProgram(enc decap.Encap, n int) ([]bpf.RawInstruction, error) {
	if n < 0 || n > 1<<16 {
		return nil, fmt.Errorf("flowhash: %d workers out of range", n)
	}
	a := newAsm()
	switch enc {
	case decap.EncapVXLAN:
		a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 8})
		a.goTo("eth")
	case decap.EncapGENEVE:
		a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 0})
		need(a, 8)
		a.emit(
			bpf.LoadAbsolute{Off: 0, Size: 1},
			bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x3f},
			bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2},
			bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 8},
			bpf.TAX{},
			bpf.LoadAbsolute{Off: 2, Size: 2},
		)
		a.jump(bpf.JumpEqual, 0x6558, "eth", "")
		a.jump(bpf.JumpEqual, 0x0800, "raw", "")
		a.jump(bpf.JumpEqual, 0x86dd, "raw", "zero")
	case decap.EncapGRE: // GRE-in-UDP (RFC 8086)
		a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 0})
		need(a, 4)
		// The header is 4 bytes, and 4 more for each of the checksum (C,
		// 0x80), key (K, 0x20) and sequence number (S, 0x10) flags set.
		a.emit(
			bpf.LoadAbsolute{Off: 0, Size: 1},
			bpf.StoreScratch{Src: bpf.RegA, N: mTmp},
			bpf.LoadConstant{Dst: bpf.RegA, Val: 4},
			bpf.StoreScratch{Src: bpf.RegA, N: mNeed},
		)
		for _, flag := range []struct{ bit, shift uint32 }{{0x80, 5}, {0x20, 3}, {0x10, 2}} {
			a.emit(
				bpf.LoadScratch{Dst: bpf.RegA, N: mTmp},
				bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: flag.bit},
				bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: flag.shift}, // 4 when set
				bpf.LoadScratch{Dst: bpf.RegX, N: mNeed},
				bpf.ALUOpX{Op: bpf.ALUOpAdd},
				bpf.StoreScratch{Src: bpf.RegA, N: mNeed},
			)
		}
		a.emit(bpf.LoadScratch{Dst: bpf.RegX, N: mNeed}, bpf.LoadAbsolute{Off: 2, Size: 2})
		a.jump(bpf.JumpEqual, 0x6558, "eth", "")
		a.jump(bpf.JumpEqual, 0x0800, "raw", "")
		a.jump(bpf.JumpEqual, 0x86dd, "raw", "zero")
	default:
		return nil, fmt.Errorf("flowhash: no reuseport steering for %v", enc)
	}
	hashBody(a)
	a.label("finish")
	if n > 0 {
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpMod, Val: uint32(n)})
	}
	a.emit(bpf.RetA{})
	return a.assemble()
}

// need jumps to "zero" unless n bytes are left from offset X.
func need(a *asm, n uint32) {
	a.emit(bpf.LoadExtension{Num: bpf.ExtLen}, bpf.ALUOpX{Op: bpf.ALUOpSub})
	a.jump(bpf.JumpGreaterOrEqual, n, "", "zero")
}

// xorInto loads with ld (relative to X) and xors the value into the hash.
func xorInto(a *asm, ld bpf.Instruction) {
	a.emit(ld,
		bpf.StoreScratch{Src: bpf.RegA, N: mTmp},
		bpf.LoadScratch{Dst: bpf.RegA, N: mHash},
		bpf.LoadScratch{Dst: bpf.RegX, N: mTmp},
		bpf.ALUOpX{Op: bpf.ALUOpXor},
		bpf.StoreScratch{Src: bpf.RegA, N: mHash},
		bpf.LoadScratch{Dst: bpf.RegX, N: mBase},
	)
}

// portsAt xors source and destination port at X into the hash.
func portsAt(a *asm) {
	a.emit(
		bpf.LoadIndirect{Off: 0, Size: 2},
		bpf.StoreScratch{Src: bpf.RegA, N: mTmp},
		bpf.LoadIndirect{Off: 2, Size: 2},
		bpf.LoadScratch{Dst: bpf.RegX, N: mTmp},
		bpf.ALUOpX{Op: bpf.ALUOpXor},
		bpf.StoreScratch{Src: bpf.RegA, N: mTmp},
		bpf.LoadScratch{Dst: bpf.RegA, N: mHash},
		bpf.LoadScratch{Dst: bpf.RegX, N: mTmp},
		bpf.ALUOpX{Op: bpf.ALUOpXor},
		bpf.StoreScratch{Src: bpf.RegA, N: mHash},
	)
}

// jumpIfPorts jumps to label when A is a protocol with ports.
func jumpIfPorts(a *asm, label string) {
	for _, p := range []uint32{ipProtoTCP, ipProtoUDP, ipProtoSCTP} {
		a.jump(bpf.JumpEqual, p, label, "")
	}
	a.jump(bpf.JumpEqual, ipProtoUDPLite, label, "done")
}

// hashBody is Hash in BPF: from labels "eth" and "raw" with X at the inner
// frame, it ends at "finish" with the hash in A. Keep it in step with
// flowhash.go; TestBPFMatchesGo runs both on the same frames.
func hashBody(a *asm) {
	a.label("eth")
	need(a, 14)
	a.emit(bpf.LoadIndirect{Off: 12, Size: 2})
	for i := 0; i < maxVLANTags; i++ {
		tag := fmt.Sprintf("tag%d", i)
		a.jump(bpf.JumpEqual, 0x8100, tag, "")
		a.jump(bpf.JumpEqual, 0x88a8, tag, "ethdone")
		a.label(tag)
		a.emit(bpf.TXA{}, bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 4}, bpf.TAX{})
		need(a, 14)
		a.emit(bpf.LoadIndirect{Off: 12, Size: 2})
	}
	a.label("ethdone")
	a.emit(
		bpf.StoreScratch{Src: bpf.RegA, N: mTmp},
		bpf.TXA{}, bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 14}, bpf.TAX{},
		bpf.LoadScratch{Dst: bpf.RegA, N: mTmp},
	)
	a.jump(bpf.JumpEqual, 0x0800, "v4", "")
	a.jump(bpf.JumpEqual, 0x86dd, "v6", "zero")

	a.label("raw")
	need(a, 1)
	a.emit(bpf.LoadIndirect{Off: 0, Size: 1}, bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
	a.jump(bpf.JumpEqual, 4, "v4", "")
	a.jump(bpf.JumpEqual, 6, "v6", "zero")

	a.label("v4")
	a.emit(bpf.TXA{}, bpf.StoreScratch{Src: bpf.RegA, N: mBase})
	need(a, 20)
	a.emit(bpf.LoadIndirect{Off: 0, Size: 1}, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f})
	a.jump(bpf.JumpLessThan, 5, "zero", "")
	a.emit(bpf.LoadIndirect{Off: 9, Size: 1}, bpf.StoreScratch{Src: bpf.RegA, N: mHash})
	xorInto(a, bpf.LoadIndirect{Off: 12, Size: 4})
	xorInto(a, bpf.LoadIndirect{Off: 16, Size: 4})
	a.emit(bpf.LoadIndirect{Off: 6, Size: 2}, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x3fff})
	a.jump(bpf.JumpEqual, 0, "", "done") // fragments hash without ports
	a.emit(bpf.LoadIndirect{Off: 9, Size: 1})
	jumpIfPorts(a, "ports4")
	a.label("ports4")
	a.emit(
		bpf.LoadIndirect{Off: 0, Size: 1},
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f},
		bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2},
		bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 4},
		bpf.StoreScratch{Src: bpf.RegA, N: mNeed}, // IHL + 4 bytes of ports
		bpf.LoadExtension{Num: bpf.ExtLen}, bpf.ALUOpX{Op: bpf.ALUOpSub},
		bpf.LoadScratch{Dst: bpf.RegX, N: mNeed},
	)
	a.jumpX(bpf.JumpGreaterOrEqual, "", "zero")
	a.emit(
		bpf.LoadScratch{Dst: bpf.RegA, N: mNeed},
		bpf.ALUOpConstant{Op: bpf.ALUOpSub, Val: 4},
		bpf.LoadScratch{Dst: bpf.RegX, N: mBase},
		bpf.ALUOpX{Op: bpf.ALUOpAdd},
		bpf.TAX{},
	)
	portsAt(a)
	a.goTo("done")

	a.label("v6")
	a.emit(bpf.TXA{}, bpf.StoreScratch{Src: bpf.RegA, N: mBase})
	need(a, 40)
	a.emit(bpf.LoadIndirect{Off: 6, Size: 1}, bpf.StoreScratch{Src: bpf.RegA, N: mHash})
	for off := uint32(8); off < 40; off += 4 {
		xorInto(a, bpf.LoadIndirect{Off: off, Size: 4})
	}
	a.emit(bpf.LoadIndirect{Off: 6, Size: 1})
	jumpIfPorts(a, "ports6")
	a.label("ports6")
	need(a, 44)
	a.emit(bpf.TXA{}, bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 40}, bpf.TAX{})
	portsAt(a)

	a.label("done")
	a.emit(bpf.LoadScratch{Dst: bpf.RegA, N: mHash})
	// mix, step by step as in flowhash.go.
	for _, step := range []struct{ shift, mul uint32 }{{16, 0x85ebca6b}, {13, 0xc2b2ae35}, {16, 0}} {
		a.emit(
			bpf.StoreScratch{Src: bpf.RegA, N: mTmp},
			bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: step.shift},
			bpf.LoadScratch{Dst: bpf.RegX, N: mTmp},
			bpf.ALUOpX{Op: bpf.ALUOpXor},
		)
		if step.mul != 0 {
			a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpMul, Val: step.mul})
		}
	}
	a.goTo("finish")
	a.label("zero")
	a.emit(bpf.LoadConstant{Dst: bpf.RegA, Val: 0})
}
