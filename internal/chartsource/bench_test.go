package chartsource

import (
	"fmt"
	"strings"
	"testing"
	"time"

	yamlv3 "go.yaml.in/yaml/v3"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// bigIndex is an index.yaml as helm repo index writes it, of charts
// charts with versions versions each, descriptions and all: the shape of
// a large public repository's.
func bigIndex(b *testing.B, charts, versions int) []byte {
	b.Helper()
	idx := repo.NewIndexFile()
	for c := 0; c < charts; c++ {
		name := fmt.Sprintf("chart-%03d", c)
		for v := 0; v < versions; v++ {
			md := &chart.Metadata{APIVersion: "v2", Name: name, Version: fmt.Sprintf("1.%d.0", v), AppVersion: fmt.Sprintf("2.%d.0", v),
				Description: strings.Repeat("A chart that deploys something useful. ", 4), Home: "https://example.com/" + name,
				Keywords: []string{"web", "server", "example"}, Sources: []string{"https://github.com/example/" + name},
				Maintainers: []*chart.Maintainer{{Name: "Maintainer", Email: "m@example.com"}}}
			if err := idx.MustAdd(md, name+"-"+md.Version+".tgz", "https://charts.example.com", strings.Repeat("ab", 32)); err != nil {
				b.Fatal(err)
			}
		}
	}
	idx.SortEntries()
	idx.Generated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	data, err := yaml.Marshal(idx)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkChartEntries reads one chart's versions from a large index:
// the lines of that chart alone (helm repo index's layout), and the whole
// index decoded, as an index of another layout is.
func BenchmarkChartEntries(b *testing.B) {
	data := bigIndex(b, 400, 50)
	b.Logf("index: %d bytes, 400 charts of 50 versions", len(data))
	b.Run("chart lines", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			vs, err := chartEntries(data, "chart-200")
			if err != nil || len(vs) != 50 {
				b.Fatal(err, len(vs))
			}
		}
	})
	b.Run("whole index", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var idx indexFile
			if err := yamlv3.Unmarshal(data, &idx); err != nil || len(idx.Entries["chart-200"]) != 50 {
				b.Fatal(err)
			}
		}
	})
}
