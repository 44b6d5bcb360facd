package render

import (
	"bytes"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/helm"
)

// The values a release renders with are composed the way its controller
// composes them (helmrelease.Values, argoapp.Values), and handed to the
// engine as one layer of values with no place. Where each value is
// written comes after it, as layers that write nothing (empty values) and
// only say where the values at their paths are written: the engine takes
// the last layer that places a path as the one that wrote it, so they
// are appended in the order the controller applies their sources.

// maxPinned bounds the positions recorded for one source of values.
const maxPinned = 20000

// pinnedLayers places the values of tree, which sit at prefix of the
// values (nil for the top), at the positions pos gives for each of their
// paths (pos gets the path within tree).
func pinnedLayers(tree map[string]any, prefix []string, pos func(p []string, at Pin) (file string, line, col int)) []helm.Layer {
	var out []helm.Layer
	var walk func(v any, p []string)
	walk = func(v any, p []string) {
		if len(out) >= maxPinned {
			return
		}
		at := slices.Concat(prefix, p)
		var n *yaml.Node
		var file string
		switch x := v.(type) {
		case map[string]any:
			if len(p) > 0 {
				f, line, col := pos(p, PinKey)
				file, n = f, &yaml.Node{Kind: yaml.MappingNode, Line: line, Column: col}
			}
			for _, k := range sortedKeys(x) {
				walk(x[k], append(slices.Clip(p), k))
			}
		case []any:
			f, line, col := pos(p, PinKey)
			file, n = f, &yaml.Node{Kind: yaml.SequenceNode, Line: line, Column: col}
			for i, e := range x {
				walk(e, append(slices.Clip(p), strconv.Itoa(i)))
			}
		default:
			f, line, col := pos(p, PinValue)
			file, n = f, &yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col}
		}
		if n != nil && file != "" && n.Line > 0 {
			out = append(out, helm.Layer{File: file, Node: n, Values: map[string]any{}, Prefix: at})
		}
	}
	walk(tree, nil)
	return out
}

// blockLayer places values written as YAML text in a block scalar (the
// values: | of an Argo CD source, a ConfigMap's data key) at their lines
// in the file: the scalar's indicator is at line, col. It is nil when the
// scalar is not a block scalar (a quoted string), whose inside has no
// lines of its own.
func blockLayer(fsys fs.FS, file string, line, col int, text string, prefix []string) []helm.Layer {
	docs := blockDocs(fsys, file, line, col, text)
	if len(docs) == 0 || docs[0].root == nil {
		return nil
	}
	return []helm.Layer{{File: file, Node: docs[0].root, Values: map[string]any{}, Prefix: prefix}}
}

// blockDocs parses the YAML text of a block scalar whose indicator is at
// line, col of file, its positions those of the file; nil when the
// scalar is not a block scalar.
func blockDocs(fsys fs.FS, file string, line, col int, text string) []*Document {
	data, err := fs.ReadFile(fsys, file)
	if err != nil || line < 1 {
		return nil
	}
	lines := bytes.Split(data, []byte("\n"))
	if line > len(lines) {
		return nil
	}
	l := lines[line-1]
	if col < 1 || col > len(l) || (l[col-1] != '|' && l[col-1] != '>') {
		return nil
	}
	docs, _ := ParseYAML(file, []byte(text))
	indent := blockIndent(data, line+1)
	for _, d := range docs {
		if d.root != nil {
			shiftNodes(d.root, line, indent)
		}
	}
	return docs
}

// fileLayers places the values of a values file of the repository (every
// document of it, as Helm merges them).
func fileLayers(file string, data []byte) []helm.Layer {
	var out []helm.Layer
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if dec.Decode(&doc) != nil {
			break
		}
		if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 && doc.Content[0].Kind == yaml.MappingNode {
			out = append(out, helm.Layer{File: file, Node: doc.Content[0], Values: map[string]any{}})
		}
	}
	return out
}

// setPath splits a path of Helm's --set syntax ("a.b[0].c", "a\.b")
// into the tokens of the values path it sets; ok is false for one it
// cannot follow (a list index past a map, brackets unclosed).
func setPath(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
		case '.':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		case '[':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, false
			}
			if _, err := strconv.Atoi(s[i+1 : i+j]); err != nil {
				return nil, false
			}
			out = append(out, s[i+1:i+j])
			i += j
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out, len(out) > 0
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
