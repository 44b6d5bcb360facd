// Package verify is the engine of verify-manifests: it reads every YAML file
// of a config repo once, builds every kustomization in memory, validates
// each resource against its schema and the policies, and returns findings
// pinned to the source file, line and column. It never prints.
package verify

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v4"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// Options says what to verify and how.
type Options struct {
	// Path is the file or directory of fsys to verify ("." when empty).
	Path string
	// Environments are directories of fsys, each a rendered environment
	// (a kustomization) or a directory of plain manifests, compared pairwise
	// for environment-drift.
	Environments []string
	// KubernetesVersion ("1.37") is the version the deprecated-api and
	// removed-api rules judge against; empty turns them off. The schemas
	// are chosen by the caller when it makes Schemas.
	KubernetesVersion string
	// CRDs are files or directories of fsys holding
	// CustomResourceDefinitions to validate custom resources against.
	CRDs []string
	// Rules says which rules are on; the zero value means DefaultRules.
	Rules RuleSet
	// Schemas validates resources; nil skips schema validation (and
	// no-schema) altogether.
	Schemas Validator
	// Workers bounds the parallelism; 0 means twice GOMAXPROCS.
	Workers int
}

// Result is what a run found.
type Result struct {
	// Findings, sorted by file, line, column and rule.
	Findings []finding.Finding
	// Files is the number of YAML files read, Resources the number of
	// resources validated (a resource rendered in two environments counts
	// twice).
	Files, Resources int
	// Errors, Warnings and Notices count Findings by severity.
	Errors, Warnings, Notices int
	// Environments holds per-environment counts: one per kustomization
	// built and per environment directory given.
	Environments []Environment
}

// Environment is the tally of one rendered environment.
type Environment struct {
	Name                      string
	Resources                 int
	Errors, Warnings, Notices int
}

