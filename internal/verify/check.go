package verify

import (
	"bytes"
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/parallel"
	"github.com/gitops-actions/gitops-actions/internal/render"
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
	// tool names the tool whose configuration the file is, when it is
	// left out as not Kubernetes manifests (tools.go).
	tool string
	// elsewhere is set for a file another share of the tree checks.
	elsewhere bool
}

// checkFiles reads, parses and checks every file of the tree on the
// workers, each let go once checked, so that memory holds one file per
// worker rather than the repository. Resources that a build rendered are
// not checked again here: they were checked rendered, at their source.
func (r *run) checkFiles(consumed map[string]bool) ([]fileResult, error) {
	all := r.tree.All
	results := make([]fileResult, len(all))
	err := parallel.Do(r.ctx, r.opts.Workers, len(all), func(i int) error {
		if !r.tree.OwnsFile(all[i]) {
			results[i] = fileResult{elsewhere: true}
			return nil
		}
		// A file another share's units render is theirs to check.
		results[i] = r.checkFile(all[i], consumed[all[i]] || r.tree.ReadElsewhere(all[i]), r.tree.Extra(all[i]))
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
		return fileResult{findings: fromProblems([]render.Problem{render.Skipped(name, err)}, ""), unread: true}
	}
	check := !consumed && !crdPath
	tool := toolByPath(name)
	if tool != "" {
		check = false // its syntax only
	}
	if r.streamable(name, data) {
		fr := r.checkStream(name, data, check)
		fr.tool = cmp.Or(fr.tool, tool)
		return fr
	}
	docs, problems, template := r.tree.Parse(name, data)
	fr := fileResult{findings: fromProblems(problems, ""), template: template, tool: tool}
	if isPanda(name) && !template {
		fr.findings = append(fr.findings, checkPanda(name, docs)...)
	}
	check = check && !template && !isPanda(name)
	for _, d := range docs {
		r.checkDoc(&fr, name, d, check)
	}
	return fr
}

// streamable reports whether a file can be checked a document at a time,
// each let go once checked: all but Helm templates, whose every document
// decides whether the file is one, and panda.yaml files.
func (r *run) streamable(name string, data []byte) bool {
	return r.tree.Streamable(name, data) && !isPanda(name)
}

// checkStream checks a file a document at a time: its memory is one
// document's node tree and value, not the file's.
func (r *run) checkStream(name string, data []byte, check bool) fileResult {
	var fr fileResult
	fs := render.EachQuickDocument(name, data, func(d *render.Document) { r.checkDoc(&fr, name, d, check) }, func() { fr = fileResult{} })
	if len(fs) > 0 && strings.HasSuffix(name, ".json") && !mayBeManifest(data) {
		// A JSON file that is not YAML (JSON with comments, a
		// tsconfig.json) and names no apiVersion and kind is not a
		// manifest: not a finding.
		return fileResult{}
	}
	fr.findings = append(fr.findings, fromProblems(fs, "")...)
	return fr
}

// mayBeManifest reports whether a JSON file names an apiVersion and a kind.
func mayBeManifest(data []byte) bool {
	return bytes.Contains(data, []byte(`"apiVersion"`)) && bytes.Contains(data, []byte(`"kind"`))
}

// checkDoc keeps a CustomResourceDefinition for later and, when check is
// set, checks the resource the document holds (each item of a List),
// keeping its findings and its summary: nothing of the document itself.
func (r *run) checkDoc(fr *fileResult, name string, d *render.Document, check bool) {
	if d.Obj == nil {
		return
	}
	if isCRD(d.Obj) {
		fr.crds = append(fr.crds, crdDoc{file: name, doc: d})
	}
	if !check || isKustomizeConfig(d.Obj) {
		return
	}
	if items, ok := render.ListItems(d.Obj); ok {
		// kubectl and the API server take a List item by item: so are
		// they checked, each at its own line.
		for i, it := range items {
			prefix := []string{"items", strconv.Itoa(i)}
			obj, _ := it.(map[string]any)
			if obj == nil {
				line, col := render.NodePos(d.Node(), prefix, false)
				fr.findings = append(fr.findings, finding.Finding{File: name, Line: line, Column: col, Severity: ruleSeverity(RuleSchema), Rule: RuleSchema,
					Message: fmt.Sprintf("item %d of the %s is not an object", i, listName(d.Obj))})
				continue
			}
			r.checkResource(fr, d, prefix, obj)
		}
		return
	}
	r.checkResource(fr, d, nil, d.Obj)
}

// checkResource checks one object of a file, at prefix in document d: a
// resource, or what is meant as one and lacks its apiVersion or kind.
func (r *run) checkResource(fr *fileResult, d *render.Document, prefix []string, obj map[string]any) {
	name := d.File
	if t := toolByDoc(obj); t != "" {
		fr.tool = t
		return
	}
	a, k, _, _ := render.Meta(obj)
	if a == "" || k == "" {
		at := func() (int, int) { return render.NodePos(d.Node(), prefix, false) }
		if f, ok := r.untyped(name, obj, at); ok {
			fr.findings = append(fr.findings, f)
		}
		return
	}
	fs, sum := r.check(&resource{o: r.tree.Resource(d, prefix, obj), env: r.envOf(name), group: r.groupOf(name)})
	fr.findings = append(fr.findings, fs...)
	fr.sums = append(fr.sums, sum)
	if !slices.Contains(fr.kinds, [2]string{a, k}) {
		fr.kinds = append(fr.kinds, [2]string{strings.Clone(a), strings.Clone(k)})
	}
}

// untyped reports an object meant as a Kubernetes resource (it has
// metadata, or one of apiVersion and kind) that lacks its apiVersion or
// kind, written in file name where at says: the API server refuses it,
// and no schema can judge it. Other YAML (Helm values, CI configuration,
// a Chart.yaml, a kustomization) is only checked for syntax.
func (r *run) untyped(name string, obj map[string]any, at func() (line, col int)) (finding.Finding, bool) {
	if render.IsKustomizationFile(name) || path.Base(name) == "Chart.yaml" {
		return finding.Finding{}, false
	}
	a, k, _, _ := render.Meta(obj)
	_, md := obj["metadata"].(map[string]any)
	_, kindKey := obj["kind"]
	_, apiKey := obj["apiVersion"]
	if !md && !kindKey && !apiKey {
		return finding.Finding{}, false
	}
	if !md && (a == "") == (k == "") && (a != "" || !kindKey) {
		return finding.Finding{}, false
	}
	var missing []string
	if a == "" {
		missing = append(missing, "apiVersion")
	}
	if k == "" {
		missing = append(missing, "kind")
	}
	if kindKey && k == "" {
		line, col := at()
		return finding.Finding{File: name, Line: line, Column: col, Severity: ruleSeverity(RuleSchema), Rule: RuleSchema,
			Message: fmt.Sprintf("a resource whose kind is empty (kind: with no value): the API server refuses it, and no schema can judge it%s", missingAlso(a)), Resource: resourceID(obj), Environment: r.envOf(name)}, true
	}
	line, col := at()
	return finding.Finding{File: name, Line: line, Column: col, Severity: ruleSeverity(RuleSchema), Rule: RuleSchema,
		Message: fmt.Sprintf("a resource without %s: the API server refuses it, and no schema can judge it", strings.Join(missing, " and ")), Resource: resourceID(obj), Environment: r.envOf(name)}, true
}

// listName names a List for a message: "v1 List".
func listName(obj map[string]any) string {
	a, k, _, _ := render.Meta(obj)
	return strings.TrimSpace(a + " " + k)
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

// missingAlso adds that the apiVersion is missing too, when it is.
func missingAlso(apiVersion string) string {
	if apiVersion == "" {
		return "; it has no apiVersion either"
	}
	return ""
}
