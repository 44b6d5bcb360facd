package verify

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// resource is one object to validate: the object as rendered, with its
// origin (the way to find a position for a path in it) and what Flux's
// substitution did to it.
type resource struct {
	o     render.Object
	env   string
	group string // scope of duplicate-resource
	// noSummary is set when no rule across resources will look at it.
	noSummary bool
}

// check runs the schema and every policy on one resource, and sums up what
// duplicate-resource and environment-drift need to know of it.
func (r *run) check(rs *resource) ([]finding.Finding, *summary) {
	var issues []issue
	obj, sops := withoutSOPS(rs.o.Object)
	a, k, _, _ := render.Meta(obj)
	if r.opts.Schemas != nil && (r.rules.Enabled(RuleSchema) || r.rules.Enabled(RuleNoSchema)) {
		vs, found, err := r.opts.Schemas.Validate(obj)
		switch {
		case err != nil:
			// The schema itself failed (it could not be compiled): the
			// resource is as unvalidated as one with no schema at all.
			issues = append(issues, issue{rule: RuleNoSchema, path: []string{"kind"}, msg: fmt.Sprintf("%s %s could not be validated: %v", a, k, err)})
		case !found:
			issues = append(issues, issue{rule: RuleNoSchema, path: []string{"kind"}, msg: r.noSchema(a, k)})
		}
		for _, v := range vs {
			if sops && isEncrypted(obj, v.Path) {
				continue
			}
			msg := v.Message
			if k == "Secret" && secretValuePath(v.Path) {
				msg = secretViolation(v)
			}
			issues = append(issues, issue{rule: RuleSchema, path: v.Path, atKey: isUnknownField(v), missing: v.Reason == "required", msg: msg})
		}
	}
	cs := containers(obj)
	issues = append(issues, quantityIssues(cs)...)
	issues = append(issues, imageIssues(cs)...)
	pod, hasPod := podTemplateOf(obj)
	issues = append(issues, resourceIssues(templateContainers(pod, hasPod))...)
	issues = append(issues, lintIssues(&rs.o, pod, hasPod)...)
	api := apiIssues(obj, r.opts.KubernetesVersion)
	if len(api) > 0 && api[0].rule == RuleRemovedAPI && r.rules.Enabled(RuleRemovedAPI) {
		// No schema for an API the version no longer serves: removed-api
		// says it better.
		issues = slices.DeleteFunc(issues, func(is issue) bool { return is.rule == RuleNoSchema })
	}
	issues = append(issues, api...)
	issues = applyFlux(rs.o.Flux, issues)
	sup := suppressions(obj)
	var out []finding.Finding
	var id string
	for _, is := range issues {
		if !r.rules.Enabled(is.rule) {
			continue
		}
		if id == "" {
			id = resourceID(obj)
		}
		at := render.PinValue
		switch {
		case is.atKey:
			at = render.PinKey
		case is.missing:
			at = render.PinOwner
		}
		file, line, col := rs.o.Origin.Position(is.path, at)
		msg := is.msg
		if h := rs.o.Origin.Helm; h != nil {
			msg += " (" + h.String() + ")"
		}
		f := finding.Finding{File: file, Line: line, Column: col, Severity: ruleSeverity(is.rule), Rule: is.rule,
			Message: msg, Resource: id, Environment: rs.env}
		if s, ok := sup[is.rule]; ok {
			f = suppressedAs(f, s)
		}
		out = append(out, f)
	}
	// After the resource's own findings: a document that has one has its
	// node tree parsed, and the facts the rules across resources keep are
	// placed in it at no cost.
	r.collect(rs, obj, pod, hasPod, sup)
	if rs.noSummary {
		return out, nil
	}
	return out, r.summarize(rs, obj, cs, ignored(sup))
}

// noSchema says why a resource could not be validated, and what to do.
func (r *run) noSchema(apiVersion, kind string) string {
	g, v, ok := strings.Cut(apiVersion, "/")
	if !ok {
		g, v = "", apiVersion
	}
	if builtinGroups[g] {
		// No CRD can add a kind to a group Kubernetes serves itself: the
		// kind was removed (InitializerConfiguration), is misspelt, or
		// never was an API.
		served := "the Kubernetes version validated against"
		if r.opts.KubernetesVersion != "" {
			served = "Kubernetes " + r.opts.KubernetesVersion
		}
		group := "the core group"
		if g != "" {
			group = "group " + g
		}
		return fmt.Sprintf("no schema for %s %s; it was not validated: %s is built into Kubernetes, and %s serves no kind %s in %s (removed, misspelt, or never an API)", apiVersion, kind, group, served, kind, v)
	}
	return fmt.Sprintf("no schema for %s %s; it was not validated (add its CRD under crds)", apiVersion, kind)
}

