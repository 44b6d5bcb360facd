package archive

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkRead unpacks an archive the size of the scale issue's config
// repository (100 applications of 20 files, 2 environments: 2,300 files),
// whole and with one environment as the root.
func BenchmarkRead(b *testing.B) {
	entries := []entry{dir(top)}
	manifest := strings.Repeat("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: v\n---\n", 40)
	for a := range 100 {
		for f := range 20 {
			entries = append(entries, file(fmt.Sprintf("%sapps/app%03d/base/file%02d.yaml", top, a, f), manifest))
		}
		entries = append(entries, file(fmt.Sprintf("%sapps/app%03d/base/kustomization.yaml", top, a), "resources: []\n"))
		for _, env := range []string{"staging", "production"} {
			entries = append(entries, file(fmt.Sprintf("%senvironments/%s/app%03d/kustomization.yaml", top, env, a), "resources:\n  - ../../../apps/x/base\n"))
		}
	}
	archive := tarGz(b, entries...)
	var size int64
	for _, e := range entries {
		size += int64(len(e.Data))
	}
	for _, bc := range []struct {
		name  string
		roots []string
	}{{"whole", nil}, {"one environment", []string{"environments/staging"}}} {
		b.Run(bc.name, func(b *testing.B) {
			// Throughput of the files unpacked, not of the gzip stream.
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(bytes.NewReader(archive), Options{StripTop: true, Roots: bc.roots}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
