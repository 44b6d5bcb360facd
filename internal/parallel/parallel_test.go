package parallel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestDo(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		workers, n int
		fail       int // the iteration that fails; -1 for none
		wantErr    error
	}{
		{name: "every iteration once", workers: 3, n: 50, fail: -1},
		{name: "more workers than iterations", workers: 8, n: 2, fail: -1},
		{name: "no worker asked for still runs", workers: 0, n: 5, fail: -1},
		{name: "nothing to do", workers: 2, n: 0, fail: -1},
		{name: "an error is returned, the rest still run", workers: 2, n: 10, fail: 4, wantErr: boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen := make([]atomic.Int32, tc.n)
			var running, most atomic.Int32
			err := Do(context.Background(), tc.workers, tc.n, func(i int) error {
				now := running.Add(1)
				defer running.Add(-1)
				for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
				}
				seen[i].Add(1)
				if i == tc.fail {
					return boom
				}
				return nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Do = %v, want %v", err, tc.wantErr)
			}
			for i := range seen {
				if got := seen[i].Load(); got != 1 {
					t.Errorf("iteration %d ran %d times, want once", i, got)
				}
			}
			if limit := int32(max(1, tc.workers)); most.Load() > limit {
				t.Errorf("%d iterations ran at once, want at most %d", most.Load(), limit)
			}
		})
	}
}

// TestDoCancelled: once the context is done no iteration starts, and Do
// says why it stopped.
func TestDoCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	err := Do(ctx, 1, 100, func(i int) error {
		if ran.Add(1) == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Do = %v, want context.Canceled", err)
	}
	if n := ran.Load(); n > 4 {
		t.Errorf("%d iterations ran after the context was cancelled at the third", n-3)
	}
}
