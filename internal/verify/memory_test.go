package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/verify/verifytest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// peakLiveHeap runs f and returns the largest heap the collector found
// live while it ran: what a run must hold, whatever the collector's pace.
func peakLiveHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var (
		peak uint64
		wg   sync.WaitGroup
		done = make(chan struct{})
	)
	read := func() {
		metrics.Read(sample)
		peak = max(peak, sample[0].Value.Uint64())
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	f()
	runtime.GC() // what is still held at the end counts too
	close(done)
	wg.Wait()
	read()
	return peak
}

// TestMemoryFlat verifies a generated config repository of 50 and of 200
// applications (a base each, rendered by 2 environments' overlays): the
// largest heap a run holds must not grow with the repository, since each
// build's output is checked and let go as it is rendered.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 500 kustomizations")
	}
	v := schemas(t, "1.37")
	peak := func(apps int) (uint64, *Result) {
		dir := t.TempDir()
		verifytest.WriteLayout(t, dir, apps, 1, 5, "staging", "production")
		// A HelmRelease among each base's resources: a release found in a
		// build waits for every build to render before it renders, and
		// must not keep its build's files meanwhile.
		for a := 0; a < apps; a++ {
			base := filepath.Join(dir, "apps", fmt.Sprintf("app%03d", a), "base")
			release := fmt.Sprintf("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: r%d\nspec:\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef: {kind: HelmRepository, name: podinfo}\n", a)
			if err := os.WriteFile(filepath.Join(base, "release.yaml"), []byte(release), 0o644); err != nil {
				t.Fatal(err)
			}
			k, err := os.ReadFile(filepath.Join(base, "kustomization.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(base, "kustomization.yaml"), append(k, "  - release.yaml\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		tree, err := workspace.Open(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer tree.Close()
		var res *Result
		p := peakLiveHeap(func() {
			res, err = Run(context.Background(), tree, Options{KubernetesVersion: "1.37", Schemas: v})
		})
		if err != nil {
			t.Fatal(err)
		}
		return p, res
	}
	// The schemas compile on first use: a small run first, so that both
	// measured runs start with them.
	peak(2)
	p50, r50 := peak(50)
	p200, r200 := peak(200)
	t.Logf("peak live heap: 50 apps %.1f MiB (%d resources), 200 apps %.1f MiB (%d resources)", float64(p50)/(1<<20), r50.Resources, float64(p200)/(1<<20), r200.Resources)
	if want := 50 * 2 * 6; r50.Resources != want || r200.Resources != 4*want {
		t.Fatalf("%d and %d resources, want %d and %d", r50.Resources, r200.Resources, want, 4*want)
	}
	if float64(p200) > 1.5*float64(p50) {
		t.Errorf("peak live heap grows with the repository: %.1f MiB for 50 apps, %.1f MiB for 200", float64(p50)/(1<<20), float64(p200)/(1<<20))
	}
}