// resourceID renders Kind/namespace/name or Kind/name.
func resourceID(obj map[string]any) string {
	_, k, ns, n := render.Meta(obj)
	if ns != "" {
		return k + "/" + ns + "/" + n
	}
	return k + "/" + n
}

// summary is what duplicate-resource and environment-drift need of a
// resource once its document is let go: one per resource checked, all
// held to the end (40,000 for 200 applications in 2 environments), so it
// is small: the type and namespace are shared by every resource of that
// type and namespace, and what few resources need hangs off extra.
type summary struct {
	env, group      string
	typ             *typeName
	namespace, name string
	file            string
	line, col       int32 // of metadata.name; 0 until located
	// docLine and chunk say where to locate it (summaryLocator): the
	// line of the document's first key, or with chunk the line the
	// document starts on.
	docLine int32
	chunk   bool
	extra   *summaryExtra
}

// summaryExtra is what few resources have: an ignore annotation, images
// to compare across environments, a place in a List.
type summaryExtra struct {
	ignore map[string]bool
	images []imageAt
	prefix []string
}

// typeName is an apiVersion and kind, with the API group of the
// apiVersion ("" for the core group).
type typeName struct {
	apiVersion, kind, group string
}

// ignores reports whether the resource's ignore annotation names rule.
func (s *summary) ignores(rule string) bool {
	return s.extra != nil && s.extra.ignore[rule]
}

// images returns the images compared across environments.
func (s *summary) images() []imageAt {
	if s.extra == nil {
		return nil
	}
	return s.extra.images
}

// key is group/Kind/name, without the namespace; "" for an unnamed
// resource, which no rule matches.
func (s *summary) key() string {
	if s.name == "" {
		return ""
	}
	if s.typ.group == "" {
		return s.typ.kind + "/" + s.name
	}
	return s.typ.group + "/" + s.typ.kind + "/" + s.name
}

// id renders Kind/namespace/name or Kind/name.
func (s *summary) id() string {
	if s.namespace != "" {
		return s.typ.kind + "/" + s.namespace + "/" + s.name
	}
	return s.typ.kind + "/" + s.name
}

// imageAt is one container's image and where it is written.
type imageAt struct {
	container, image, file string
	line, col              int
}

func (r *run) summarize(rs *resource, obj map[string]any, cs []container, ignore map[string]bool) *summary {
	a, k, ns, n := render.Meta(obj)
	// The strings of a document quickParse read share the memory of its
	// whole file: a summary, held to the end, keeps copies.
	s := &summary{env: rs.env, group: rs.group, typ: r.typeOf(a, k), namespace: r.intern(ns), name: strings.Clone(n)}
	if ignore != nil {
		s.extra = &summaryExtra{ignore: ignore}
	}
	if src := rs.o.Origin.Source; src != nil {
		s.file, s.docLine, s.chunk = src.File, int32(src.Line), src.Chunk
		if src.Prefix != nil {
			s.more().prefix = src.Prefix
		}
	} else {
		file, line, col := rs.o.Origin.Position([]string{"metadata", "name"}, render.PinValue)
		s.file, s.line, s.col = file, int32(line), int32(col)
	}
	if !r.drifts(rs.env) {
		return s
	}
	for _, c := range cs {
		name, _ := c.m["name"].(string)
		image, _ := c.m["image"].(string)
		file, line, col := rs.o.Origin.Position(appendPath(c.path, "image"), render.PinValue)
		s.more().images = append(s.more().images, imageAt{container: strings.Clone(name), image: strings.Clone(image), file: file, line: line, col: col})
	}
	return s
}

func (s *summary) more() *summaryExtra {
	if s.extra == nil {
		s.extra = &summaryExtra{}
	}
	return s.extra
}

// typeOf returns the one typeName of an apiVersion and kind for the run.
func (r *run) typeOf(apiVersion, kind string) *typeName {
	key := apiVersion + "\x00" + kind
	if t, ok := r.types.Load(key); ok {
		return t.(*typeName)
	}
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		g = ""
	}
	t, _ := r.types.LoadOrStore(key, &typeName{apiVersion: strings.Clone(apiVersion), kind: strings.Clone(kind), group: strings.Clone(g)})
	return t.(*typeName)
}

// intern returns the run's one copy of a string many resources share (a
// namespace).
func (r *run) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := r.strs.Load(s); ok {
		return v.(string)
	}
	c := strings.Clone(s)
	v, _ := r.strs.LoadOrStore(c, c)
	return v.(string)
}

// drifts reports whether environment-drift compares env with another
// environment, and so needs its images.
func (r *run) drifts(env string) bool {
	if env == "" || len(r.opts.Environments) < 2 || !r.rules.Enabled(RuleEnvironmentDrift) {
		return false
	}
	for _, e := range r.opts.Environments {
		if path.Clean(e) == env {
			return true
		}
	}
	return false
}

// summaryLocator finds the name of a resource in the document it was
// written in, reading that file again: only the few a rule across
// resources reports are looked up.
type summaryLocator struct {
	r     *run
	files map[string][]byte
	roots map[docKey]*yaml.Node
}

