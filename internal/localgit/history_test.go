package localgit

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/localgit/localgittest"
)

// identity is env with an identity for tags, and no system configuration.
func identity(home string) func(string) string {
	return func(k string) string {
		switch k {
		case "GIT_COMMITTER_NAME":
			return "Rel Bot"
		case "GIT_COMMITTER_EMAIL":
			return "rel@example.com"
		case "GIT_CONFIG_NOSYSTEM":
			return "1"
		}
		return env(home)(k)
	}
}

func open(t *testing.T, dir string, getenv func(string) string) *Repo {
	t.Helper()
	r, err := Open(context.Background(), dir, getenv)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCommitsAndChanges(t *testing.T) {
	dir := t.TempDir()
	localgittest.Init(t, dir)
	first := localgittest.Commit(t, dir, map[string]string{"a.yaml": "a: 1\n", "old.yaml": "o: 1\no: 2\no: 3\no: 4\n", "gone.yaml": "g: 1\n"}, "first\n\nbody line")
	os.Remove(filepath.Join(dir, "gone.yaml"))
	os.Rename(filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml"))
	second := localgittest.Commit(t, dir, map[string]string{"a.yaml": "a: 2\n", "line\nbreak.yaml": "x: 1\n"}, "second")
	r := open(t, dir, env(dir))
	ctx := context.Background()

	cs, err := r.Commits(ctx, []string{first, second})
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].SHA != first || len(cs[0].Parents) != 0 || cs[0].Message != "first\n\nbody line\n" || cs[0].Author.Name != "test" || cs[0].Committer.Email != "test@example.com" {
		t.Errorf("first commit %+v", cs[0])
	}
	if !reflect.DeepEqual(cs[1].Parents, []string{first}) || time.Since(cs[1].Committer.When) > time.Hour {
		t.Errorf("second commit %+v", cs[1])
	}
	if _, err := r.Commits(ctx, []string{strings.Repeat("0", 40)}); !errors.Is(err, ErrUnknownRevision) {
		t.Errorf("a missing commit: %v", err)
	}
	if _, err := r.Commits(ctx, []string{"HEAD"}); err == nil {
		t.Error("a revision that is no object name was sent to cat-file")
	}

	got, err := r.Changes(ctx, first, second)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Path: "a.yaml", Status: "modified"},
		{Path: "gone.yaml", Status: "removed"},
		{Path: "line\nbreak.yaml", Status: "added"},
		{Path: "new.yaml", Status: "renamed", Previous: "old.yaml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes\n got %+v\nwant %+v", got, want)
	}
	root, err := r.Changes(ctx, "", first)
	if err != nil || len(root) != 3 || root[0].Status != "added" {
		t.Errorf("changes of the first commit: %+v, %v", root, err)
	}
	if list, err := r.RevList(ctx, first, second); err != nil || !reflect.DeepEqual(list, []string{second}) {
		t.Errorf("rev-list: %v, %v", list, err)
	}
}

