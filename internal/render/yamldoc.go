package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Document is one YAML document of a file: its plain value and, for
// positions, its node tree.
type Document struct {
	// File is the path of the file in the tree, Index the document's
	// 0-based position in it.
	File  string
	Index int
	// Obj is the document's value when it is a mapping, as encoding/json
	// would give it (maps, slices, strings, int64, float64, bool, nil).
	Obj  map[string]any
	root *yaml.Node // the document's content node; nil for an empty document, or until Node parses it
	// src and line are the text of a document quickParse read, and the
	// line it starts on: node() parses it when a position is wanted.
	src  []byte
	line int
}

// Node returns the document's node tree, parsing it now if quickParse
// read the document: lines are those of the file, as if the whole file
// had been parsed. It is nil for an empty document.
func (d *Document) Node() *yaml.Node {
	if d.root == nil && d.src != nil {
		var n yaml.Node
		if yaml.Unmarshal(d.src, &n) == nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
			d.root = n.Content[0]
			shiftNodes(d.root, d.line-1, 0)
		}
		d.src = nil
	}
	return d.root
}

// Source is where a document of a file is written, to be found again
// once the document is let go (FindDocument): its file, and the line its
// first key is on or, with Chunk set, the line it starts on (its "---").
// Prefix is the path of the object in the document: an item of a List.
type Source struct {
	File   string
	Line   int
	Chunk  bool
	Prefix []string
}

// Source is where the object at prefix of d is written, for a document
// EachQuickDocument read without its node tree; nil for a document parsed
// into nodes, whose positions cost nothing.
func (d *Document) Source(prefix []string) *Source {
	if d.root != nil || d.src == nil {
		return nil
	}
	return &Source{File: d.File, Line: d.line, Chunk: true, Prefix: prefix}
}

// FindDocument parses the document of data that src names (its Prefix
// aside); nil when data holds none there.
func FindDocument(data []byte, src Source) *yaml.Node {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !src.Chunk {
		docs, _ := ParseYAML(src.File, data)
		if d := docAtLine(docs, src.Line); d != nil {
			return d.root
		}
		return nil
	}
	for _, c := range splitDocuments(data) {
		if c.line == src.Line {
			return (&Document{src: c.data, line: c.line}).Node()
		}
	}
	return nil
}

// docAtLine returns the document whose first key is on line.
func docAtLine(docs []*Document, line int) *Document {
	for _, d := range docs {
		if d.root != nil && d.root.Line == line {
			return d
		}
	}
	return nil
}

// Meta returns apiVersion, kind, namespace and name of an object.
func Meta(obj map[string]any) (apiVersion, kind, namespace, name string) {
	apiVersion, _ = obj["apiVersion"].(string)
	kind, _ = obj["kind"].(string)
	if md, ok := obj["metadata"].(map[string]any); ok {
		namespace, _ = md["namespace"].(string)
		name, _ = md["name"].(string)
	}
	return
}

// isResource reports whether obj looks like a Kubernetes object: it has both
// an apiVersion and a kind. Other YAML (values files, CI configuration) is
// not a resource and is only checked for syntax.
func isResource(obj map[string]any) bool {
	a, k, _, _ := Meta(obj)
	return a != "" && k != ""
}

// maxNodes bounds the expansion of aliases when turning a document into
// values, so that a "billion laughs" file cannot exhaust memory.
const maxNodes = 1 << 20

var errTooLarge = errors.New("document expands to too many nodes through aliases")

// ParseYAML splits data into documents and parses each on its own, so that
// a syntax error in one document does not hide the others. Line numbers in
// the returned nodes are those of the whole file.
func ParseYAML(file string, data []byte) ([]*Document, []Problem) {
	var docs []*Document
	fs := eachDocument(file, data, func(d *Document) { docs = append(docs, d) }, func() { docs = nil })
	return docs, fs
}

// eachDocument parses data one document at a time and hands each to f,
// which keeps it or lets it go: memory then holds the node tree and value
// of one document rather than of the file (for a 5 MB file of 11,000
// resources, 160 MB of trees and maps). It returns the problems of
// parsing. A file with a syntax error is parsed a second time, chunk by
// chunk, so that the error hides no other document: restart is called
// before, so that f's caller can drop what the first pass gave it.
func eachDocument(file string, data []byte, f func(*Document), restart func()) []Problem {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if fs, ok := parseStream(file, data, f); ok {
		return fs
	}
	restart()
	var fs []Problem
	for i, c := range splitDocuments(data) {
		if d := parseChunk(file, i, c, &fs); d != nil {
			f(d)
		}
	}
	return fs
}

