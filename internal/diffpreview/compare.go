package diffpreview

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aymanbagabas/go-udiff"

	"github.com/gitops-actions/gitops-actions/internal/gcpolicy"
	"github.com/gitops-actions/gitops-actions/internal/render"
	"github.com/gitops-actions/gitops-actions/internal/resourcediff"
)

// comparer is the state of one Compare.
type comparer struct {
	ctx    context.Context
	masker *masker
	ignore []fieldPath
	// slots bounds the builds running at once, over every environment
	// and both sides: one per core, as verify runs them.
	slots      chan struct{}
	base, head *side
	changes    *changeSet
	shard      render.Shard
}

// side is one tree: its walk and the files its builds read, which are
// then not plain manifests of their own.
type side struct {
	name string
	fsys fs.FS
	tree *render.Tree
	tops map[string]bool // the kustomizations no other one includes, and the chart units
	// charts are the chart directories nothing else renders (each
	// rendered with its own values, as verify renders them).
	charts map[string]bool
	mu     sync.Mutex
	read   map[string]bool
}

// isTop reports whether the kustomization in dir is one no other one
// includes.
func (s *side) isTop(dir string) bool { return s.tops[dir] }

// rendering is one side of one environment, rendered: its resources by
// ID, or why it did not render.
type rendering struct {
	entries map[resourcediff.ID]entry
	err     string
	// missing are the releases that did not render on this side, by
	// name, and why.
	missing map[string]string
}

// merge adds what another rendering of the side holds.
func (r *rendering) merge(o *rendering) {
	for _, e := range slices.SortedFunc(maps.Values(o.entries), func(a, b entry) int { return strings.Compare(a.label, b.label) }) {
		r.add([]entry{e})
	}
	for k, v := range o.missing {
		if r.missing == nil {
			r.missing = map[string]string{}
		}
		r.missing[k] = v
	}
}

// plan is one environment to render: the kustomizations to build and the
// plain files to read on each side, found when it is rendered.
type plan struct {
	name string
	// dir is the environments input directory, or for a discovered
	// environment its kustomization's or its plain files' directory.
	dir string
	// given is set for an environments input entry: everything under dir.
	given bool
	// plain is set for a discovered directory of plain manifests: its own
	// files, none under it.
	plain bool
}

// Compare renders every environment of base and of head and compares them
// resource by resource. Environments render and compare one at a time,
// each let go once compared. The error is for when the
// comparison could not be made at all (a bad ignore path, a tree that
// cannot be walked, ctx done); an environment that does not render on one
// side is a BaseError or HeadError, and the others are still compared.
func Compare(ctx context.Context, base, head fs.FS, opts Options) (*Preview, error) {
	ignore, err := parsePaths(opts.Ignore)
	if err != nil {
		return nil, err
	}
	m, err := newMasker()
	if err != nil {
		return nil, err
	}
	gcpolicy.Raise() // builds allocate much and hold little, as verify's
	c := &comparer{ctx: ctx, masker: m, ignore: ignore, slots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))}
	ro := render.Options{KubernetesVersion: opts.KubernetesVersion, APIVersions: opts.APIVersions, Fetcher: opts.Fetcher, Repository: opts.Repository}
	if c.base, err = newSide(ctx, "base", limitFS(base, opts.MaxFileSize), ro); err != nil {
		return nil, err
	}
	hro := ro
	hro.Shard, hro.Environments = opts.Shard, opts.Environments
	if c.head, err = newSide(ctx, "head", limitFS(head, opts.MaxFileSize), hro); err != nil {
		return nil, err
	}
	c.shard = opts.Shard
	c.changes = changes(c.base.fsys, c.head.fsys)
	c.changes.failed = c.changes.failed || opts.renderAll
	var envs []Environment
	if len(opts.Environments) > 0 {
		var plans []plan
		for _, e := range opts.Environments {
			plans = append(plans, plan{name: path.Clean(e), dir: path.Clean(e), given: true})
		}
		plans = slices.CompactFunc(sortPlans(plans), func(a, b plan) bool { return a.name == b.name })
		envs = c.run(c.mine(plans))
	} else {
		// Builds first: the files they read are not plain manifests.
		envs = c.run(c.mine(c.kustomizationPlans()))
		envs = append(envs, c.run(c.mine(c.plainPlans()))...)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(envs, func(i, j int) bool { return envs[i].Name < envs[j].Name })
	return &Preview{Environments: envs}, nil
}

