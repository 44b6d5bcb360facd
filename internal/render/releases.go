package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/argoapp"
	"github.com/gitops-actions/gitops-actions/internal/helmrelease"
	"github.com/gitops-actions/gitops-actions/internal/parallel"
)

// A Flux HelmRelease and an Argo CD Application are objects like any
// other (verified as such) that also stand for what their controller
// renders from them: a chart, with values. They are found among what the
// other units render (a kustomization's output, as its overlays patched
// the release; a chart's, for an app of apps) and in the plain files no
// build reads, and each becomes a unit of its own, rendered after the
// units it was found in, in as many rounds as releases render releases.
// What a release refers to (its source, its HelmChart, the ConfigMaps of
// its valuesFrom) is looked up among the objects of the unit that
// rendered it first, as a Flux Kustomization applies them together, and
// then among every object of the repository.

// maxReleaseRounds bounds the rounds of releases rendering releases.
const maxReleaseRounds = 8

// releaseSrc is a release object found, with what rendering it needs.
type releaseSrc struct {
	// obj is the HelmRelease or Application as rendered, Flux's
	// substitution applied.
	obj Object
	// scope are the objects rendered beside it that a release may refer
	// to (sources, HelmCharts, ConfigMaps and Secrets).
	scope []*Object
	// generated, when set, takes the Applications an ApplicationSet
	// generates, instead of the tree's releases to render.
	generated func(*releaseSrc)
}

// releaseState is what a tree's releases need across units.
type releaseState struct {
	mu sync.Mutex
	// found are the releases not yet rendered, in the order found.
	found []*releaseSrc
	seen  map[string]bool
	// global are the objects of the repository a release may refer to.
	global []*Object

	wantOnce sync.Once
	wanted   map[string]bool // names valuesFrom entries give

	selfOnce sync.Once
	self     []string // this repository, as normalized Git URLs

	scanOnce sync.Once // the files read for what releases refer to (Releases)
}

// collector gathers what one unit renders that matters to releases.
type collector struct {
	t        *Tree
	unit     *Unit
	releases []*releaseSrc
	scope    []*Object
}

// releaseKinds are the kinds that are releases or that a release refers
// to: kept when seen.
func isReferable(obj map[string]any, wanted map[string]bool) bool {
	a, k, _, name := Meta(obj)
	switch {
	case strings.HasPrefix(a, "source.toolkit.fluxcd.io/"):
		return k == "HelmRepository" || k == "OCIRepository" || k == "GitRepository" || k == "Bucket" || k == "HelmChart"
	case a == "v1" && (k == "ConfigMap" || k == "Secret"):
		if wanted[name] {
			return true
		}
		// A generated ConfigMap's name carries a hash suffix.
		if i := strings.LastIndexByte(name, '-'); i > 0 && wanted[name[:i]] {
			return true
		}
	}
	return false
}

func isRelease(obj map[string]any) bool {
	return helmrelease.IsHelmRelease(obj) || argoapp.IsApplication(obj) || argoapp.IsApplicationSet(obj)
}

// see looks at one object a unit rendered.
func (c *collector) see(o *Object) {
	obj := o.Object
	switch {
	case isRelease(obj):
		c.releases = append(c.releases, &releaseSrc{obj: *o})
	case isReferable(obj, c.t.valuesFromNames()):
		kept := *o
		c.scope = append(c.scope, &kept)
	}
}

// done hands what the unit rendered to the tree's releases.
func (c *collector) done() {
	if len(c.releases) == 0 && len(c.scope) == 0 {
		return
	}
	rs := &c.t.rels
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.global = append(rs.global, c.scope...)
	for _, r := range c.releases {
		r.scope = c.scope
		rs.add(r)
	}
}

// add queues a release not seen before: the same object rendered by two
// units alike (a base and an overlay that does not change it) renders
// once.
func (rs *releaseState) add(r *releaseSrc) {
	if rs.seen == nil {
		rs.seen = map[string]bool{}
	}
	a, k, ns, name := Meta(r.obj.Object)
	b, _ := json.Marshal(r.obj.Object["spec"])
	key := fmt.Sprintf("%s/%s/%s/%s/%x", a, k, ns, name, sha256.Sum256(b))
	if rs.seen[key] {
		return
	}
	rs.seen[key] = true
	rs.found = append(rs.found, r)
}

