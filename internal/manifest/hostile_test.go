package manifest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

const goodFile = "spec:\n  containers:\n    - image: ghcr.io/acme/app:v1.0.0\n"

// encodeUTF16 writes s as UTF-16, with a byte order mark when bom is set.
func encodeUTF16(s string, bigEndian, bom bool) []byte {
	u := utf16.Encode([]rune(s))
	if bom {
		u = append([]uint16{0xFEFF}, u...)
	}
	out := make([]byte, 0, 2*len(u))
	for _, c := range u {
		if bigEndian {
			out = append(out, byte(c>>8), byte(c))
		} else {
			out = append(out, byte(c), byte(c>>8))
		}
	}
	return out
}

func aliasBomb() string {
	bomb := "a: &a [x,x,x,x,x,x,x,x,x]\n"
	for c, prev := 'b', 'a'; c <= 'j'; c, prev = c+1, c {
		bomb += string(c) + ": &" + string(c) + " [" + strings.TrimSuffix(strings.Repeat("*"+string(prev)+",", 9), ",") + "]\n"
	}
	return bomb + "containers: [{image: ghcr.io/acme/app:v1.0.0}]\n"
}

// TestUnreadableFileStopsTheRun: a file the engine cannot read as YAML
// (an alias bomb, nesting 10,000 deep, not UTF-8) that mentions the image
// fails the run with nothing to write, naming the file and why: bumping
// the good file beside it would leave the image half bumped. The same
// file in a Helm chart's templates is a warning, and the good file is
// bumped.
func TestUnreadableFileStopsTheRun(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		want    string // the error, after "bad.yaml"
		notWant string
	}{
		{name: "alias bomb", data: []byte(aliasBomb()),
			want: ":1: mentions ghcr.io/acme/app but holds so many aliases that expanding them would take too long (an alias bomb?); nothing was written"},
		{name: "a sequence 10,000 deep", data: []byte(strings.Repeat("- ", 10000) + "ghcr.io/acme/app:v1.0.0\n"),
			want: ":1: mentions ghcr.io/acme/app but nests collections more than 10000 levels deep; nothing was written", notWant: "alias"},
		{name: "a flow sequence 10,000 deep", data: []byte(strings.Repeat("[", 10000) + "ghcr.io/acme/app:v1.0.0" + strings.Repeat("]", 10000) + "\n"),
			want: ":1: mentions ghcr.io/acme/app but nests collections more than 10000 levels deep", notWant: "alias"},
		{name: "a flow sequence 10,001 deep", data: []byte(strings.Repeat("[", 10001) + "ghcr.io/acme/app:v1.0.0" + strings.Repeat("]", 10001) + "\n"),
			want: ":1: mentions ghcr.io/acme/app but is not valid YAML: yaml: exceeded max depth of 10000; nothing was written", notWant: "alias"},
		{name: "an unclosed brace", data: []byte("spec:\n  template:\n    spec:\n      containers:\n        - {name: app, image: ghcr.io/acme/app:v1.0.0\n"),
			want: ":5: mentions ghcr.io/acme/app but is not valid YAML: yaml: did not find expected ',' or '}'; nothing was written, as a bump that left this file behind would be half done: fix the file, or leave it out of path"},
		{name: "UTF-16LE with a byte order mark", data: encodeUTF16(goodFile, false, true),
			want: ": mentions ghcr.io/acme/app but is UTF-16, not UTF-8; save it as UTF-8; nothing was written"},
		{name: "UTF-16BE with a byte order mark", data: encodeUTF16(goodFile, true, true),
			want: ": mentions ghcr.io/acme/app but is UTF-16, not UTF-8"},
		{name: "UTF-16LE without a mark", data: encodeUTF16(goodFile, false, false),
			want: ": mentions ghcr.io/acme/app but is UTF-16, not UTF-8"},
		{name: "Latin-1", data: []byte("# caf\xe9\nspec:\n  containers:\n    - image: ghcr.io/acme/app:v1.0.0\n"),
			want: ":1: mentions ghcr.io/acme/app but is not UTF-8 (line 1 holds a byte that is not); save it as UTF-8; nothing was written"},
	}
	opts := Options{Images: images(t, "ghcr.io/acme/app:v2.0.0")}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), tc.data, 0o644))
			must(t, os.WriteFile(filepath.Join(dir, "good.yaml"), []byte(goodFile), 0o644))
			_, err := Bump(context.Background(), openTree(t, dir), []string{"."}, opts)
			var ue *UnreadableError
			if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "bad.yaml"+tc.want) {
				t.Fatalf("Bump: %v\nwant an unreadable-file error bad.yaml%s", err, tc.want)
			}
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("error %q says %q", err, tc.notWant)
			}

			// In a chart's templates: a warning; alone, the not-found error
			// names it.
			must(t, os.MkdirAll(filepath.Join(dir, "chart", "templates"), 0o755))
			must(t, os.Rename(filepath.Join(dir, "bad.yaml"), filepath.Join(dir, "chart", "templates", "bad.yaml")))
			must(t, os.WriteFile(filepath.Join(dir, "good.yaml"), []byte(goodFile), 0o644))
			res, err := Bump(context.Background(), openTree(t, dir), []string{"."}, opts)
			if err != nil {
				t.Fatalf("in a chart's templates: %v", err)
			}
			if len(res.Files) != 1 || res.Files[0].Path != "good.yaml" || len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0].String(), "chart/templates/bad.yaml") {
				t.Errorf("in a chart's templates: files %+v, warnings %q; want good.yaml bumped and a warning", res.Files, res.Warnings)
			}
			must(t, os.Remove(filepath.Join(dir, "good.yaml")))
			_, err = Bump(context.Background(), openTree(t, dir), []string{"."}, opts)
			var nf *NotFoundError
			if !errors.As(err, &nf) || !strings.Contains(err.Error(), "(it is mentioned in files that were skipped: chart/templates/bad.yaml") {
				t.Errorf("alone: %v, want a not-found error naming chart/templates/bad.yaml", err)
			}
		})
	}
}