func newSide(ctx context.Context, name string, fsys fs.FS, opts render.Options) (*side, error) {
	s, err := render.Walk(ctx, fsys, opts)
	if err != nil {
		return nil, fmt.Errorf("reading the %s: %w", name, err)
	}
	sd := &side{name: name, fsys: fsys, tree: s, read: map[string]bool{}, tops: map[string]bool{}, charts: map[string]bool{}}
	for _, d := range s.Tops(".") {
		sd.tops[d] = true
	}
	for _, u := range s.ChartUnits(".") {
		sd.tops[u.Dir], sd.charts[u.Dir] = true, true
	}
	return sd, nil
}

func sortPlans(ps []plan) []plan {
	sort.Slice(ps, func(i, j int) bool { return ps[i].name < ps[j].name })
	return ps
}

// kustomizationPlans are the discovered environments that are builds:
// each kustomization no other one includes, on either side.
func (c *comparer) kustomizationPlans() []plan {
	seen := map[string]bool{}
	var out []plan
	for _, s := range []*side{c.base, c.head} {
		for d := range s.tops {
			if !seen[d] {
				seen[d] = true
				out = append(out, plan{name: d, dir: d})
			}
		}
	}
	return sortPlans(out)
}

// plainPlans are the discovered environments of plain manifests: each
// directory holding YAML files that no build read and no kustomization
// stands for, on either side.
func (c *comparer) plainPlans() []plan {
	seen := map[string]bool{}
	var out []plan
	for _, s := range []*side{c.base, c.head} {
		for _, f := range s.plainFiles(".", true, s.read) {
			if d := path.Dir(f); !seen[d] {
				seen[d] = true
				out = append(out, plan{name: d, dir: d, plain: true})
			}
		}
	}
	return sortPlans(out)
}

// plainFiles lists the YAML files of the side in dir (or under it, when
// deep) that are plain manifests: not at or under a kustomization's
// directory (a GitOps tool builds it, and deploys nothing else from
// there), and not read by a build (read).
func (s *side) plainFiles(dir string, deep bool, read map[string]bool) []string {
	var out []string
	for _, f := range s.tree.Files {
		if deep && !within(f, dir) || !deep && path.Dir(f) != dir || read[f] {
			continue
		}
		inKust := false
		for _, k := range s.tree.Kustomizations {
			if within(f, k) {
				inKust = true
				break
			}
		}
		for k := range s.charts {
			if within(f, k) {
				inKust = true // a chart renders it, or it is the chart's
			}
		}
		if !inKust {
			out = append(out, f)
		}
	}
	return out
}

// mine keeps the plans of the comparer's share: those of its share of
// the head's partition, as verify shares them out. An environment the
// head lacks goes to the share of its application, by its path; the
// directory of a kustomization's files is no environment of its own in
// any share, as the build that reads them renders them.
func (c *comparer) mine(plans []plan) []plan {
	if !c.shard.Sharded() {
		return plans
	}
	p := c.head.tree.Partition()
	return slices.DeleteFunc(plans, func(pl plan) bool {
		switch {
		case pl.given:
			return p.EnvironmentsShard() != c.shard.Index
		case pl.plain:
			if s, ok := p.ShardOfDir(pl.dir); ok {
				return s != c.shard.Index
			}
			for _, f := range c.head.tree.Files {
				if path.Dir(f) == pl.dir && p.Read(f) {
					return true
				}
			}
		}
		return p.ShardOfEnvironment(pl.dir) != c.shard.Index
	})
}

// within reports whether name is dir or lies under it.
func within(name, dir string) bool {
	return dir == "." || name == dir || strings.HasPrefix(name, dir+"/")
}

// run renders and compares the environments of plans one at a time, each
// let go once compared: memory holds one environment's resources, as
// text. The cores are kept busy inside an environment, whose builds, base
// and head, share the slots.
func (c *comparer) run(plans []plan) []Environment {
	var out []Environment
	for _, p := range plans {
		if c.ctx.Err() != nil {
			break
		}
		out = append(out, c.environment(p))
	}
	return out
}

// environment renders one environment on both sides and compares it.
func (c *comparer) environment(p plan) Environment {
	var b, h rendering
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); b = c.render(c.base, p) }()
	go func() { defer wg.Done(); h = c.render(c.head, p) }()
	wg.Wait()
	env := Environment{Name: p.name, BaseError: b.err, HeadError: h.err}
	if b.err != "" || h.err != "" {
		return env
	}
	env.Notes = notCompared(&b, &h)
	env.Added, env.Removed, env.Changed = compare(hideGeneratedSecretNames(b.entries, h.entries))
	return env
}

