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

// TestSkippedFileBesideAGoodOne: a file the engine cannot read as YAML
// (an alias bomb, nesting 10,000 deep, not UTF-8) is a warning at that
// file, and the good file beside it is bumped. Alone, it is named in the
// "not found" error with its reason.
func TestSkippedFileBesideAGoodOne(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		want    string // the warning, after "bad.yaml:"
		notWant string
	}{
		{name: "alias bomb", data: []byte(aliasBomb()),
			want: "1: mentions ghcr.io/acme/app but holds so many aliases that expanding them would take too long (an alias bomb?), so it was not modified"},
		{name: "a sequence 10,000 deep", data: []byte(strings.Repeat("- ", 10000) + "ghcr.io/acme/app:v1.0.0\n"),
			want: "1: mentions ghcr.io/acme/app but nests collections more than 10000 levels deep, so it was not modified", notWant: "alias"},
		{name: "a flow sequence 10,000 deep", data: []byte(strings.Repeat("[", 10000) + "ghcr.io/acme/app:v1.0.0" + strings.Repeat("]", 10000) + "\n"),
			want: "1: mentions ghcr.io/acme/app but nests collections more than 10000 levels deep", notWant: "alias"},
		{name: "a flow sequence 10,001 deep", data: []byte(strings.Repeat("[", 10001) + "ghcr.io/acme/app:v1.0.0" + strings.Repeat("]", 10001) + "\n"),
			want: "1: mentions ghcr.io/acme/app but is not valid YAML, so it was not modified: yaml: exceeded max depth of 10000", notWant: "alias"},
		{name: "UTF-16LE with a byte order mark", data: encodeUTF16(goodFile, false, true),
			want: " mentions ghcr.io/acme/app but is UTF-16, not UTF-8, so it was not modified; save it as UTF-8"},
		{name: "UTF-16BE with a byte order mark", data: encodeUTF16(goodFile, true, true),
			want: " mentions ghcr.io/acme/app but is UTF-16, not UTF-8"},
		{name: "UTF-16LE without a mark", data: encodeUTF16(goodFile, false, false),
			want: " mentions ghcr.io/acme/app but is UTF-16, not UTF-8"},
		{name: "Latin-1", data: []byte("# caf\xe9\nspec:\n  containers:\n    - image: ghcr.io/acme/app:v1.0.0\n"),
			want: "1: mentions ghcr.io/acme/app but is not UTF-8 (line 1 holds a byte that is not), so it was not modified; save it as UTF-8"},
	}
	opts := Options{Images: images(t, "ghcr.io/acme/app:v2.0.0")}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), tc.data, 0o644))
			must(t, os.WriteFile(filepath.Join(dir, "good.yaml"), []byte(goodFile), 0o644))
			res, err := Bump(context.Background(), openTree(t, dir), []string{"."}, opts)
			if err != nil {
				t.Fatalf("Bump: %v", err)
			}
			if len(res.Files) != 1 || res.Files[0].Path != "good.yaml" {
				t.Errorf("files = %+v, want good.yaml bumped", res.Files)
			}
			if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0].String(), "bad.yaml:"+tc.want) {
				t.Fatalf("warnings = %q, want bad.yaml:%s", res.Warnings, tc.want)
			}
			if tc.notWant != "" && strings.Contains(res.Warnings[0].Message, tc.notWant) {
				t.Errorf("warning %q says %q", res.Warnings[0].Message, tc.notWant)
			}

			must(t, os.Remove(filepath.Join(dir, "good.yaml")))
			_, err = Bump(context.Background(), openTree(t, dir), []string{"."}, opts)
			var nf *NotFoundError
			if !errors.As(err, &nf) || !strings.Contains(err.Error(), "(it is mentioned in files that were skipped: bad.yaml:"+tc.want) {
				t.Errorf("alone: %v, want a not-found error naming bad.yaml:%s", err, tc.want)
			}
		})
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
