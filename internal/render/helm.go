package render

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/helm"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
)

// helmState is what every chart of a tree renders with, worked out once:
// the Capabilities, and the chart directories something else renders.
type helmState struct {
	capsOnce sync.Once
	caps     helm.Capabilities
	capsErr  error

	refsOnce sync.Once
	refs     map[string]bool
}

// capabilities are the cluster the tree's charts render for: the
// Kubernetes version asked for (never Helm's library default), and as
// APIVersions the built-in groups and kinds of that version, those of
// every CRD kubeschema embeds, those of the repository's CRDs, and the
// api-versions input.
func (t *Tree) capabilities() (helm.Capabilities, error) {
	h := &t.helm
	h.capsOnce.Do(func() {
		v := t.opts.KubernetesVersion
		if v == "" {
			if vs := kubeschema.Versions(); len(vs) > 0 {
				v = vs[0]
			}
		}
		gvs, kinds, err := kubeschema.APIVersions(v)
		if err != nil {
			h.capsErr = fmt.Errorf("kubernetes version %q: %w", v, err)
			return
		}
		all := slices.Concat(gvs, kinds, t.repoAPIVersions(), t.opts.APIVersions)
		slices.Sort(all)
		h.caps = helm.Capabilities{KubeVersion: v, APIVersions: slices.Compact(all)}
	})
	return h.caps, h.capsErr
}

// repoAPIVersions are the group/versions and group/version/kinds the
// CustomResourceDefinitions of the repository define, as a cluster they
// are installed in serves them.
func (t *Tree) repoAPIVersions() []string {
	var out []string
	for _, f := range t.All {
		if t.ctx.Err() != nil {
			break
		}
		data, err := fs.ReadFile(t.fsys, f)
		if err != nil || !bytes.Contains(data, []byte("CustomResourceDefinition")) {
			continue
		}
		docs, _ := ParseYAML(f, data)
		for _, d := range docs {
			out = append(out, crdAPIVersions(d.Obj)...)
		}
	}
	return out
}

// crdAPIVersions are what a CustomResourceDefinition adds to a cluster's
// API versions.
func crdAPIVersions(obj map[string]any) []string {
	if a, k, _, _ := Meta(obj); k != "CustomResourceDefinition" || !strings.HasPrefix(a, "apiextensions.k8s.io/") {
		return nil
	}
	spec, _ := obj["spec"].(map[string]any)
	g, _ := spec["group"].(string)
	names, _ := spec["names"].(map[string]any)
	kind, _ := names["kind"].(string)
	var out []string
	vs, _ := spec["versions"].([]any)
	for _, v := range vs {
		m, _ := v.(map[string]any)
		name, _ := m["name"].(string)
		if served, ok := m["served"].(bool); name == "" || (ok && !served) {
			continue
		}
		out = append(out, g+"/"+name)
		if kind != "" {
			out = append(out, g+"/"+name+"/"+kind)
		}
	}
	if v, _ := spec["version"].(string); v != "" {
		out = append(out, g+"/"+v, g+"/"+v+"/"+kind)
	}
	return out
}

// chartRefs are the chart directories of the tree that something else
// renders: a chart under another chart's directory (its charts/), a
// file:// dependency of another chart, the chart of a kustomization's
// helmCharts entry. A chart directory is one holding a Chart.yaml.
func (t *Tree) chartRefs() map[string]bool {
	h := &t.helm
	h.refsOnce.Do(func() {
		refs := map[string]bool{}
		for d := range t.charts {
			for p := path.Dir(d); p != "." && p != "/"; p = path.Dir(p) {
				if t.charts[p] {
					refs[d] = true
					break
				}
			}
			data, err := fs.ReadFile(t.fsys, path.Join(d, "Chart.yaml"))
			if err != nil {
				continue
			}
			var meta struct {
				Dependencies []struct{ Repository string }
			}
			if yaml.Unmarshal(data, &meta) != nil {
				continue
			}
			for _, dep := range meta.Dependencies {
				if rel, ok := strings.CutPrefix(dep.Repository, "file://"); ok {
					refs[path.Clean(path.Join(d, rel))] = true
				}
			}
		}
		for _, k := range t.Kustomizations {
			for _, hc := range t.helmChartEntries(k) {
				refs[hc.chartDir()] = true
			}
		}
		h.refs = refs
	})
	return h.refs
}

