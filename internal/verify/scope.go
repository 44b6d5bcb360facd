package verify

import (
	"path"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/render"
)

// duplicate-resource compares what is applied together: one rendered unit
// (a kustomize build), an environments directory, or a directory that a
// Flux Kustomization's spec.path or an Argo CD Application's source path
// applies as a whole. Plain files of any other directory are applied, as
// far as the repository tells, one by one (a directory of alternative
// examples holds the same names many times), so each is its own scope.

// noteApplied records the directories a Flux Kustomization or an Argo CD
// Application applies.
func (rel *relations) noteApplied(group string, obj map[string]any) {
	if group == "kustomize.toolkit.fluxcd.io" || group == "argoproj.io" {
		rel.applied = append(rel.applied, render.AppliedDirs(obj)...)
	}
}

// scopeDuplicates narrows the scope of each plain file's resources that
// no environment holds to the file itself, unless its directory is
// applied as a whole.
func (r *run) scopeDuplicates(sums []*summary) {
	applied := r.relations.applied
	// The directory that applies a directory's files, "" for none: looked
	// up once per directory, not per resource.
	appliedBy := map[string]string{}
	for _, s := range sums {
		if s.env != "" || s.file == "" {
			continue
		}
		dir := path.Dir(s.file)
		by, seen := appliedBy[dir]
		if !seen {
			for _, a := range applied {
				if dir == a.Dir || (a.Recursive && (a.Dir == "." || strings.HasPrefix(dir, a.Dir) && strings.HasPrefix(dir[len(a.Dir):], "/"))) {
					by = a.Dir
					break
				}
			}
			appliedBy[dir] = by
		}
		if by == "" {
			s.group = s.file
		} else {
			s.group = by
		}
	}
}
