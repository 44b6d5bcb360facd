package manifest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// TestHoldsAreLeftAlone bumps a tree where hold comments keep some
// references: each kind (a container, a kustomization entry held on its
// name line, a Helm values map, a Flux setter) is left as it is and
// reported, the same image's other references move, and an image whose
// every reference is held is named by AllHeld. IgnoreHolds moves them all.
func TestHoldsAreLeftAlone(t *testing.T) {
	dir := filepath.Join("testdata", "holds")
	opts := Options{
		Images:   images(t, "ghcr.io/acme/app:v2.1.0", "ghcr.io/acme/api:2.0.0", "ghcr.io/acme/web:3.1.0"),
		Policies: map[string]string{"flux-system:app": "ghcr.io/acme/app"},
	}
	res, err := Bump(context.Background(), openTree(t, filepath.Join(dir, "original")), []string{"."}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var held []string
	for _, h := range res.Held {
		held = append(held, h.String()+" -> "+h.Wanted)
	}
	want := []string{
		"env/deployment.yaml:10: ghcr.io/acme/app is held at ghcr.io/acme/app:v1.4.0 (rollback of v20260501120000) -> ghcr.io/acme/app:v2.1.0",
		"env/deployment.yaml:14: ghcr.io/acme/app is held at ghcr.io/acme/app:v1.4.0 -> ghcr.io/acme/app:v2.1.0",
		"env/kustomization.yaml:5: ghcr.io/acme/api is held at 1.0.0 (pinned by ops, see INC-42) -> 2.0.0",
		"env/values.yaml:4: ghcr.io/acme/web is held at 3.0.0 (waiting for the schema migration) -> 3.1.0",
		"env/values.yaml:5: ghcr.io/acme/app is held at ghcr.io/acme/app:v1.4.0 (flux) -> ghcr.io/acme/app:v2.1.0",
	}
	if !reflect.DeepEqual(held, want) {
		t.Errorf("held:\n%s\nwant\n%s", strings.Join(held, "\n"), strings.Join(want, "\n"))
	}
	var changed []string
	for _, c := range res.Changes {
		changed = append(changed, c.File+":"+c.Old+"->"+c.New)
	}
	wantChanged := []string{"env/deployment.yaml:ghcr.io/acme/app:v1.4.0->ghcr.io/acme/app:v2.1.0", "env/kustomization.yaml:v1.4.0->v2.1.0", "panda.yaml:ghcr.io/acme/app:v1.4.0->ghcr.io/acme/app:v2.1.0"}
	if !reflect.DeepEqual(changed, wantChanged) {
		t.Errorf("changes:\n%s\nwant\n%s", strings.Join(changed, "\n"), strings.Join(wantChanged, "\n"))
	}
	if got, want := res.AllHeld(), []string{"ghcr.io/acme/api", "ghcr.io/acme/web"}; !reflect.DeepEqual(got, want) {
		t.Errorf("AllHeld() = %v, want %v", got, want)
	}
	got := t.TempDir()
	copyTree(t, filepath.Join(dir, "original"), got)
	for _, f := range res.Files {
		if err := os.WriteFile(filepath.Join(got, filepath.FromSlash(f.Path)), f.New, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if *update {
		os.RemoveAll(filepath.Join(dir, "expected"))
		copyTree(t, got, filepath.Join(dir, "expected"))
	}
	compareTrees(t, got, filepath.Join(dir, "expected"))

	opts.IgnoreHolds = true
	forced, err := Bump(context.Background(), openTree(t, filepath.Join(dir, "original")), []string{"."}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(forced.Held) != 0 || len(forced.Changes) != 8 {
		t.Errorf("with IgnoreHolds: %d held, %d changes, want 0 and 8: %+v", len(forced.Held), len(forced.Changes), forced.Changes)
	}
}

// TestMarkHeld writes hold comments: after the value, after a comment
// already there, never twice; line endings, quotes and a byte order mark
// stay; a line where the value is not last is refused, file untouched.
func TestMarkHeld(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		lines   []int
		reason  string
		want    string
		wantErr string
	}{
		{
			name:  "a container image",
			in:    "containers:\n  - name: app\n    image: ghcr.io/acme/app:v1.4.0\n",
			lines: []int{3}, reason: "rollback of v20260501120000",
			want: "containers:\n  - name: app\n    image: ghcr.io/acme/app:v1.4.0 # gitops-actions: hold (rollback of v20260501120000)\n",
		},
		{
			name:  "after a comment, quoted, CRLF, no final line break",
			in:    "a: 1\r\nimage: \"ghcr.io/acme/app:v1\"   # {\"$imagepolicy\": \"flux-system:app\"}\r\nnewTag: 'v1'",
			lines: []int{2, 3}, reason: "r",
			want: "a: 1\r\nimage: \"ghcr.io/acme/app:v1\"   # {\"$imagepolicy\": \"flux-system:app\"} # gitops-actions: hold (r)\r\nnewTag: 'v1' # gitops-actions: hold (r)",
		},
		{
			name:  "held already, a reason with a line break, a BOM",
			in:    "\xef\xbb\xbfx: 1 # gitops-actions: hold (old)\ny: 2\n",
			lines: []int{1, 2, 2}, reason: "two\nlines",
			want: "\xef\xbb\xbfx: 1 # gitops-actions: hold (old)\ny: 2 # gitops-actions: hold (two lines)\n",
		},
		{
			name:  "a flow sequence",
			in:    "images: [ghcr.io/acme/app:v1, nginx]\n",
			lines: []int{1}, reason: "r",
			wantErr: "a hold comment cannot go there",
		},
		{
			name:  "no value on the line",
			in:    "a:\n  b: 1\n",
			lines: []int{1}, reason: "r",
			wantErr: "no value on the line",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MarkHeld("f.yaml", []byte(tc.in), tc.lines, tc.reason)
			if tc.wantErr != "" {
				var ee *EditError
				if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want an EditError saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// TestHoldRoundTrip holds a reference with MarkHeld, sees Bump leave it,
// and releases it by removing the comment, as a person would.
func TestHoldRoundTrip(t *testing.T) {
	orig := "spec:\n  containers:\n    - name: app\n      image: ghcr.io/acme/app:v1.4.0\n"
	held, err := MarkHeld("app.yaml", []byte(orig), []int{4}, "rollback of v2")
	if err != nil {
		t.Fatal(err)
	}
	if hs := Holds("app.yaml", held); len(hs) != 1 || hs[0].Line != 4 || hs[0].Reason != "rollback of v2" {
		t.Errorf("Holds = %+v", hs)
	}
	opts := Options{Images: images(t, "ghcr.io/acme/app:v2.0.0")}
	res, err := Bump(context.Background(), fstest.MapFS{"app.yaml": {Data: held}}, []string{"."}, opts)
	if err != nil || res.Changed() || len(res.Held) != 1 {
		t.Fatalf("Bump of the held file: %+v, %v", res, err)
	}
	released := strings.Replace(string(held), " # gitops-actions: hold (rollback of v2)", "", 1)
	if released != orig {
		t.Fatalf("removing the comment gives %q, not the original", released)
	}
	res, err = Bump(context.Background(), fstest.MapFS{"app.yaml": {Data: []byte(released)}}, []string{"."}, opts)
	if err != nil || len(res.Changes) != 1 || len(res.Held) != 0 {
		t.Errorf("Bump of the released file: %+v, %v", res, err)
	}
}
