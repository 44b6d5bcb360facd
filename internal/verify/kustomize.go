package verify

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v4"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// originAnnotation is where kustomize records the file a rendered
// resource came from, when the kustomization asks for originAnnotations.
const originAnnotation = "config.kubernetes.io/origin"

// build is one kustomization rendered in memory.
type build struct {
	dir, kfile string
	resources  []*resource
	read       []string // every file of fsys the build read
	findings   []finding.Finding

	patchesOnce sync.Once
	patches     []*patchSrc
}

// buildAll renders every kustomization in parallel.
func (r *run) buildAll(dirs []string) []*build {
	out := make([]*build, len(dirs))
	_ = parallel(r.ctx, r.opts.Workers, len(dirs), func(i int) error {
		out[i] = r.build(dirs[i])
		return nil
	})
	return slices.DeleteFunc(out, func(b *build) bool { return b == nil })
}

// deprecatedKustomizeFields are the fields kustomize warns about on its
// standard error (types.Kustomization.CheckDeprecatedFields), with what to
// use instead; a test keeps the list equal to kustomize's.
var deprecatedKustomizeFields = []struct{ field, use string }{
	{"bases", "resources"},
	{"commonLabels", "labels"},
	{"imageTags", "images"},
	{"patchesJson6902", "patches"},
	{"patchesStrategicMerge", "patches"},
	{"vars", "replacements"},
}

func kustomizationIn(r *run, dir string) string {
	for _, n := range kustomizationNames {
		p := path.Join(dir, n)
		if info, err := fsStat(r, p); err == nil && !info.IsDir() {
			return p
		}
	}
	return ""
}

