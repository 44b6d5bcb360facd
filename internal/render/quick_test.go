package render

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/verify/verifytest"
)

// fullValue parses one document with go.yaml.in/yaml as parseChunk does:
// its value, and whether it parsed without a finding.
func fullValue(data string) (any, bool) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(data), &n); err != nil {
		return nil, false
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
		return nil, true
	}
	root := n.Content[0]
	var fs []Problem
	shiftAndCheck("f.yaml", root, 0, &fs)
	if len(fs) > 0 {
		return nil, false
	}
	budget := maxNodes
	v, err := toValue(root, &budget)
	if err != nil {
		return nil, false
	}
	return v, true
}

// sameValue compares values as DeepEqual does, NaN equal to itself.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// checkQuick fails when quickParse reads a document that the full parser
// refuses, reports a duplicate key in, or reads to another value.
func checkQuick(t *testing.T, data string) (quick bool) {
	t.Helper()
	for _, c := range splitDocuments([]byte(data)) {
		text := data[c.off : c.off+len(c.data)]
		v, ok := quickParse(text)
		if !ok {
			continue
		}
		quick = true
		want, full := fullValue(text)
		if !full {
			t.Errorf("quickParse reads a document the full parser finds fault with:\n%s", text)
			continue
		}
		if !sameValue(v, want) {
			t.Errorf("quickParse:\n%#v\nthe full parser:\n%#v\nof:\n%s", v, want, text)
		}
	}
	return quick
}

func TestQuickParse(t *testing.T) {
	tests := []struct {
		name, doc string
		quick     bool // quickParse reads it (else it leaves it to the full parser)
	}{
		{"deployment", fmt.Sprintf(verifytest.DeploymentTemplate, "web", "web", "web", "web", 3), true},
		{"scalars", "a: 1\nb: -2\nc: 0x1F\nd: 1_000\ne: 1.5\nf: .5\ng: 1e3\nh: true\ni: False\nj: yes\nk: null\nl: ~\nm:\nn: .inf\no: -.Inf\np: .nan\nq: -0\nr: 2001-12-14\ns: 0o17\nt: 017\nu: +12\nv: 18446744073709551615\nw: 99999999999999999999\nx: 1.2.3\ny: <<\nz: 0b101\n", true},
		{"quoted", "a: \"x\\ty\\u00e9\\\\ \\\" #\"\nb: 'it''s # not a comment'\nc: \"\"\nd: ''\n'e f': 1\n\"g\": 2\n", true},
		{"comments", "# head\na: b # tail\nc: d#not\n  # indented comment\ne:   f   \n", true},
		{"sequences", "a:\n- 1\n- b: 2\n  c: 3\n-   - x\n    - y\n-\n  z: 1\nd:\n  - e\n", true},
		{"flow", "a: {b: 1, c: [x, \"y\", 'z'], d: {}}\ne: []\nf: [1, 2.5, true, null]\n", true},
		{"literal", "a: |\n  line 1\n\n  line 3\n    more\nb: |-\n  x\n\nc: |+\n  y\n\n\nd: x\n", true},
		{"folded", "a: >\n  one\n  two\n\n  three\nb: >-\n  x\n  y\n", true},
		{"crlf", "a: b\r\nc:\r\n  - d\r\n", true},
		{"marker", "--- # comment\na: b\n", true},
		{"url values", "a: http://example.com:8080/x?y=z\nb: \"{{ x }}\"\n", true},
		{"flow dashes", "args: [--port=8080, -c]\n", true},
		// go.yaml.in/yaml/v3 reads "?" in a flow collection as a key.
		{"flow question mark", "args: [?x, a?b]\n", false},
		{"value on its own line", "resources:\n  {}\nname:\n  web\n", true},
		{"trailing tabs", "a:\t\n  b: c\t\nd: e\n", true},
		{"anchor", "a: &x 1\nb: *x\n", false},
		{"merge", "a: {x: 1}\n<<: {y: 2}\n", false},
		{"tag", "a: !!str 1\n", false},
		{"multi-line plain", "a: one\n  two\n", false},
		{"multi-line quoted", "a: \"one\n  two\"\n", false},
		{"multi-line flow", "a: [1,\n  2]\n", false},
		{"duplicate key", "a: 1\na: 2\n", false},
		{"duplicate flow key", "a: {b: 1, b: 2}\n", false},
		{"tab indent", "a:\n\tb: 1\n", false},
		{"tab value", "a:\tb\n", false},
		{"block header on its own line", "a:\n  |\n   x\n", false},
		{"bad indent", "a:\n    b: 1\n  c: 2\n", false},
		{"colon in value", "a: b: c\n", false},
		{"seq after value", "a: b\n- c\n", false},
		{"block with indicator", "a: |2\n    x\n", false},
		{"folded more indented", "a: >\n  x\n    y\n", false},
		{"lone cr", "a: b\rc: d\n", false},
		{"nel", "a: b\u0085c\n", false},
		{"scalar document", "just text\n", false},
		{"question key", "? a\n: b\n", false},
		{"trailing comma", "a: [1, 2, ]\n", false},
		{"empty flow value", "a: {b: }\n", false},
		{"escaped line break", "a: \"x\\\n  y\"\n", false},
		{"control character", "a: \"\x01\"\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkQuick(t, tc.doc); got != tc.quick {
				t.Errorf("quickParse read it: %v, want %v", got, tc.quick)
			}
		})
	}
}

