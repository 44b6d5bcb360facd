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
// of the engine's own verification). When key is set, a Helm image map
// under that key (any key: the values rules read them all) follows the
// input, its tag and digest fields drawn from the fuzzer too.
//
//	go test ./internal/manifest -run '^$' -fuzz FuzzBump -fuzztime 60s
func FuzzBump(f *testing.F) {
	filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(filepath.Dir(p)) == "original" {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data, "v2.1.0", filepath.Base(p), "", "", false)
			}
		}
		return nil
	})
	f.Add([]byte("containers:\n- image: ghcr.io/acme/app:1.0 # c\n"), "1.20", "pod.yaml", "", "", false)
	f.Add([]byte("images:\n- name: ghcr.io/acme/app\n  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"), "true", "kustomization.yaml", "", "", true)
	f.Add([]byte("image:\n  repository: ghcr.io/acme/app\n  tag: &t 1.0\nx: *t\n"), "null", "values.yaml", "", "", false)
	f.Add([]byte("replicas: 1\n"), "2.0@"+digest, "values.yaml", "redis", "1.0@"+digest, false)
	f.Add([]byte("a: {b: [c]}\n"), "2.0", "values.yaml", "\"odd key\"", "'1.0' # c", true)
	f.Add([]byte("apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        x:\n          repository: ghcr.io/acme/app\n          tag: 1.0\n"), "2.0", "app.yaml", "", "", false)
	f.Add([]byte("helm:\n  parameters:\n  - name: image.name\n    value: ghcr.io/acme/app\n  - name: image.tag\n    value: 1.0\n"), "2.0@"+digest, ".argocd-source-app.yaml", "", "", false)
	f.Fuzz(func(t *testing.T, data []byte, tag, name, key, version string, unpin bool) {
		switch name {
		case "kustomization.yaml", "values.yaml", "panda.yaml", ".argocd-source-app.yaml":
		default:
			name = "deploy.yaml"
		}
		if key != "" {
			// A map under an arbitrary key, in a values file or inline.
			data = append(data, "\n"+key+":\n  repository: ghcr.io/acme/app\n  tag: "+version+"\n  other: x\n"...)
		}
		im, err := imageref.Parse("ghcr.io/acme/app:" + tag)
		if err != nil {
			return
		}
		fsys := fstest.MapFS{name: {Data: data}}
		res, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: []imageref.Image{im}, AllowDowngrade: true, AllowUnpin: unpin})
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
