package diffpreview

import (
	"bytes"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/render"
)

// A kustomize build is a function of the files it reads, and kustomize
// reads files only in or below the directory of each kustomization it
// loads (its default load restrictor, which verify keeps). So a build
// whose kustomizations' directories hold no changed path renders the
// same at the base and at the head, and need not be rendered at all: on
// a pull request that changes one base of a hundred, two builds run
// instead of four hundred.
//
// A symbolic link can carry a kustomization's entry to another directory
// (kustomize follows a link to a directory and loads what is there as a
// kustomization of its own; a link to a file outside the directory it
// sits in is refused on its real path). Each directory is therefore also
// taken with its links resolved, by the tree (workspace.Tree's Real,
// which never leaves the tree). A tree that holds a link and cannot
// resolve it renders everything.

// changeSet is what differs between the two trees: every path added,
// removed or changed (a file's bytes, an entry's kind).
type changeSet struct {
	paths []string
	set   map[string]bool
	// links is set when a tree that cannot resolve links holds one:
	// nothing is then skipped.
	links bool
	// failed is set when a tree could not be walked whole.
	failed bool
}

// changes walks both trees and compares them, file by file. A .git
// directory is compared by its presence only.
func changes(base, head fs.FS) *changeSet {
	cs := &changeSet{}
	kinds := func(fsys fs.FS) map[string]fs.FileMode {
		out := map[string]fs.FileMode{}
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				cs.failed = true
				return nil
			}
			t := d.Type()
			if _, resolves := fsys.(resolver); t&fs.ModeSymlink != 0 && !resolves {
				cs.links = true
			}
			out[p] = t
			if d.IsDir() && d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		})
		if err != nil {
			cs.failed = true
		}
		return out
	}
	kb, kh := kinds(base), kinds(head)
	for p, t := range kh {
		tb, ok := kb[p]
		switch {
		case !ok || tb != t:
			cs.paths = append(cs.paths, p)
		case t.IsRegular() && !sameFile(base, head, p), t&fs.ModeSymlink != 0 && !sameLink(base, head, p):
			cs.paths = append(cs.paths, p)
		}
	}
	for p := range kb {
		if _, ok := kh[p]; !ok {
			cs.paths = append(cs.paths, p)
		}
	}
	slices.Sort(cs.paths)
	cs.set = map[string]bool{}
	for _, p := range cs.paths {
		cs.set[p] = true
	}
	return cs
}

// sameFile reports whether a file reads the same in both trees; one that
// cannot be read is never the same.
func sameFile(base, head fs.FS, name string) bool {
	a, errA := fs.ReadFile(base, name)
	if errA != nil {
		return false
	}
	b, errB := fs.ReadFile(head, name)
	return errB == nil && bytes.Equal(a, b)
}

// same reports whether a file is the same on both sides, and read the same
// way (no link could lead it elsewhere).
func (cs *changeSet) same(name string) bool {
	return !cs.links && !cs.failed && !cs.set[name]
}

// sameLink reports whether a link points to the same target in both
// trees; one that cannot be read is never the same.
func sameLink(base, head fs.FS, name string) bool {
	a, errA := fs.ReadLink(base, name)
	b, errB := fs.ReadLink(head, name)
	return errA == nil && errB == nil && a == b
}

// touches reports whether a changed path lies in or under one of dirs.
func (cs *changeSet) touches(dirs []string) bool {
	for _, p := range cs.paths {
		for _, d := range dirs {
			if within(p, d) || within(d, p) {
				return true
			}
		}
	}
	return false
}

// unchanged reports whether the build of the kustomization in dir renders
// the same on both sides, without building it.
func (cs *changeSet) unchanged(base, head fs.FS, dir string) bool {
	if cs.links || cs.failed {
		return false
	}
	db, okB := kustomizationDirs(base, dir)
	dh, okH := kustomizationDirs(head, dir)
	return okB && okH && !cs.touches(db) && !cs.touches(dh)
}

// chartUnchanged reports whether the chart in dir renders the same on
// both sides: nothing changed in its directory or in that of a file://
// dependency. A remote dependency is the same chart version on both
// sides unless its Chart.yaml changed.
func (cs *changeSet) chartUnchanged(base, head fs.FS, dir string) bool {
	if cs.links || cs.failed {
		return false
	}
	return !cs.touches(chartDirs(base, dir)) && !cs.touches(chartDirs(head, dir))
}

