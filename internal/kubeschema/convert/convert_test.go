package convert

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got, as indented JSON, with testdata/<name>; -update
// rewrites the file.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	raw, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(raw) != string(want) {
		t.Errorf("%s differs from the conversion:\ngot:\n%s\nwant:\n%s", path, raw, want)
	}
}

func TestOpenAPIv2(t *testing.T) {
	raw, err := os.ReadFile("testdata/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenAPIv2(raw)
	if err != nil {
		t.Fatal(err)
	}
	got.AddEnums(Enums{"io.example.v1.WidgetSpec": {"size": {"small", "large"}, "tags": {"b", "a"}}})
	golden(t, "swagger.golden.json", got)
}

func TestOpenAPIv2Errors(t *testing.T) {
	tests := []struct {
		name, doc string
	}{
		{name: "not json", doc: "{"},
		{name: "no definitions", doc: `{"swagger": "2.0"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := OpenAPIv2([]byte(tc.doc)); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestCRD(t *testing.T) {
	raw, err := os.ReadFile("testdata/crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd map[string]any
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	got, err := CRD(crd)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "crd.golden.json", got)
}

func TestStandalone(t *testing.T) {
	raw, err := os.ReadFile("testdata/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenAPIv2(raw)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(n string) (map[string]any, bool) { d, ok := s.Defs[n]; return d, ok }
	doc, err := Standalone("io.example.v1.Widget", lookup)
	if err != nil {
		t.Fatal(err)
	}
	defs := doc["$defs"].(map[string]any)
	var got []string
	for n := range defs {
		got = append(got, n)
	}
	want, _ := Closure("io.example.v1.Widget", lookup)
	if len(got) != len(want) || len(want) != 6 {
		t.Errorf("standalone $defs = %q, want %q (6: the root, its spec, ObjectMeta, IntOrString, Quantity, RawExtension)", got, want)
	}
	delete(s.Defs, "io.example.v1.WidgetSpec")
	if _, err := Standalone("io.example.v1.Widget", lookup); err == nil {
		t.Error("Standalone accepted a dangling reference")
	}
}

func TestShare(t *testing.T) {
	big := func(extra string) map[string]any {
		return map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
			"name":  map[string]any{"type": []any{"string", "null"}, "maxLength": float64(63)},
			"image": map[string]any{"type": []any{"string", "null"}, "pattern": "^[a-z0-9./:@-]+$"},
			extra:   map[string]any{"type": []any{"integer", "null"}},
		}}
	}
	s := &Schemas{
		Defs: map[string]map[string]any{
			"crd.a.v1.A": {"type": "object", "properties": map[string]any{"spec": map[string]any{"type": "object", "properties": map[string]any{"container": big("port"), "other": big("port")}}}},
			"crd.a.v2.A": {"type": "object", "properties": map[string]any{"spec": map[string]any{"type": "object", "properties": map[string]any{"container": big("port"), "other": big("port")}}}, "x": "v2"},
			"crd.b.v1.B": {"type": "object", "properties": map[string]any{"sidecar": big("port"), "unique": big("replicas")}},
		},
		Kinds: map[string]string{"a/v1/A": "crd.a.v1.A", "a/v2/A": "crd.a.v2.A", "b/v1/B": "crd.b.v1.B"},
	}
	before := map[string]string{}
	for n, d := range s.Defs {
		raw, _ := json.Marshal(d)
		before[n] = string(raw)
	}
	if err := s.Share(100, "crd.shared."); err != nil {
		t.Fatal(err)
	}
	var shared []string
	for n := range s.Defs {
		if strings.HasPrefix(n, "crd.shared.") {
			shared = append(shared, n)
		}
	}
	// spec (in both versions of A) and the container (in spec, and in B).
	if got, want := len(shared), 2; got != want {
		t.Fatalf("%d shared definitions %q, want %d", got, shared, want)
	}
	// Resolving every reference gives back the schemas as they were.
	var inline func(v any) any
	inline = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok && len(x) == 1 {
				return inline(s.Defs[strings.TrimPrefix(ref, RefPrefix)])
			}
			out := map[string]any{}
			for k, val := range x {
				out[k] = inline(val)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, val := range x {
				out[i] = inline(val)
			}
			return out
		}
		return v
	}
	for n, want := range before {
		raw, _ := json.Marshal(inline(s.Defs[n]))
		if string(raw) != want {
			t.Errorf("%s changed meaning:\ngot  %s\nwant %s", n, raw, want)
		}
	}
	// The unique subschema stays where it is.
	if _, ok := s.Defs["crd.b.v1.B"]["properties"].(map[string]any)["unique"].(map[string]any)["$ref"]; ok {
		t.Error("a subschema that occurs once was moved")
	}
}