// Count returns how many findings are at or above severity s.
func (r *Result) Count(s finding.Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

// parsedFile is one YAML file, read and parsed once.
type parsedFile struct {
	path     string
	data     []byte
	docs     []*document
	findings []finding.Finding
	template bool // a Helm template: not parsed, not validated
	unread   bool // the file could not be read (findings says why)
}

// resource is one object to validate, with the way to find a position for
// a path in it.
type resource struct {
	obj   map[string]any
	env   string
	group string // scope of duplicate-resource
	file  string
	dir   string // the kustomization directory that rendered it; "" for a plain file
	// pos maps a path in obj to a file, line and column; atKey asks for the
	// key of the last step rather than its value.
	pos func(path []string, atKey bool) (file string, line, col int)
}

// run is the state of one Run.
type run struct {
	ctx   context.Context
	fsys  fs.FS
	opts  Options
	rules RuleSet

	charts map[string]bool // directories holding a Chart.yaml

	mu    sync.Mutex
	files map[string]*parsedFile

	flux fluxState // Flux post-build substitution, read on first need
}

// Run verifies the manifests under opts.Path in fsys and returns what it
// found. Findings are data; the error is for when the tool itself could not
// do its job (the path does not exist, the context was cancelled).
//
// Run returns as soon as ctx is done, with its error. A kustomize build
// cannot be interrupted (kustomize takes no context, and its time grows
// with the square of a build's resources: minutes for a few thousand), so
// one under way is left to end on its own, still reading fsys: the caller
// must not close fsys then. The binary is exiting anyway (SIGTERM).
func Run(ctx context.Context, fsys fs.FS, opts Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := runAll(ctx, fsys, opts)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// runAll is the work of Run, phase after phase.
func runAll(ctx context.Context, fsys fs.FS, opts Options) (*Result, error) {
	if opts.Path == "" {
		opts.Path = "."
	}
	opts.Path = path.Clean(opts.Path)
	if opts.Workers <= 0 {
		// Twice the cores: a worker waiting on a file read leaves its core
		// to another (about 4% less wall time on the 10,000-resource corpus).
		opts.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	r := &run{ctx: ctx, fsys: fsys, opts: opts, rules: opts.Rules, files: map[string]*parsedFile{}}
	if r.rules.on == nil {
		r.rules = DefaultRules()
	}

	names, kustDirs, skipped, err := r.walk(opts.Path)
	if err != nil {
		return nil, err
	}
	var crdNames []string
	for _, p := range opts.CRDs {
		ns, _, sk, err := r.walk(path.Clean(p))
		if err != nil {
			return nil, fmt.Errorf("crds: %w", err)
		}
		crdNames = append(crdNames, ns...)
		skipped = append(skipped, sk...)
	}
	all := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(names), crdNames...))))
	r.charts = map[string]bool{}
	for _, n := range all {
		if path.Base(n) == "Chart.yaml" {
			r.charts[path.Dir(n)] = true
		}
	}

	isCRDPath := map[string]bool{}
	for _, n := range crdNames {
		isCRDPath[n] = true
	}
	findings := skipped
	builds := r.buildAll(kustDirs)
	consumed := map[string]bool{}
	inner := map[string]bool{} // kustomization files another build includes
	for _, b := range builds {
		for _, f := range b.read {
			consumed[f] = true
			if f != b.kfile && isKustomizationFile(f) {
				inner[f] = true
			}
		}
	}
	// A top kustomization inside an environment directory renders part of
	// that environment (environments/staging/apps, .../infra): its
	// resources count, and are compared, as the environment's. A base
	// included by another build keeps its own name.
	for _, b := range builds {
		if e := r.envOf(b.dir); e != "" && !inner[b.kfile] {
			for _, rs := range b.resources {
				rs.env, rs.group = e, e
			}
			for i := range b.findings {
				b.findings[i].Environment = e
			}
		}
		findings = append(findings, b.findings...)
	}

	// Every file is read once, parsed, checked and let go, so that memory
	// holds one file per worker rather than the repository. Resources that
	// a kustomization renders are validated rendered, at their source.
	//
	// CustomResourceDefinitions are collected on the way and added once
	// all are known, in file order, so that of two CRDs of one kind the
	// later file's wins however the workers ran. The few files holding a
	// resource of a kind one of them defines are then read and checked
	// again: that costs less than holding every file until the CRDs are
	// known (4.4 MB for 2,000 files) or reading every file twice.
	results := make([]fileResult, len(all))
	err = parallel(ctx, opts.Workers, len(all), func(i int) error {
		fr, err := r.checkFile(all[i], consumed[all[i]], isCRDPath[all[i]])
		results[i] = fr
		return err
	})
	if err != nil {
		return nil, err
	}
	var crds []crdDoc
	for i := range results {
		crds = append(crds, results[i].crds...)
		results[i].crds = nil
	}
	if r.opts.Schemas != nil && len(crds) > 0 {
		findings = append(findings, r.addCRDs(crds)...)
		defined := map[string]bool{}
		for _, c := range crds {
			defined[crdGroupKind(c.doc.obj)] = true
		}
		var again []int
		for i, fr := range results {
			if slices.ContainsFunc(fr.kinds, func(ak [2]string) bool { return defined[groupKind(ak[0], ak[1])] }) {
				again = append(again, i)
			}
		}
		err = parallel(ctx, opts.Workers, len(again), func(j int) error {
			i := again[j]
			fr, err := r.checkFile(all[i], consumed[all[i]], isCRDPath[all[i]])
			fr.crds = nil
			results[i] = fr
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	var sums []*summary
	templates := map[string]bool{}
	read := len(names)
	for i, fr := range results {
		if fr.unread && slices.Contains(names, all[i]) {
			read--
		}
		findings = append(findings, fr.findings...)
		sums = append(sums, fr.sums...)
		templates[all[i]] = fr.template
	}
	findings = append(findings, templateNotices(names, templates)...)
	var rendered []*resource
	for _, b := range builds {
		rendered = append(rendered, b.resources...)
	}
	rfs, rsums := r.checkAll(rendered)
	findings = append(findings, rfs...)
	sums = append(sums, rsums...)
	findings = append(findings, duplicates(sums)...)
	if r.rules.Enabled(RuleEnvironmentDrift) {
		findings = append(findings, drift(opts.Environments, sums)...)
	}

	res := &Result{Files: read, Resources: len(sums)}
	envs := map[string]*Environment{}
	env := func(name string) *Environment {
		e, ok := envs[name]
		if !ok {
			e = &Environment{Name: name}
			envs[name] = e
		}
		return e
	}
	for _, b := range builds {
		if r.envOf(b.dir) == "" || inner[b.kfile] {
			env(b.dir)
		}
	}
	for _, e := range opts.Environments {
		env(path.Clean(e))
	}
	for _, s := range sums {
		if s.env != "" {
			env(s.env).Resources++
		}
	}
	type findingKey struct {
		file       string
		line, col  int
		rule, text string
	}
	seen := map[findingKey]bool{}
	findings = collapseFluxVariables(findings)
	for _, f := range findings {
		if !r.rules.Enabled(f.Rule) {
			continue
		}
		// Every message leaves here: a value quoted whole (a 1 MB string
		// a schema error echoes) is cut once, for every format.
		f.Message, f.Resource = finding.Shorten(f.Message), finding.Shorten(f.Resource)
		// A base rendered in several environments would report the same
		// finding at the same source once per environment: keep one.
		key := findingKey{f.File, f.Line, f.Column, f.Rule, f.Message}
		if f.Environment != "" {
			e := env(f.Environment)
			switch f.Severity {
			case finding.Error:
				e.Errors++
			case finding.Warning:
				e.Warnings++
			default:
				e.Notices++
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		res.Findings = append(res.Findings, f)
		switch f.Severity {
		case finding.Error:
			res.Errors++
		case finding.Warning:
			res.Warnings++
		default:
			res.Notices++
		}
	}
	finding.Sort(res.Findings)
	for _, name := range keys(envs) {
		res.Environments = append(res.Environments, *envs[name])
	}
	return res, ctx.Err()
}

// templateNotices reports, once per Helm chart, how many of its templates
// were skipped.
func templateNotices(names []string, templates map[string]bool) []finding.Finding {
	charts := map[string]int{}
	for _, n := range names {
		if !templates[n] {
			continue
		}
		for d := path.Dir(n); d != "." && d != "/"; d = path.Dir(d) {
			if path.Base(d) == "templates" {
				charts[path.Dir(d)]++
				break
			}
		}
	}
	var out []finding.Finding
	for _, c := range keys(charts) {
		out = append(out, finding.Finding{File: path.Join(c, "Chart.yaml"), Line: 1, Column: 1, Severity: ruleSeverity(RuleHelmTemplate), Rule: RuleHelmTemplate,
			Message: fmt.Sprintf("%d Helm template(s) under %s skipped: they are YAML only once rendered by helm template", charts[c], path.Join(c, "templates"))})
	}
	return out
}

// inChartTemplates reports whether name sits under the templates/ directory
// of a Helm chart.
func inChartTemplates(name string, charts map[string]bool) bool {
	for d := path.Dir(name); d != "." && d != "/"; d = path.Dir(d) {
		if path.Base(d) == "templates" && charts[path.Dir(d)] {
			return true
		}
	}
	return false
}

// parseData parses one file's bytes.
func (r *run) parseData(name string, data []byte) *parsedFile {
	pf := &parsedFile{path: name, data: data}
	if inChartTemplates(name, r.charts) {
		pf.template = true // reported once per chart, by templateNotices
		return pf
	}
	docs, fs := parseYAML(name, data)
	if bytes.Contains(data, []byte("{{")) && (hasSyntaxError(fs) || hasComplexKey(docs)) {
		// Go templates ({{ .Values.x }}) outside a chart: not YAML until
		// rendered, so a syntax error here says nothing.
		pf.template = true
		pf.findings = append(pf.findings, finding.Finding{File: name, Line: 1, Column: 1, Severity: ruleSeverity(RuleHelmTemplate), Rule: RuleHelmTemplate,
			Message: "template skipped: the file holds {{ }} and is YAML only once rendered"})
		return pf
	}
	pf.docs, pf.findings = docs, fs
	if isPanda(name) {
		pf.findings = append(pf.findings, checkPanda(name, docs)...)
	}
	return pf
}

// hasComplexKey reports whether a mapping key is itself a collection:
// valid YAML, but what "name: {{ .Name }}" parses to, and never meant.
func hasComplexKey(docs []*document) bool {
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.MappingNode {
			for i := 0; i < len(n.Content); i += 2 {
				if k := n.Content[i].Kind; k == yaml.MappingNode || k == yaml.SequenceNode {
					return true
				}
			}
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	for _, d := range docs {
		if d.root != nil && walk(d.root) {
			return true
		}
	}
	return false
}

func hasSyntaxError(fs []finding.Finding) bool {
	for _, f := range fs {
		if f.Rule == RuleYAMLSyntax {
			return true
		}
	}
	return false
}

// file returns a parsed file, parsing it now if the walk did not reach it
// (a kustomize base outside Path).
func (r *run) file(name string) *parsedFile {
	r.mu.Lock()
	pf, ok := r.files[name]
	r.mu.Unlock()
	if ok {
		return pf
	}
	data, err := fs.ReadFile(r.fsys, name)
	if err != nil {
		pf = &parsedFile{path: name, findings: []finding.Finding{skipFinding(name, err)}, unread: true}
	} else {
		pf = r.parseData(name, data)
	}
	r.mu.Lock()
	r.files[name] = pf
	r.mu.Unlock()
	return pf
}

// fileResult is what checking one file found.
type fileResult struct {
	findings []finding.Finding
	sums     []*summary
	template bool
	unread   bool
	// kinds holds the apiVersion and kind of every resource checked;
	// crds the CustomResourceDefinitions the file holds.
	kinds [][2]string
	crds  []crdDoc
}

// crdDoc is a CustomResourceDefinition and the file it is in.
type crdDoc struct {
	file string
	doc  *document
}

// checkFile reads and parses one file, or takes it from the cache when a
// kustomization read it, and checks its resources: all but those a
// kustomization renders, which are checked rendered, and those under the
// crds input, which only define kinds.
func (r *run) checkFile(name string, consumed, crdPath bool) (fileResult, error) {
	var pf *parsedFile
	if consumed {
		pf = r.file(name)
	} else {
		data, err := fs.ReadFile(r.fsys, name)
		if err != nil {
			// Unreadable, over the size limit, or replaced by a link or a
			// FIFO since the walk: a finding at the file, not a failed run.
			return fileResult{findings: []finding.Finding{skipFinding(name, err)}, unread: true}, nil
		}
		if r.streamable(name, data) {
			return r.checkStream(name, data, crdPath), nil
		}
		pf = r.parseData(name, data)
	}
	fr := fileResult{findings: slices.Clip(pf.findings), template: pf.template, unread: pf.unread}
	check := !(consumed || pf.template || isPanda(name))
	for _, d := range pf.docs {
		r.checkDoc(&fr, name, d, check && !crdPath)
	}
	return fr, nil
}

// streamable reports whether a file can be checked a document at a time,
// each let go once checked: all but Helm templates, whose every document
// decides whether the file is one, and panda.yaml files.
func (r *run) streamable(name string, data []byte) bool {
	return !inChartTemplates(name, r.charts) && !bytes.Contains(data, []byte("{{")) && !isPanda(name)
}

// checkStream checks a file a document at a time: its memory is one
// document's node tree and value, not the file's.
func (r *run) checkStream(name string, data []byte, crdPath bool) fileResult {
	var fr fileResult
	fs := eachDocument(name, data, func(d *document) { r.checkDoc(&fr, name, d, !crdPath) }, func() { fr = fileResult{} })
	fr.findings = append(fr.findings, fs...)
	return fr
}

// checkDoc keeps a CustomResourceDefinition for later and, when check is
// set, checks a resource, keeping its findings and its summary: nothing of
// the document itself.
func (r *run) checkDoc(fr *fileResult, name string, d *document, check bool) {
	if d.obj == nil {
		return
	}
	if isCRD(d.obj) {
		fr.crds = append(fr.crds, crdDoc{file: name, doc: d})
	}
	if !check || !isResource(d.obj) || isKustomizeConfig(d.obj) {
		return
	}
	fs, sum := r.check(&resource{obj: d.obj, env: r.envOf(name), group: r.groupOf(name), file: name, pos: docPos(d)})
	fr.findings = append(fr.findings, fs...)
	fr.sums = append(fr.sums, sum)
	if a, k, _, _ := meta(d.obj); !slices.Contains(fr.kinds, [2]string{a, k}) {
		fr.kinds = append(fr.kinds, [2]string{a, k})
	}
}

// groupKind is "group/Kind" of an apiVersion and kind ("/Kind" for the
// core group).
func groupKind(apiVersion, kind string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		g = ""
	}
	return g + "/" + kind
}

// crdGroupKind is the "group/Kind" a CustomResourceDefinition defines.
func crdGroupKind(crd map[string]any) string {
	spec, _ := crd["spec"].(map[string]any)
	g, _ := spec["group"].(string)
	names, _ := spec["names"].(map[string]any)
	k, _ := names["kind"].(string)
	return g + "/" + k
}

// addCRDs adds every CustomResourceDefinition found to the schemas, in
// the order given.
func (r *run) addCRDs(crds []crdDoc) []finding.Finding {
	var out []finding.Finding
	for _, c := range crds {
		if err := r.opts.Schemas.AddCRD(c.doc.obj); err != nil {
			_, _, _, name := meta(c.doc.obj)
			out = append(out, finding.Finding{File: c.file, Line: c.doc.root.Line, Column: c.doc.root.Column, Severity: ruleSeverity(RuleCRDInvalid), Rule: RuleCRDInvalid,
				Message: fmt.Sprintf("no schema can be made of this CustomResourceDefinition: %v", err), Resource: "CustomResourceDefinition/" + name})
		}
	}
	return out
}

// envOf names the environment a plain file belongs to: the first
// environment directory holding it, or none.
func (r *run) envOf(name string) string {
	for _, e := range r.opts.Environments {
		e = path.Clean(e)
		if e == "." || name == e || strings.HasPrefix(name, e+"/") {
			return e
		}
	}
	return ""
}

// groupOf is the scope in which a plain resource must be unique: its
// environment when it has one, else its directory (unrelated directories of
// one repo often hold the same names for different clusters).
func (r *run) groupOf(name string) string {
	if e := r.envOf(name); e != "" {
		return e
	}
	return path.Dir(name)
}

// docPos locates paths in a parsed document.
func docPos(d *document) func([]string, bool) (string, int, int) {
	return func(p []string, atKey bool) (string, int, int) {
		line, col := nodePos(d.root, p, atKey)
		return d.file, line, col
	}
}

// checkAll validates resources in parallel.
func (r *run) checkAll(rs []*resource) ([]finding.Finding, []*summary) {
	out := make([][]finding.Finding, len(rs))
	sums := make([]*summary, len(rs))
	_ = parallel(r.ctx, r.opts.Workers, len(rs), func(i int) error {
		out[i], sums[i] = r.check(rs[i])
		return nil
	})
	var all []finding.Finding
	for _, fs := range out {
		all = append(all, fs...)
	}
	return all, sums
}

// check runs the schema and every policy on one resource, and sums up what
// duplicate-resource and environment-drift need to know of it.
func (r *run) check(rs *resource) ([]finding.Finding, *summary) {
	var issues []issue
	obj, sops := withoutSOPS(rs.obj)
	fx := r.fluxSubstitute(rs, obj)
	if fx != nil {
		obj = fx.obj
	}
	a, k, _, _ := meta(obj)
	if r.opts.Schemas != nil && (r.rules.Enabled(RuleSchema) || r.rules.Enabled(RuleNoSchema)) {
		vs, found, err := r.opts.Schemas.Validate(obj)
		switch {
		case err != nil:
			// The schema itself failed (it could not be compiled): the
			// resource is as unvalidated as one with no schema at all.
			issues = append(issues, issue{rule: RuleNoSchema, path: []string{"kind"}, msg: fmt.Sprintf("%s %s could not be validated: %v", a, k, err)})
		case !found:
			issues = append(issues, issue{rule: RuleNoSchema, path: []string{"kind"}, msg: fmt.Sprintf("no schema for %s %s; it was not validated (add its CRD under crds)", a, k)})
		}
		for _, v := range vs {
			if sops && isEncrypted(obj, v.Path) {
				continue
			}
			issues = append(issues, issue{rule: RuleSchema, path: v.Path, atKey: isUnknownField(v), msg: v.Message})
		}
	}
	cs := containers(obj)
	issues = append(issues, quantityIssues(cs)...)
	issues = append(issues, imageIssues(cs)...)
	issues = append(issues, resourceIssues(cs)...)
	api := apiIssues(obj, r.opts.KubernetesVersion)
	if len(api) > 0 && api[0].rule == RuleRemovedAPI && r.rules.Enabled(RuleRemovedAPI) {
		// No schema for an API the version no longer serves: removed-api
		// says it better.
		issues = slices.DeleteFunc(issues, func(is issue) bool { return is.rule == RuleNoSchema })
	}
	issues = append(issues, api...)
	issues = fx.apply(issues)
	sup := suppressed(obj)
	var out []finding.Finding
	var id string
	for _, is := range issues {
		if !r.rules.Enabled(is.rule) || sup[is.rule] {
			continue
		}
		if id == "" {
			id = resourceID(obj)
		}
		file, line, col := rs.pos(is.path, is.atKey)
		out = append(out, finding.Finding{File: file, Line: line, Column: col, Severity: ruleSeverity(is.rule), Rule: is.rule,
			Message: is.msg, Resource: id, Environment: rs.env})
	}
	return out, r.summarize(rs, obj, cs, sup)
}

// resourceID renders Kind/namespace/name or Kind/name.
func resourceID(obj map[string]any) string {
	_, k, ns, n := meta(obj)
	if ns != "" {
		return k + "/" + ns + "/" + n
	}
	return k + "/" + n
}

// summary is what duplicate-resource and environment-drift need of a
// resource once its document is let go: 10,000 of them are held until the
// end, so it keeps the strings the document already holds and derives the
// rest when asked.
type summary struct {
	env, group                        string
	apiVersion, kind, namespace, name string
	file                              string
	line, col                         int // of metadata.name
	ignore                            map[string]bool
	// images is set only for a resource of an environment, and only when
	// environment-drift is on: nothing else reads it.
	images []imageAt
}

// key is group/Kind/name, without the namespace; "" for an unnamed
// resource, which no rule matches.
func (s *summary) key() string {
	if s.name == "" {
		return ""
	}
	g, _, ok := strings.Cut(s.apiVersion, "/")
	if !ok || g == "" {
		return s.kind + "/" + s.name
	}
	return g + "/" + s.kind + "/" + s.name
}

// id renders Kind/namespace/name or Kind/name.
func (s *summary) id() string {
	if s.namespace != "" {
		return s.kind + "/" + s.namespace + "/" + s.name
	}
	return s.kind + "/" + s.name
}

// imageAt is one container's image and where it is written.
type imageAt struct {
	container, image, file string
	line, col              int
}

func (r *run) summarize(rs *resource, obj map[string]any, cs []container, ignore map[string]bool) *summary {
	a, k, ns, n := meta(obj)
	s := &summary{env: rs.env, group: rs.group, apiVersion: a, kind: k, namespace: ns, name: n, ignore: ignore}
	s.file, s.line, s.col = rs.pos([]string{"metadata", "name"}, false)
	if rs.env == "" || !r.rules.Enabled(RuleEnvironmentDrift) {
		return s
	}
	for _, c := range cs {
		name, _ := c.m["name"].(string)
		image, _ := c.m["image"].(string)
		file, line, col := rs.pos(appendPath(c.path, "image"), false)
		s.images = append(s.images, imageAt{container: name, image: image, file: file, line: line, col: col})
	}
	return s
}

// duplicates reports a group/kind/namespace/name defined twice in one
// scope, at the second definition.
func duplicates(sums []*summary) []finding.Finding {
	// Keyed by the summary's own strings: no string is built per resource.
	type dupKey struct{ group, namespace, apiGroup, kind, name string }
	seen := map[dupKey]*summary{}
	var out []finding.Finding
	for _, s := range sums {
		if s.name == "" {
			continue
		}
		g, _, ok := strings.Cut(s.apiVersion, "/")
		if !ok {
			g = ""
		}
		key := dupKey{s.group, s.namespace, g, s.kind, s.name}
		if f, ok := seen[key]; ok {
			if s.ignore[RuleDuplicateResource] {
				continue
			}
			id := s.id()
			out = append(out, finding.Finding{File: s.file, Line: s.line, Column: s.col, Severity: ruleSeverity(RuleDuplicateResource), Rule: RuleDuplicateResource,
				Message: fmt.Sprintf("%s is defined twice in %s; the first is at %s:%d:%d", id, scopeName(s), f.file, f.line, f.col), Resource: id, Environment: s.env})
			continue
		}
		seen[key] = s
	}
	return out
}

func scopeName(s *summary) string {
	if s.env != "" {
		return "environment " + s.env
	}
	return "directory " + s.group
}

// parallel calls f(0..n-1) on at most workers goroutines and returns the
// first error, or the context's.
func parallel(ctx context.Context, workers, n int, f func(i int) error) error {
	if n == 0 {
		return nil
	}
	workers = min(workers, n)
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		errMu sync.Mutex
		first error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
				}
			}
		}()
	}
loop:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break loop
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func fsStat(r *run, name string) (fs.FileInfo, error) { return fs.Stat(r.fsys, name) }