// ChartUnits lists the chart directories at or under dir that render on
// their own: those nothing else renders, library charts left out, in
// name order.
func (t *Tree) ChartUnits(dir string) []*Unit {
	dir = path.Clean(dir)
	refs := t.chartRefs()
	var out []*Unit
	for _, d := range slices.Sorted(func(yield func(string) bool) {
		for d := range t.charts {
			if !yield(d) {
				return
			}
		}
	}) {
		file := path.Join(d, "Chart.yaml")
		if refs[d] || !t.under[file] || !(dir == "." || d == dir || strings.HasPrefix(d, dir+"/")) || isLibraryChart(t, file) {
			continue
		}
		out = append(out, &Unit{Kind: HelmChart, Name: d, Dir: d, File: file, Cost: len(t.filesAt(d))})
	}
	return out
}

func isLibraryChart(t *Tree, file string) bool {
	data, err := fs.ReadFile(t.fsys, file)
	if err != nil {
		return false
	}
	var meta struct{ Type string }
	return yaml.Unmarshal(data, &meta) == nil && meta.Type == "library"
}

// chartLoader loads the tree's charts.
func (t *Tree) chartLoader() *helm.Loader {
	return &helm.Loader{FS: t.fsys, Fetcher: t.opts.Fetcher, Limits: helm.DefaultLimits()}
}

// renderChart renders a chart directory of the repository with its own
// values, as kube-linter does: release name the chart's name, namespace
// "default" (helm template's), its CRDs included (helm install installs
// them).
func (t *Tree) renderChart(u *Unit, visit func(*Object)) *Output {
	out := &Output{Unit: u, Read: []string{u.File}}
	ref := helm.Position{File: u.File, Line: 1, Column: 1}
	c, err := t.chartLoader().Dir(t.ctx, u.Dir)
	if err != nil {
		out.Problems = append(out.Problems, Problem{File: u.File, Line: 1, Column: 1, Kind: HelmRenderFailed, Message: fmt.Sprintf("chart %s does not load: %v", u.Dir, err)})
		out.Err, out.FailedIn = fmt.Errorf("rendering %q: %w", u.Dir, err), u.File
		return out
	}
	out.Read = c.Read
	caps, err := t.capabilities()
	if err != nil {
		out.Err, out.FailedIn = fmt.Errorf("rendering %q: %w", u.Dir, err), u.File
		return out
	}
	res, err := helm.Render(t.ctx, c, helm.Request{ReleaseName: c.Name, Namespace: "default", Capabilities: caps, IncludeCRDs: true})
	if err != nil {
		out.Err, out.FailedIn = err, u.File
		return out
	}
	out.Problems = append(out.Problems, t.visitRelease(u, res, "chart directory "+u.Dir, ref, nil, visit)...)
	if res.Failed {
		out.Err, out.FailedIn = fmt.Errorf("rendering %q: the chart does not render", u.Dir), u.File
	}
	return out
}