// TestUnreadableFileOfAnotherImage: a file that cannot be read and holds
// the image's bytes only inside another name (acme/app-worker for
// acme/app) does not mention it: a warning that names no image, and the
// good file beside it is bumped.
func TestUnreadableFileOfAnotherImage(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("containers: [{image: ghcr.io/acme/app-worker:v1}\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "good.yaml"), []byte(goodFile), 0o644))
	res, err := Bump(context.Background(), openTree(t, dir), []string{"."}, Options{Images: images(t, "ghcr.io/acme/app:v2.0.0")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Path != "good.yaml" {
		t.Errorf("files = %+v, want good.yaml bumped", res.Files)
	}
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0].String(), "bad.yaml:1: is not valid YAML, so it was not modified") {
		t.Errorf("warnings = %q, want one for bad.yaml that mentions no image", res.Warnings)
	}
}

// TestControlCharacterInName: a file whose name holds a newline and which
// references the image is refused, its name quoted; one that does not
// reference it is left alone.
func TestControlCharacterInName(t *testing.T) {
	dir := t.TempDir()
	forged := "x\n_GitHubActionsFileCommandDelimeter_\nchanged<<EOF\nfalse.yaml"
	must(t, os.WriteFile(filepath.Join(dir, forged), []byte(goodFile), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "other\x1b[31m.yaml"), []byte("kind: ConfigMap\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "good.yaml"), []byte(goodFile), 0o644))
	opts := Options{Images: images(t, "ghcr.io/acme/app:v2.0.0")}
	res, err := Bump(context.Background(), openTree(t, dir), []string{"."}, opts)
	var ne *NameError
	if !errors.As(err, &ne) || err.Error() != `"x\n_GitHubActionsFileCommandDelimeter_\nchanged<<EOF\nfalse.yaml" references an image, but its name holds a control character that no output can carry; rename it` {
		t.Fatalf("Bump = %v, want a NameError quoting the name", err)
	}
	for _, c := range append(res.Changes, res.Current...) {
		if strings.ContainsAny(c.File, "\n\x1b") {
			t.Errorf("a change names %q", c.File)
		}
	}
	must(t, os.Remove(filepath.Join(dir, forged)))
	res, err = Bump(context.Background(), openTree(t, dir), []string{"."}, opts)
	if err != nil || len(res.Files) != 1 {
		t.Errorf("without the forged name: files %+v, err %v; want good.yaml bumped", res.Files, err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
