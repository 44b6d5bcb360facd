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

// policy watches each collection's live heap until it steps back.
type policy struct{ floor int64 }

func start(floor int64) {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(floor)
	(&policy{floor: floor}).arm()
}

// arm asks to be called after the next collection: a cleanup runs once
// the collector has found its object unreachable, and this one is
// unreachable from the start. 32 bytes keeps it out of the tiny allocator,
// whose blocks are freed together and may never be.
func (p *policy) arm() {
	runtime.AddCleanup(new([32]byte), (*policy).check, p)
}

func (p *policy) check() {
	if live() > uint64(p.floor/2) {
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
