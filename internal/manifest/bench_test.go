package manifest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/manifest/manifesttest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// BenchmarkFind measures the engine alone (read, screen, parse, edit,
// verify; no writes) on the 10,000-file repo of BenchmarkBumpTree.
//
//	go test ./internal/manifest -run '^$' -bench 'Engine' -benchmem
func BenchmarkEngine(b *testing.B) {
	dir := b.TempDir()
	if err := manifesttest.GenerateRepo(dir, 10000, 2000); err != nil {
		b.Fatal(err)
	}
	im, _ := imageref.Parse(manifesttest.Image + ":v2.0.0")
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer tree.Close()
	for b.Loop() {
		res, err := manifest.Bump(context.Background(), tree, []string{"."}, manifest.Options{Images: []imageref.Image{im}})
		if err != nil || len(res.Files) != 2000 {
			b.Fatalf("files %d, err %v", len(res.Files), err)
		}
	}
}

// manyReferences is one Deployment whose pod template lists n containers,
// each referencing Image: about 168 bytes a reference, so 30,800 of them
// make a file just under the 5 MiB size limit.
func manyReferences(n int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: many\nspec:\n  template:\n    spec:\n      containers:\n")
	for i := range n {
		fmt.Fprintf(&b, "        - name: c%06d\n          image: %s:v1.0.0\n          args: [\"--index=%06d\", \"--padding=%s\"]\n", i, manifesttest.Image, i, strings.Repeat("x", 54))
	}
	return []byte(b.String())
}

// BenchmarkManyReferences bumps one file holding 30,800 references (5 MB),
// in memory: the cost of editing a file grows with its size times its
// references if each edit copies the rest of the file.
//
//	go test ./internal/manifest -run '^$' -bench ManyReferences -benchmem
func BenchmarkManyReferences(b *testing.B) {
	const n = 30800
	data := manyReferences(n)
	if len(data) > manifest.DefaultMaxFileSize {
		b.Fatalf("the file is %d bytes, over the limit", len(data))
	}
	fsys := fstest.MapFS{"many.yaml": {Data: data}}
	im, _ := imageref.Parse(manifesttest.Image + ":v2.0.0")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := manifest.Bump(context.Background(), fsys, []string{"."}, manifest.Options{Images: []imageref.Image{im}})
		if err != nil || len(res.Changes) != n {
			b.Fatalf("changes %d, err %v", len(res.Changes), err)
		}
	}
}