// take returns the releases found and not yet rendered, by the file
// they are written in and their kind and name: units finish in any
// order.
func (rs *releaseState) take() []*releaseSrc {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := rs.found
	rs.found = nil
	key := func(r *releaseSrc) string {
		a, k, ns, name := Meta(r.obj.Object)
		from := ""
		if u := r.obj.Origin.Unit; u != nil {
			from = u.Name
		}
		return strings.Join([]string{r.obj.Origin.File, from, a, k, ns, name}, "\x00")
	}
	slices.SortStableFunc(out, func(a, b *releaseSrc) int { return strings.Compare(key(a), key(b)) })
	return out
}

// collecting wraps open so that what each unit renders is also looked at
// for releases; finish hands what a unit rendered over once it is done.
func (t *Tree) collecting(open func(*Unit) func(*Object)) (wrapped func(*Unit) func(*Object), finish func()) {
	var mu sync.Mutex
	var cs []*collector
	wrapped = func(u *Unit) func(*Object) {
		visit := open(u)
		c := &collector{t: t, unit: u}
		mu.Lock()
		cs = append(cs, c)
		mu.Unlock()
		return func(o *Object) {
			c.see(o)
			visit(o)
		}
	}
	finish = func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range cs {
			c.done()
		}
		cs = nil
	}
	return wrapped, finish
}

// valuesFromNames are the names of ConfigMaps and Secrets the
// HelmReleases of the repository name in valuesFrom (read from the files
// as written), so that only those are kept when rendered.
func (t *Tree) valuesFromNames() map[string]bool {
	rs := &t.rels
	rs.wantOnce.Do(func() {
		rs.wanted = map[string]bool{}
		screen := func(b []byte) bool {
			return bytes.Contains(b, []byte("valuesFrom")) && bytes.Contains(b, []byte("HelmRelease"))
		}
		t.eachDocIn(t.All, screen, func(d *Document) {
			if !helmrelease.IsHelmRelease(d.Obj) {
				return
			}
			if r, _ := helmrelease.Read(d.Obj); r != nil {
				for _, v := range r.ValuesFrom {
					rs.wanted[v.Name] = true
				}
			}
		})
	})
	return rs.wanted
}

// eachDocIn calls f with each document of the files names (of the tree)
// whose text passes screen, file by file: a file the screen refuses is
// not parsed, and in one it passes only the documents it passes are
// (eachDocOf).
func (t *Tree) eachDocIn(names []string, screen func([]byte) bool, f func(*Document)) {
	for _, n := range names {
		if t.ctx.Err() != nil {
			return
		}
		data, err := fs.ReadFile(t.fsys, n)
		if err != nil || !screen(data) {
			continue
		}
		t.eachDocOf(n, data, screen, f)
	}
}

