package render

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/parallel"
)

// Kind is what a unit renders with. A kind of unit to come (a Helm
// release, an Argo CD application, a kustomization's helmCharts) is a
// constant here, a case of Tree.Render, and units of it listed by Units
// and scheduled by RenderAll beside the kustomizations.
type Kind string

const (
	// Kustomization is a kustomization built in memory, as kustomize
	// build renders its directory: remote bases and helmCharts left out.
	Kustomization Kind = "kustomization"
	// Manifests is a file of plain manifests, each resource as written
	// (each item of a List on its own).
	Manifests Kind = "manifests"
	// HelmChart is a chart directory of the repository that nothing
	// else renders, rendered with its own values (release name = chart
	// name, as kube-linter renders one).
	HelmChart Kind = "helm-chart"
	// HelmRelease is a Flux HelmRelease, rendered as helm-controller
	// would: its chart from its source, its values in helm-controller's
	// order, its post-renderers.
	HelmRelease Kind = "helmrelease"
	// Application is an Argo CD Application, each Helm source of it
	// rendered as Argo CD's repo-server would.
	Application Kind = "application"
	// ApplicationSet is an Argo CD ApplicationSet: it renders nothing
	// itself; the Applications it generates are units of their own.
	ApplicationSet Kind = "applicationset"
)

// Unit is one thing that renders on its own into objects: a
// kustomization, a file of plain manifests. Units render independently of
// each other, each on one goroutine.
type Unit struct {
	Kind Kind
	// Name names the unit in messages: the kustomization's directory,
	// the file's path.
	Name string
	// Dir is the directory it renders from, File the file that defines
	// it (the kustomization file; the manifests file).
	Dir, File string
	// Cost estimates the work of rendering it, to share units out: the
	// YAML files it reads, as far as the walk can tell (those at and
	// under its directory and under what its kustomization includes).
	Cost int

	release *releaseSrc // the release object, for a release's unit
}

// Object is one object a unit rendered, as the cluster receives it, with
// where it comes from.
type Object struct {
	// Object is the object as plain values (maps, slices, strings, int64,
	// float64, bool, nil); Flux's post-build substitution is applied when
	// the tree's Options.Substitute is set.
	Object map[string]any
	Origin Origin
	// Flux is what the substitution did, nil when it had nothing to do.
	Flux *Substitution
	// SchemaOnly marks a CustomResourceDefinition of a chart that is not
	// deployed with it (crds/ left out): it is handed over before the
	// chart's objects only so that their kinds have a schema.
	SchemaOnly bool
}

// HelmOrigin names the release, chart and template a rendered object of a
// chart came from.
type HelmOrigin struct {
	// Release names what deploys the chart: "HelmRelease media/plex",
	// "chart directory charts/app", "helmCharts podinfo of
	// apps/kustomization.yaml".
	Release string
	// Chart and Version are the chart's.
	Chart, Version string
	// Template is the template within the chart ("templates/deployment.yaml",
	// "charts/redis/templates/master.yaml", "crds/crd.yaml").
	Template string
}

// String reads "HelmRelease media/plex → app-template 4.1.1,
// templates/common.yaml".
func (h *HelmOrigin) String() string {
	return h.Release + " → " + h.Chart + " " + h.Version + ", " + h.Template
}

// Origin is where a rendered object comes from, and the way back from a
// path in it to the file, line and column that wrote the value there. The
// unit's kind decides how Position finds it; a kind whose objects come
// out of a template adds here what names that step (a Helm release: the
// release, the chart and its version, the template).
type Origin struct {
	// Unit is the unit that rendered the object.
	Unit *Unit
	// File is the file the object was written in: the document it came
	// from, else the file that defines the unit.
	File string
	// Source, when set, is the document the object was written in, for a
	// caller that locates it only later, the document let go
	// (FindDocument); nil when Position is all there is.
	Source *Source
	// Helm, for an object a chart rendered, names the release, the
	// chart and its version, and the template; nil otherwise.
	Helm   *HelmOrigin
	locate func(path []string, at Pin) (file string, line, col int)
	// doc is the document the fast path read, which parses its node tree
	// on the first Position; nil for any other object.
	doc *Document
}

