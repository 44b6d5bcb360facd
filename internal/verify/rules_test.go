package verify

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
