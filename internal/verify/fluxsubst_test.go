package verify

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// TestFluxSubstitution runs the golden repository of testdata/flux-substitution:
// defaults applied, variables from substitute, a ConfigMap and a Secret,
// an unresolved variable, a Kustomization without postBuild, a file no
// Kustomization renders, the escape and the disabled label.
func TestFluxSubstitution(t *testing.T) {
	res := runGolden(t, filepath.Join("testdata", "flux-substitution"), Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")})
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "s3cr3t") || strings.Contains(f.Message, "WrongMode") {
			t.Errorf("a finding prints a value from a Secret: %s", f)
		}
	}
	tests := []struct {
		name      string
		file      string
		line      int
		rule      string
		wantFound bool
	}{
		{name: "the issue's default is valid", file: "apps/prod/volumes.yaml", line: 7, rule: RuleSchema},
		{name: "a ConfigMap value that is valid", file: "apps/prod/volumes.yaml", line: 18, rule: RuleSchema},
		{name: "a ConfigMap value that is not", file: "apps/prod/volumes.yaml", line: 29, rule: RuleSchema, wantFound: true},
		{name: "a Secret value that is not", file: "apps/prod/volumes.yaml", line: 40, rule: RuleSchema, wantFound: true},
		{name: "an unresolved variable is not judged", file: "apps/prod/volumes.yaml", line: 52, rule: RuleSchema},
		{name: "an unresolved variable is a notice", file: "apps/prod/volumes.yaml", line: 52, rule: RuleFluxVariable, wantFound: true},
		{name: "replicas substituted as an integer", file: "apps/prod/app.yaml", line: 9, rule: RuleSchema},
		{name: "an unterminated ${ fails the substitution", file: "apps/prod/app.yaml", line: 24, rule: RuleFluxSubstitution, wantFound: true},
		{name: "an invalid variable name fails it", file: "clusters/prod/apps.yaml", line: 19, rule: RuleFluxSubstitution, wantFound: true},
		{name: "without postBuild, Flux applies the value as written", file: "infra/volume.yaml", line: 8, rule: RuleSchema, wantFound: true},
		{name: "a file no Kustomization renders is not judged", file: "standalone/volume.yaml", line: 8, rule: RuleSchema},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			found := false
			for _, f := range res.Findings {
				if f.File == tc.file && f.Line == tc.line && f.Rule == tc.rule {
					found = true
				}
			}
			if found != tc.wantFound {
				t.Errorf("%s finding at %s:%d: found %v, want %v", tc.rule, tc.file, tc.line, found, tc.wantFound)
			}
		})
	}
	var notices []string
	for _, f := range res.Findings {
		if f.Rule == RuleFluxVariable {
			notices = append(notices, f.Message)
		}
	}
	if got, want := strings.Count(strings.Join(notices, "\n"), "${CLUSTER_MODE} is not set"), 1; got != want {
		t.Errorf("%d notices about ${CLUSTER_MODE}, want %d (one per variable):\n%s", got, want, strings.Join(notices, "\n"))
	}
	for _, text := range []string{"${HOME}", "NOT_A_VARIABLE", "${cluster}"} {
		for _, n := range notices {
			if strings.Contains(n, text) {
				t.Errorf("notice about %s, which is escaped or not substituted: %s", text, n)
			}
		}
	}
}

func TestCollapseFluxVariables(t *testing.T) {
	at := func(file string, line int, rule, msg string) finding.Finding {
		return finding.Finding{File: file, Line: line, Column: 3, Rule: rule, Message: msg}
	}
	in := []finding.Finding{
		at("b.yaml", 4, RuleFluxVariable, "X"),
		at("a.yaml", 9, RuleSchema, "bad"),
		at("a.yaml", 2, RuleFluxVariable, "X"),
		at("a.yaml", 2, RuleFluxVariable, "X"), // the same place from a second environment
		at("c.yaml", 1, RuleFluxVariable, "Y"),
	}
	got := collapseFluxVariables(in)
	want := []finding.Finding{
		at("a.yaml", 9, RuleSchema, "bad"),
		at("a.yaml", 2, RuleFluxVariable, "X (and at 1 other place(s))"),
		at("c.yaml", 1, RuleFluxVariable, "Y"),
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestFluxComponents: a Component a Flux Kustomization adds with
// spec.components is rendered by it as its resources are, with its
// variables: no notice that nothing renders it, and a bad value its
// variables set is an error at the line that uses it.
func TestFluxComponents(t *testing.T) {
	res := runGolden(t, filepath.Join("testdata", "flux-components"), Options{KubernetesVersion: "1.37", Schemas: schemas(t, "1.37")})
	var bad []string
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "no Flux Kustomization in the repository renders this file") {
			t.Errorf("a component Flux Kustomizations render is said to be rendered by none: %s", f)
		}
		if f.Rule == RuleSchema && f.File == "components/volsync/pvc.yaml" {
			bad = append(bad, f.String())
		}
	}
	want := []string{`components/volsync/pvc.yaml:20:17: error: "ReadWriteLots" is not one of ["ReadOnlyMany","ReadWriteMany","ReadWriteOnce","ReadWriteOncePod"] (after Flux substituted ${DATA_MODE}) [schema]`}
	if strings.Join(bad, "\n") != strings.Join(want, "\n") {
		t.Errorf("schema findings in the component:\n%s\nwant:\n%s", strings.Join(bad, "\n"), strings.Join(want, "\n"))
	}
}
