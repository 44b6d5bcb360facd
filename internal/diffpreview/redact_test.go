package diffpreview

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"testing/fstest"
)

// TestErrorsRedacted: a build or a file that fails with a Secret's value
// in its message shows the error without the value.
func TestErrorsRedacted(t *testing.T) {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name  string
		tree  fstest.MapFS
		value string
		want  string // in the error
	}{
		{name: "a secretGenerator literal without =", value: "hunter2-literal",
			tree: fstest.MapFS{"k/kustomization.yaml": f("secretGenerator:\n  - name: g\n    literals:\n      - hunter2-literal\n")},
			want: "invalid literal source (hidden), expected key=value"},
		{name: "a Secret file that does not parse", value: "hunter2-broken",
			tree: fstest.MapFS{"p/s.yaml": f("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: \"hunter2-broken\n  x: y\n")},
			want: `rendering "p/s.yaml"`},
		{name: "a kustomization that does not parse", value: "hunter2-kust",
			tree: fstest.MapFS{"k/kustomization.yaml": f("secretGenerator:\n  - name: g\n    literals:\n      - \"a=hunter2-kust\n")},
			// At the line of the quote left open.
			want: `rendering "k": k/kustomization.yaml:4: found unexpected end of stream`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compare(context.Background(), fstest.MapFS{}, tc.tree, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, e := range p.Environments {
				all.WriteString(e.BaseError + "\n" + e.HeadError + "\n")
			}
			all.WriteString(p.Markdown(commentLimit, ""))
			p.WriteText(&all)
			got := all.String()
			if !strings.Contains(got, tc.want) {
				t.Errorf("the error lacks %q:\n%s", tc.want, got)
			}
			for _, v := range []string{tc.value, base64.StdEncoding.EncodeToString([]byte(tc.value))} {
				if strings.Contains(got, v) {
					t.Errorf("an output holds %q:\n%s", v, got)
				}
			}
		})
	}
}