// EachQuickDocument is eachDocument for a file whose documents are checked
// and let go: each is read by quickParse when it can, and by the full
// parser, chunk by chunk, when it cannot; f gets node trees only from the
// latter (document.node parses the others on demand). restart is called,
// as by eachDocument, when what f got so far must be dropped.
func EachQuickDocument(file string, data []byte, f func(*Document), restart func()) []Problem {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(data, []byte("%")) || bytes.Contains(data, []byte("\n%")) {
		// A directive belongs to the document after it: the stream is
		// parsed whole.
		return eachDocument(file, data, f, restart)
	}
	text := string(data)
	var fs []Problem
	for i, c := range splitDocuments(data) {
		if v, ok := quickParse(text[c.off : c.off+len(c.data)]); ok {
			obj, _ := v.(map[string]any)
			f(&Document{File: file, Index: i, Obj: obj, src: c.data, line: c.line})
			continue
		}
		if d := parseChunk(file, i, c, &fs); d != nil {
			f(d)
		}
	}
	return fs
}

// parseChunk parses one document of a file with the full parser, adding
// its syntax errors and duplicate keys to fs; nil when it does not parse.
func parseChunk(file string, i int, c chunk, fs *[]Problem) *Document {
	var n yaml.Node
	if err := yaml.Unmarshal(c.data, &n); err != nil {
		*fs = append(*fs, syntaxProblem(file, c, err))
		return nil
	}
	d := &Document{File: file, Index: i}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		d.root = n.Content[0]
	}
	if d.root != nil {
		shiftAndCheck(file, d.root, c.line-1, fs)
		budget := maxNodes
		v, err := toValue(d.root, &budget)
		if err != nil {
			*fs = append(*fs, Problem{File: file, Line: d.root.Line, Column: d.root.Column, Kind: SyntaxError, Message: err.Error()})
			return nil
		}
		d.Obj, _ = v.(map[string]any)
	}
	return d
}

// parseStream parses a whole stream with one parser, the fast path for a
// file without syntax errors; ok is false when it has one, and the caller
// then parses document by document.
func parseStream(file string, data []byte, f func(*Document)) (fs []Problem, ok bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for index := 0; ; {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return fs, true
		}
		if err != nil {
			return nil, false
		}
		if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
			continue
		}
		d := &Document{File: file, Index: index, root: n.Content[0]}
		shiftAndCheck(file, d.root, 0, &fs)
		budget := maxNodes
		v, err := toValue(d.root, &budget)
		if err != nil {
			fs = append(fs, Problem{File: file, Line: d.root.Line, Column: d.root.Column, Kind: SyntaxError, Message: err.Error()})
			continue
		}
		d.Obj, _ = v.(map[string]any)
		index++
		f(d)
	}
}

type chunk struct {
	line int // 1-based line of the chunk's first byte in the file
	off  int // offset of its first byte in the file
	data []byte
}

// splitDocuments cuts a stream at its "---" document markers (at the start
// of a line). A marker line stays in the chunk it opens, so that "--- |" or
// "--- !tag" keep their meaning.
func splitDocuments(data []byte) []chunk {
	var out []chunk
	start, startLine, line := 0, 1, 1
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		end := len(data)
		if j >= 0 {
			end = i + j + 1
		}
		l := data[i:end]
		if i > start && isMarker(l) {
			out = append(out, chunk{startLine, start, data[start:i]})
			start, startLine = i, line
		}
		i = end
		line++
	}
	out = append(out, chunk{startLine, start, data[start:]})
	// Drop chunks that hold nothing but the marker, comments or blanks, so
	// that a leading or trailing "---" does not count as a document.
	kept := out[:0]
	for _, c := range out {
		if !blankDocument(c.data) {
			kept = append(kept, c)
		}
	}
	return kept
}

