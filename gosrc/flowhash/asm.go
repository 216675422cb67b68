package flowhash

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// asm is a tiny classic-BPF assembler with forward labels, so that the
// hash program below reads as a sequence of steps rather than jump counts.
type asm struct {
	ins    []bpf.Instruction
	jumps  []pendingJump
	labels map[string]int
}

type pendingJump struct {
	at         int
	ifTrue     string // "" means fall through
	ifFalse    string
	cond       bpf.JumpTest
	val        uint32
	always     bool
	compareToX bool
}

func newAsm() *asm { return &asm{labels: map[string]int{}} }

func (a *asm) emit(i ...bpf.Instruction) { a.ins = append(a.ins, i...) }

func (a *asm) label(name string) {
	if _, dup := a.labels[name]; dup {
		panic("flowhash: duplicate BPF label " + name) // a bug in this file, not input
	}
	a.labels[name] = len(a.ins)
}

// jump emits a conditional jump on A against val.
func (a *asm) jump(cond bpf.JumpTest, val uint32, ifTrue, ifFalse string) {
	a.jumps = append(a.jumps, pendingJump{at: len(a.ins), cond: cond, val: val, ifTrue: ifTrue, ifFalse: ifFalse})
	a.ins = append(a.ins, nil)
}

// jumpX emits a conditional jump on A against X.
func (a *asm) jumpX(cond bpf.JumpTest, ifTrue, ifFalse string) {
	a.jumps = append(a.jumps, pendingJump{at: len(a.ins), cond: cond, ifTrue: ifTrue, ifFalse: ifFalse, compareToX: true})
	a.ins = append(a.ins, nil)
}

func (a *asm) goTo(label string) {
	a.jumps = append(a.jumps, pendingJump{at: len(a.ins), ifTrue: label, always: true})
	a.ins = append(a.ins, nil)
}

func (a *asm) assemble() ([]bpf.RawInstruction, error) {
	skip := func(from int, label string) (uint32, error) {
		if label == "" {
			return 0, nil
		}
		to, ok := a.labels[label]
		if !ok {
			return 0, fmt.Errorf("BPF label %q undefined", label)
		}
		if to <= from {
			return 0, fmt.Errorf("BPF jump to %q goes backwards", label)
		}
		return uint32(to - from - 1), nil
	}
	for _, j := range a.jumps {
		t, err := skip(j.at, j.ifTrue)
		if err != nil {
			return nil, err
		}
		if j.always {
			a.ins[j.at] = bpf.Jump{Skip: t}
			continue
		}
		f, err := skip(j.at, j.ifFalse)
		if err != nil {
			return nil, err
		}
		if t > 255 || f > 255 {
			return nil, fmt.Errorf("BPF conditional jump too long")
		}
		if j.compareToX {
			a.ins[j.at] = bpf.JumpIfX{Cond: j.cond, SkipTrue: uint8(t), SkipFalse: uint8(f)}
		} else {
			a.ins[j.at] = bpf.JumpIf{Cond: j.cond, Val: j.val, SkipTrue: uint8(t), SkipFalse: uint8(f)}
		}
	}
	return bpf.Assemble(a.ins)
}
