package verify

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

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

// checkFiles reads, parses and checks every file of the inventory on the
// workers, each let go once checked, so that memory holds one file per
// worker rather than the repository. Resources that a build rendered are
// not checked again here: they were checked rendered, at their source.
func (r *run) checkFiles(inv *inventory, consumed map[string]bool) ([]fileResult, error) {
	results := make([]fileResult, len(inv.all))
	err := parallel(r.ctx, r.opts.Workers, len(inv.all), func(i int) error {
		results[i] = r.checkFile(inv.all[i], consumed[inv.all[i]], inv.crdPath[inv.all[i]])
		if r.crdsFirst {
			results[i].crds = nil // added already, before the builds
		}
		return nil
	})
	return results, err
}

// checkFile reads and parses one file and checks its resources: all but
// those a kustomization renders (consumed), which are checked rendered,
// and those under the crds input, which only define kinds.
func (r *run) checkFile(name string, consumed, crdPath bool) fileResult {
	data, err := fs.ReadFile(r.fsys, name)
	if err != nil {
		// Unreadable, over the size limit, or replaced by a link or a
		// FIFO since the walk: a finding at the file, not a failed run.
		return fileResult{findings: []finding.Finding{skipFinding(name, err)}, unread: true}
	}
	check := !consumed && !crdPath
	if r.streamable(name, data) {
		return r.checkStream(name, data, check)
	}
	pf := r.parseData(name, data)
	fr := fileResult{findings: slices.Clip(pf.findings), template: pf.template}
	check = check && !pf.template && !isPanda(name)
	for _, d := range pf.docs {
		r.checkDoc(&fr, name, d, check)
	}
	return fr
}

// streamable reports whether a file can be checked a document at a time,
// each let go once checked: all but Helm templates, whose every document
// decides whether the file is one, and panda.yaml files.
func (r *run) streamable(name string, data []byte) bool {
	return !inChartTemplates(name, r.charts) && !bytes.Contains(data, []byte("{{")) && !isPanda(name)
}

// checkStream checks a file a document at a time: its memory is one
// document's node tree and value, not the file's.
func (r *run) checkStream(name string, data []byte, check bool) fileResult {
	var fr fileResult
	fs := eachQuickDocument(name, data, func(d *document) { r.checkDoc(&fr, name, d, check) }, func() { fr = fileResult{} })
	if len(fs) > 0 && strings.HasSuffix(name, ".json") && !mayBeManifest(data) {
		// A JSON file that is not YAML (JSON with comments, a
		// tsconfig.json) and names no apiVersion and kind is not a
		// manifest: not a finding.
		return fileResult{}
	}
	fr.findings = append(fr.findings, fs...)
	return fr
}

// mayBeManifest reports whether a JSON file names an apiVersion and a kind.
func mayBeManifest(data []byte) bool {
	return bytes.Contains(data, []byte(`"apiVersion"`)) && bytes.Contains(data, []byte(`"kind"`))
}

// checkDoc keeps a CustomResourceDefinition for later and, when check is
// set, checks the resource the document holds (each item of a List),
// keeping its findings and its summary: nothing of the document itself.
func (r *run) checkDoc(fr *fileResult, name string, d *document, check bool) {
	if d.obj == nil {
		return
	}
	if isCRD(d.obj) {
		fr.crds = append(fr.crds, crdDoc{file: name, doc: d})
	}
	if !check || isKustomizeConfig(d.obj) {
		return
	}
	if items, ok := listItems(d.obj); ok {
		// kubectl and the API server take a List item by item: so are
		// they checked, each at its own line.
		for i, it := range items {
			prefix := []string{"items", strconv.Itoa(i)}
			pos := func(p []string, at pin) (string, int, int) {
				line, col := nodePos(d.node(), append(slices.Clip(prefix), p...), at == pinKey)
				return d.file, line, col
			}
			obj, _ := it.(map[string]any)
			if obj == nil {
				line, col := nodePos(d.node(), prefix, false)
				fr.findings = append(fr.findings, finding.Finding{File: name, Line: line, Column: col, Severity: ruleSeverity(RuleSchema), Rule: RuleSchema,
					Message: fmt.Sprintf("item %d of the %s is not an object", i, listName(d.obj))})
				continue
			}
			r.checkResource(fr, name, obj, pos, lazySource(d, prefix))
		}
		return
	}
	r.checkResource(fr, name, d.obj, docPos(d), lazySource(d, nil))
}