// Located reports whether Position costs nothing now: the object is not
// in a document the fast path read, or that document's node tree has
// already been parsed for an earlier position. A caller that may never
// need a position keeps Source instead, and finds it later
// (FindDocument) only if it must.
func (o *Origin) Located() bool {
	return o.doc == nil || o.doc.root != nil
}

// Position maps a path in the object (JSON pointer tokens) to the file,
// line and column that wrote it: the document a field comes from, the
// patch that set it, the images entry that rewrote an image, the
// generator entry of a generated object; at says which position of the
// path is wanted. It falls back to the start of the file that defines the
// unit.
func (o *Origin) Position(path []string, at Pin) (file string, line, col int) {
	if o.locate == nil {
		return o.File, 1, 1
	}
	return o.locate(path, at)
}

// Pin says what a position is wanted for: the value at a path, the key
// of its last step, or the object at the path, which lacks a field.
type Pin int

const (
	// PinValue is the value at the path (its key when the value is a
	// collection, or when the path cannot be followed to its end).
	PinValue Pin = iota
	// PinKey is the key of the last step: a field the schema does not
	// allow.
	PinKey
	// PinOwner is the object at the path, which misses a required field:
	// it belongs to the source that defines the object, never to a patch
	// that only sets a sibling.
	PinOwner
)

// Output is what rendering a unit leaves once its objects are handed
// over: the problems it met, the files it read, how it failed.
type Output struct {
	Unit *Unit
	// Read are the files of the tree the unit read; for a kustomization
	// that failed, also the patches it names (partial objects, never
	// resources of their own).
	Read []string
	// Problems are about the unit's own files: deprecated fields, what
	// was left out (remote bases, helmCharts), and the failure, if any.
	Problems []Problem
	// Err is why the unit did not render, nil when it did; the failure is
	// also a problem, pinned where it happened.
	Err error
	// FailedIn is the file the failure is pinned to.
	FailedIn string
}

// Units returns the units at or under dir ("." for the whole tree) that
// render on their own: each kustomization that no other kustomization at
// or under dir includes, Components and files of another kind left out,
// in name order, then each chart directory nothing else renders
// (ChartUnits). Each is an environment or a part of one.
func (t *Tree) Units(dir string) []*Unit {
	var out []*Unit
	for _, d := range t.Tops(dir) {
		out = append(out, t.kustomizationUnit(d))
	}
	return append(out, t.ChartUnits(dir)...)
}

// Tops is the directories of Units.
func (t *Tree) Tops(dir string) []string {
	dir = path.Clean(dir)
	var in []string
	for _, d := range slices.Sorted(slices.Values(t.Kustomizations)) {
		if d == dir || dir == "." || strings.HasPrefix(d, dir+"/") {
			in = append(in, d)
		}
	}
	inner := t.included(in)
	var out []string
	for _, d := range in {
		if !inner[d] && t.notBuilt(d) == "" {
			out = append(out, d)
		}
	}
	return out
}

// kustomizationUnit is the unit of the kustomization in dir.
func (t *Tree) kustomizationUnit(dir string) *Unit {
	return &Unit{Kind: Kustomization, Name: dir, Dir: dir, File: kustomizationIn(t, dir), Cost: t.cost(dir)}
}

// ManifestsUnit is the unit of one file of plain manifests.
func (t *Tree) ManifestsUnit(name string) *Unit {
	return &Unit{Kind: Manifests, Name: name, Dir: path.Dir(name), File: name, Cost: 1}
}

