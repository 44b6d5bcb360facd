package helm

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
)

// benchCaps are the Capabilities of the benchmarks: the groups the bench
// chart's objects use.
var benchCaps = Capabilities{KubeVersion: "1.37", APIVersions: []string{"v1", "apps/v1", "autoscaling/v2", "networking.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1"}}

// peakHeap samples the live heap after each render and reports the
// highest, in MB: what rendering holds at once, with the collector
// running as it does in the binary.
type peakHeap struct {
	sample []metrics.Sample
	peak   uint64
}

func newPeakHeap() *peakHeap {
	runtime.GC()
	return &peakHeap{sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (p *peakHeap) observe() {
	metrics.Read(p.sample)
	if v := p.sample[0].Value.Uint64(); v > p.peak {
		p.peak = v
	}
}

func (p *peakHeap) report(b *testing.B) {
	b.ReportMetric(float64(p.peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkRender renders a chart of 10 templates (and a helpers file),
// loaded once, as a run renders the releases of one chart: each render
// with its own release name, so that nothing is cached between them.
func BenchmarkRender(b *testing.B) {
	c := load(b, nil, "charts/bench")
	ctx := context.Background()
	b.ReportAllocs()
	p := newPeakHeap()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		res, err := Render(ctx, c, Request{ReleaseName: fmt.Sprintf("r%d", i), Namespace: "bench", Capabilities: benchCaps})
		if err != nil || res.Failed || len(res.Manifests) != 10 {
			b.Fatalf("render: %v, %d manifests, problems %+v", err, len(res.Manifests), res.Problems)
		}
		p.observe()
	}
	p.report(b)
}

// BenchmarkLoadAndRender loads the chart from its directory and renders
// it each time: a chart rendered once.
func BenchmarkLoadAndRender(b *testing.B) {
	ctx := context.Background()
	l := &Loader{FS: repo, Limits: DefaultLimits()}
	b.ReportAllocs()
	p := newPeakHeap()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c, err := l.Dir(ctx, "charts/bench")
		if err != nil {
			b.Fatal(err)
		}
		res, err := Render(ctx, c, Request{ReleaseName: fmt.Sprintf("r%d", i), Namespace: "bench", Capabilities: benchCaps})
		if err != nil || res.Failed {
			b.Fatalf("render: %v, problems %+v", err, res.Problems)
		}
		p.observe()
	}
	p.report(b)
}