func TestTreeReadsBlobsAsTheyAre(t *testing.T) {
	dir := t.TempDir()
	localgittest.Init(t, dir)
	localgittest.Commit(t, dir, map[string]string{
		".gitattributes":       "*.yaml export-subst\nhidden.yaml export-ignore\n",
		"env/app.yaml":         "commit: $Format:%H$\n",
		"env/hidden.yaml":      "h: 1\n",
		"env/new\nline.yaml":   "n: 1\n",
		"env/big.yaml":         strings.Repeat("b", 2000),
		"tools/run.sh":         "#!/bin/sh\n",
		"other/not-wanted.yml": "x: 1\n",
	}, "files")
	os.Chmod(filepath.Join(dir, "tools/run.sh"), 0o755)
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "env", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	sha := localgittest.Commit(t, dir, nil, "a link, a script")
	r := open(t, filepath.Join(dir, "env"), env(dir)) // a subdirectory: Tree reads from the top

	res, err := r.Tree(context.Background(), sha, archive.Options{Roots: []string{"env", "tools"}, Limits: archive.Limits{MaxFileSize: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	fs.WalkDir(res.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := fs.ReadFile(res.FS, p)
			files[p] = string(b)
		}
		return err
	})
	want := map[string]string{
		"env/app.yaml":       "commit: $Format:%H$\n",
		"env/hidden.yaml":    "h: 1\n",
		"env/new\nline.yaml": "n: 1\n",
		"tools/run.sh":       "#!/bin/sh\n",
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files\n got %q\nwant %q", files, want)
	}
	if info, err := fs.Stat(res.FS, "tools/run.sh"); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("run.sh mode: %v, %v", info, err)
	}
	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, s.Name+" "+string(s.Reason))
	}
	if got := strings.Join(skipped, ", "); got != "env/big.yaml too large, env/link.yaml symbolic link" {
		t.Errorf("skipped: %s", got)
	}

	blobs, err := r.Blobs(context.Background(), sha, []string{"env/app.yaml", "env/link.yaml", "env/big.yaml", "nope.yaml"}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if b := blobs[0]; !b.Found || b.Text != "commit: $Format:%H$\n" || b.Link || b.Truncated {
		t.Errorf("app.yaml: %+v", b)
	}
	if b := blobs[1]; !b.Found || !b.Link || b.Text != "/etc/passwd" {
		t.Errorf("link.yaml: %+v", b)
	}
	if b := blobs[2]; !b.Found || !b.Truncated || b.Size != 2000 || b.Text != "" {
		t.Errorf("big.yaml: %+v", b)
	}
	if b := blobs[3]; b.Found {
		t.Errorf("nope.yaml: %+v", b)
	}
}

func TestLastChangeAndBlame(t *testing.T) {
	dir := t.TempDir()
	localgittest.Init(t, dir)
	first := localgittest.Commit(t, dir, map[string]string{"*/app.yaml": "a: 1\nb: 1\nc: 1\n", "x/app.yaml": "x: 1\n"}, "first")
	second := localgittest.Commit(t, dir, map[string]string{"*/app.yaml": "a: 1\nb: 2\nc: 1\n"}, "second")
	third := localgittest.Commit(t, dir, map[string]string{"x/app.yaml": "x: 2\n"}, "third")
	r := open(t, dir, env(dir))
	ctx := context.Background()

	// "*" is a directory's name, not a pattern that x matches too.
	if sha, ok, err := r.LastChange(ctx, third, "*"); err != nil || !ok || sha != second {
		t.Errorf("LastChange(*) = %s, %t, %v; want %s", sha, ok, err, second)
	}
	if sha, ok, err := r.LastChange(ctx, third, "x"); err != nil || !ok || sha != third {
		t.Errorf("LastChange(x) = %s, %t, %v; want %s", sha, ok, err, third)
	}
	if _, ok, err := r.LastChange(ctx, third, "nothing"); err != nil || ok {
		t.Errorf("LastChange(nothing) = %t, %v", ok, err)
	}
	got, err := r.Blame(ctx, third, "*/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Lines{{1, 1, first}, {2, 2, second}, {3, 3, first}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("blame\n got %+v\nwant %+v", got, want)
	}
	if got, err := r.Blame(ctx, third, "a\nb"); err != nil || got != nil {
		t.Errorf("a name with a line break was blamed: %v, %v", got, err)
	}
}

