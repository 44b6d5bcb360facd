package verify

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Survey is one walk of a tree, for a caller that renders its
// environments one at a time (diffpreview) the way Run renders them: which
// kustomizations there are, which of them Run builds on its own, and the
// YAML files. It holds names, not contents.
type Survey struct {
	r *run
	// Kustomizations are the directories holding a kustomization file,
	// sorted.
	Kustomizations []string
	// Files are the YAML and JSON files, sorted; hidden directories are
	// left out, and so is anything that is not a regular file.
	Files []string
	kinds map[string]string // kustomization directory → why it is not built on its own ("" when it is)
}

// NewSurvey walks fsys from its root as Run walks it.
func NewSurvey(ctx context.Context, fsys fs.FS) (*Survey, error) {
	r := newRun(ctx, fsys, Options{Path: ".", Workers: 1})
	inv, err := r.inventory()
	if err != nil {
		return nil, err
	}
	s := &Survey{r: r, Kustomizations: slices.Sorted(slices.Values(inv.kustDirs)), Files: inv.names, kinds: map[string]string{}}
	s.Kustomizations = slices.Compact(s.Kustomizations)
	for _, d := range s.Kustomizations {
		s.kinds[d] = r.notBuilt(d)
	}
	return s, nil
}

// notBuilt says why the kustomization in dir is never built on its own:
// a Component, or a file of another kind; "" for one that is (one with a
// syntax error is, and fails).
func (r *run) notBuilt(dir string) string {
	kfile := kustomizationIn(r, dir)
	if kfile == "" {
		return "no kustomization"
	}
	pf := r.file(kfile)
	if len(pf.docs) == 0 || pf.docs[0].obj == nil {
		return ""
	}
	if a, k, _, _ := meta(pf.docs[0].obj); k == "Component" {
		return "a Component"
	} else if a != "" && !strings.HasPrefix(a, "kustomize.config.k8s.io/") {
		return fmt.Sprintf("a %s %s, not a Kustomization", a, k)
	}
	return ""
}

// Tops returns the kustomizations at or under dir ("." for the whole tree)
// that no other kustomization at or under dir includes, Components left
// out: what Run builds on its own, each an environment or a part of one.
func (s *Survey) Tops(dir string) []string {
	dir = path.Clean(dir)
	var in []string
	for _, d := range s.Kustomizations {
		if d == dir || under(d, dir) {
			in = append(in, d)
		}
	}
	inner := s.r.included(in)
	var out []string
	for _, d := range in {
		if !inner[d] && s.kinds[d] == "" {
			out = append(out, d)
		}
	}
	return out
}

// Rendered is what one build or one file rendered to.
type Rendered struct {
	// Objects are the resources, as a cluster would receive them.
	Objects []map[string]any
	// Read are the files of the tree the build read.
	Read []string
}

// Build renders the kustomization in dir as Render does (remote bases
// and helmCharts left out, nothing fetched). Read is set even when it
// fails.
func (s *Survey) Build(dir string) (*Rendered, error) {
	r := s.r
	dir = path.Clean(dir)
	kfile := kustomizationIn(r, dir)
	if kfile == "" {
		return nil, fmt.Errorf("rendering %q: no kustomization", dir)
	}
	for _, f := range r.file(kfile).findings {
		if f.Rule == RuleYAMLSyntax {
			return &Rendered{Read: []string{kfile}}, fmt.Errorf("rendering %q: %s:%d: %s", dir, kfile, f.Line, f.Message)
		}
	}
	b := r.newBuild(dir)
	if b == nil {
		return &Rendered{Read: []string{kfile}}, fmt.Errorf("rendering %q: %s is not a kustomization that builds on its own (a Component, or another kind)", dir, kfile)
	}
	m, err := b.kustomize(false)
	out := &Rendered{Read: b.read}
	if err != nil {
		return out, fmt.Errorf("rendering %q: kustomize build failed: %s", dir, cleanKustomizeError(err.Error()))
	}
	out.Objects = make([]map[string]any, 0, m.Size())
	for _, res := range m.Resources() {
		if obj, _ := b.object(res.YNode()); obj != nil {
			out.Objects = append(out.Objects, obj)
		}
	}
	return out, r.ctx.Err()
}

// File renders one plain YAML file: its resources as they are, the items
// of a List each on its own. A Helm template renders to nothing. It fails
// when the file cannot be read or is not YAML.
func (s *Survey) File(name string) (*Rendered, error) {
	r := s.r
	pf := r.file(name)
	out := &Rendered{Read: []string{name}}
	if pf.unread {
		var reason string
		if len(pf.findings) > 0 {
			reason = pf.findings[0].Message
		}
		return out, fmt.Errorf("rendering %q: %s", name, reason)
	}
	if pf.template {
		return out, nil
	}
	for _, f := range pf.findings {
		if f.Rule == RuleYAMLSyntax {
			return out, fmt.Errorf("rendering %q: line %d: %s", name, f.Line, f.Message)
		}
	}
	for _, doc := range pf.docs {
		if doc.obj == nil {
			continue
		}
		if items, ok := listItems(doc.obj); ok {
			for _, it := range items {
				if m, ok := it.(map[string]any); ok && isResource(m) {
					out.Objects = append(out.Objects, m)
				}
			}
			continue
		}
		if isResource(doc.obj) {
			out.Objects = append(out.Objects, doc.obj)
		}
	}
	return out, nil
}