// lazySource is where a resource of a document quickParse read is
// written, to be located later (summaryLocator); nil for a document
// parsed into nodes, whose positions cost nothing.
func lazySource(d *document, prefix []string) *source {
	if d.root != nil || d.src == nil {
		return nil
	}
	return &source{file: d.file, line: d.line, chunk: true, prefix: prefix}
}

// checkResource checks one object of a file: a resource, or what is meant
// as one and lacks its apiVersion or kind.
func (r *run) checkResource(fr *fileResult, name string, obj map[string]any, pos func([]string, pin) (string, int, int), src *source) {
	a, k, _, _ := meta(obj)
	if a == "" || k == "" {
		if f, ok := r.untyped(name, obj, pos); ok {
			fr.findings = append(fr.findings, f)
		}
		return
	}
	fs, sum := r.check(&resource{obj: obj, env: r.envOf(name), group: r.groupOf(name), file: name, pos: pos, src: src})
	fr.findings = append(fr.findings, fs...)
	fr.sums = append(fr.sums, sum)
	if !slices.Contains(fr.kinds, [2]string{a, k}) {
		fr.kinds = append(fr.kinds, [2]string{strings.Clone(a), strings.Clone(k)})
	}
}

// untyped reports an object meant as a Kubernetes resource (it has
// metadata, or one of apiVersion and kind) that lacks its apiVersion or
// kind: the API server refuses it, and no schema can judge it. Other YAML
// (Helm values, CI configuration, a Chart.yaml, a kustomization) is only
// checked for syntax.
func (r *run) untyped(name string, obj map[string]any, pos func([]string, pin) (string, int, int)) (finding.Finding, bool) {
	if isKustomizationFile(name) || path.Base(name) == "Chart.yaml" {
		return finding.Finding{}, false
	}
	a, k, _, _ := meta(obj)
	_, md := obj["metadata"].(map[string]any)
	if !md && (a == "") == (k == "") {
		return finding.Finding{}, false
	}
	var missing []string
	if a == "" {
		missing = append(missing, "apiVersion")
	}
	if k == "" {
		missing = append(missing, "kind")
	}
	file, line, col := pos(nil, pinValue)
	return finding.Finding{File: file, Line: line, Column: col, Severity: ruleSeverity(RuleSchema), Rule: RuleSchema,
		Message: fmt.Sprintf("a resource without %s: the API server refuses it, and no schema can judge it", strings.Join(missing, " and ")), Resource: resourceID(obj), Environment: r.envOf(name)}, true
}

// listItems returns the items of a List (kind List, or any kind ending in
// List with an items list, as kubectl reads them).
func listItems(obj map[string]any) ([]any, bool) {
	_, k, _, _ := meta(obj)
	items, isList := obj["items"].([]any)
	switch {
	case k == "List" && (isList || obj["items"] == nil):
		return items, true
	case strings.HasSuffix(k, "List") && isList:
		return items, true
	}
	return nil, false
}

// listName names a List for a message: "v1 List".
func listName(obj map[string]any) string {
	a, k, _, _ := meta(obj)
	return strings.TrimSpace(a + " " + k)
}

// file reads and parses one file, when a stage needs one whole (a
// kustomization for what it includes); nothing is kept.
func (r *run) file(name string) *parsedFile {
	data, err := fs.ReadFile(r.fsys, name)
	if err != nil {
		return &parsedFile{path: name, findings: []finding.Finding{skipFinding(name, err)}, unread: true}
	}
	return r.parseData(name, data)
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
func docPos(d *document) func([]string, pin) (string, int, int) {
	return func(p []string, at pin) (string, int, int) {
		line, col := nodePos(d.node(), p, at == pinKey)
		return d.file, line, col
	}
}