// chartDirs lists the directory of a chart and those of its file://
// dependencies, recursively.
func chartDirs(fsys fs.FS, dir string) []string {
	var out []string
	todo := []string{dir}
	for len(todo) > 0 && len(out) < 100 {
		d := todo[0]
		todo = todo[1:]
		if slices.Contains(out, d) {
			continue
		}
		out = append(out, d)
		todo = append(todo, render.FileDependencies(fsys, d)...)
	}
	return out
}

// kustomizationDirs lists the directories a build of the kustomization
// in dir may read: its own and, for each directory it names as a
// resource, base, component, generator, transformer or validator, that
// one's, recursively. ok is false when a kustomization cannot be read
// as one.
func kustomizationDirs(fsys fs.FS, dir string) (dirs []string, ok bool) {
	seen := map[string]bool{}
	todo := []string{dir}
	for len(todo) > 0 {
		d := todo[0]
		todo = todo[1:]
		if seen[d] {
			continue
		}
		seen[d] = true
		dirs = append(dirs, d)
		if rs, ok := fsys.(resolver); ok {
			real, err := rs.Real(d)
			switch {
			case err == nil && real != d:
				dirs = append(dirs, real)
				d = real
			case err != nil && !errors.Is(err, fs.ErrNotExist):
				return nil, false // a link loop, or out of the tree: the build fails, or worse
			}
		}
		data, found, err := readKustomization(fsys, d)
		if err != nil {
			return nil, false
		}
		if !found {
			continue // a directory of plain files, or none: nothing more is read
		}
		var k struct {
			Resources, Bases, Components, Generators, Transformers, Validators []any
		}
		if err := yaml.Unmarshal(data, &k); err != nil {
			return nil, false
		}
		for _, e := range slices.Concat(k.Resources, k.Bases, k.Components, k.Generators, k.Transformers, k.Validators) {
			s, isString := e.(string)
			if !isString || strings.Contains(s, "\n") || strings.Contains(s, "://") || strings.HasPrefix(s, "git@") {
				continue // an inline config, or a remote entry verify leaves out
			}
			p := path.Clean(path.Join(d, s))
			if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
				continue // out of the tree: the build fails the same on both sides
			}
			if info, err := fs.Stat(fsys, p); err == nil && info.IsDir() {
				todo = append(todo, p)
			} else if !within(p, d) {
				dirs = append(dirs, p) // a file (refused out of d) or nothing yet: its path counts
			}
		}
	}
	return dirs, true
}

// resolver is a tree that resolves symbolic links itself, never out of
// its root: workspace.Tree.
type resolver interface {
	Real(name string) (string, error)
}

// readKustomization reads the kustomization file of dir; found is false
// when there is none.
func readKustomization(fsys fs.FS, dir string) (data []byte, found bool, err error) {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		data, err := fs.ReadFile(fsys, path.Join(dir, n))
		if err == nil {
			return data, true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, false, err
		}
	}
	return nil, false, nil
}

// A release (a Flux HelmRelease, an Argo CD Application) renders from
// more than its build reads: its chart's directory, values files, the
// ConfigMaps of its valuesFrom, a chart fetched. A build or plain file
// that may hold one is rendered whenever anything changed, on both
// sides; what it renders is the same unless the change reached it.

// releaseMarkers are in every file that may hold a release.
var releaseMarkers = [][]byte{[]byte("helm.toolkit.fluxcd.io"), []byte("argoproj.io")}

// mayHoldRelease reports whether a file of fsys may hold a release.
func mayHoldRelease(fsys fs.FS, name string) bool {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return false
	}
	for _, m := range releaseMarkers {
		if bytes.Contains(data, m) {
			return true
		}
	}
	return false
}

// buildHoldsRelease reports whether a file in the directories a build of
// the kustomization in dir reads, on either side, may hold a release.
func buildHoldsRelease(base, head fs.FS, dir string) bool {
	for _, fsys := range []fs.FS{base, head} {
		dirs, ok := kustomizationDirs(fsys, dir)
		if !ok {
			return true
		}
		for _, d := range dirs {
			entries, err := fs.ReadDir(fsys, d)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if e.Type().IsRegular() && mayHoldRelease(fsys, path.Join(d, e.Name())) {
					return true
				}
			}
		}
	}
	return false
}

// anyChange reports whether the trees differ at all.
func (cs *changeSet) anyChange() bool {
	return len(cs.paths) > 0 || cs.links || cs.failed
}