// visitRelease hands the objects a chart rendered to visit, each with a
// Helm origin naming release (what deploys it) and a position that is the
// values line a value came from, else ref (the chart reference). The
// chart's CRDs go first, as SchemaOnly objects, so that its custom
// resources have a schema. around, when set, is tried first for a
// position (the patches a kustomization applies over the output). It
// returns the render's problems, pinned where they belong.
func (t *Tree) visitRelease(u *Unit, res *helm.Result, release string, ref helm.Position, around func(obj map[string]any, p []string, at Pin) (string, int, int, bool), visit func(*Object)) []Problem {
	probs := helmProblems(res.Problems, ref)
	if res.Failed {
		return probs
	}
	each := func(m helm.Manifest, schemaOnly bool) {
		docs, ps := ParseYAML(ref.File, []byte(m.Content))
		if hasSyntaxError(ps) {
			probs = append(probs, Problem{File: ref.File, Line: ref.Line, Column: ref.Column, Kind: HelmRenderFailed,
				Message: fmt.Sprintf("%s → %s %s, %s renders what is not YAML: %s", release, res.Chart, res.Version, chartRel(m.Template), ps[0].Message)})
			return
		}
		for _, d := range docs {
			if d.Obj == nil || !isResource(d.Obj) {
				continue
			}
			obj := d.Obj
			o := &Object{Object: obj, SchemaOnly: schemaOnly, Origin: Origin{Unit: u, File: ref.File,
				Helm: &HelmOrigin{Release: release, Chart: res.Chart, Version: res.Version, Template: chartRel(m.Template)},
				locate: func(p []string, at Pin) (string, int, int) {
					if around != nil {
						if f, l, c, ok := around(obj, p, at); ok {
							return f, l, c
						}
					}
					if at != PinOwner {
						if pos, ok := res.Locate(m.Template, obj, p); ok {
							return pos.File, pos.Line, pos.Column
						}
					}
					return ref.File, ref.Line, ref.Column
				}}}
			visit(o)
		}
	}
	for _, m := range res.CRDs {
		each(m, true)
	}
	for _, m := range res.Manifests {
		if t.ctx.Err() != nil {
			break
		}
		each(m, false)
	}
	return probs
}

// chartRel is a template's path within its chart: "app/templates/x.yaml"
// is "templates/x.yaml", a dependency's "charts/redis/templates/y.yaml".
func chartRel(template string) string {
	_, rest, ok := strings.Cut(template, "/")
	if !ok {
		return template
	}
	return rest
}

// helmProblems turns the engine's problems into the tree's, those with
// no place of their own at ref.
func helmProblems(ps []helm.Problem, ref helm.Position) []Problem {
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		pos := p.Pos
		if pos.File == "" {
			pos = ref
		}
		kind := map[helm.ProblemKind]ProblemKind{
			helm.RenderFailed:     HelmRenderFailed,
			helm.ValuesInvalid:    HelmValuesInvalid,
			helm.Offline:          HelmOffline,
			helm.ChartSkipped:     ChartSkipped,
			helm.ChartUnavailable: ChartUnavailable,
			helm.FileNotRead:      FileSkipped,
		}[p.Kind]
		if kind == "" {
			kind = HelmRenderFailed
		}
		out = append(out, Problem{File: pos.File, Line: pos.Line, Column: pos.Column, Kind: kind, Message: p.Message})
	}
	return out
}

// FetchProblem is the problem of a remote chart that was not fetched,
// for what (a release, a helmCharts entry) at file, line and column:
// ChartSkipped when fetching is off, ChartUnavailable otherwise.
func FetchProblem(err error, what, file string, line, col int) Problem {
	p := helmProblems([]helm.Problem{helm.FetchProblem(err, what)}, helm.Position{File: file, Line: line, Column: col})
	return p[0]
}

// Chart renders the chart directory dir on its own and collects its
// objects (SchemaOnly ones left out). Read is set even when it fails.
func (t *Tree) Chart(dir string) (*Rendered, error) {
	dir = path.Clean(dir)
	u := &Unit{Kind: HelmChart, Name: dir, Dir: dir, File: path.Join(dir, "Chart.yaml")}
	out := &Rendered{}
	o := t.renderChart(u, func(o *Object) {
		if !o.SchemaOnly {
			out.Objects = append(out.Objects, o.Object)
		}
	})
	out.Read = o.Read
	if o.Err != nil {
		msg := o.Err.Error()
		for _, p := range o.Problems {
			if p.Kind == HelmRenderFailed || p.Kind == HelmValuesInvalid {
				msg = fmt.Sprintf("rendering %q: %s", dir, p.Message)
				break
			}
		}
		return out, fmt.Errorf("%s", msg)
	}
	return out, t.ctx.Err()
}
