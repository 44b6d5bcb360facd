package gcpolicy

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// settings reads the collector's current GOGC and memory limit.
func settings() (gogc int64, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

// restore puts the runtime's defaults back after a test.
func restore(t *testing.T) {
	rate := runtime.MemProfileRate
	t.Cleanup(func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		runtime.MemProfileRate = rate
	})
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestApplyLeavesUserSettingsAlone(t *testing.T) {
	restore(t)
	for _, e := range []map[string]string{{"GOGC": "50"}, {"GOMEMLIMIT": "1GiB"}} {
		if Apply(env(e)) {
			t.Errorf("Apply set the floor although %v is set", e)
		}
		if gogc, limit := settings(); gogc != 100 || limit != math.MaxInt64 {
			t.Errorf("with %v: GOGC %d, limit %d; want the defaults untouched", e, gogc, limit)
		}
	}
	runtime.MemProfileRate = 4096
	Apply(env(map[string]string{"GOGC": "50", "GODEBUG": "memprofilerate=4096"}))
	if runtime.MemProfileRate != 4096 {
		t.Errorf("MemProfileRate = %d; GODEBUG=memprofilerate must win", runtime.MemProfileRate)
	}
	Apply(env(nil))
	if runtime.MemProfileRate != 0 {
		t.Errorf("MemProfileRate = %d, want 0", runtime.MemProfileRate)
	}
}

// waitFor polls cond for up to five seconds, forcing collections, since a
// cleanup runs on its own goroutine some time after the cycle.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return true
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

func TestFloorHoldsWhileSmallThenStepsBack(t *testing.T) {
	restore(t)
	const floor = 64 << 20
	start(floor)
	if gogc, limit := settings(); gogc != -1 || limit != floor {
		t.Fatalf("after start: GOGC %d, limit %d; want off and %d", gogc, limit, floor)
	}
	// Many collections with little live: the policy stays, re-armed each
	// time.
	for i := 0; i < 20; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if gogc, limit := settings(); gogc != -1 || limit != floor {
		t.Fatalf("after 20 small collections: GOGC %d, limit %d; want off and %d still", gogc, limit, floor)
	}
	// More than half the floor live: back to the default pacing.
	big := make([][]byte, 40)
	for i := range big {
		big[i] = make([]byte, 1<<20)
	}
	if !waitFor(func() bool { gogc, limit := settings(); return gogc == 100 && limit == math.MaxInt64 }) {
		gogc, limit := settings()
		t.Fatalf("with 40 MiB live under a 64 MiB floor: GOGC %d, limit %d; want 100 and no limit", gogc, limit)
	}
	runtime.KeepAlive(big)
}

func TestRaise(t *testing.T) {
	restore(t)
	t.Cleanup(func() {
		current.Lock()
		current.p = nil
		current.Unlock()
	})
	Raise()
	if gogc, limit := settings(); gogc != 100 || limit != math.MaxInt64 {
		t.Fatalf("Raise without Apply: GOGC %d, limit %d; want the defaults untouched", gogc, limit)
	}
	start(Floor)
	Raise()
	if gogc, limit := settings(); gogc != -1 || limit != BuildFloor {
		t.Fatalf("after Raise: GOGC %d, limit %d; want off and %d", gogc, limit, BuildFloor)
	}
	current.p.mu.Lock()
	current.p.stepped = true
	current.p.floor = Floor
	current.p.mu.Unlock()
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	Raise()
	if gogc, limit := settings(); gogc != 100 || limit != math.MaxInt64 {
		t.Fatalf("Raise after the policy stepped back: GOGC %d, limit %d; want the defaults kept", gogc, limit)
	}
}
