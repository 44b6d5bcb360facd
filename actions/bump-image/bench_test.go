package bumpimage

import (
	"context"
	"fmt"
	"os/exec"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/manifest/manifesttest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// benchTag makes every iteration bump to a newer tag than the last.
var benchTag int

// bumpTree does what the local mode does: open the tree, check the paths,
// lock, find and edit, replace every changed file.
func bumpTree(dir string, im imageref.Image) error {
	tree, err := workspace.Open(dir, manifest.DefaultMaxFileSize)
	if err != nil {
		return err
	}
	defer tree.Close()
	roots, err := tree.Paths("path", []string{"."})
	if err != nil {
		return err
	}
	lock, err := tree.Lock(context.Background(), nil)
	if err != nil {
		return err
	}
	defer lock.Release()
	res, err := manifest.Bump(context.Background(), tree, roots, manifest.Options{Images: []imageref.Image{im}})
	if err != nil {
		return err
	}
	if len(res.Files) != 2000 {
		return fmt.Errorf("changed %d files, want 2000", len(res.Files))
	}
	return lock.Replace(replacements(res.Files))
}

// BenchmarkBumpTree bumps one image across a generated repo of 10,000 YAML
// files, 2,000 of which reference it, through the same path as the local
// command (check paths, lock, find and edit, replace every file), each
// iteration to a newer tag, so that every iteration rewrites all 2,000
// files. The grep-rl sub-benchmark reads the same tree with `grep -rl`,
// the I/O floor.
//
//	go test ./actions/bump-image -run '^$' -bench BumpTree -benchmem
func BenchmarkBumpTree(b *testing.B) {
	benchTag = 0
	dir := b.TempDir()
	if err := manifesttest.GenerateRepo(dir, 10000, 2000); err != nil {
		b.Fatal(err)
	}
	b.Run("gitops-actions", func(b *testing.B) {
		for b.Loop() {
			benchTag++
			im, _ := imageref.Parse(fmt.Sprintf("%s:v2.%d.0", manifesttest.Image, benchTag))
			if err := bumpTree(dir, im); err != nil {
				b.Fatal(err)
			}
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
