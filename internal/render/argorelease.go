package render

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/argoapp"
	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/helm"
)

// renderApplication renders each Helm source of an Argo CD Application
// as Argo CD's repo-server would: its chart (a chart directory of this
// repository, or a chart of a Helm repository or OCI registry), the
// release named for the application, its values in Argo CD's precedence.
func (t *Tree) renderApplication(u *Unit, visit func(*Object)) *Output {
	src := u.release
	// Read is what the release read besides its own file, which stays a
	// plain manifest (or part of the build that rendered it).
	out := &Output{Unit: u}
	what := "Application " + releaseID(src.obj.Object)
	at := src.pos
	problem := func(kind ProblemKind, p []string, format string, args ...any) {
		file, line, col := at(p, PinValue)
		out.Problems = append(out.Problems, Problem{File: file, Line: line, Column: col, Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	a, issues := argoapp.Read(src.obj.Object)
	for _, is := range issues {
		problem(HelmRenderFailed, is.Path, "%s: %s", what, is.Message)
	}
	if len(issues) > 0 {
		out.Err, out.FailedIn = fmt.Errorf("rendering %s: %s", what, issues[0].Message), u.File
		return out
	}
	for _, s := range a.Sources {
		s, pos, err := t.overridden(src, a, s)
		if err != nil {
			problem(HelmRenderFailed, s.Path, "%s: %v: Argo CD fails to render the source", what, err)
			continue
		}
		c, why := argoapp.ChartOf(s, t.isThisRepository, func(dir string) bool { return t.charts[dir] }, t.isDir)
		if c == nil {
			if why != "" {
				problem(ReleaseSkipped, s.Path, "%s is not rendered: %s", what, why)
			}
			continue
		}
		t.renderApplicationSource(u, pos, a, s, *c, what, out, visit)
	}
	return out
}

// overridden applies the override files of a source of this repository
// (.argocd-source.yaml, .argocd-source-<application>.yaml in its
// directory), and returns where each of its fields is written: in the
// last override file that sets it, else in the Application.
func (t *Tree) overridden(src *releaseSrc, a *argoapp.App, s argoapp.Source) (argoapp.Source, func([]string, Pin) (string, int, int), error) {
	pos := src.pos
	if s.Dir == "" || !t.isThisRepository(s.RepoURL) {
		return s, pos, nil
	}
	type override struct {
		file string
		root *yaml.Node
	}
	var patches [][]byte
	var ovs []override
	for _, f := range a.OverrideFiles(s) {
		info, err := fs.Stat(t.fsys, f)
		if err != nil || !info.Mode().IsRegular() || info.Size() > 1<<20 {
			continue
		}
		data, err := fs.ReadFile(t.fsys, f)
		if err != nil {
			continue
		}
		patches = append(patches, data)
		if docs, _ := ParseYAML(f, data); len(docs) > 0 && docs[0].root != nil {
			ovs = append(ovs, override{f, docs[0].root})
		}
	}
	if len(patches) == 0 {
		return s, pos, nil
	}
	raw, _ := valueAt(src.obj.Object, s.Path).(map[string]any)
	o, err := argoapp.Override(raw, s.Path, patches)
	if err != nil {
		return s, pos, err
	}
	return o, func(p []string, at Pin) (string, int, int) {
		if len(p) > len(s.Path) && slices.Equal(p[:len(s.Path)], s.Path) {
			rel := p[len(s.Path):]
			for i := len(ovs) - 1; i >= 0; i-- {
				if key, val, depth := locate(ovs[i].root, rel); depth == len(rel) && val != nil {
					n := val
					if at == PinKey && key != nil {
						n = key
					}
					return ovs[i].file, n.Line, n.Column
				}
			}
		}
		return src.pos(p, at)
	}, nil
}

// renderApplicationSource renders one Helm source of an application.
func (t *Tree) renderApplicationSource(u *Unit, pos func([]string, Pin) (string, int, int), a *argoapp.App, s argoapp.Source, c argoapp.Chart, what string, out *Output, visit func(*Object)) {
	refPath := append(slices.Clip(s.Path), "chart")
	if c.Dir != "" {
		refPath = append(slices.Clip(s.Path), "path")
	}
	rfile, rline, rcol := pos(refPath, PinValue)
	ref := helm.Position{File: rfile, Line: rline, Column: rcol}
	problem := func(kind ProblemKind, p []string, format string, args ...any) {
		file, line, col := pos(p, PinValue)
		out.Problems = append(out.Problems, Problem{File: file, Line: line, Column: col, Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	var ch *helm.Chart
	var chartFiles fs.FS
	if c.Dir != "" {
		loaded, err := t.chartLoader().Dir(t.ctx, c.Dir)
		if err != nil {
			problem(HelmRenderFailed, refPath, "%s: the chart %s does not load: %v", what, c.Dir, err)
			out.Err, out.FailedIn = fmt.Errorf("rendering %s: %w", what, err), ref.File
			return
		}
		out.Read = append(out.Read, loaded.Read...)
		ch, chartFiles = loaded, loaded.Files()
	} else {
		loaded, err := t.chartLoader().Remote(t.ctx, *c.Remote)
		if err != nil {
			problem(fetchProblem(err), refPath, "%s", fetchMessage(what, *c.Remote, err))
			if chartref.KindOf(err) != chartref.Disabled {
				out.Err, out.FailedIn = fmt.Errorf("rendering %s: %w", what, err), ref.File
			}
			return
		}
		ch, chartFiles = loaded, loaded.Files()
	}
	plan := argoapp.NewPlan(a, s, c, t.isThisRepository)
	values, layers, unresolved, err := argoapp.Values(plan, t.fsys, chartFiles)
	for _, un := range unresolved {
		problem(ReleaseIncomplete, un.Path, "%s is rendered without %s", what, un.Message)
	}
	if err != nil {
		var ve *argoapp.ValuesError
		p := append(slices.Clip(s.Path), "helm")
		if errors.As(err, &ve) {
			p = ve.Path
		}
		problem(HelmRenderFailed, p, "%s: %v", what, err)
		out.Err, out.FailedIn = fmt.Errorf("rendering %s: %w", what, err), ref.File
		return
	}
	for _, l := range layers {
		if (l.Kind == argoapp.ValueFile || l.Kind == argoapp.FileParam) && !l.InChart {
			out.Read = append(out.Read, l.File)
		}
	}
	caps, err := t.capabilities()
	if err != nil {
		out.Err, out.FailedIn = fmt.Errorf("rendering %s: %w", what, err), ref.File
		return
	}
	if plan.KubeVersion != "" {
		caps.KubeVersion = plan.KubeVersion
	}
	if len(plan.APIVersions) > 0 {
		caps.APIVersions = plan.APIVersions // Argo CD's apiVersions replace the cluster's
	}
	req := helm.Request{ReleaseName: plan.ReleaseName, Namespace: plan.Namespace, IncludeCRDs: plan.IncludeCRDs, SkipSchemaValidation: plan.SkipSchemaValidation, Capabilities: caps,
		Values: append([]helm.Layer{{Values: values}}, t.argoValuePositions(pos, s, layers)...)}
	res, err := helm.Render(t.ctx, ch, req)
	if err != nil {
		out.Err, out.FailedIn = err, ref.File
		return
	}
	prefixProblems(res, what)
	out.Problems = append(out.Problems, t.visitRelease(u, res, what, ref, nil, visit)...)
	if res.Failed && out.Err == nil {
		out.Err, out.FailedIn = fmt.Errorf("rendering %s: the chart does not render", what), ref.File
	}
}

// argoValuePositions places the values of an application's layers where
// they are written: the value files of the repository, helm.values' block,
// helm.valuesObject, each parameter's value and file parameter's path.
func (t *Tree) argoValuePositions(pos func([]string, Pin) (string, int, int), s argoapp.Source, layers []argoapp.Layer) []helm.Layer {
	hp := append(slices.Clip(s.Path), "helm")
	var out []helm.Layer
	for _, l := range layers {
		switch l.Kind {
		case argoapp.ValueFile:
			if !l.InChart {
				out = append(out, fileLayers(l.File, l.Text)...)
			}
		case argoapp.InlineValues:
			if l.Object {
				out = append(out, pinnedLayers(l.Values, nil, func(p []string, at Pin) (string, int, int) {
					return pos(slices.Concat(hp, []string{"valuesObject"}, p), at)
				})...)
				continue
			}
			file, line, col := pos(append(slices.Clip(hp), "values"), PinValue)
			out = append(out, blockLayer(t.fsys, file, line, col, string(l.Text), nil)...)
		case argoapp.Param, argoapp.FileParam:
			field, key := "parameters", "value"
			if l.Kind == argoapp.FileParam {
				field, key = "fileParameters", "path"
			}
			var name string
			if h := s.Helm; h != nil {
				if l.Kind == argoapp.Param {
					name = h.Parameters[l.Index].Name
				} else {
					name = h.FileParameters[l.Index].Name
				}
			}
			p, ok := setPath(name)
			if !ok {
				continue
			}
			file, line, col := pos(slices.Concat(hp, []string{field, fmt.Sprint(l.Index), key}), PinValue)
			out = append(out, helm.Layer{File: file, Node: &yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col}, Values: map[string]any{}, Prefix: p})
		}
	}
	return out
}

// renderApplicationSet generates the Applications of an ApplicationSet
// whose generators resolve from the repository; each is then a release
// of the next round. The ApplicationSet renders no object itself.
func (t *Tree) renderApplicationSet(u *Unit, visit func(*Object)) *Output {
	src := u.release
	out := &Output{Unit: u}
	what := "ApplicationSet " + releaseID(src.obj.Object)
	apps, notices, err := argoapp.Generate(src.obj.Object, t.isThisRepository, treeDirs{t})
	for _, n := range notices {
		file, line, col := src.pos(n.Path, PinValue)
		out.Problems = append(out.Problems, Problem{File: file, Line: line, Column: col, Kind: ReleaseSkipped, Message: n.Message})
	}
	if err != nil {
		file, line, col := src.pos([]string{"spec", "template"}, PinValue)
		out.Problems = append(out.Problems, Problem{File: file, Line: line, Column: col, Kind: HelmRenderFailed, Message: fmt.Sprintf("%s: %v: the ApplicationSet controller generates none of its applications", what, strings.TrimPrefix(err.Error(), what+", "))})
		out.Err, out.FailedIn = fmt.Errorf("rendering %s: %w", what, err), file
		return out
	}
	set := src.obj
	for _, g := range apps {
		o := Object{Object: g.Object, Origin: Origin{Unit: u, File: set.Origin.File, Source: set.Origin.Source, locate: func(p []string, at Pin) (string, int, int) {
			return set.Origin.Position(append([]string{"spec", "template"}, p...), at)
		}}}
		r := &releaseSrc{obj: o, scope: src.scope}
		if src.generated != nil {
			src.generated(r)
			continue
		}
		t.rels.mu.Lock()
		t.rels.add(r)
		t.rels.mu.Unlock()
	}
	return out
}