// FuzzQuickParse holds quickParse to the full parser: any document it
// reads, the full parser reads to the same value, without a finding.
func FuzzQuickParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	more, _ := filepath.Glob("testdata/*/*/*.yaml")
	for _, s := range append(seeds, more...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(fmt.Sprintf(verifytest.DeploymentTemplate, "web", "web", "web", "web", 3))
	f.Add("a: |\n  x\n\n  y\nb: >\n  p\n  q\n")
	f.Add("- a: [1, {b: 'c'}]\n  d: \"e\\tf\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		if strings.Count(data, "\n") > 200 {
			return
		}
		checkQuick(t, data)
	})
}

// TestQuickDocuments: a file read a document at a time gives what the
// full parser gives, directives and syntax errors included.
func TestQuickDocuments(t *testing.T) {
	tests := []struct {
		name, data string
		want       []map[string]any
		findings   int
	}{
		{"directive", "%YAML 1.1\n---\na: b\n", []map[string]any{{"a": "b"}}, 0},
		{"two documents", "a: 1\n---\nb: [2]\n", []map[string]any{{"a": int64(1)}, {"b": []any{int64(2)}}}, 0},
		{"an error hides no document", "a: 1\n---\nb: [\n---\nc: 3\n", []map[string]any{{"a": int64(1)}, {"c": int64(3)}}, 1},
		{"duplicate key", "a: 1\na: 2\n", []map[string]any{{"a": int64(2)}}, 1},
		{"document end", "a: 1\n...\n", []map[string]any{{"a": int64(1)}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []map[string]any
			fs := EachQuickDocument("f.yaml", []byte(tc.data), func(d *Document) { got = append(got, d.Obj) }, func() { got = nil })
			if !reflect.DeepEqual(got, tc.want) || len(fs) != tc.findings {
				t.Errorf("got %v and %d findings %v, want %v and %d", got, len(fs), fs, tc.want, tc.findings)
			}
		})
	}
}

// FuzzQuickParseShapes builds documents from the shapes manifests have,
// choosing each part with the fuzzer's bytes, so that most of them are
// documents quickParse reads: the mutations of FuzzQuickParse mostly make
// documents it leaves to the full parser.
func FuzzQuickParseShapes(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"))
	f.Add([]byte("quick brown fox jumps over the lazy dog 0123456789"))
	f.Fuzz(func(t *testing.T, seed []byte) {
		g := &shapeGen{seed: seed}
		var b strings.Builder
		g.mapping(&b, 0, 0)
		checkQuick(t, b.String())
	})
}

