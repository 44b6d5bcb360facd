package verify

import (
	"github.com/gitops-actions/gitops-actions/internal/render"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseYAML: any bytes parse without a panic, and every finding has a
// position inside the file.
func FuzzParseYAML(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("---\n---\n...\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, fs := render.ParseYAML("f.yaml", data)
		// YAML breaks lines at \n, \r\n and a lone \r.
		lines := 1
		for i, c := range data {
			if c == '\n' || (c == '\r' && (i+1 == len(data) || data[i+1] != '\n')) {
				lines++
			}
		}
		for _, x := range fs {
			if x.Line < 1 || x.Line > lines+1 {
				t.Errorf("problem at line %d of a %d-line file: %+v", x.Line, lines, x)
			}
		}
		for _, d := range docs {
			if root := d.Node(); root != nil {
				render.NodePos(root, []string{"metadata", "name"}, false)
				containers(d.Obj)
			}
		}
	})
}