func isMarker(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	rest := l[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}

func blankDocument(data []byte) bool {
	for len(data) > 0 {
		l := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		t := bytes.TrimSpace(l)
		if len(t) == 0 || t[0] == '#' || bytes.Equal(t, []byte("---")) || bytes.Equal(t, []byte("...")) {
			continue
		}
		return false
	}
	return true
}

// syntaxProblem turns a parser error about chunk c of a file into a
// problem at its line in the file.
//
// go.yaml.in/yaml/v3 says where in its message alone ("yaml: line 4:
// found unexpected end of stream"), without a column: the line of the
// problem's context when it has one (the quoted scalar or the flow
// sequence the parser was in), else of the problem. It counts that line
// from 1 for the scanner's errors but from 0 for the parser's
// (parser.fail in its decode.go), which parserProblems tells apart. An
// unknown anchor comes without a line: its alias is looked up in the
// text.
func syntaxProblem(file string, c chunk, err error) Problem {
	p := Problem{File: file, Line: c.line, Kind: SyntaxError, Message: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := errLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			n++
		}
		p.Line, p.Message = c.line+n-1, m[2]
	} else if m := unknownAnchor.FindStringSubmatch(err.Error()); m != nil {
		if line, col, ok := findAlias(c.data, m[1]); ok {
			p.Line, p.Column = c.line+line-1, col
		}
	}
	return p
}

// errLine and unknownAnchor read go.yaml.in/yaml/v3's syntax errors.
var (
	errLine       = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// parserProblems are the messages of the errors go.yaml.in/yaml/v3's
// parser (parserc.go) rather than its scanner reports: their line is
// counted from 0.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
	"found undefined tag handle":             true,
}

// findAlias finds the first alias of anchor name (*name, then a character
// an anchor cannot hold) in data: its 1-based line and column.
func findAlias(data []byte, name string) (line, col int, ok bool) {
	re, err := regexp.Compile(`\*` + regexp.QuoteMeta(name) + `(?:[^0-9A-Za-z_-]|$)`)
	if err != nil {
		return 0, 0, false
	}
	for i, l := range strings.Split(string(data), "\n") {
		if loc := re.FindStringIndex(l); loc != nil {
			return i + 1, utf8.RuneCountInString(l[:loc[0]]) + 1, true
		}
	}
	return 0, 0, false
}

// shiftAndCheck moves every node's line by offset and reports duplicate
// keys of every mapping, at the second key.
func shiftAndCheck(file string, n *yaml.Node, offset int, fs *[]Problem) {
	n.Line += offset
	for _, c := range n.Content {
		shiftAndCheck(file, c, offset, fs)
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	if len(n.Content) <= 16 {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || isMerge(k) {
				continue
			}
			for j := 0; j < i; j += 2 {
				if p := n.Content[j]; p.Kind == yaml.ScalarNode && p.Value == k.Value && !isMerge(p) {
					*fs = append(*fs, dupKey(file, k, p))
					break
				}
			}
		}
		return
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || isMerge(k) {
			continue
		}
		if p, ok := seen[k.Value]; ok {
			*fs = append(*fs, dupKey(file, k, p))
			continue
		}
		seen[k.Value] = k
	}
}

func dupKey(file string, k, first *yaml.Node) Problem {
	return Problem{File: file, Line: k.Line, Column: k.Column, Kind: DuplicateKey,
		Message: fmt.Sprintf("key %q is already defined at line %d", k.Value, first.Line)}
}

func isMerge(k *yaml.Node) bool {
	return k.Value == "<<" && (k.Tag == "!!merge" || k.Tag == "") && k.Style == 0
}

// toValue turns a node into plain Go values as encoding/json would produce
// them (maps, slices, strings, int64, float64, bool, nil), following
// aliases and merge keys.
func toValue(n *yaml.Node, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, errTooLarge
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toValue(n.Content[0], budget)
	case yaml.AliasNode:
		return toValue(n.Alias, budget)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toValue(c, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isMerge(k) {
				if err := merge(out, v, budget); err != nil {
					return nil, err
				}
				continue
			}
			val, err := toValue(v, budget)
			if err != nil {
				return nil, err
			}
			out[k.Value] = val
		}
		return out, nil
	case yaml.ScalarNode:
		return scalar(n), nil
	}
	return nil, nil
}

// merge applies a "<<" merge key: keys already set win.
func merge(out map[string]any, v *yaml.Node, budget *int) error {
	src := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		src = v.Content
	}
	for _, s := range src {
		m, err := toValue(s, budget)
		if err != nil {
			return err
		}
		if mm, ok := m.(map[string]any); ok {
			for k, x := range mm {
				if _, set := out[k]; !set {
					out[k] = x
				}
			}
		}
	}
	return nil
}

func scalar(n *yaml.Node) any { return scalarOf(n.ShortTag(), n.Value) }

