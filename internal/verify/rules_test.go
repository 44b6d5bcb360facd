package verify

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/types"
)

func TestParseRules(t *testing.T) {
	tests := []struct {
		name    string
		specs   []string
		on, off []string
		wantErr string
	}{
		{name: "defaults", on: []string{RuleSchema, RuleResourcesMissing}, off: []string{RuleImageDigestRequired}},
		{name: "off and on", specs: []string{"-resources-missing", "+image-digest-required"}, on: []string{RuleImageDigestRequired, RuleSchema}, off: []string{RuleResourcesMissing}},
		{name: "bare id turns on", specs: []string{" image-digest-required "}, on: []string{RuleImageDigestRequired}},
		{name: "last wins", specs: []string{"-schema", "+schema"}, on: []string{RuleSchema}},
		{name: "unknown", specs: []string{"-resource-missing"}, wantErr: `unknown rule "resource-missing" (known rules: yaml-syntax`},
		{name: "empty", specs: []string{"-"}, wantErr: "empty rule id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ParseRules(tc.specs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tc.on {
				if !rs.Enabled(id) {
					t.Errorf("%s is off, want on", id)
				}
			}
			for _, id := range tc.off {
				if rs.Enabled(id) {
					t.Errorf("%s is on, want off", id)
				}
			}
		})
	}
}

func TestValidQuantity(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"500m", true}, {"1", true}, {"0.5", true}, {".5", true}, {"512Mi", true}, {"2Gi", true}, {"1e3", true}, {"1E-2", true}, {"+1k", true},
		{"", false}, {"500 m", false}, {"lots", false}, {"1.5.2", false}, {"1mi", false}, {"Gi", false}, {"1Gb", false},
	} {
		if got := ValidQuantity(tc.s); got != tc.want {
			t.Errorf("ValidQuantity(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestSplitImage(t *testing.T) {
	for _, tc := range []struct{ image, name, tag, digest string }{
		{"nginx", "nginx", "", ""},
		{"nginx:1.27", "nginx", "1.27", ""},
		{"localhost:5000/app", "localhost:5000/app", "", ""},
		{"localhost:5000/app:v1", "localhost:5000/app", "v1", ""},
		{"ghcr.io/acme/app:v1@sha256:abc", "ghcr.io/acme/app", "v1", "sha256:abc"},
		{"ghcr.io/acme/app@sha256:abc", "ghcr.io/acme/app", "", "sha256:abc"},
	} {
		name, tag, digest := splitImage(tc.image)
		if name != tc.name || tag != tc.tag || digest != tc.digest {
			t.Errorf("splitImage(%q) = %q, %q, %q; want %q, %q, %q", tc.image, name, tag, digest, tc.name, tc.tag, tc.digest)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"1.9", "1.16", -1}, {"1.37", "1.25", 1}, {"v1.25", "1.25", 0}, {"1.25.3", "1.25", 1}} {
		if got := compareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCleanKustomizeError(t *testing.T) {
	got := cleanKustomizeError(`accumulating resources from '/a/b.yaml': stat /a/b.yaml: no such file; [/x y] a / b`)
	want := `accumulating resources from 'a/b.yaml': stat a/b.yaml: no such file; [x y] a / b`
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestDeprecatedKustomizeFieldsMatchKustomize keeps the kustomize-deprecated
// rule's list equal to the fields kustomize itself warns about.
func TestDeprecatedKustomizeFieldsMatchKustomize(t *testing.T) {
	values := map[string]string{
		"bases": "[a]", "commonLabels": "{a: b}", "imageTags": "[{name: a}]",
		"patchesJson6902": "[{path: p.yaml}]", "patchesStrategicMerge": "[p.yaml]",
		"vars": "[{name: V, objref: {kind: Service, name: s, apiVersion: v1}}]",
	}
	for _, d := range deprecatedKustomizeFields {
		v, ok := values[d.field]
		if !ok {
			t.Fatalf("no test value for %q", d.field)
		}
		var k types.Kustomization
		if err := k.Unmarshal([]byte(d.field + ": " + v + "\n")); err != nil {
			t.Fatalf("%s: %v", d.field, err)
		}
		msgs := *k.CheckDeprecatedFields()
		if len(msgs) != 1 || !strings.Contains(msgs[0], "'"+d.field+"'") || !strings.Contains(msgs[0], "'"+d.use+"'") {
			t.Errorf("kustomize on %s: %q; want one warning naming %q and %q", d.field, msgs, d.field, d.use)
		}
	}
	// Every field kustomize knows as deprecated is in the list: fill every
	// field of its Kustomization type and count the warnings.
	var k types.Kustomization
	rv := reflect.ValueOf(&k).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		switch f.Kind() {
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		}
	}
	if got := len(*k.CheckDeprecatedFields()); got != len(deprecatedKustomizeFields) {
		t.Errorf("kustomize warns about %d fields of a full Kustomization, the rule knows %d: %q", got, len(deprecatedKustomizeFields), *k.CheckDeprecatedFields())
	}
}

// TestKustomizeQuiet: kustomize prints "# Warning: 'bases' is deprecated"
// to the process's standard error for every kustomization that uses an old
// field; the kustomize-deprecated findings say it once, at the field, and
// nothing reaches standard error. Standard error is restored afterwards.
func TestKustomizeQuiet(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	res := runGolden(t, filepath.Join("testdata", "kustomize-deprecated"), Options{})
	restored := os.Stderr
	os.Stderr = saved
	w.Close()
	out, _ := io.ReadAll(r)
	if restored != w {
		t.Errorf("os.Stderr is not restored after the run")
	}
	if len(out) > 0 {
		t.Errorf("kustomize wrote to standard error during the run:\n%s", out)
	}
	if n := len(res.Findings); n != 3 {
		t.Errorf("%d findings, want the 3 kustomize-deprecated ones", n)
	}
}