// render renders one side of an environment: its builds, then its plain
// files, each one the change does not reach left out (the same on both
// sides).
func (c *comparer) render(s *side, p plan) rendering {
	builds, missing, err := c.builds(s, p)
	switch {
	case err != "":
		return rendering{err: err}
	case missing:
		return rendering{} // added or removed by the change: nothing on this side
	}
	r := rendering{entries: map[resourcediff.ID]entry{}}
	read, err := c.renderBuilds(s, builds, &r)
	if err != "" {
		return rendering{err: err}
	}
	// The files an environment's builds read are not plain manifests of
	// it; in a discovered layout, of no environment.
	var files []string
	switch {
	case p.given:
		files = s.plainFiles(p.dir, true, read)
	case p.plain:
		files = s.plainFiles(p.dir, false, s.read)
	default:
		s.mu.Lock()
		for f := range read {
			s.read[f] = true
		}
		s.mu.Unlock()
	}
	if err := c.renderFiles(s, files, &r); err != "" {
		return rendering{err: err}
	}
	return r
}

// builds lists the kustomizations of one side of an environment that the
// change reaches. missing is set when an environments entry is on the
// other side only; err says why an entry is on neither.
func (c *comparer) builds(s *side, p plan) (builds []string, missing bool, err string) {
	switch {
	case p.given:
		if _, err := fs.Stat(s.fsys, p.dir); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, false, safeError(err)
			}
			if c.otherHas(s, p.dir) {
				return nil, true, ""
			}
			return nil, false, fmt.Sprintf("no directory %q", p.dir)
		}
		builds = s.tree.Tops(p.dir)
		for _, u := range s.tree.ChartUnits(p.dir) {
			builds = append(builds, u.Dir)
		}
	case p.plain:
	default:
		if s.isTop(p.dir) {
			builds = []string{p.dir}
		}
	}
	return slices.DeleteFunc(slices.Clone(builds), func(d string) bool {
		if c.base.charts[d] || c.head.charts[d] {
			return c.changes.chartUnchanged(c.base.fsys, c.head.fsys, d) && !(c.changes.anyChange() && c.chartMayRelease(d))
		}
		return c.changes.unchanged(c.base.fsys, c.head.fsys, d) && !(c.changes.anyChange() && buildHoldsRelease(c.base.fsys, c.head.fsys, d))
	}), false, ""
}

// renderBuilds renders builds on the shared slots into r, in their order,
// and returns the files they read.
func (c *comparer) renderBuilds(s *side, builds []string, r *rendering) (read map[string]bool, err string) {
	results := make([][]entry, len(builds))
	rels := make([]*rendering, len(builds))
	errs := make([]error, len(builds))
	reads := make([][]string, len(builds))
	var wg sync.WaitGroup
	for i, d := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.slots <- struct{}{}
			defer func() { <-c.slots }()
			if c.ctx.Err() != nil {
				errs[i] = c.ctx.Err()
				return
			}
			renderUnit := s.tree.Build
			if s.charts[d] {
				renderUnit = s.tree.Chart
			}
			rd, err := renderUnit(d)
			if rd != nil {
				reads[i] = rd.Read
			}
			if err != nil {
				if rd != nil {
					err = redactError(s.fsys, rd.Read, err)
				}
				errs[i] = err
				return
			}
			if results[i], errs[i] = c.entries(rd.Objects); errs[i] != nil {
				return
			}
			rels[i] = &rendering{entries: map[resourcediff.ID]entry{}}
			errs[i] = c.releases(s, rd.Objects, d, rels[i])
		}()
	}
	wg.Wait()
	read = map[string]bool{}
	for _, rs := range reads {
		for _, f := range rs {
			read[f] = true
		}
	}
	for i := range builds {
		if errs[i] != nil {
			return read, safeError(errs[i])
		}
		r.add(results[i])
		if rels[i] != nil {
			r.merge(rels[i])
		}
	}
	return read, ""
}

