package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// TestRuleCases: every rule of checkRules has testdata/rules/<rule>/ with
// three directories, each verified on its own with that rule alone on:
// fires/ must give a finding of the rule, passes/ none, and suppressed/
// (fires/ with an annotation of ours, kube-linter's or Polaris's on its
// objects) none reported and one suppressed. want.out holds what each
// says; -update rewrites it.
func TestRuleCases(t *testing.T) {
	for _, rule := range checkRules {
		t.Run(rule.ID, func(t *testing.T) {
			dir := filepath.Join("testdata", "rules", rule.ID)
			only := RuleSet{on: map[string]bool{rule.ID: true}, sev: map[string]finding.Severity{}}
			var b strings.Builder
			for _, c := range []string{"fires", "passes", "suppressed"} {
				res := runDir(t, filepath.Join(dir, c), Options{KubernetesVersion: "1.37", Rules: only})
				for _, f := range res.Findings {
					fmt.Fprintf(&b, "%s/%s\n", c, f)
				}
				for _, f := range res.Suppressed {
					fmt.Fprintf(&b, "%s/%s: suppressed by %s (%q): %s [%s]\n", c, f.Position(), f.Suppression.By, f.Suppression.Reason, f.Message, f.Rule)
				}
				n := len(res.Findings)
				switch c {
				case "fires":
					if n == 0 {
						t.Errorf("%s: no finding", c)
					}
				case "passes":
					if n != 0 {
						t.Errorf("%s: %d finding(s)", c, n)
					}
				case "suppressed":
					if n != 0 || len(res.Suppressed) == 0 {
						t.Errorf("%s: %d finding(s) and %d suppressed, want 0 and some", c, n, len(res.Suppressed))
					}
				}
				for _, f := range append(res.Findings, res.Suppressed...) {
					if f.Rule != rule.ID {
						t.Errorf("%s: a finding of another rule: %s", c, f)
					}
				}
			}
			golden := filepath.Join(dir, "want.out")
			got := b.String()
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./internal/verify -run TestRuleCases -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("findings differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

// runDir verifies a directory of testdata.
func runDir(t *testing.T, dir string, opts Options) *Result {
	t.Helper()
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	res, err := Run(context.Background(), tree, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}