// eachDocOf calls f with each document of a file of the tree that holds
// an object and whose text passes screen, read as cheaply as the file
// allows: a document the screen refuses is not parsed at all, the others
// by quickParse (node trees parsed only when a position is asked for); a
// template is not read.
func (t *Tree) eachDocOf(name string, data []byte, screen func([]byte) bool, f func(*Document)) {
	if !t.Streamable(name, data) || bytes.HasPrefix(data, []byte("%")) || bytes.Contains(data, []byte("\n%")) {
		pf := t.parse(name, data)
		if pf.template {
			return
		}
		for _, d := range pf.docs {
			if d.Obj != nil {
				f(d)
			}
		}
		return
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for i, c := range splitDocuments(data) {
		if !screen(c.data) {
			continue
		}
		var d *Document
		if v, ok := quickParse(string(c.data)); ok {
			obj, _ := v.(map[string]any)
			d = &Document{File: name, Index: i, Obj: obj, src: c.data, line: c.line}
		} else {
			var problems []Problem
			d = parseChunk(name, i, c, &problems)
		}
		if d != nil && d.Obj != nil {
			f(d)
		}
	}
}

// releaseScreen passes the text of a document that may be a release or
// an object one refers to.
func releaseScreen(wanted map[string]bool) func([]byte) bool {
	return func(b []byte) bool { return mayHoldReleases(b, wanted) }
}

// plainReleases finds the releases, and what they refer to, in the files
// of the tree no unit rendered (read): plain manifests that GitOps tools
// apply as they are.
func (t *Tree) plainReleases(read map[string]bool) {
	wanted := t.valuesFromNames()
	c := &collector{t: t}
	var names []string
	for _, n := range t.All {
		// In a share of the tree, a file another share's units read is
		// rendered there, and one another share owns is checked there.
		if !read[n] && t.under[n] && t.OwnsFile(n) && !t.ReadElsewhere(n) {
			names = append(names, n)
		}
	}
	t.eachDocIn(names, releaseScreen(wanted), func(d *Document) {
		if isResource(d.Obj) && (isRelease(d.Obj) || isReferable(d.Obj, wanted)) {
			o := t.resource(nil, d, nil, d.Obj)
			c.see(&o)
		}
	})
	c.done()
}

// mayHoldReleases is a cheap screen of a file's bytes: could it hold a
// release, or something one refers to?
func mayHoldReleases(data []byte, wanted map[string]bool) bool {
	if bytes.Contains(data, []byte("helm.toolkit.fluxcd.io")) || bytes.Contains(data, []byte("argoproj.io")) || bytes.Contains(data, []byte("source.toolkit.fluxcd.io")) {
		return true
	}
	if len(wanted) > 0 && (bytes.Contains(data, []byte("ConfigMap")) || bytes.Contains(data, []byte("Secret"))) {
		for w := range wanted {
			if bytes.Contains(data, []byte(w)) {
				return true
			}
		}
	}
	return false
}

// renderReleases renders, round after round, the releases found so far
// and those their charts render in turn, on at most workers goroutines.
func (t *Tree) renderReleases(workers int, open func(*Unit) func(*Object), finish func()) []*Output {
	var out []*Output
	for round := 0; round < maxReleaseRounds && t.ctx.Err() == nil; round++ {
		found := t.rels.take()
		if len(found) == 0 {
			break
		}
		units := make([]*Unit, len(found))
		for i, r := range found {
			units[i] = t.releaseUnit(r)
		}
		outs := make([]*Output, len(units))
		_ = parallel.Do(t.ctx, workers, len(units), func(i int) error {
			outs[i] = t.Render(units[i], open(units[i]))
			// The unit outlives its rendering in the outputs; the release
			// object, its refs and the documents they hold need not.
			units[i].release = nil
			return nil
		})
		finish()
		for _, o := range outs {
			if o != nil {
				out = append(out, o)
			}
		}
	}
	return out
}

// releaseUnit is the unit of a release found.
func (t *Tree) releaseUnit(r *releaseSrc) *Unit {
	_, kind, ns, name := Meta(r.obj.Object)
	id := name
	if ns != "" {
		id = ns + "/" + name
	}
	u := &Unit{Name: kind + " " + id, File: r.obj.Origin.File, Cost: 1, release: r}
	switch kind {
	case "HelmRelease":
		u.Kind = HelmRelease
	case "ApplicationSet":
		u.Kind = ApplicationSet
	default:
		u.Kind = Application
	}
	if from := r.obj.Origin.Unit; from != nil {
		u.Dir = from.Dir
		u.Name += " (" + from.Name + ")"
	} else {
		u.Dir = path.Dir(u.File)
	}
	return u
}

// refs finds the objects a release refers to: those rendered beside it
// first, then any of the repository.
type refs struct {
	scope, global []*Object
}

// Find returns the object of kind named name in namespace: namespace ""
// matches any, and so does an object written without one (the
// kustomization or Flux Kustomization that applies it sets it).
func (r refs) Find(kind, namespace, name string) map[string]any {
	if o := r.object(kind, namespace, name); o != nil {
		return o.Object
	}
	return nil
}

// object is Find with the object's origin.
func (r refs) object(kind, namespace, name string) *Object {
	for _, objs := range [][]*Object{r.scope, r.global} {
		for _, o := range objs {
			_, k, ns, n := Meta(o.Object)
			if k == kind && n == name && (namespace == "" || ns == "" || ns == namespace) {
				return o
			}
		}
	}
	return nil
}

// refsOf are the objects r may refer to.
func (t *Tree) refsOf(r *releaseSrc) refs {
	t.rels.mu.Lock()
	defer t.rels.mu.Unlock()
	return refs{scope: r.scope, global: slices.Clip(t.rels.global)}
}

// isThisRepository reports whether a Git URL is the repository the tree
// is: Options.Repository (OWNER/NAME or a URL), or the GitRepository that
// the repository's own Flux Kustomization syncs from (flux bootstrap's
// flux-system, whose Kustomization renders the file that defines it).
func (t *Tree) isThisRepository(url string) bool {
	rs := &t.rels
	rs.selfOnce.Do(func() {
		if r := strings.TrimSpace(t.opts.Repository); r != "" {
			if strings.Contains(r, "://") || strings.Contains(r, "@") {
				rs.self = append(rs.self, normalizeGitURL(r))
			} else {
				rs.self = append(rs.self, "/"+strings.ToLower(strings.Trim(r, "/")))
			}
		}
		rs.self = append(rs.self, t.bootstrapRepositories()...)
	})
	u := normalizeGitURL(url)
	for _, s := range rs.self {
		if u == s || (strings.HasPrefix(s, "/") && strings.HasSuffix(u, s)) {
			return true
		}
	}
	return false
}

// bootstrapRepositories are the URLs of the GitRepositories flux
// bootstrap writes: one defined in the same file as a Flux Kustomization
// that syncs from it and whose spec.path holds that file (gotk-sync.yaml),
// so the repository syncs itself from it. Only the files that name both
// kinds are read.
func (t *Tree) bootstrapRepositories() []string {
	type repo struct{ file, ns, name, url string }
	var repos []repo
	type kust struct {
		file string
		obj  map[string]any
	}
	var ks []kust
	screen := func(b []byte) bool {
		return bytes.Contains(b, []byte("GitRepository")) || bytes.Contains(b, []byte("kustomize.toolkit.fluxcd.io"))
	}
	t.eachDocIn(t.All, screen, func(d *Document) {
		a, k, ns, name := Meta(d.Obj)
		spec, _ := d.Obj["spec"].(map[string]any)
		switch {
		case k == "GitRepository" && strings.HasPrefix(a, "source.toolkit.fluxcd.io/"):
			url, _ := spec["url"].(string)
			repos = append(repos, repo{d.File, ns, name, url})
		case isFluxKustomization(d.Obj):
			ks = append(ks, kust{d.File, d.Obj})
		}
	})
	var out []string
	for _, k := range ks {
		_, _, kns, _ := Meta(k.obj)
		spec, _ := k.obj["spec"].(map[string]any)
		p, _ := spec["path"].(string)
		sr, _ := spec["sourceRef"].(map[string]any)
		kind, _ := sr["kind"].(string)
		name, _ := sr["name"].(string)
		ns, _ := sr["namespace"].(string)
		if ns == "" {
			ns = kns
		}
		dir, fdir := cleanFluxPath(p), path.Dir(k.file)
		if kind != "GitRepository" || dir == "" || !(dir == "." || fdir == dir || strings.HasPrefix(fdir, dir+"/")) {
			continue
		}
		for _, r := range repos {
			if r.file == k.file && r.name == name && (r.ns == "" || ns == "" || r.ns == ns) && r.url != "" {
				out = append(out, normalizeGitURL(r.url))
			}
		}
	}
	return out
}

// normalizeGitURL reduces a Git URL to host/path, lower case, with no
// scheme, user, port or .git suffix, so that the forms one repository is
// cloned by compare equal (argo-cd's NormalizeGitURL does likewise):
// https://github.com/o/r.git, ssh://git@github.com:22/o/r, git@github.com:o/r.
func normalizeGitURL(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if at := strings.IndexByte(u, '@'); at >= 0 && at < strings.IndexByte(u+"/", '/') {
			u = u[at+1:]
		}
		host, rest, _ := strings.Cut(u, "/")
		if h, _, ok := strings.Cut(host, ":"); ok {
			host = h
		}
		u = host + "/" + rest
	} else if at := strings.IndexByte(u, '@'); at >= 0 {
		host, rest, _ := strings.Cut(u[at+1:], ":")
		u = host + "/" + strings.TrimLeft(rest, "/")
	}
	return strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
}

