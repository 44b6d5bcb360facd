package verify

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
)

// TestGeneratorValuesNotQuoted: kustomize quotes a generator value it
// cannot use in its error, and that value may be a Secret's; the
// kustomize-build finding says what is wrong and where without it.
func TestGeneratorValuesNotQuoted(t *testing.T) {
	const secret = "hunter2-s3cr3t"
	tests := map[string]fstest.MapFS{
		"a literal without its key": {
			"app/kustomization.yaml": {Data: []byte("secretGenerator:\n  - name: db\n    literals:\n      - " + secret + "\n")},
		},
		"a literal with an empty key": {
			"app/kustomization.yaml": {Data: []byte("secretGenerator:\n  - name: db\n    literals:\n      - =" + secret + "\n")},
		},
		"an env line that is not UTF-8": {
			"app/kustomization.yaml": {Data: []byte("secretGenerator:\n  - name: db\n    envs:\n      - db.env\n")},
			"app/db.env":             {Data: []byte("PASSWORD=" + secret + "\xff\n")},
		},
	}
	for name, fsys := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := Run(context.Background(), fsys, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var build []string
			for _, f := range res.Findings {
				if strings.Contains(f.Message, secret) {
					t.Errorf("a finding quotes the secret: %s", f)
				}
				if f.Rule == RuleKustomizeBuild {
					build = append(build, f.Message)
				}
			}
			if len(build) != 1 {
				t.Fatalf("%d kustomize-build findings, want 1: %v", len(build), res.Findings)
			}
			if !strings.Contains(build[0], "(hidden)") && !strings.Contains(build[0], "not valid UTF-8") {
				t.Errorf("the finding does not say what was wrong: %s", build[0])
			}
		})
	}
}
