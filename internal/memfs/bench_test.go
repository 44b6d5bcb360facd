package memfs

import (
	"fmt"
	"io/fs"
	"testing"
)

// monorepo is a config repository of n applications, each a kustomize
// base and two overlays: five files in four directories.
func monorepo(n int) map[string]*File {
	files := map[string]*File{}
	for i := range n {
		app := fmt.Sprintf("apps/app-%05d", i)
		for _, p := range []string{"base/deployment.yaml", "base/service.yaml", "base/kustomization.yaml", "overlays/staging/kustomization.yaml", "overlays/production/kustomization.yaml"} {
			files[app+"/"+p] = &File{Data: []byte("kind: x\n"), Mode: 0o644}
		}
	}
	return files
}

// BenchmarkWalk walks trees of 2,000 and 20,000 files (400 and 4,000
// applications) with fs.WalkDir, as the engines walk an archive of a
// config repository: the cost per file must not grow with the tree.
func BenchmarkWalk(b *testing.B) {
	for _, apps := range []int{400, 4000} {
		files := monorepo(apps)
		b.Run(fmt.Sprintf("files=%d", len(files)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fsys := New(files)
				n := 0
				err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						n++
					}
					return err
				})
				if err != nil || n != len(files) {
					b.Fatalf("walked %d files of %d: %v", n, len(files), err)
				}
			}
		})
	}
}
