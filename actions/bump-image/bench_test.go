package bumpimage

import (
	"context"
	"fmt"
	"os/exec"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/manifest/manifesttest"
)

// benchTag makes every iteration bump to a newer tag than the last.
var benchTag int

// BenchmarkBumpTree bumps one image across a generated repo of 10,000 YAML
// files, 2,000 of which reference it, through the same path as the local
// command (check paths, find and edit, write every file), alternating
// between two tags so that every iteration rewrites all 2,000 files. The
// grep-rl sub-benchmark reads the same tree with `grep -rl`, the I/O floor.
//
//	go test ./actions/bump-image -run '^$' -bench BumpTree -benchmem
func BenchmarkBumpTree(b *testing.B) {
	benchTag = 0
	dir := b.TempDir()
	if err := manifesttest.GenerateRepo(dir, 10000, 2000); err != nil {
		b.Fatal(err)
	}
	b.Run("gitops-actions", func(b *testing.B) {
		changed := 0
		for b.Loop() {
			benchTag++
			im, _ := imageref.Parse(fmt.Sprintf("%s:v2.%d.0", manifesttest.Image, benchTag))
			roots, err := Roots(dir, []string{"."})
			if err != nil {
				b.Fatal(err)
			}
			res, err := manifest.Bump(context.Background(), manifest.DirFS(dir), roots, manifest.Options{Images: []imageref.Image{im}})
			if err != nil {
				b.Fatal(err)
			}
			if err := manifest.WriteFiles(dir, res.Files); err != nil {
				b.Fatal(err)
			}
			changed = len(res.Files)
		}
		if changed != 2000 {
			b.Fatalf("changed %d files, want 2000", changed)
		}
	})
	b.Run("grep-rl", func(b *testing.B) {
		if _, err := exec.LookPath("grep"); err != nil {
			b.Skip("no grep")
		}
		for b.Loop() {
			out, err := exec.Command("grep", "-rl", "acme/app", dir).Output()
			if err != nil || len(out) == 0 {
				b.Fatalf("grep: %v", err)
			}
		}
	})
}