func (r *run) newSummaryLocator() *summaryLocator {
	return &summaryLocator{r: r, files: map[string][]byte{}, roots: map[docKey]*yaml.Node{}}
}

// at returns where s's metadata.name is written.
func (l *summaryLocator) at(s *summary) (file string, line, col int) {
	if s.line > 0 || s.docLine == 0 {
		return s.file, int(s.line), int(s.col)
	}
	key := docKey{file: s.file, line: int(s.docLine), chunk: s.chunk}
	root, ok := l.roots[key]
	if !ok {
		data, read := l.files[key.file]
		if !read {
			data, _ = fs.ReadFile(l.r.fsys, key.file)
			l.files[key.file] = data
		}
		root = render.FindDocument(data, render.Source{File: key.file, Line: key.line, Chunk: key.chunk})
		l.roots[key] = root
	}
	line, col = int(s.docLine), 1
	if root != nil {
		var prefix []string
		if s.extra != nil {
			prefix = s.extra.prefix
		}
		line, col = render.NodePos(root, append(slices.Clip(prefix), "metadata", "name"), false)
	}
	s.line, s.col = int32(line), int32(col)
	return s.file, line, col
}

// docLocator finds a path in a document the fast path read and let go,
// reading its file again. It keeps one file, the last: what it locates
// comes mostly in the order the files were checked, and a run over a
// large repository must not hold every file it reports on.
type docLocator struct {
	r    *run
	file string
	data []byte
	docs map[docKey]*yaml.Node
}

func (r *run) newDocLocator() *docLocator {
	return &docLocator{r: r, docs: map[docKey]*yaml.Node{}}
}

// at returns where p is written: its line and column in the document, or
// the document's first line when the file no longer holds it.
func (l *docLocator) at(p *docPath) (file string, line, col int) {
	if l.file != p.src.File {
		l.file = p.src.File
		l.data, _ = fs.ReadFile(l.r.fsys, p.src.File)
		clear(l.docs)
	}
	key := docKey{file: p.src.File, line: p.src.Line, chunk: p.src.Chunk}
	root, ok := l.docs[key]
	if !ok {
		root = render.FindDocument(l.data, render.Source{File: key.file, Line: key.line, Chunk: key.chunk})
		l.docs[key] = root
	}
	if root == nil {
		return p.src.File, p.src.Line, 1
	}
	line, col = render.NodePos(root, append(slices.Clip(p.src.Prefix), p.path...), p.atKey)
	return p.src.File, line, col
}

// docKey is a source without its prefix: a document of a file.
type docKey struct {
	file  string
	line  int
	chunk bool
}

// duplicates reports a group/kind/namespace/name defined twice in one
// scope, at the second definition.
func duplicates(sums []*summary, loc *summaryLocator) []finding.Finding {
	// Keyed by the summary's own strings: no string is built per resource.
	type dupKey struct{ group, namespace, apiGroup, kind, name string }
	seen := make(map[dupKey]*summary, len(sums))
	var out []finding.Finding
	for _, s := range sums {
		if s.name == "" {
			continue
		}
		key := dupKey{s.group, s.namespace, s.typ.group, s.typ.kind, s.name}
		if f, ok := seen[key]; ok {
			if s.ignores(RuleDuplicateResource) {
				continue
			}
			id := s.id()
			ff, fl, fc := loc.at(f)
			file, line, col := loc.at(s)
			out = append(out, finding.Finding{File: file, Line: line, Column: col, Severity: ruleSeverity(RuleDuplicateResource), Rule: RuleDuplicateResource,
				Message: fmt.Sprintf("%s is defined twice in %s; the first is at %s:%d:%d", id, scopeName(s), ff, fl, fc), Resource: id, Environment: s.env})
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
	if s.group == s.file {
		return "file " + s.group
	}
	return "directory " + s.group
}

// secretValuePath reports whether a violation's path is inside a Secret's
// data or stringData, where every value is one a finding must not quote.
func secretValuePath(path []string) bool {
	return len(path) > 1 && (path[0] == "data" || path[0] == "stringData")
}

// secretGot is the start of a type violation's message, up to the type
// of the value it then quotes.
var secretGot = regexp.MustCompile(`^expected [^,]*, got [a-z]+`)

// secretViolation is a violation's message without the value it names:
// the schema's messages quote values ("expected string, got integer
// 1234"), and a finding goes to the log, the annotations and the reports.
func secretViolation(v Violation) string {
	switch v.Reason {
	case "unknown-field", "required":
		return v.Message // names a key, never a value
	case "type":
		if m := secretGot.FindString(v.Message); m != "" {
			return m + " (a Secret's value is not shown)"
		}
	}
	return fmt.Sprintf("the value does not pass the schema (%s; a Secret's value is not shown)", v.Reason)
}