// renderFiles renders plain files into r, each the change does not reach
// left out.
func (c *comparer) renderFiles(s *side, files []string, r *rendering) string {
	for _, f := range files {
		if c.changes.same(f) && !(c.changes.anyChange() && (mayHoldRelease(c.base.fsys, f) || mayHoldRelease(c.head.fsys, f))) {
			continue
		}
		rd, err := s.tree.File(f)
		if err != nil {
			return safeError(redactError(s.fsys, []string{f}, err))
		}
		es, err := c.entries(rd.Objects)
		if err != nil {
			return safeError(err)
		}
		r.add(es)
		if err := c.releases(s, rd.Objects, path.Dir(f), r); err != nil {
			return safeError(err)
		}
	}
	return ""
}

// chartMayRelease reports whether a chart unit's templates may render a
// release, on either side.
func (c *comparer) chartMayRelease(dir string) bool {
	for _, fsys := range []fs.FS{c.base.fsys, c.head.fsys} {
		found := false
		_ = fs.WalkDir(fsys, path.Join(dir, "templates"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && mayHoldRelease(fsys, p) {
				found = true
				return fs.SkipAll
			}
			return nil
		})
		if found {
			return true
		}
	}
	return false
}

// releases renders the releases among a unit's objects into r, each of
// their objects under its release; a release that did not render on this
// side is noted, so that it is compared on neither.
func (c *comparer) releases(s *side, objs []map[string]any, dir string, r *rendering) error {
	for _, rr := range s.tree.Releases(objs, dir) {
		if rr.Missing != "" {
			if r.missing == nil {
				r.missing = map[string]string{}
			}
			r.missing[rr.Name] = rr.Missing
			continue
		}
		es, err := c.entries(rr.Objects)
		if err != nil {
			return err
		}
		for i := range es {
			es[i].release = rr.Name
			es[i].label += " (" + rr.Name + ")"
		}
		r.add(es)
	}
	return nil
}

// otherHas reports whether the side other than s has dir.
func (c *comparer) otherHas(s *side, dir string) bool {
	o := c.base
	if s == c.base {
		o = c.head
	}
	_, err := fs.Stat(o.fsys, dir)
	return err == nil
}

