package manifest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// op is a byte-level replacement of data[start:end].
type op struct {
	start, end int
	text       string
}

// apply turns edits into byte operations on the original and applies them,
// touching nothing else. The output is built in one pass over the input,
// so a file costs its size plus its edits however many references it holds.
func apply(src *source, edits []*edit) ([]byte, error) {
	ops, err := src.ops(edits)
	if err != nil {
		return nil, err
	}
	return applyOps(src.data, ops), nil
}

// ops turns edits into byte operations on src, in the order of the bytes
// they replace, none overlapping another.
func (s *source) ops(edits []*edit) ([]op, error) {
	ops := make([]op, 0, len(edits))
	r := renderer{}
	for _, e := range edits {
		o, err := s.opFor(e, r)
		if err != nil {
			line := 0
			if e.node != nil {
				line = e.node.Line
			}
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		ops = append(ops, o)
	}
	sortOps(ops)
	for i, o := range ops {
		if i > 0 && ops[i-1].end > o.start {
			return nil, fmt.Errorf("overlapping edits at byte %d", o.start)
		}
	}
	return ops, nil
}

// applyOps applies sorted, disjoint ops to data in one pass.
func applyOps(data []byte, ops []op) []byte {
	size := len(data)
	for _, o := range ops {
		size += len(o.text) - (o.end - o.start)
	}
	out := make([]byte, 0, size)
	at := 0
	for _, o := range ops {
		out = append(out, data[at:o.start]...)
		out = append(out, o.text...)
		at = o.end
	}
	return append(out, data[at:]...)
}

// sortOps puts ops in the order of the bytes they replace. At one offset an
// insertion comes before a range that starts there, and two insertions
// keep the order of their edits (newTag before digest), which is the order
// verify expects.
func sortOps(ops []op) {
	slices.SortStableFunc(ops, func(a, b op) int {
		if a.start != b.start {
			return cmp.Compare(a.start, b.start)
		}
		return cmp.Compare(a.end, b.end)
	})
}

func (s *source) opFor(e *edit, r renderer) (op, error) {
	switch e.op {
	case opReplace:
		sp, err := s.scalarSpan(e.node)
		if err != nil {
			return op{}, err
		}
		return op{sp.start, sp.end, r.render(e.value, e.node.Style)}, nil
	case opInsert:
		return s.insertOp(e, r)
	case opBlock:
		return s.blockOp(e)
	default:
		return s.deleteOp(e)
	}
}

// pairLine checks that a key and its scalar value sit alone on one line of a
// block mapping (a trailing comment allowed) and returns the key's offset and
// the end of the value.
func (s *source) pairLine(m, k, v *yaml.Node) (keyOff, valEnd int, err error) {
	if m.Style&yaml.FlowStyle != 0 {
		return 0, 0, fmt.Errorf("the mapping is in flow style ({...}); add or remove %q by hand", k.Value)
	}
	if v.Kind != yaml.ScalarNode || v.Line != k.Line {
		return 0, 0, fmt.Errorf("%q and its value are not on one line", k.Value)
	}
	keyOff, err = s.offset(k.Line, k.Column)
	if err != nil {
		return 0, 0, err
	}
	sp, err := s.scalarSpan(v)
	if err != nil {
		return 0, 0, err
	}
	rest := strings.TrimRight(string(s.data[sp.end:s.lineEnd(sp.end)]), "\r\n")
	if t := strings.TrimLeft(rest, " \t"); t != "" && !strings.HasPrefix(t, "#") {
		return 0, 0, fmt.Errorf("unexpected text after %q on its line", k.Value)
	}
	return keyOff, sp.end, nil
}

// insertOp adds "key: value" on a new line after the pair e.node: e.val,
// indented like that key and ended like that line.
func (s *source) insertOp(e *edit, r renderer) (op, error) {
	keyOff, valEnd, err := s.pairLine(e.mapping, e.node, e.val)
	if err != nil {
		return op{}, err
	}
	ls := s.lineStart[e.node.Line-1]
	indent := strings.Map(func(r rune) rune {
		if r == '\t' {
			return r
		}
		return ' '
	}, string(s.data[ls:keyOff]))
	lb := s.lineBreak(valEnd)
	at := s.lineEnd(valEnd)
	line := indent + e.key + ": " + r.render(e.value, 0)
	if at == len(s.data) && (at == 0 || s.data[at-1] != '\n') {
		return op{at, at, lb + line}, nil
	}
	return op{at, at, line + lb}, nil
}

// deleteOp removes the line holding the pair e.node: e.val. When the pair
// opens a sequence item ("- digest: x"), the item's dash moves to the next
// key instead.
func (s *source) deleteOp(e *edit) (op, error) {
	keyOff, valEnd, err := s.pairLine(e.mapping, e.node, e.val)
	if err != nil {
		return op{}, err
	}
	ls := s.lineStart[e.node.Line-1]
	prefix := string(s.data[ls:keyOff])
	if strings.TrimLeft(prefix, " \t") == "" {
		return op{ls, s.lineEnd(valEnd), ""}, nil
	}
	var next *yaml.Node
	for i := 0; i+1 < len(e.mapping.Content); i += 2 {
		if e.mapping.Content[i] == e.node && i+2 < len(e.mapping.Content) {
			next = e.mapping.Content[i+2]
		}
	}
	if next == nil || next.Line != e.node.Line+1 || next.Column != e.node.Column {
		return op{}, fmt.Errorf("cannot remove %q: it opens its entry and no sibling key follows on the next line", e.node.Value)
	}
	nextOff, err := s.offset(next.Line, next.Column)
	if err != nil {
		return op{}, err
	}
	return op{ls, nextOff, prefix}, nil
}

// verify parses the edited bytes and checks that they hold exactly the
// original documents with the intended edits: every other value, key, tag,
// anchor and alias is as it was.
func verify(orig []*yaml.Node, out []byte, edits []*edit) error {
	docs, err := parseAll(out)
	if err != nil {
		return fmt.Errorf("the edited file does not parse: %w", err)
	}
	if len(docs) != len(orig) {
		return fmt.Errorf("the edited file has %d documents, the original %d", len(docs), len(orig))
	}
	v := &verifier{replaced: map[*yaml.Node]string{}, deleted: map[*yaml.Node]bool{}, inserted: map[*yaml.Node][]*edit{}}
	for _, e := range edits {
		switch e.op {
		case opReplace, opBlock:
			v.replaced[e.node] = e.value
		case opDelete:
			v.deleted[e.node] = true
		case opInsert:
			v.inserted[e.node] = append(v.inserted[e.node], e)
		}
	}
	for i := range docs {
		if err := v.compare(orig[i], docs[i]); err != nil {
			return err
		}
	}
	if v.seen != len(edits) {
		return fmt.Errorf("%d of %d edits found after re-parsing", v.seen, len(edits))
	}
	return nil
}

type verifier struct {
	replaced map[*yaml.Node]string
	deleted  map[*yaml.Node]bool
	inserted map[*yaml.Node][]*edit
	seen     int
}

func (v *verifier) compare(o, n *yaml.Node) error {
	if o.Kind != n.Kind || o.Anchor != n.Anchor {
		return fmt.Errorf("line %d: structure changed", n.Line)
	}
	switch o.Kind {
	case yaml.ScalarNode:
		want, tag := o.Value, o.ShortTag()
		if r, ok := v.replaced[o]; ok {
			want, tag = r, "!!str"
			v.seen++
		}
		if n.Value != want || n.ShortTag() != tag {
			return fmt.Errorf("line %d: reads %s %q, want %s %q", n.Line, n.ShortTag(), n.Value, tag, want)
		}
		return nil
	case yaml.AliasNode:
		if o.Value != n.Value {
			return fmt.Errorf("line %d: alias changed", n.Line)
		}
		return nil
	case yaml.MappingNode:
		var want []*yaml.Node // pairs, with inserted values as new scalar nodes
		for i := 0; i+1 < len(o.Content); i += 2 {
			k := o.Content[i]
			if v.deleted[k] {
				v.seen++
			} else {
				want = append(want, k, o.Content[i+1])
			}
			for _, e := range v.inserted[k] {
				if e.mapping == o {
					want = append(want, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.key},
						&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.value, Line: -1})
					v.seen++
				}
			}
		}
		return v.children(want, n)
	default:
		return v.children(o.Content, n)
	}
}

func (v *verifier) children(want []*yaml.Node, n *yaml.Node) error {
	if len(want) != len(n.Content) {
		return fmt.Errorf("line %d: %d entries, want %d", n.Line, len(n.Content), len(want))
	}
	for i, w := range want {
		if w.Line == -1 || (w.Line == 0 && w.Kind == yaml.ScalarNode) { // an inserted key or value
			if c := n.Content[i]; c.Kind != yaml.ScalarNode || c.Value != w.Value || c.ShortTag() != "!!str" {
				return fmt.Errorf("line %d: inserted %q reads back as %q", c.Line, w.Value, c.Value)
			}
			continue
		}
		if err := v.compare(w, n.Content[i]); err != nil {
			return err
		}
	}
	return nil
}