// build renders the kustomization in dir. A Component is not built on its
// own (it only means something inside a kustomization that uses it).
func (r *run) build(dir string) *build {
	kfile := kustomizationIn(r, dir)
	if kfile == "" {
		return nil
	}
	pf := r.file(kfile)
	if len(pf.docs) == 0 || pf.docs[0].obj == nil || hasSyntaxError(pf.findings) {
		return nil // the syntax error is reported already
	}
	if a, k, _, _ := meta(pf.docs[0].obj); k == "Component" || (a != "" && !strings.HasPrefix(a, "kustomize.config.k8s.io/")) {
		return nil
	}
	b := &build{dir: dir, kfile: kfile}
	var mu sync.Mutex
	reported := map[string]bool{}
	report := func(name, key string, f finding.Finding) {
		mu.Lock()
		defer mu.Unlock()
		if !reported[name+"\x00"+key] {
			reported[name+"\x00"+key] = true
			b.findings = append(b.findings, f)
		}
	}
	// rewrite edits a kustomization as kustomize reads it: remote entries
	// and helmCharts come out (reported), and the top one asks for origin
	// annotations. It edits the node tree, so every other value reaches
	// kustomize exactly as written (newTag: 1.20 stays 1.20).
	rewrite := func(name string, data []byte) ([]byte, error) {
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			return data, nil // kustomize reports it
		}
		root := doc.Content[0]
		for _, d := range deprecatedKustomizeFields {
			if key, _ := mapGet(root, d.field); key != nil {
				report(name, "deprecated\x00"+d.field, finding.Finding{File: name, Line: key.Line, Column: key.Column, Severity: ruleSeverity(RuleKustomizeDeprecated), Rule: RuleKustomizeDeprecated,
					Message: fmt.Sprintf("%q is deprecated since kustomize v5: use %q (kustomize edit fix rewrites it)", d.field, d.use), Environment: dir})
			}
		}
		changed := false
		for _, field := range []string{"resources", "bases", "components"} {
			_, seq := mapGet(root, field)
			if seq == nil || seq.Kind != yaml.SequenceNode {
				continue
			}
			kept := seq.Content[:0:0]
			for _, e := range seq.Content {
				if e.Kind != yaml.ScalarNode || !r.isRemote(path.Dir(name), e.Value) {
					kept = append(kept, e)
					continue
				}
				changed = true
				line, col := entryPos(r.file(name), field, e.Value)
				report(name, e.Value, finding.Finding{File: name, Line: line, Column: col, Severity: ruleSeverity(RuleKustomizeRemote), Rule: RuleKustomizeRemote,
					Message: fmt.Sprintf("remote %s %q is not fetched (verification is offline); its resources are not validated", strings.TrimSuffix(field, "s"), e.Value), Environment: dir})
			}
			seq.Content = kept
		}
		if _, charts := mapGet(root, "helmCharts"); charts != nil && len(charts.Content) > 0 {
			// Inflating a chart needs helm and usually the network: the
			// rest of the kustomization is built without it.
			changed = true
			root.Content = deleteKeys(root.Content, "helmCharts", "helmGlobals")
			line, col := 1, 1
			if pf := r.file(name); len(pf.docs) > 0 && pf.docs[0].root != nil {
				if key, _ := mapGet(pf.docs[0].root, "helmCharts"); key != nil {
					line, col = key.Line, key.Column
				}
			}
			report(name, "helmCharts", finding.Finding{File: name, Line: line, Column: col, Severity: ruleSeverity(RuleHelmTemplate), Rule: RuleHelmTemplate,
				Message: fmt.Sprintf("%d helmCharts not inflated (that needs helm and the network); their resources are not validated", len(charts.Content)), Environment: dir})
		}
		if name == kfile {
			item := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: types.OriginAnnotations}
			_, bm := mapGet(root, "buildMetadata")
			switch {
			case bm == nil:
				root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"},
					&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}})
				changed = true
			case bm.Kind == yaml.SequenceNode && !slices.ContainsFunc(bm.Content, func(n *yaml.Node) bool { return n.Value == types.OriginAnnotations }):
				bm.Content = append(bm.Content, item)
				changed = true
			}
		}
		if !changed {
			return data, nil
		}
		return yaml.Marshal(&doc)
	}
	kfs := newKustFS(r.fsys, rewrite)
	opts := krusty.MakeDefaultOptions()
	m, err := krusty.MakeKustomizer(opts).Run(kfs, "/"+dir)
	b.read = kfs.files()
	if err != nil {
		// Patches of a kustomization that does not build are partial
		// objects: never validate them as resources of their own.
		b.read = append(b.read, r.patchFiles(kfile, pf.docs[0].obj)...)
		msg := cleanKustomizeError(err.Error())
		line, col := buildErrorPos(pf, msg)
		b.findings = append(b.findings, finding.Finding{File: kfile, Line: line, Column: col, Severity: ruleSeverity(RuleKustomizeBuild), Rule: RuleKustomizeBuild,
			Message: "kustomize build failed: " + msg, Environment: dir})
		return b
	}
	for _, res := range m.Resources() {
		obj, err := res.Map()
		if err != nil {
			continue
		}
		origin := ""
		if o, err := res.GetOrigin(); err == nil && o != nil && o.Repo == "" && o.Path != "" {
			origin = r.real(path.Clean(path.Join(dir, o.Path)))
		}
		stripAnnotation(obj, originAnnotation)
		file := origin
		if file == "" {
			file = kfile
		}
		b.resources = append(b.resources, &resource{obj: obj, env: dir, group: dir, file: file, dir: dir, pos: r.renderedPos(b, obj, origin)})
	}
	return b
}

// cleanKustomizeError makes the paths of our in-memory file system read as
// paths of the repository.
func cleanKustomizeError(s string) string {
	return absPathRE.ReplaceAllString(s, "$1$2")
}

// absPathRE finds the leading slash of a path our file system gave
// kustomize: after a space, a quote or a bracket, before a path character.
var absPathRE = regexp.MustCompile(`(^|[\s'"\[(])/([\w.-])`)

func stripAnnotation(obj map[string]any, key string) {
	md, _ := obj["metadata"].(map[string]any)
	an, _ := md["annotations"].(map[string]any)
	if an == nil {
		return
	}
	delete(an, key)
	if len(an) == 0 {
		delete(md, "annotations")
	}
}

// isRemote reports whether a resources/bases/components entry of a
// kustomization in dir is a remote reference kustomize would fetch over
// the network (a URL, a git repository): anything with a scheme, a git@
// address, or a path that does not exist locally and starts with a host
// name (github.com/org/repo/...).
func (r *run) isRemote(dir, entry string) bool {
	if entry == "" {
		return false
	}
	if strings.Contains(entry, "://") || strings.HasPrefix(entry, "git@") || strings.HasPrefix(entry, "git::") {
		return true
	}
	if strings.Contains(entry, "?ref=") || strings.Contains(entry, "?version=") {
		return true
	}
	if _, err := fsStat(r, path.Join(dir, entry)); err == nil {
		return false
	}
	first, _, _ := strings.Cut(entry, "/")
	return strings.Contains(first, ".") && first != "." && first != ".." && strings.Contains(entry, "/")
}

