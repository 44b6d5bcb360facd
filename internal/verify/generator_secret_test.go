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

// TestSecretValuesNotQuoted: a schema violation inside a Secret's data or
// stringData says what is wrong and where, without the value.
func TestSecretValuesNotQuoted(t *testing.T) {
	fsys := fstest.MapFS{"s.yaml": {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  pin: 48151623\nstringData:\n  token: 9.99e7\n  list: [hunter2]\n")}}
	res, err := Run(context.Background(), fsys, Options{Schemas: schemas(t, "1.37")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.String())
		for _, v := range []string{"48151623", "9.99e7", "99900000", "hunter2"} {
			if strings.Contains(f.Message, v) {
				t.Errorf("a finding quotes the Secret's value %s: %s", v, f)
			}
		}
	}
	want := []string{
		"s.yaml:6:8: error: expected string, got integer (a Secret's value is not shown) [schema]",
		"s.yaml:8:10: error: expected string, got integer (a Secret's value is not shown) [schema]",
		"s.yaml:9:3: error: expected string, got array (a Secret's value is not shown) [schema]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A violation of another kind keeps its reason, never its value.
	if got := secretViolation(Violation{Path: []string{"data", "k"}, Reason: "pattern", Message: `"hunter2" does not match pattern "^x"`}); strings.Contains(got, "hunter2") || !strings.Contains(got, "pattern") {
		t.Errorf("secretViolation = %q", got)
	}
}
