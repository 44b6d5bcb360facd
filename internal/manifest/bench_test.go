package manifest_test

import (
	"context"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/manifest/manifesttest"
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
	for b.Loop() {
		res, err := manifest.Bump(context.Background(), manifest.DirFS(dir), []string{"."}, manifest.Options{Images: []imageref.Image{im}})
		if err != nil || len(res.Files) != 2000 {
			b.Fatalf("files %d, err %v", len(res.Files), err)
		}
	}
}
