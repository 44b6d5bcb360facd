package verify

import (
	"os"
	"path/filepath"
	"testing"

	y3 "go.yaml.in/yaml/v3"
	y4 "go.yaml.in/yaml/v4"
)

func loadZZ(b *testing.B) [][]byte {
	var out [][]byte
	filepath.Walk("/tmp/bvmine/corpus", func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			d, _ := os.ReadFile(p)
			out = append(out, d)
		}
		return nil
	})
	if len(out) == 0 {
		b.Skip()
	}
	return out
}

func BenchmarkZZv3(b *testing.B) {
	files := loadZZ(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			for _, c := range splitDocuments(f) {
				var n y3.Node
				_ = y3.Unmarshal(c.data, &n)
			}
		}
	}
}

func BenchmarkZZv4(b *testing.B) {
	files := loadZZ(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			for _, c := range splitDocuments(f) {
				var n y4.Node
				_ = y4.Unmarshal(c.data, &n)
			}
		}
	}
}
