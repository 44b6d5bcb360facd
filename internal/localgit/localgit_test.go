package localgit

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/localgit/localgittest"
)

// gitRepo makes a git repository in a new directory with two commits
// (tagged v1 and v2) and returns it; the tests read it back.
func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	localgittest.Init(t, dir)
	localgittest.Commit(t, dir, map[string]string{"env/staging/app.yaml": "image: app:v1\n", "README.md": "v1\n"}, "v1")
	localgittest.Git(t, dir, "tag", "v1")
	if err := os.Symlink("../../README.md", filepath.Join(dir, "env", "staging", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	localgittest.Commit(t, dir, map[string]string{"env/staging/app.yaml": "image: app:v2\n", "env/new/x.yaml": "x: 1\n"}, "v2")
	localgittest.Git(t, dir, "tag", "v2")
	return dir
}

func env(home string) func(string) string {
	return func(k string) string {
		switch k {
		case "PATH":
			return os.Getenv("PATH")
		case "HOME":
			return home
		}
		return ""
	}
}

func TestResolveAndArchive(t *testing.T) {
	dir := gitRepo(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		dir     string // under the repository
		rev     string
		want    map[string]string
		skipped []string
	}{
		{name: "HEAD~1 at the top", dir: ".", rev: "HEAD~1", want: map[string]string{"env/staging/app.yaml": "image: app:v1\n", "README.md": "v1\n"}},
		{name: "a tag", dir: ".", rev: "v2", want: map[string]string{"env/staging/app.yaml": "image: app:v2\n", "env/new/x.yaml": "x: 1\n", "README.md": "v1\n"}, skipped: []string{"env/staging/link.yaml"}},
		{name: "a branch from a subdirectory", dir: "env", rev: "main", want: map[string]string{"staging/app.yaml": "image: app:v2\n", "new/x.yaml": "x: 1\n"}, skipped: []string{"staging/link.yaml"}},
		{name: "a subdirectory that did not exist", dir: "env/new", rev: "v1", want: map[string]string{}},
		{name: "a short SHA", dir: ".", rev: localgittest.Git(t, dir, "rev-parse", "--short", "v1"), want: map[string]string{"env/staging/app.yaml": "image: app:v1\n", "README.md": "v1\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(ctx, filepath.Join(dir, tc.dir), env(dir))
			if err != nil {
				t.Fatal(err)
			}
			sha, err := r.Resolve(ctx, tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			if want := localgittest.Git(t, dir, "rev-parse", tc.rev+"^{commit}"); sha != want {
				t.Errorf("Resolve(%q) = %q, want %q", tc.rev, sha, want)
			}
			res, err := r.Archive(ctx, sha, archive.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			fs.WalkDir(res.FS, ".", func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					b, _ := fs.ReadFile(res.FS, p)
					got[p] = string(b)
				}
				return err
			})
			if len(got) != len(tc.want) {
				t.Errorf("files %v, want %v", got, tc.want)
			}
			for p, w := range tc.want {
				if got[p] != w {
					t.Errorf("%s = %q, want %q", p, got[p], w)
				}
			}
			var skipped []string
			for _, s := range res.Skipped {
				skipped = append(skipped, s.Name)
			}
			if strings.Join(skipped, ",") != strings.Join(tc.skipped, ",") {
				t.Errorf("skipped %q, want %q", skipped, tc.skipped)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	dir := gitRepo(t)
	ctx := context.Background()
	t.Run("no git on PATH", func(t *testing.T) {
		_, err := Open(ctx, dir, func(k string) string {
			if k == "PATH" {
				return t.TempDir()
			}
			return ""
		})
		if !errors.Is(err, ErrNoGit) {
			t.Errorf("err = %v, want ErrNoGit", err)
		}
	})
	t.Run("not a work tree", func(t *testing.T) {
		outside := t.TempDir()
		_, err := Open(ctx, outside, func(k string) string {
			if k == "GIT_CEILING_DIRECTORIES" {
				return filepath.Dir(outside)
			}
			return env(outside)(k)
		})
		if !errors.Is(err, ErrNotWorkTree) || !strings.Contains(err.Error(), "not a git repository") {
			t.Errorf("err = %v, want ErrNotWorkTree with git's words", err)
		}
	})
	r, err := Open(ctx, dir, env(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{"no-such-branch", "HEAD~9", "main..v1"} {
		if _, err := r.Resolve(ctx, rev); !errors.Is(err, ErrUnknownRevision) {
			t.Errorf("Resolve(%q): %v, want ErrUnknownRevision", rev, err)
		}
	}
	for _, rev := range []string{"", "--output=/tmp/x", "-h", "main\nHEAD", "a\x00b"} {
		if _, err := r.Resolve(ctx, rev); err == nil || errors.Is(err, ErrUnknownRevision) || !strings.Contains(err.Error(), "is not a revision") {
			t.Errorf("Resolve(%q): %v, want it refused before git", rev, err)
		}
	}
}