// entries masks and writes each object; the objects are let go.
func (c *comparer) entries(objs []map[string]any) ([]entry, error) {
	out := make([]entry, 0, len(objs))
	for _, o := range objs {
		e, err := c.canonical(o)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// add keeps the first resource of each ID, as verify's duplicate-resource
// rule reports the others.
func (r *rendering) add(es []entry) {
	for _, e := range es {
		if _, dup := r.entries[e.id]; !dup {
			r.entries[e.id] = e
		}
	}
}

// compare pairs the resources of both sides by ID, and then a generated
// ConfigMap or Secret with the one it replaces (generatedPairs).
func compare(base, head map[resourcediff.ID]entry) (added, removed, changed []Resource) {
	pairs := generatedPairs(base, head)
	for id, h := range head {
		b, ok := base[id]
		if !ok {
			if bid, paired := pairs[id]; paired {
				b, ok = base[bid], true
			}
		}
		switch {
		case !ok:
			added = append(added, Resource{ID: h.label, Diff: diffText("", display(h, entry{}, true))})
		case b.text != h.text:
			id := h.label
			if b.label != h.label {
				id = b.label + " → " + h.id.Name
			}
			changed = append(changed, Resource{ID: id, Diff: diffText(display(b, h, false), display(h, b, true))})
		}
	}
	paired := map[resourcediff.ID]bool{}
	for _, bid := range pairs {
		paired[bid] = true
	}
	for id, b := range base {
		if _, ok := head[id]; !ok && !paired[id] {
			removed = append(removed, Resource{ID: b.label, Diff: diffText(display(b, entry{}, false), "")})
		}
	}
	for _, l := range [][]Resource{added, removed, changed} {
		sort.Slice(l, func(i, j int) bool { return l[i].ID < l[j].ID })
	}
	return added, removed, changed
}

// hashSuffix is the suffix kustomize gives a generated ConfigMap or
// Secret: a dash and ten characters of a hash of its content, in the
// alphabet of kustomize's hasher (hex, with 0 1 3 a e written g h k m t
// so that it never reads as a word).
var hashSuffix = regexp.MustCompile(`^(.+)-[2456789bcdfghkmt]{10}$`)

// generatedPairs pairs a generated resource of the head with the one of
// the base it replaces: a change of its content changes its name
// (cm-5t8gd9k2hf becomes cm-h2b6mt7c8k), and a reviewer wants to see
// what changed in it, not a removal and an addition. A pair is made only
// when the kind, namespace and name before the suffix match one resource
// on each side that the other side lacks.
func generatedPairs(base, head map[resourcediff.ID]entry) map[resourcediff.ID]resourcediff.ID {
	key := func(id resourcediff.ID) (resourcediff.ID, bool) {
		m := hashSuffix.FindStringSubmatch(id.Name)
		if m == nil {
			return id, false
		}
		id.Name = m[1]
		return id, true
	}
	only := func(side, other map[resourcediff.ID]entry) map[resourcediff.ID][]resourcediff.ID {
		out := map[resourcediff.ID][]resourcediff.ID{}
		for id := range side {
			if _, both := other[id]; both {
				continue
			}
			if k, ok := key(id); ok {
				out[k] = append(out[k], id)
			}
		}
		return out
	}
	ob, oh := only(base, head), only(head, base)
	pairs := map[resourcediff.ID]resourcediff.ID{}
	for k, hs := range oh {
		if bs := ob[k]; len(hs) == 1 && len(bs) == 1 {
			pairs[hs[0]] = bs[0]
		}
	}
	return pairs
}

// hideGeneratedSecretNames replaces, in every resource of both sides, the
// hash kustomize suffixes a generated Secret's name with: it is a digest
// of the Secret's values (ten characters of a SHA-256), which a short
// value could be found from. The name reads web-secret-(hash) wherever it
// appears; that the values changed shows in the Secret itself.
func hideGeneratedSecretNames(base, head map[resourcediff.ID]entry) (map[resourcediff.ID]entry, map[resourcediff.ID]entry) {
	var pairs []string
	for _, side := range []map[resourcediff.ID]entry{base, head} {
		for id, e := range side {
			if e.secret && hashSuffix.MatchString(id.Name) {
				pairs = append(pairs, id.Name, id.Name[:len(id.Name)-len("0123456789")]+"(hash)")
			}
		}
	}
	if len(pairs) == 0 {
		return base, head
	}
	r := strings.NewReplacer(pairs...)
	hide := func(side map[resourcediff.ID]entry) map[resourcediff.ID]entry {
		out := make(map[resourcediff.ID]entry, len(side))
		for id, e := range side {
			e.text, e.label = r.Replace(e.text), r.Replace(e.label)
			id.Name = r.Replace(id.Name)
			e.id = id
			if _, dup := out[id]; !dup {
				out[id] = e
			}
		}
		return out
	}
	return hide(base), hide(head)
}

// display is the text of a resource a reader sees: a Secret's with its
// values hidden.
func display(e, other entry, head bool) string {
	if !e.secret {
		return e.text
	}
	return showSecret(e.text, other.text, head)
}

// diffText is the unified diff of two texts, each hunk header with the
// path of what it changes (withPaths).
func diffText(a, b string) string {
	return withPaths(a, b, udiff.Unified("base", "head", a, b))
}

// safeError is an error as a preview shows it: its first line and, from
// kustomize, the cause on its last (kustomize writes the YAML of a node or
// a config on the lines between, which may hold a Secret's values), no
// control characters, at most 500 bytes.
func safeError(err error) string {
	s := err.Error()
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		// kustomize quotes a transformer's config between backquotes on
		// lines of their own, then the cause: keep the cause.
		last := s[strings.LastIndexAny(s, "\r\n")+1:]
		s = s[:i] + " …"
		if strings.HasPrefix(last, "`: ") {
			s += last
		}
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	const most = 500
	if len(s) > most {
		cut := most
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + " …"
	}
	return s
}

// notCompared takes out of both sides the objects of every release that
// did not render on one of them (a chart not fetched, a chart that does
// not render), and says so: what it deploys is unknown there, never "no
// change".
func notCompared(b, h *rendering) []string {
	names := map[string]bool{}
	for n := range b.missing {
		names[n] = true
	}
	for n := range h.missing {
		names[n] = true
	}
	var out []string
	for _, n := range slices.Sorted(maps.Keys(names)) {
		for _, r := range []*rendering{b, h} {
			maps.DeleteFunc(r.entries, func(_ resourcediff.ID, e entry) bool { return e.release == n })
		}
		bm, hm := b.missing[n], h.missing[n]
		switch {
		case bm != "" && hm != "":
			out = append(out, fmt.Sprintf("%s is not compared: it renders on neither side (%s)", n, hm))
		case bm != "":
			out = append(out, fmt.Sprintf("%s is not compared: it does not render on the base (%s)", n, bm))
		default:
			out = append(out, fmt.Sprintf("%s is not compared: it does not render on the head (%s)", n, hm))
		}
	}
	return out
}