// entryPos finds a list entry of a kustomization file.
func entryPos(pf *parsedFile, field, entry string) (int, int) {
	if len(pf.docs) == 0 || pf.docs[0].root == nil {
		return 1, 1
	}
	root := pf.docs[0].root
	_, seq := mapGet(root, field)
	if seq == nil {
		return 1, 1
	}
	for _, c := range seq.Content {
		if c.Kind == yaml.ScalarNode && c.Value == entry {
			return c.Line, c.Column
		}
	}
	return seq.Line, seq.Column
}

// patchSrc is one patch of a kustomization: a strategic merge patch
// document or a list of JSON 6902 operations, with its target.
type patchSrc struct {
	file     string
	root     *yaml.Node
	obj      map[string]any // a strategic merge patch as a value
	json6902 bool
	target   map[string]any
}

// collectPatches gathers the patches of every kustomization the build read,
// the overlay's first (they apply last, so they win), and within one
// kustomization the last first.
func (r *run) collectPatches(b *build) []*patchSrc {
	var out []*patchSrc
	for _, kf := range b.read {
		if !isKustomizationFile(kf) {
			continue
		}
		pf := r.file(kf)
		if len(pf.docs) == 0 || pf.docs[0].obj == nil {
			continue
		}
		k, root := pf.docs[0].obj, pf.docs[0].root
		dir := path.Dir(kf)
		var mine []*patchSrc
		addFile := func(p string, target map[string]any, json bool) {
			if p == "" {
				return
			}
			name := path.Clean(path.Join(dir, p))
			if _, err := fsStat(r, name); err != nil {
				return
			}
			for _, d := range r.file(name).docs {
				if d.root == nil {
					continue
				}
				mine = append(mine, &patchSrc{file: name, root: d.root, obj: d.obj, target: target, json6902: json || d.root.Kind == yaml.SequenceNode})
			}
		}
		addInline := func(node *yaml.Node, target map[string]any) {
			if node == nil || node.Kind != yaml.ScalarNode {
				return
			}
			for _, p := range inlinePatch(pf, node) {
				p.target = target
				mine = append(mine, p)
			}
		}
		if list, ok := k["patchesStrategicMerge"].([]any); ok {
			_, seq := mapGet(root, "patchesStrategicMerge")
			for i, e := range list {
				s, _ := e.(string)
				if strings.Contains(s, "\n") || strings.Contains(s, ":") {
					if seq != nil && i < len(seq.Content) {
						addInline(seq.Content[i], nil)
					}
					continue
				}
				addFile(s, nil, false)
			}
		}
		for _, field := range []string{"patches", "patchesJson6902"} {
			list, _ := k[field].([]any)
			_, seq := mapGet(root, field)
			for i, e := range list {
				m, _ := e.(map[string]any)
				target, _ := m["target"].(map[string]any)
				if p, ok := m["path"].(string); ok {
					addFile(p, target, field == "patchesJson6902")
					continue
				}
				if seq != nil && i < len(seq.Content) {
					_, inline := mapGet(deref(seq.Content[i]), "patch")
					addInline(inline, target)
				}
			}
		}
		slices.Reverse(mine)
		out = append(out, mine...)
	}
	return out
}

// inlinePatch parses a patch written inline in a kustomization (patch: |)
// and moves its positions to where the text sits in the file.
func inlinePatch(pf *parsedFile, node *yaml.Node) []*patchSrc {
	if node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return nil // a quoted one-line patch: positions inside it are not worth guessing
	}
	docs, _ := parseYAML(pf.path, []byte(node.Value))
	indent := blockIndent(pf.data, node.Line+1)
	var out []*patchSrc
	for _, d := range docs {
		if d.root == nil {
			continue
		}
		shiftNodes(d.root, node.Line, indent)
		out = append(out, &patchSrc{file: pf.path, root: d.root, obj: d.obj, json6902: d.root.Kind == yaml.SequenceNode})
	}
	return out
}