func TestMergeTree(t *testing.T) {
	dir := t.TempDir()
	localgittest.Init(t, dir)
	localgittest.Commit(t, dir, map[string]string{"app.yaml": "a: 1\n\n\n\nb: 1\n", "c.yaml": "c: 1\n"}, "base")
	localgittest.Git(t, dir, "checkout", "-q", "-b", "develop")
	develop := localgittest.Commit(t, dir, map[string]string{"app.yaml": "a: 2\n\n\n\nb: 1\n"}, "develop")
	localgittest.Git(t, dir, "checkout", "-q", "main")
	main := localgittest.Commit(t, dir, map[string]string{"app.yaml": "a: 1\n\n\n\nb: 9\n"}, "hotfix")
	r := open(t, dir, env(dir))
	ctx := context.Background()

	tree, conflicts, err := r.MergeTree(ctx, main, develop)
	if err != nil || len(conflicts) != 0 {
		t.Fatalf("clean merge: %v, %v", conflicts, err)
	}
	blobs, err := r.Blobs(ctx, tree, []string{"app.yaml"}, 0)
	if err != nil || blobs[0].Text != "a: 2\n\n\n\nb: 9\n" {
		t.Errorf("merged app.yaml: %+v, %v", blobs, err)
	}
	if status := localgittest.Git(t, dir, "status", "--porcelain"); status != "" {
		t.Errorf("the merge touched the work tree or the index: %s", status)
	}

	conflicting := localgittest.Commit(t, dir, map[string]string{"app.yaml": "a: 3\n\n\n\nb: 9\n", "c.yaml": "c: 3\n"}, "conflict")
	if _, conflicts, err := r.MergeTree(ctx, conflicting, develop); err != nil || !reflect.DeepEqual(conflicts, []string{"app.yaml"}) {
		t.Errorf("conflicts %q, %v; want app.yaml", conflicts, err)
	}
}

func TestTags(t *testing.T) {
	dir := t.TempDir()
	localgittest.Init(t, dir)
	first := localgittest.Commit(t, dir, map[string]string{"a": "1"}, "first")
	second := localgittest.Commit(t, dir, map[string]string{"a": "2"}, "second")
	localgittest.Git(t, dir, "tag", "light", first)
	r := open(t, dir, identity(dir))
	ctx := context.Background()

	msg := "# not a comment\n\nBody: kept\n\n"
	if err := r.CreateTag(ctx, "v2", msg, second); err != nil {
		t.Fatal(err)
	}
	if got := localgittest.Git(t, dir, "cat-file", "-p", "v2"); !strings.Contains(got, "tagger Rel Bot <rel@example.com>") || !strings.HasSuffix(got, strings.TrimRight(msg, "\n")) || !strings.Contains(got, "object "+second) {
		t.Errorf("tag object:\n%s", got)
	}
	var exists *TagExistsError
	if err := r.CreateTag(ctx, "v2", "again", first); !errors.As(err, &exists) || exists.Commit != second {
		t.Errorf("a second v2: %v", err)
	}
	if got := localgittest.Git(t, dir, "rev-parse", "v2^{commit}"); got != second {
		t.Errorf("v2 moved to %s", got)
	}
	tags, err := r.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Tag{}
	for _, tg := range tags {
		byName[tg.Name] = tg
	}
	if byName["v2"].Commit != second || byName["v2"].Object == second || byName["light"].Commit != first || len(tags) != 2 {
		t.Errorf("tags %+v", tags)
	}
	if sha, ok, err := r.PeelTag(ctx, "v2"); err != nil || !ok || sha != second {
		t.Errorf("PeelTag(v2) = %s, %t, %v", sha, ok, err)
	}
	if _, ok, err := r.PeelTag(ctx, "v9"); err != nil || ok {
		t.Errorf("PeelTag(v9) = %t, %v", ok, err)
	}
	for _, bad := range []string{"", "-f", "a..b", "a b", "v1^{tree}", "x\ny", "HEAD:a", "a~1"} {
		if err := r.CreateTag(ctx, bad, "m", second); err == nil || !strings.Contains(err.Error(), "is not a tag name") {
			t.Errorf("CreateTag(%q): %v", bad, err)
		}
		if _, _, err := r.PeelTag(ctx, bad); err == nil {
			t.Errorf("PeelTag(%q) was asked of git", bad)
		}
	}

	anonymous := open(t, dir, func(k string) string {
		if k == "EMAIL" || k == "GIT_COMMITTER_NAME" || k == "GIT_COMMITTER_EMAIL" {
			return ""
		}
		return identity(dir)(k)
	})
	localgittest.Git(t, dir, "config", "user.useConfigOnly", "true")
	if err := anonymous.CreateTag(ctx, "v3", "m", second); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("no identity: %v", err)
	}
}