type shapeGen struct {
	seed []byte
	i    int
}

func (g *shapeGen) pick(n int) int {
	if len(g.seed) == 0 {
		return 0
	}
	c := g.seed[g.i%len(g.seed)]
	g.i++
	return int(c) % n
}

var (
	shapeKeys    = []string{"a", "name", "app.kubernetes.io/name", "x-y_z", "\"quoted\"", "'single'", "k8s", "true", "1", "with space"}
	shapeScalars = []string{"v", "1", "-2", "0x1F", "0o17", "1_000", "1.5", ".5", "1e3", "-0", "true", "False", "yes", "no", "~", "null", "2001-12-14", "100m", "128Mi",
		"1.2.3", ".inf", "-.Inf", ".nan", "<<", "a #comment", "a#b", "http://x:1/y", "\"q\\t\\\"x\\u00e9\"", "'it''s'", "''", "\"\"", "x y z", "-x", "?x", ":x", "a: b",
		"[1, b, 'c']", "{p: 1, q: [2]}", "[--p=1, -c, - d, ?e]", "{a: -b}", "[]", "{}", "é", "v   ", "v\t", "\"#\"", "- x", "&a x", "*a", "!t x", "@x", "%x", "`x", "|", ">"}
)

func (g *shapeGen) mapping(b *strings.Builder, indent, depth int) {
	for n := 1 + g.pick(4); n > 0; n-- {
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteString(shapeKeys[g.pick(len(shapeKeys))])
		b.WriteString(":")
		g.value(b, indent, depth)
	}
}

func (g *shapeGen) value(b *strings.Builder, indent, depth int) {
	switch k := g.pick(8); {
	case depth < 4 && k == 0:
		b.WriteString("\n")
		g.mapping(b, indent+1+g.pick(3), depth+1)
	case depth < 4 && k == 1:
		b.WriteString("\n")
		in := indent + g.pick(3)
		for n := 1 + g.pick(3); n > 0; n-- {
			b.WriteString(strings.Repeat(" ", in) + "-")
			if g.pick(2) == 0 {
				b.WriteString(" " + shapeKeys[g.pick(len(shapeKeys))] + ":")
				g.value(b, in+2, depth+1)
			} else {
				g.value(b, in, depth+1)
			}
		}
	case k == 2:
		b.WriteString([]string{" ", "\t"}[g.pick(2)] + []string{"|", "|-", "|+", ">", ">-", ">+", "| # c", "|2"}[g.pick(8)] + "\n")
		in := indent + 1 + g.pick(3)
		for n := 1 + g.pick(4); n > 0; n-- {
			switch g.pick(5) {
			case 0:
				b.WriteString("\n")
			case 1:
				b.WriteString(strings.Repeat(" ", in+1+g.pick(2)) + "more\n")
			case 2:
				b.WriteString(strings.Repeat(" ", in+g.pick(3)) + "\n")
			default:
				b.WriteString(strings.Repeat(" ", in) + shapeScalars[g.pick(len(shapeScalars))] + "\n")
			}
		}
	case k == 3 && g.pick(2) == 0:
		// A value on a line of its own.
		b.WriteString("\n" + strings.Repeat(" ", indent+g.pick(3)) + shapeScalars[g.pick(len(shapeScalars))] + "\n")
	case k == 3:
		b.WriteString("\n")
	default:
		b.WriteString(" " + shapeScalars[g.pick(len(shapeScalars))])
		if g.pick(4) == 0 {
			b.WriteString(" # note")
		}
		b.WriteString([]string{"\n", "\n", "\n", "\r\n", "\n\n", "\n# c\n"}[g.pick(6)])
	}
}
