package helm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// Position is a place in a file of the repository.
type Position struct {
	File         string
	Line, Column int
}

// Layer is one source of values, with where it is written: a values file,
// the values: block of a manifest, a parameter. Layers are merged in
// order, each over those before, as helm merges -f files and --set.
type Layer struct {
	// File is the file of the repository the values are written in; ""
	// for values with no place in it.
	File string
	// Node is the YAML node the values at Prefix are written as (a
	// mapping, or the scalar a parameter sets), its positions in File;
	// nil when positions are unknown.
	Node *yaml.Node
	// Values are the values, the whole tree (what is under Prefix
	// included).
	Values map[string]any
	// Prefix is where in the values tree Node applies: nil for values
	// written from the top, a path for values a layer sets below it (a
	// targetPath, a parameter).
	Prefix []string
}

// NodeLayer is the layer of values written as a YAML mapping in file
// (a values file's document, the values: block of a manifest). The values
// are read as helm reads a values file, so that numbers and strings reach
// the templates as they would from helm.
func NodeLayer(file string, n *yaml.Node) (Layer, error) {
	if n == nil {
		return Layer{File: file, Values: map[string]any{}}, nil
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return Layer{File: file, Node: n, Values: map[string]any{}}, nil
	}
	if n.Kind != yaml.MappingNode {
		return Layer{}, fmt.Errorf("%s:%d:%d: values must be a mapping", file, n.Line, n.Column)
	}
	data, err := yaml.Marshal(n)
	if err != nil {
		return Layer{}, fmt.Errorf("%s:%d:%d: %w", file, n.Line, n.Column, err)
	}
	vals, err := common.ReadValues(data)
	if err != nil {
		return Layer{}, fmt.Errorf("%s:%d:%d: %w", file, n.Line, n.Column, err)
	}
	return Layer{File: file, Node: n, Values: vals}, nil
}

// ValueLayer is the layer that sets one value at a path (a parameter, a
// targetPath), written at node n of file.
func ValueLayer(file string, n *yaml.Node, at []string, value any) Layer {
	vals := map[string]any{}
	m := vals
	for i, k := range at {
		if i == len(at)-1 {
			m[k] = value
			break
		}
		next := map[string]any{}
		m[k] = next
		m = next
	}
	return Layer{File: file, Node: n, Values: vals, Prefix: slices.Clone(at)}
}

// mergeLayers merges user layers as helm merges its -f files: maps key
// by key, anything else replaced.
func mergeLayers(layers []Layer) map[string]any {
	out := map[string]any{}
	for _, l := range layers {
		if l.Values != nil {
			out = loader.MergeMaps(out, l.Values)
		}
	}
	return out
}

// provenance maps a values path ("image.tag", "containers.0.image") to
// the position of the last layer that wrote it.
type provenance map[string]Position

func (p provenance) add(l Layer) {
	if l.File == "" || l.Node == nil {
		return
	}
	var walk func(n *yaml.Node, at []string, depth int)
	walk = func(n *yaml.Node, at []string, depth int) {
		if depth > 64 {
			return
		}
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		key := strings.Join(at, "\x00")
		switch n.Kind {
		case yaml.MappingNode:
			if depth == 0 {
				// The block itself; a nested one's place is its key's.
				p[key] = Position{l.File, n.Line, n.Column}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				sub := append(slices.Clip(at), k.Value)
				p[strings.Join(sub, "\x00")] = Position{l.File, k.Line, k.Column}
				if v := n.Content[i+1]; v.Kind != yaml.ScalarNode {
					walk(v, sub, depth+1)
				} else {
					p[strings.Join(sub, "\x00")+"\x01"] = Position{l.File, v.Line, v.Column}
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				sub := append(slices.Clip(at), strconv.Itoa(i))
				p[strings.Join(sub, "\x00")] = Position{l.File, c.Line, c.Column}
				if c.Kind != yaml.ScalarNode {
					walk(c, sub, depth+1)
				} else {
					p[strings.Join(sub, "\x00")+"\x01"] = Position{l.File, c.Line, c.Column}
				}
			}
		case yaml.ScalarNode:
			p[key] = Position{l.File, n.Line, n.Column}
			p[key+"\x01"] = Position{l.File, n.Line, n.Column}
		}
	}
	walk(l.Node, l.Prefix, 0)
}

// key returns where the key of a values path is written; value where its
// value is (a scalar's own position, else its key's).
func (p provenance) key(at []string) (Position, bool) {
	pos, ok := p[strings.Join(at, "\x00")]
	return pos, ok
}

func (p provenance) value(at []string) (Position, bool) {
	if pos, ok := p[strings.Join(at, "\x00")+"\x01"]; ok {
		return pos, true
	}
	return p.key(at)
}

// nearest returns the position of the deepest part of a values path that
// a layer of the repository writes, and how deep that is.
func (p provenance) nearest(at []string) (Position, int, bool) {
	for i := len(at); i >= 0; i-- {
		if pos, ok := p.key(at[:i]); ok {
			return pos, i, true
		}
	}
	return Position{}, 0, false
}