// locate walks path (JSON pointer tokens) from n. It returns the key node
// of the last mapping step (nil when the last step was a list index or when
// path is empty), the node reached, and how many tokens it could follow.
func locate(n *yaml.Node, path []string) (key, val *yaml.Node, depth int) {
	val = n
	for _, tok := range path {
		val = Deref(val)
		switch val.Kind {
		case yaml.MappingNode:
			k, v := mapGet(val, tok)
			if v == nil {
				return key, val, depth
			}
			key, val = k, v
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(val.Content) {
				return key, val, depth
			}
			key, val = nil, val.Content[i]
		default:
			return key, val, depth
		}
		depth++
	}
	return key, val, depth
}

func Deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// mapGet finds key k in mapping m, looking through merge keys after the
// mapping's own keys.
func mapGet(m *yaml.Node, k string) (key, val *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if c := m.Content[i]; c.Value == k && !isMerge(c) {
			return c, m.Content[i+1]
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isMerge(m.Content[i]) {
			src := Deref(m.Content[i+1])
			srcs := []*yaml.Node{src}
			if src.Kind == yaml.SequenceNode {
				srcs = src.Content
			}
			for _, s := range srcs {
				if s = Deref(s); s.Kind == yaml.MappingNode {
					if kk, vv := mapGet(s, k); vv != nil {
						return kk, vv
					}
				}
			}
		}
	}
	return nil, nil
}

// NodePos returns the line and column for a path in a document: the key of
// the last step for an unknown field, an object or a path that could not be
// followed to its end, else the value.
func NodePos(root *yaml.Node, p []string, atKey bool) (int, int) {
	if root == nil {
		return 0, 0
	}
	key, val, depth := locate(root, p)
	n := val
	if key != nil && (atKey || depth < len(p) || Deref(val).Kind != yaml.ScalarNode) {
		n = key
	}
	return n.Line, n.Column
}

// locateLike follows path, a path in the rendered value obj, through src,
// a source document the value came from, where list items may sit at other
// indexes: an item is matched by its name (or another identifying field)
// in the rendered value. It returns the position and whether the whole
// path was found in src.
func locateLike(src *yaml.Node, obj any, p []string, atKey bool) (line, col int, full bool) {
	key, n, full := locateLikeNode(src, obj, p)
	at := n
	if key != nil && (atKey || !full || Deref(n).Kind != yaml.ScalarNode) {
		at = key
	}
	return at.Line, at.Column, full
}

// locateLikeNode is locateLike returning the nodes reached: the key of the
// last mapping step and the value.
func locateLikeNode(src *yaml.Node, obj any, p []string) (key, val *yaml.Node, full bool) {
	n, v := src, obj
	depth := 0
	for _, tok := range p {
		n = Deref(n)
		switch x := v.(type) {
		case map[string]any:
			if n.Kind != yaml.MappingNode {
				goto done
			}
			k, val := mapGet(n, tok)
			if val == nil {
				goto done
			}
			key, n, v = k, val, x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) || n.Kind != yaml.SequenceNode {
				goto done
			}
			item := matchItem(n, x, i)
			if item == nil {
				goto done
			}
			key, n, v = nil, item, x[i]
		default:
			goto done
		}
		depth++
	}
done:
	return key, n, depth == len(p)
}

// identityKeys identify an item of a list in Kubernetes objects, in the
// order strategic merge patches use them.
var identityKeys = []string{"name", "containerPort", "mountPath", "devicePath", "port", "ip", "topologyKey", "key", "type"}

// matchItem finds in seq the item that corresponds to list[i].
func matchItem(seq *yaml.Node, list []any, i int) *yaml.Node {
	if m, ok := list[i].(map[string]any); ok {
		for _, id := range identityKeys {
			want, ok := m[id]
			if !ok {
				continue
			}
			ws := fmt.Sprint(want)
			for _, c := range seq.Content {
				if c = Deref(c); c.Kind == yaml.MappingNode {
					if _, v := mapGet(c, id); v != nil && v.Kind == yaml.ScalarNode && v.Value == ws {
						return c
					}
				}
			}
			return nil
		}
	}
	if s, ok := list[i].(string); ok {
		for _, c := range seq.Content {
			if c = Deref(c); c.Kind == yaml.ScalarNode && c.Value == s {
				return c
			}
		}
	}
	if len(seq.Content) == len(list) {
		return seq.Content[i]
	}
	return nil
}

// shiftNodes moves a tree parsed from an embedded string to the position
// of that string in its file.
func shiftNodes(n *yaml.Node, dLine, dCol int) {
	n.Column += dCol
	n.Line += dLine
	for _, c := range n.Content {
		shiftNodes(c, dLine, dCol)
	}
}
