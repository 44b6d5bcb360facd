package render

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
)

// cleanKustomizeError makes the paths of our in-memory file system read as
// paths of the repository.
func cleanKustomizeError(s string) string {
	s = literalsRE.ReplaceAllString(s, "literal sources (hidden): ")
	s = literalRE.ReplaceAllString(s, "${1}(hidden)$2")
	s = envLineRE.ReplaceAllString(s, "a line of a generator's env file is not valid UTF-8 (its bytes are not shown)")
	s = absPathRE.ReplaceAllString(s, "$1$2")
	return sayOnce(s)
}

// kustomize tries a missing resource as a file, then as a directory, and
// says the same cause twice: "accumulation err='accumulating resources
// from 'x.yaml': stat x.yaml: no such file': must build at directory: not
// a valid directory: stat x.yaml: no such file". Said once, it reads
// "accumulating resources from 'x.yaml': stat x.yaml: no such file".
var twiceRE = regexp.MustCompile(`accumulation err='(accumulating resources from '[^']*'): (.*)': must build at directory: not a valid directory: (.*)$`)

func sayOnce(s string) string {
	m := twiceRE.FindStringSubmatchIndex(s)
	if m == nil || s[m[4]:m[5]] != s[m[6]:m[7]] {
		return s
	}
	return s[:m[0]] + s[m[2]:m[3]] + ": " + s[m[4]:m[5]]
}

// kustomize quotes a configMapGenerator or secretGenerator value it cannot
// use: a literal without its key ("literal sources [db=x hunter2]:
// invalid literal source hunter2, expected key=value", the list of every
// literal first) and an env file's line that is not UTF-8 (its bytes
// as numbers, then as text). Either may be a Secret's value, and a
// problem becomes a finding in the job's log and annotations: the value
// is left out.
var (
	literalsRE = regexp.MustCompile(`literal sources \[.*\]: `)
	literalRE  = regexp.MustCompile(`(invalid literal source ).*(, expected key=value)`)
	envLineRE  = regexp.MustCompile(`line \[[0-9 ]*\] has invalid utf8 bytes : .*`)
)

// absPathRE finds the leading slash of a path our file system gave
// kustomize: after a space, a quote or a bracket, before a path character.
var absPathRE = regexp.MustCompile(`(^|[\s'"\[(])/([\w.-])`)