// blockIndent returns the indentation of a line of data (1-based).
func blockIndent(data []byte, line int) int {
	for i, l := range strings.Split(string(data), "\n") {
		if i+1 == line {
			return len(l) - len(strings.TrimLeft(l, " "))
		}
	}
	return 0
}

// matches reports whether a patch applies to a rendered object, by its
// target selector or by the kind and name of its own document.
func (p *patchSrc) matches(obj map[string]any) bool {
	_, kind, _, name := meta(obj)
	if p.target != nil {
		if k, _ := p.target["kind"].(string); k != "" && k != kind {
			return false
		}
		if n, _ := p.target["name"].(string); n != "" && !nameMatches(n, name) {
			return false
		}
		return true
	}
	if p.json6902 || p.obj == nil {
		return false
	}
	_, pk, _, pn := meta(p.obj)
	return pk == kind && (pn == name || (pn != "" && strings.Contains(name, pn)))
}

func nameMatches(pattern, name string) bool {
	if pattern == name || strings.Contains(name, pattern) {
		return true
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	return err == nil && re.MatchString(name)
}

// locate finds path in the patch; ok is false when the patch does not set
// it.
func (p *patchSrc) locate(obj map[string]any, pth []string, atKey bool) (line, col int, ok bool) {
	if !p.json6902 {
		line, col, full := locateLike(p.root, obj, pth, atKey)
		return line, col, full
	}
	for i := len(p.root.Content) - 1; i >= 0; i-- {
		op := deref(p.root.Content[i])
		if op.Kind != yaml.MappingNode {
			continue
		}
		_, pn := mapGet(op, "path")
		if pn == nil {
			continue
		}
		toks := strings.Split(strings.TrimPrefix(pn.Value, "/"), "/")
		if len(toks) > len(pth) {
			continue
		}
		_, val := mapGet(op, "value")
		sub := valueAt(obj, pth[:len(toks)])
		match := true
		for j, t := range toks {
			t = strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
			if t == "-" && j == len(toks)-1 && val != nil {
				// An appended item: it is this one if it has its identity.
				if m, ok := sub.(map[string]any); !ok || matchItem(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{val}}, []any{m}, 0) == nil {
					match = false
				}
				continue
			}
			if t != pth[j] {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		if val == nil {
			return pn.Line, pn.Column, true
		}
		line, col, full := locateLike(val, sub, pth[len(toks):], atKey)
		if !full {
			continue
		}
		return line, col, true
	}
	return 0, 0, false
}

// valueAt follows path in a value.
func valueAt(v any, p []string) any {
	for _, t := range p {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i := 0
			fmt.Sscan(t, &i)
			if i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// renderedPos maps a path in a rendered object back to its source: the
// patch that sets the field, else the kustomization's images entry that
// set an image, else the file the object came from, else the
// kustomization file.
func (r *run) renderedPos(b *build, obj map[string]any, origin string) func([]string, bool) (string, int, int) {
	return func(p []string, atKey bool) (string, int, int) {
		b.patchesOnce.Do(func() { b.patches = r.collectPatches(b) })
		for _, ps := range b.patches {
			if !ps.matches(obj) {
				continue
			}
			if line, col, ok := ps.locate(obj, p, atKey); ok {
				return ps.file, line, col
			}
		}
		var d *document
		if origin != "" {
			d = matchDoc(r.file(origin).docs, obj)
		}
		if len(p) > 0 && p[len(p)-1] == "image" {
			// An image the kustomization's images: rewrote is pinned to that
			// entry; one that is as written to its source.
			same := false
			if d != nil {
				if _, v, full := locateLikeNode(d.root, obj, p); full && v != nil && v.Value == valueAt(obj, p) {
					same = true
				}
			}
			if !same {
				if file, line, col, ok := r.imageEntry(b, obj, p); ok {
					return file, line, col
				}
			}
		}
		if d != nil {
			line, col, _ := locateLike(d.root, obj, p, atKey)
			return origin, line, col
		}
		return b.kfile, 1, 1
	}
}

// imageEntry finds the images: entry of a kustomization that set the
// rendered image at path p.
func (r *run) imageEntry(b *build, obj map[string]any, p []string) (string, int, int, bool) {
	image, _ := valueAt(obj, p).(string)
	name, tag, digest := splitImage(image)
	type hit struct {
		file      string
		line, col int
	}
	var first, exact *hit // the overlay's kustomization is read before its bases'
	for _, kf := range b.read {
		if !isKustomizationFile(kf) {
			continue
		}
		pf := r.file(kf)
		if len(pf.docs) == 0 || pf.docs[0].root == nil {
			continue
		}
		_, seq := mapGet(pf.docs[0].root, "images")
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, e := range seq.Content {
			if e.Kind != yaml.MappingNode {
				continue
			}
			_, n := mapGet(e, "name")
			_, nn := mapGet(e, "newName")
			if (n == nil || n.Value != name) && (nn == nil || nn.Value != name) {
				continue
			}
			for _, f := range []string{"digest", "newTag", "newName", "name"} {
				if _, v := mapGet(e, f); v != nil {
					h := &hit{kf, v.Line, v.Column}
					// Several entries may name the image (an overlay's
					// and its base's, or two in one file): the one that
					// set the rendered tag or digest is the one to blame.
					if exact == nil && ((f == "newTag" && v.Value == tag) || (f == "digest" && v.Value == digest)) {
						exact = h
					}
					if first == nil {
						first = h
					}
					break
				}
			}
		}
	}
	switch {
	case exact != nil:
		return exact.file, exact.line, exact.col, true
	case first != nil:
		return first.file, first.line, first.col, true
	}
	return "", 0, 0, false
}

// matchDoc finds the document of a file a rendered object came from: the
// same kind, and the name kustomize may have prefixed or suffixed.
func matchDoc(docs []*document, obj map[string]any) *document {
	_, kind, _, name := meta(obj)
	var byKind *document
	n := 0
	for _, d := range docs {
		if d.obj == nil {
			continue
		}
		_, k, _, dn := meta(d.obj)
		if k != kind {
			continue
		}
		if dn == name {
			return d
		}
		if dn != "" && strings.Contains(name, dn) {
			byKind = d
		}
		n++
	}
	if byKind != nil {
		return byKind
	}
	if n == 1 || len(docs) == 1 {
		for _, d := range docs {
			if d.obj != nil {
				if _, k, _, _ := meta(d.obj); k == kind || len(docs) == 1 {
					return d
				}
			}
		}
	}
	return nil
}

// buildErrorPos pins a build error to the entry of the kustomization it
// quotes (a missing resource, a bad patch path), else to the file's start.
func buildErrorPos(pf *parsedFile, msg string) (int, int) {
	if len(pf.docs) == 0 || pf.docs[0].root == nil {
		return 1, 1
	}
	var found *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if found != nil {
			return
		}
		if n.Kind == yaml.ScalarNode && n.Value != "" && !strings.Contains(n.Value, "\n") && quotes(msg, n.Value) {
			found = n
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(pf.docs[0].root)
	if found == nil {
		return 1, 1
	}
	return found.Line, found.Column
}

// quotes reports whether an error message names v as a quoted value, a
// list item or an argument ('v', "v", [v], [v w], [w v], path(v)).
func quotes(msg, v string) bool {
	for _, q := range []string{"'" + v + "'", "\"" + v + "\"", "[" + v + "]", "[" + v + " ", " " + v + "]", "(" + v + ")"} {
		if strings.Contains(msg, q) {
			return true
		}
	}
	return false
}

// patchFiles lists the files of fsys a kustomization names as patches.
func (r *run) patchFiles(kfile string, k map[string]any) []string {
	var out []string
	add := func(v any) {
		s, _ := v.(string)
		if s == "" || strings.ContainsAny(s, "\n:") {
			return
		}
		name := path.Clean(path.Join(path.Dir(kfile), s))
		if _, err := fsStat(r, name); err == nil {
			out = append(out, name)
		}
	}
	for _, field := range []string{"patchesStrategicMerge", "patches", "patchesJson6902"} {
		list, _ := k[field].([]any)
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				add(m["path"])
			} else {
				add(e)
			}
		}
	}
	return out
}

// deleteKeys removes keys and their values from a mapping's content.
func deleteKeys(content []*yaml.Node, keys ...string) []*yaml.Node {
	out := content[:0:0]
	for i := 0; i+1 < len(content); i += 2 {
		if slices.Contains(keys, content[i].Value) {
			continue
		}
		out = append(out, content[i], content[i+1])
	}
	return out
}