// dirs lists the directories of the tree, for the git directory generator
// of an ApplicationSet: every one, hidden ones left out, in lexical
// order.
type treeDirs struct{ t *Tree }

func (d treeDirs) Dirs() []string {
	var out []string
	_ = fs.WalkDir(d.t.fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.IsDir() || d.t.ctx.Err() != nil {
			return nil
		}
		if p != "." && strings.HasPrefix(e.Name(), ".") {
			return fs.SkipDir
		}
		if p != "." {
			out = append(out, p)
		}
		if len(out) > 100_000 {
			return fs.SkipAll
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// releasePos is the position of a path of a release object.
func (r *releaseSrc) pos(p []string, at Pin) (string, int, int) {
	return r.obj.Origin.Position(p, at)
}

// releasingCharts splits chart units into those whose templates may
// render a release (an app of apps: a template names argoproj.io or
// helm.toolkit.fluxcd.io) and the others.
func (t *Tree) releasingCharts(units []*Unit) (first, later []*Unit) {
	for _, u := range units {
		if t.chartMayRelease(u.Dir) {
			first = append(first, u)
		} else {
			later = append(later, u)
		}
	}
	return first, later
}

// chartMayRelease screens the templates of the chart in dir.
func (t *Tree) chartMayRelease(dir string) bool {
	found := false
	_ = fs.WalkDir(t.fsys, path.Join(dir, "templates"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || found || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 1<<20 {
			return nil
		}
		if data, err := fs.ReadFile(t.fsys, p); err == nil && (bytes.Contains(data, []byte("argoproj.io")) || bytes.Contains(data, []byte("helm.toolkit.fluxcd.io"))) {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// renderRest renders, after the kustomizations and the charts that may
// render releases (done), the plain files' releases, the other charts
// (later) that no release renders, and then the releases.
func (t *Tree) renderRest(workers int, open func(*Unit) func(*Object), finish func(), done []*Output, later []*Unit) []*Output {
	finish()
	read := map[string]bool{}
	for _, o := range done {
		for _, f := range o.Read {
			read[f] = true
		}
	}
	t.plainReleases(read)
	if t.sharing() != nil {
		// What another share renders is not at hand here: a release's
		// source or ConfigMap found nowhere among this share's objects
		// is looked up among the repository's, as written, both to know
		// which charts the releases render and to render them.
		t.scanRefs()
	}
	used := t.releaseCharts()
	later = slices.DeleteFunc(later, func(u *Unit) bool { return used[u.Dir] })
	outs := make([]*Output, len(later))
	_ = parallel.Do(t.ctx, workers, len(later), func(i int) error {
		outs[i] = t.Render(later[i], open(later[i]))
		return nil
	})
	finish()
	var out []*Output
	for _, o := range outs {
		if o != nil {
			out = append(out, o)
		}
	}
	return append(out, t.renderReleases(workers, open, finish)...)
}

// releaseCharts are the chart directories of this repository that the
// releases found so far render: they are not rendered on their own too.
func (t *Tree) releaseCharts() map[string]bool {
	t.rels.mu.Lock()
	found := slices.Clone(t.rels.found)
	t.rels.mu.Unlock()
	out := map[string]bool{}
	for _, r := range found {
		obj := r.obj.Object
		switch {
		case helmrelease.IsHelmRelease(obj):
			if hr, _ := helmrelease.Read(obj); hr != nil {
				if c, err := helmrelease.ResolveChart(hr, t.refsOf(r), t.isThisRepository); err == nil && c.Dir != "" {
					out[c.Dir] = true
				}
			}
		case argoapp.IsApplication(obj):
			a, _ := argoapp.Read(obj)
			for _, s := range a.Sources {
				if c, _ := argoapp.ChartOf(s, t.isThisRepository, func(dir string) bool { return t.charts[dir] }, t.isDir); c != nil && c.Dir != "" {
					out[c.Dir] = true
				}
			}
		}
	}
	return out
}

// ReleaseRendering is what one release among a unit's objects renders:
// a HelmRelease or an Application (an ApplicationSet's each).
type ReleaseRendering struct {
	// Name names the release: "HelmRelease apps/podinfo".
	Name string
	// Objects are what it renders, as a cluster receives them.
	Objects []map[string]any
	// Missing, when set, says why what it renders is not known here: its
	// chart was not fetched or its source is not in the repository, or it
	// does not render. Objects are then empty.
	Missing string
}

// Releases renders the releases among objs, the objects a unit rendered
// from dir (a kustomization's, a plain file's directory), and those their
// charts render in turn: for a caller that renders units one at a time
// (the diff preview), as RenderAll renders them beside the units. What a
// release refers to is looked up among objs, then in the files of the
// repository.
func (t *Tree) Releases(objs []map[string]any, dir string) []ReleaseRendering {
	var scope []*Object
	var found []*releaseSrc
	from := &Unit{Kind: Kustomization, Name: dir, Dir: dir}
	add := func(list []map[string]any) {
		for _, obj := range list {
			o := Object{Object: obj, Origin: Origin{Unit: from, File: path.Join(dir, "kustomization.yaml")}}
			switch {
			case isRelease(obj):
				found = append(found, &releaseSrc{obj: o})
			case isReferable(obj, t.valuesFromNames()):
				scope = append(scope, &o)
			}
		}
	}
	add(objs)
	t.scanRefs()
	var out []ReleaseRendering
	for round := 0; round < maxReleaseRounds && len(found) > 0 && t.ctx.Err() == nil; round++ {
		batch := found
		found = nil
		for _, r := range batch {
			r.scope = scope
			r.generated = func(g *releaseSrc) { found = append(found, g) }
			u := t.releaseUnit(r)
			rr := ReleaseRendering{Name: strings.TrimSuffix(u.Name, " ("+from.Name+")")}
			var rendered []map[string]any
			o := t.Render(u, func(o *Object) {
				if !o.SchemaOnly {
					rendered = append(rendered, o.Object)
				}
			})
			for _, p := range o.Problems {
				switch p.Kind {
				case HelmRenderFailed, HelmValuesInvalid, ChartSkipped, ChartUnavailable, ReleaseSkipped:
					if rr.Missing == "" {
						rr.Missing = p.Message
					}
				}
			}
			if o.Err != nil && rr.Missing == "" {
				rr.Missing = o.Err.Error()
			}
			if u.Kind == ApplicationSet && o.Err == nil {
				continue // its applications are releases of their own
			}
			if rr.Missing == "" {
				rr.Objects = rendered
				add(rendered)
			}
			out = append(out, rr)
		}
	}
	return out
}

// scanRefs reads, once, the objects of the repository's files that a
// release may refer to, for Releases: RenderAll gathers them from what
// every unit renders instead.
func (t *Tree) scanRefs() {
	rs := &t.rels
	rs.scanOnce.Do(func() {
		wanted := t.valuesFromNames()
		var objs []*Object
		t.eachDocIn(t.All, releaseScreen(wanted), func(d *Document) {
			if isReferable(d.Obj, wanted) {
				o := t.resource(nil, d, nil, d.Obj)
				objs = append(objs, &o)
			}
		})
		rs.mu.Lock()
		rs.global = append(rs.global, objs...)
		rs.mu.Unlock()
	})
}

// isDir reports whether dir is a directory of the tree.
func (t *Tree) isDir(dir string) bool {
	info, err := t.stat(dir)
	return err == nil && info.IsDir()
}