// RenderAll renders every kustomization of the tree that is not a part of
// another (a base, an inner part of an environment) on at most workers
// goroutines, each rendered and let go: memory holds the units in
// flight, not the repository. For each unit it calls open on the
// goroutine that renders it, then the function open returned for each of
// its objects, as it is rendered. It returns the units' outputs, a
// kustomization that does not build on its own (a Component, a file of
// another kind) left out.
//
// A kustomization that only failing builds include renders on its own
// after all, so that its objects are handed over all the same, unless
// the error is its own.
//
// The chart directories nothing else renders (ChartUnits) render in the
// first round, beside the kustomizations.
//
// With Options.Shard one of several, only the units of that share of
// the Partition render, with the releases they hold; a kustomization
// that is no unit (a base) renders on its own only in the share that
// owns its file.
func (t *Tree) RenderAll(workers int, open func(*Unit) func(*Object)) []*Output {
	dirs := t.Kustomizations
	inner := t.included(dirs)
	tried := map[string]bool{}
	covered := map[string]bool{} // directories a successful build rendered
	var out []*Output
	var todo []string
	for _, d := range dirs {
		if !inner[d] && t.rendersHere(d) {
			todo = append(todo, d)
		}
	}
	open, finish := t.collecting(open)
	// A chart that may render releases (an app of apps) renders first;
	// the others once the releases found say which charts they render.
	charts, later := t.releasingCharts(slices.DeleteFunc(t.ChartUnits("."), func(u *Unit) bool { return !t.mineDir(u.Dir) }))
	for len(todo) > 0 || len(charts) > 0 {
		n := len(todo)
		outs := make([]*Output, n+len(charts))
		_ = parallel.Do(t.ctx, workers, len(outs), func(i int) error {
			if i >= n {
				u := charts[i-n]
				outs[i] = t.renderChart(u, open(u))
				return nil
			}
			u := t.kustomizationUnit(todo[i])
			b := t.newBuild(u)
			if b == nil {
				return nil
			}
			outs[i] = b.render(open(u))
			return nil
		})
		for _, o := range outs[n:] {
			out = append(out, o)
		}
		charts = nil
		for i, o := range outs[:n] {
			tried[todo[i]] = true
			if o == nil {
				continue
			}
			out = append(out, o)
			if o.Err == nil {
				for _, f := range o.Read {
					if IsKustomizationFile(f) {
						covered[path.Dir(f)] = true
					}
				}
			} else if o.FailedIn != o.Unit.File {
				// The error is in an inner kustomization, reported there
				// already: built on its own, it would fail the same way.
				covered[path.Dir(o.FailedIn)] = true
			}
		}
		todo = nil
		for _, d := range dirs {
			if !tried[d] && !covered[d] && t.rendersHere(d) {
				todo = append(todo, d)
			}
		}
		if t.ctx.Err() != nil {
			break
		}
	}
	out = append(out, t.renderRest(workers, open, finish, out, later)...)
	return out
}

// rendersHere reports whether the kustomization in dir is the tree's
// share's to render: a unit of the share, or a kustomization that is no
// unit (a base, a Component) whose file the share owns.
func (t *Tree) rendersHere(dir string) bool {
	p := t.sharing()
	if p == nil {
		return true
	}
	if s, ok := p.ShardOfDir(dir); ok {
		return s == t.opts.Shard.Index
	}
	kfile := kustomizationIn(t, dir)
	return kfile != "" && t.OwnsFile(kfile)
}

// Render renders one unit, calling visit with each of its objects, as it
// is rendered, on the calling goroutine. It returns nil for a unit that
// does not render on its own: a directory without a kustomization or
// whose kustomization has a syntax error (a problem of its file), a
// Component, a file of another kind.
func (t *Tree) Render(u *Unit, visit func(*Object)) *Output {
	switch u.Kind {
	case Kustomization:
		b := t.newBuild(u)
		if b == nil {
			return nil
		}
		return b.render(visit)
	case Manifests:
		return t.renderManifests(u, visit)
	case HelmChart:
		return t.renderChart(u, visit)
	case HelmRelease:
		return t.renderHelmRelease(u, visit)
	case Application:
		return t.renderApplication(u, visit)
	case ApplicationSet:
		return t.renderApplicationSet(u, visit)
	}
	return &Output{Unit: u, Err: fmt.Errorf("rendering %q: no renderer for a unit of kind %q", u.Name, u.Kind)}
}

