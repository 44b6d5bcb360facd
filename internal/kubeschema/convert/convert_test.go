package convert

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
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
