package manifest

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
)

// FuzzBump feeds arbitrary YAML and an arbitrary new tag to the engine: it
// must not panic, and whatever it writes must parse and differ from the
// input only inside the changed values (checked line by line, independently
// of the engine's own verification).
//
//	go test ./internal/manifest -run '^$' -fuzz FuzzBump -fuzztime 60s
func FuzzBump(f *testing.F) {
	filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(filepath.Dir(p)) == "original" {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data, "v2.1.0", filepath.Base(p))
			}
		}
		return nil
	})
	f.Add([]byte("containers:\n- image: ghcr.io/acme/app:1.0 # c\n"), "1.20", "pod.yaml")
	f.Add([]byte("images:\n- name: ghcr.io/acme/app\n  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"), "true", "kustomization.yaml")
	f.Add([]byte("image:\n  repository: ghcr.io/acme/app\n  tag: &t 1.0\nx: *t\n"), "null", "values.yaml")
	f.Fuzz(func(t *testing.T, data []byte, tag, name string) {
		switch name {
		case "kustomization.yaml", "values.yaml", "panda.yaml":
		default:
			name = "deploy.yaml"
		}
		im, err := imageref.Parse("ghcr.io/acme/app:" + tag)
		if err != nil {
			return
		}
		fsys := fstest.MapFS{name: {Data: data}}
		res, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: []imageref.Image{im}, AllowDowngrade: true})
		if err != nil {
			return
		}
		for _, fe := range res.Files {
			if string(fe.Old) != string(data) {
				t.Fatalf("Old is not the input")
			}
			if _, err := parseAll(newSource(fe.New).data); err != nil {
				t.Fatalf("output does not parse: %v\n%q", err, fe.New)
			}
			checkMinimal(t, fe, res.Changes)
		}
	})
}