// renderManifests hands over the resources of a file of plain manifests,
// the items of a List each on its own. A Helm template renders to
// nothing. It fails when the file cannot be read or is not YAML.
func (t *Tree) renderManifests(u *Unit, visit func(*Object)) *Output {
	pf := t.file(u.File)
	out := &Output{Unit: u, Read: []string{u.File}, Problems: pf.problems}
	if pf.unread {
		var reason string
		if len(pf.problems) > 0 {
			reason = pf.problems[0].Message
		}
		out.Err, out.FailedIn = fmt.Errorf("rendering %q: %s", u.File, reason), u.File
		return out
	}
	if pf.template {
		return out
	}
	for _, p := range pf.problems {
		if p.Kind == SyntaxError {
			out.Err, out.FailedIn = fmt.Errorf("rendering %q: line %d: %s", u.File, p.Line, p.Message), u.File
			return out
		}
	}
	for _, d := range pf.docs {
		if d.Obj == nil {
			continue
		}
		if items, ok := ListItems(d.Obj); ok {
			for i, it := range items {
				if m, ok := it.(map[string]any); ok && isResource(m) {
					o := t.resource(u, d, []string{"items", fmt.Sprint(i)}, m)
					visit(&o)
				}
			}
			continue
		}
		if isResource(d.Obj) {
			o := t.resource(u, d, nil, d.Obj)
			visit(&o)
		}
	}
	return out
}

// Resource is the Object of a resource written in document d of a plain
// file, at prefix in it (an item of a List) or the document's own: its
// origin, and its content substituted as the Flux Kustomization that
// applies the file would when the tree's Options.Substitute is set.
func (t *Tree) Resource(d *Document, prefix []string, obj map[string]any) Object {
	return t.resource(nil, d, prefix, obj)
}

func (t *Tree) resource(u *Unit, d *Document, prefix []string, obj map[string]any) Object {
	o := Object{Object: obj, Origin: Origin{Unit: u, File: d.File, Source: d.Source(prefix), locate: func(p []string, at Pin) (string, int, int) {
		line, col := NodePos(d.Node(), append(slices.Clip(prefix), p...), at == PinKey)
		return d.File, line, col
	}}}
	if o.Origin.Source != nil {
		o.Origin.doc = d
	}
	t.substitute(&o, "")
	return o
}

// substitute applies Flux's post-build substitution to o, rendered from
// dir ("" for the directory of the plain file it is written in), when the
// tree's options ask for it.
func (t *Tree) substitute(o *Object, dir string) {
	if !t.opts.Substitute {
		return
	}
	if o.Flux = t.fluxSubstitute(o.Object, dir, o.Origin.File); o.Flux != nil {
		o.Object = o.Flux.obj
	}
}

// Rendered is what one unit rendered to, collected.
type Rendered struct {
	// Objects are the resources, as a cluster would receive them.
	Objects []map[string]any
	// Read are the files of the tree the unit read.
	Read []string
}

// Build renders the kustomization in dir and collects its objects (remote
// bases and helmCharts left out, nothing fetched). Read is set even when
// it fails.
//
// A helmCharts entry renders in process (a remote chart through the
// tree's Fetcher); one that does not render, or whose chart is not
// fetched, fails the build: what it would add is unknown.
func (t *Tree) Build(dir string) (*Rendered, error) { return t.build(dir, true) }