// isRemote reports whether a resources/bases/components entry of a
// kustomization in dir is a remote reference kustomize would fetch over
// the network (a URL, a git repository): anything with a scheme, a git@
// address, or a path that does not exist locally and starts with a host
// name (github.com/org/repo/...).
func (t *Tree) isRemote(dir, entry string) bool {
	if entry == "" {
		return false
	}
	if strings.Contains(entry, "://") || strings.HasPrefix(entry, "git@") || strings.HasPrefix(entry, "git::") {
		return true
	}
	if strings.Contains(entry, "?ref=") || strings.Contains(entry, "?version=") {
		return true
	}
	if _, err := t.stat(path.Join(dir, entry)); err == nil {
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
	// kfile and entry are the kustomization and its item that name the
	// patch (its path, or its patch key for one written inline).
	kfile string
	entry *yaml.Node
}

// collectPatches gathers the patches of every kustomization the build read,
// the overlay's first (they apply last, so they win), and within one
// kustomization the last first.
func (b *build) patchList() []*patchSrc {
	b.mu.Lock()
	done := b.patchesDone
	b.mu.Unlock()
	if done {
		return b.patches
	}
	t := b.t
	var out []*patchSrc
	for _, kf := range b.read {
		if !IsKustomizationFile(kf) {
			continue
		}
		pf := b.file(kf)
		if len(pf.docs) == 0 || pf.docs[0].Obj == nil {
			continue
		}
		k, root := pf.docs[0].Obj, pf.docs[0].root
		dir := path.Dir(kf)
		var mine []*patchSrc
		item := func(seq *yaml.Node, i int) *yaml.Node {
			if seq = Deref(seq); seq != nil && seq.Kind == yaml.SequenceNode && i < len(seq.Content) {
				return Deref(seq.Content[i])
			}
			return nil
		}
		addFile := func(p string, target map[string]any, json bool, entry *yaml.Node) {
			if p == "" {
				return
			}
			name := path.Clean(path.Join(dir, p))
			if _, err := t.stat(name); err != nil {
				return
			}
			for _, d := range b.file(name).docs {
				if d.root == nil {
					continue
				}
				mine = append(mine, &patchSrc{file: name, root: d.root, obj: d.Obj, target: target, json6902: json || d.root.Kind == yaml.SequenceNode, kfile: kf, entry: entry})
			}
		}
		addInline := func(node *yaml.Node, target map[string]any, entry *yaml.Node) {
			if node == nil || node.Kind != yaml.ScalarNode {
				return
			}
			for _, p := range inlinePatch(pf, node) {
				p.target, p.kfile, p.entry = target, kf, entry
				mine = append(mine, p)
			}
		}
		if list, ok := k["patchesStrategicMerge"].([]any); ok {
			_, seq := mapGet(root, "patchesStrategicMerge")
			for i, e := range list {
				s, _ := e.(string)
				if strings.Contains(s, "\n") || strings.Contains(s, ":") {
					addInline(item(seq, i), nil, item(seq, i))
					continue
				}
				addFile(s, nil, false, item(seq, i))
			}
		}
		for _, field := range []string{"patches", "patchesJson6902"} {
			list, _ := k[field].([]any)
			_, seq := mapGet(root, field)
			for i, e := range list {
				m, _ := e.(map[string]any)
				target, _ := m["target"].(map[string]any)
				it := item(seq, i)
				if p, ok := m["path"].(string); ok {
					var entry *yaml.Node
					if it != nil {
						_, entry = mapGet(it, "path")
					}
					addFile(p, target, field == "patchesJson6902", entry)
					continue
				}
				if it != nil {
					key, inline := mapGet(it, "patch")
					addInline(inline, target, key)
				}
			}
		}
		slices.Reverse(mine)
		out = append(out, mine...)
	}
	b.mu.Lock()
	b.patches, b.patchesDone = out, true
	b.mu.Unlock()
	return out
}

// inlinePatch parses a patch written inline in a kustomization (patch: |)
// and moves its positions to where the text sits in the file.
func inlinePatch(pf *parsedFile, node *yaml.Node) []*patchSrc {
	if node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return nil // a quoted one-line patch: positions inside it are not worth guessing
	}
	docs, _ := ParseYAML(pf.path, []byte(node.Value))
	indent := blockIndent(pf.data, node.Line+1)
	var out []*patchSrc
	for _, d := range docs {
		if d.root == nil {
			continue
		}
		shiftNodes(d.root, node.Line, indent)
		out = append(out, &patchSrc{file: pf.path, root: d.root, obj: d.Obj, json6902: d.root.Kind == yaml.SequenceNode})
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
	_, kind, _, name := Meta(obj)
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
	_, pk, _, pn := Meta(p.obj)
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
		op := Deref(p.root.Content[i])
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

// renderedPos maps a path in a rendered object back to its source. A
// missing field goes to the document that defines the object holding it;
// anything else to the patch that sets it, else, for an image the
// kustomization's images: rewrote, to that entry, else to the document the
// object came from, else to the kustomization file.
func (b *build) renderedPos(obj map[string]any, src *Source) func([]string, Pin) (string, int, int) {
	return func(p []string, at Pin) (string, int, int) {
		file, n, fixed := b.sourceOf(obj, src)
		if fixed {
			return file, n.Line, n.Column
		}
		if at == PinOwner && n != nil {
			if line, col, full := locateLike(n, obj, p, false); full {
				return file, line, col
			}
		}
		for _, ps := range b.patchList() {
			if !ps.matches(obj) {
				continue
			}
			if line, col, ok := ps.locate(obj, p, at == PinKey); ok {
				return ps.file, line, col
			}
		}
		if len(p) > 0 && p[len(p)-1] == "image" {
			// An image the kustomization's images: rewrote is pinned to that
			// entry; one that is as written to its source.
			same := false
			if n != nil {
				if _, v, full := locateLikeNode(n, obj, p); full && v != nil && v.Value == valueAt(obj, p) {
					same = true
				}
			}
			if !same {
				if file, line, col, ok := b.imageEntry(obj, p); ok {
					return file, line, col
				}
			}
		}
		if n != nil {
			line, col, _ := locateLike(n, obj, p, at == PinKey)
			return file, line, col
		}
		return b.kfile, 1, 1
	}
}

// sourceOf finds the node a rendered object was written as: the document
// its origin names, else, for an object kustomize generated (a
// configMapGenerator's), the generator entry (fixed: every path is pinned
// there), else a document or List item of a file the build read as
// resources with the object's kind and name.
func (b *build) sourceOf(obj map[string]any, src *Source) (file string, n *yaml.Node, fixed bool) {
	if src != nil {
		if d := docAtLine(b.file(src.File).docs, src.Line); d != nil {
			return src.File, d.root, false
		}
	}
	if file, n := b.generatorEntry(obj); n != nil {
		return file, n, true
	}
	for _, f := range b.read {
		b.mu.Lock()
		candidate := b.resourceFiles[f] && !b.notResourceFiles[f]
		b.mu.Unlock()
		if !candidate {
			continue
		}
		if n := matchDoc(b.file(f).docs, obj); n != nil {
			return b.t.real(f), n, false
		}
	}
	return "", nil, false
}

// generatorEntry finds the configMapGenerator or secretGenerator entry of
// a kustomization the build read that generated obj.
func (b *build) generatorEntry(obj map[string]any) (string, *yaml.Node) {
	a, kind, _, name := Meta(obj)
	field := map[string]string{"ConfigMap": "configMapGenerator", "Secret": "secretGenerator"}[kind]
	if a != "v1" || field == "" {
		return "", nil
	}
	for _, kf := range b.read {
		if !IsKustomizationFile(kf) {
			continue
		}
		pf := b.file(kf)
		if len(pf.docs) == 0 || pf.docs[0].root == nil {
			continue
		}
		_, seq := mapGet(pf.docs[0].root, field)
		if seq = Deref(seq); seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, e := range seq.Content {
			if e = Deref(e); e.Kind != yaml.MappingNode {
				continue
			}
			if key, v := mapGet(e, "name"); v != nil && v.Value != "" && strings.Contains(name, v.Value) {
				return kf, key
			}
		}
	}
	return "", nil
}

// imageEntry finds the images: entry of a kustomization that set the
// rendered image at path p.
func (b *build) imageEntry(obj map[string]any, p []string) (string, int, int, bool) {
	image, _ := valueAt(obj, p).(string)
	name, tag, digest := imageref.Split(image)
	type hit struct {
		file      string
		line, col int
	}
	var first, exact *hit // the overlay's kustomization is read before its bases'
	for _, kf := range b.read {
		if !IsKustomizationFile(kf) {
			continue
		}
		pf := b.file(kf)
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

// matchDoc finds the document, or the item of a List document, a
// rendered object came from: the same kind, and the name kustomize may
// have prefixed or suffixed.
func matchDoc(docs []*Document, obj map[string]any) *yaml.Node {
	_, kind, _, name := Meta(obj)
	type candidate struct {
		root *yaml.Node
		obj  map[string]any
	}
	var cs []candidate
	for _, d := range docs {
		if d.Obj == nil {
			continue
		}
		if items, ok := ListItems(d.Obj); ok {
			_, seq := mapGet(d.root, "items")
			for i, it := range items {
				if m, ok := it.(map[string]any); ok && seq != nil && i < len(seq.Content) {
					cs = append(cs, candidate{seq.Content[i], m})
				}
			}
			continue
		}
		cs = append(cs, candidate{d.root, d.Obj})
	}
	var byName *yaml.Node
	n := 0
	for _, c := range cs {
		_, k, _, cn := Meta(c.obj)
		if k != kind {
			continue
		}
		if cn == name {
			return c.root
		}
		if cn != "" && strings.Contains(name, cn) {
			byName = c.root
		}
		n++
	}
	if byName != nil {
		return byName
	}
	if n == 1 {
		for _, c := range cs {
			if _, k, _, _ := Meta(c.obj); k == kind {
				return c.root
			}
		}
	}
	return nil
}

// buildErrorPos pins a build error to the entry of a kustomization it
// quotes (a missing resource, a bad patch path): of the kustomizations
// the build read, the last read first, since kustomize stops at the first
// error, deepest in the tree, and its message quotes every entry on the
// way there. Else it is the file's start.
func (b *build) buildErrorPos(msg string) (file string, line, col int) {
	var kfiles []string
	for _, f := range b.read {
		if IsKustomizationFile(f) && f != b.kfile {
			kfiles = append(kfiles, f)
		}
	}
	slices.Reverse(kfiles)
	for _, kf := range append(kfiles, b.kfile) {
		if line, col, ok := quotedEntry(b.file(kf), msg); ok {
			return kf, line, col
		}
	}
	if p := b.failedPatch(msg); p != nil && p.entry != nil {
		return p.kfile, p.entry.Line, p.entry.Column
	}
	return b.kfile, 1, 1
}

// smpNoMatch and jsonMissingPath find the patch a build error is about,
// in the words of kustomize (api/filters/patchstrategicmerge) and of
// evanphx/json-patch.
var (
	smpNoMatch      = regexp.MustCompile(`no resource matches strategic merge patch "([^".]+)\.[^"/]*/([^"]+)\.[^".]+"`)
	jsonMissingPath = regexp.MustCompile(`(?:add|remove|replace|move|copy|test) operation does not apply: doc is missing (?:from-)?path: "?([^":]+)`)
)

// failedPatch finds the patch a build error names: a strategic merge
// patch by the kind and name of its object, a JSON patch by the path of
// an operation; else, when the error is about a patch and the build has
// only one, that one.
func (b *build) failedPatch(msg string) *patchSrc {
	patches := b.patchList()
	if m := smpNoMatch.FindStringSubmatch(msg); m != nil {
		for _, p := range patches {
			if _, k, _, n := Meta(p.obj); !p.json6902 && k == m[1] && n == m[2] {
				return p
			}
		}
	}
	if m := jsonMissingPath.FindStringSubmatch(msg); m != nil {
		want := "/" + strings.TrimPrefix(m[1], "/")
		for _, p := range patches {
			if !p.json6902 {
				continue
			}
			for _, op := range p.root.Content {
				if _, v := mapGet(Deref(op), "path"); v != nil && v.Value == want {
					return p
				}
			}
		}
	}
	if len(patches) == 1 && strings.Contains(strings.ToLower(msg), "patch") {
		return patches[0]
	}
	return nil
}

// quotedEntry finds a value of a kustomization file that msg quotes.
func quotedEntry(pf *parsedFile, msg string) (line, col int, ok bool) {
	if len(pf.docs) == 0 || pf.docs[0].root == nil {
		return 0, 0, false
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
		return 0, 0, false
	}
	return found.Line, found.Column, true
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
func (t *Tree) patchFiles(kfile string, k map[string]any) []string {
	var out []string
	add := func(v any) {
		s, _ := v.(string)
		if s == "" || strings.ContainsAny(s, "\n:") {
			return
		}
		name := path.Clean(path.Join(path.Dir(kfile), s))
		if _, err := t.stat(name); err == nil {
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
