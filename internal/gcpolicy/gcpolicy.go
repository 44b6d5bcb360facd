// Package gcpolicy sets how the garbage collector paces the binary: each
// run is a short batch job whose live heap is small (the compiled schemas,
// the findings, a few files in flight) while it allocates hundreds of
// megabytes of short-lived parse trees.
//
// The runtime's default (GOGC=100) lets the heap grow to twice what the
// last collection found live, and that includes what was allocated while
// it marked: on the 10,000-resource corpus of scripts/bench-verify that was
// a 35 MiB heap for 12 MiB live, and 48 MiB resident (measured before
// status schemas were compiled apart). Apply replaces it
// with a floor: no collection until the Go runtime holds Floor bytes, then
// collections that keep it there (GOGC=off with a soft GOMEMLIMIT of
// Floor). A run that stays small never collects at all; the corpus runs
// in 38 MiB at about the same speed. Once a collection finds more than half of
// Floor live, the floor would make the collector run without pause, so the
// policy steps back to the default and the heap grows as it always would.
package gcpolicy

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
)

// Floor is the Go memory (heap, stacks and runtime metadata; the binary's
// own pages come on top) below which the collector stays idle. Measured on
// the benchmark corpus, one build per value, 10 runs each in turns with
// scripts/bench-verify/turns.sh (peak RSS, time against 30 MiB's): 22 MiB 32 MiB +22%, 24 MiB 34 MiB +14%, 26 MiB 36 MiB +5 to
// +9%, 28 MiB 38 MiB +1 to +4%, 30 MiB 40 MiB. 28 MiB keeps verify-manifests
// clear of kubeconform's 41 to 44 MiB at little cost in speed.
const Floor = 28 << 20

// Apply sets the policy for this process, unless the user chose their own
// with GOGC or GOMEMLIMIT. It also turns off heap profiling, which no
// command offers and which keeps about a megabyte of sampled stacks, unless
// GODEBUG sets memprofilerate. It reports whether the floor was set.
func Apply(getenv func(string) string) bool {
	if !strings.Contains(getenv("GODEBUG"), "memprofilerate") {
		runtime.MemProfileRate = 0
	}
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return false
	}
	start(Floor)
	return true
}

// BuildFloor is the floor while kustomize builds run (Raise): a build
// allocates about 60 times what it holds (kustomize's node trees, copied
// by every transformer), so at Floor the collector ran every few
// megabytes. Measured on the 100-app layout of scripts/bench-verify
// (kustomize.sh), CPU against Floor's: 48 MiB -5%, 64 MiB -15 to -25%,
// 80 MiB -25 to -35%, at peak RSS of 62, 77 and 93 MB; 64 MiB keeps
// the run clear of 100 MB.
const BuildFloor = 64 << 20

// policy watches each collection's live heap until it steps back.
type policy struct {
	mu      sync.Mutex
	floor   int64
	stepped bool // back to the runtime's default pacing
}

// current is the policy Apply set, if any: the process has one collector.
var current struct {
	sync.Mutex
	p *policy
}

func start(floor int64) {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(floor)
	p := &policy{floor: floor}
	current.Lock()
	current.p = p
	current.Unlock()
	p.arm()
}

// Raise lifts the floor to BuildFloor for the rest of the process, for a
// phase that allocates much and holds little. It does nothing unless Apply
// set the floor and the policy has not stepped back since, so that a
// library caller or a test keeps its own collector settings.
func Raise() {
	current.Lock()
	p := current.p
	current.Unlock()
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stepped || p.floor >= BuildFloor {
		return
	}
	p.floor = BuildFloor
	debug.SetMemoryLimit(p.floor)
}

// arm asks to be called after the next collection: a cleanup runs once
// the collector has found its object unreachable, and this one is
// unreachable from the start. 32 bytes keeps it out of the tiny allocator,
// whose blocks are freed together and may never be.
func (p *policy) arm() {
	runtime.AddCleanup(new([32]byte), (*policy).check, p)
}

func (p *policy) check() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if live() > uint64(p.floor/2) {
		p.stepped = true
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		return
	}
	p.arm()
}

// live is what the last collection marked live.
func live() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