// build is Build; with helmStrict unset, a helmCharts entry that does not
// render is left out, as before charts rendered.
func (t *Tree) build(dir string, helmStrict bool) (*Rendered, error) {
	dir = path.Clean(dir)
	kfile := kustomizationIn(t, dir)
	if kfile == "" {
		return nil, fmt.Errorf("rendering %q: no kustomization", dir)
	}
	for _, p := range t.file(kfile).problems {
		if p.Kind == SyntaxError {
			return &Rendered{Read: []string{kfile}}, fmt.Errorf("rendering %q: %s:%d: %s", dir, kfile, p.Line, p.Message)
		}
	}
	b := t.newBuild(t.kustomizationUnit(dir))
	if b == nil {
		return &Rendered{Read: []string{kfile}}, fmt.Errorf("rendering %q: %s is not a kustomization that builds on its own (a Component, or another kind)", dir, kfile)
	}
	m, err := b.kustomize(false)
	out := &Rendered{Read: b.read}
	if err != nil {
		return out, fmt.Errorf("rendering %q: kustomize build failed: %s", dir, cleanKustomizeError(err.Error()))
	}
	for _, p := range b.problems {
		switch p.Kind {
		case HelmRenderFailed, HelmValuesInvalid, ChartSkipped, ChartUnavailable:
			if !helmStrict {
				break
			}
			// What a chart would add is unknown: the objects collected
			// are not all the kustomization renders, and a comparison
			// with them would show a change that is not one, or none.
			return out, fmt.Errorf("rendering %q: %s:%d: %s", dir, p.File, p.Line, p.Message)
		}
	}
	out.Objects = make([]map[string]any, 0, m.Size())
	for _, res := range m.Resources() {
		if obj, _, _ := b.object(res.YNode()); obj != nil {
			out.Objects = append(out.Objects, obj)
		}
	}
	return out, t.ctx.Err()
}

// File renders one file of plain manifests and collects its objects:
// its resources as they are, the items of a List each on its own. A Helm
// template renders to nothing. It fails when the file cannot be read or
// is not YAML.
func (t *Tree) File(name string) (*Rendered, error) {
	out := &Rendered{}
	o := t.renderManifests(t.ManifestsUnit(name), func(o *Object) { out.Objects = append(out.Objects, o.Object) })
	out.Read = o.Read
	return out, o.Err
}

// included returns the directories of dirs that another kustomization of
// dirs names in its resources, bases or components.
func (t *Tree) included(dirs []string) map[string]bool {
	set := map[string]bool{}
	for _, d := range dirs {
		set[d] = true
	}
	g := t.includeGraph()
	inner := map[string]bool{}
	for _, d := range dirs {
		for _, p := range g[d] {
			if set[p] && p != d {
				inner[p] = true
			}
		}
	}
	return inner
}

// includeGraph returns, for every kustomization of the tree, the paths
// its resources, bases and components name, read once per tree.
func (t *Tree) includeGraph() map[string][]string {
	t.includes.once.Do(func() {
		g := map[string][]string{}
		for _, d := range t.Kustomizations {
			kfile := kustomizationIn(t, d)
			if kfile == "" {
				continue
			}
			data, err := fs.ReadFile(t.fsys, kfile)
			if err != nil {
				continue
			}
			var k struct {
				Resources, Bases, Components []string
			}
			if yaml.Unmarshal(data, &k) != nil {
				continue
			}
			for _, e := range slices.Concat(k.Resources, k.Bases, k.Components) {
				g[d] = append(g[d], path.Clean(path.Join(d, e)))
			}
		}
		t.includes.graph = g
	})
	return t.includes.graph
}

// includeState is the include graph of the kustomizations, read once.
type includeState struct {
	once  sync.Once
	graph map[string][]string
}

// cost counts the YAML files at or under dir and under what its
// kustomization includes, and what that includes in turn.
func (t *Tree) cost(dir string) int {
	g := t.includeGraph()
	seen := map[string]bool{}
	files := map[string]bool{}
	var visit func(p string)
	visit = func(p string) {
		if seen[p] || len(seen) > 1000 {
			return
		}
		seen[p] = true
		for _, f := range t.filesAt(p) {
			files[f] = true
		}
		for _, q := range g[p] {
			visit(q)
		}
	}
	visit(dir)
	return len(files)
}

// filesAt returns the files of All (in name order) that are p or lie
// under it.
func (t *Tree) filesAt(p string) []string {
	if p == "." {
		return t.All
	}
	lo := sort.SearchStrings(t.All, p)
	hi := sort.SearchStrings(t.All, p+"0") // "0" follows "/"
	var out []string
	for _, f := range t.All[lo:hi] {
		if f == p || strings.HasPrefix(f, p+"/") {
			out = append(out, f)
		}
	}
	return out
}
