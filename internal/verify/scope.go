package verify

import (
	"path"
	"strings"
)

// duplicate-resource compares what is applied together: one rendered unit
// (a kustomize build), an environments directory, or a directory that a
// Flux Kustomization's spec.path or an Argo CD Application's source path
// applies as a whole. Plain files of any other directory are applied, as
// far as the repository tells, one by one (a directory of alternative
// examples holds the same names many times), so each is its own scope.

// appliedDir is a directory the repository applies as a whole.
type appliedDir struct {
	dir string
	// recursive is set for Flux, which applies the files under it too.
	recursive bool
}

// noteApplied records the directories a Flux Kustomization or an Argo CD
// Application applies.
func (rel *relations) noteApplied(group string, obj map[string]any) {
	add := func(p string, recursive bool) {
		p = strings.TrimSpace(p)
		if p == "" || strings.Contains(p, "${") {
			return
		}
		rel.applied = append(rel.applied, appliedDir{dir: path.Clean(strings.TrimPrefix(p, "./")), recursive: recursive})
	}
	switch group {
	case "kustomize.toolkit.fluxcd.io":
		add(digString(obj, "spec", "path"), true)
	case "argoproj.io":
		add(digString(obj, "spec", "source", "path"), isTrue(dig(obj, "spec", "source", "directory", "recurse")))
		list, _ := dig(obj, "spec", "sources").([]any)
		for _, s := range list {
			add(digString(s, "path"), isTrue(dig(s, "directory", "recurse")))
		}
	}
}

// scopeDuplicates narrows the scope of each plain file's resources that
// no environment holds to the file itself, unless its directory is
// applied as a whole.
func (r *run) scopeDuplicates(sums []*summary) {
	applied := r.relations.applied
	for _, s := range sums {
		if s.env != "" || s.file == "" {
			continue
		}
		dir := path.Dir(s.file)
		group := s.file
		for _, a := range applied {
			if dir == a.dir || (a.recursive && (a.dir == "." || strings.HasPrefix(dir, a.dir+"/"))) {
				group = a.dir
				break
			}
		}
		s.group = group
	}
}
