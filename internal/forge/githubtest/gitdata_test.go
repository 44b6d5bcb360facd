package githubtest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// runGit runs the git CLI in dir and returns its trimmed output.
func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"--git-dir", dir}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestBlobs(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	tests := []struct {
		name     string
		content  string
		encoding string
		want     string
	}{
		{name: "utf-8", content: "hello\n", encoding: "utf-8", want: "hello\n"},
		{name: "base64", content: "aGVsbG8K", encoding: "base64", want: "hello\n"},
		{name: "long base64 is wrapped", content: strings.Repeat("x", 100), encoding: "utf-8", want: strings.Repeat("x", 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _, err := gh.Git.CreateBlob(ctx, "acme", "config", &github.Blob{Content: github.String(tc.content), Encoding: github.String(tc.encoding)})
			if err != nil {
				t.Fatal(err)
			}
			// The SHA is the one git computes.
			hash := exec.Command("git", "hash-object", "--stdin")
			hash.Stdin = strings.NewReader(tc.want)
			out, err := hash.Output()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := b.GetSHA(), strings.TrimSpace(string(out)); got != want {
				t.Errorf("sha: got %s, want %s", got, want)
			}
			raw, _, err := gh.Git.GetBlobRaw(ctx, "acme", "config", b.GetSHA())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(raw), tc.want; got != want {
				t.Errorf("content: got %q, want %q", got, want)
			}
			if got, want := runGit(t, srv.GitDir("acme/config"), "cat-file", "-p", b.GetSHA()), strings.TrimSpace(tc.want); got != want {
				t.Errorf("git cat-file: got %q, want %q", got, want)
			}
		})
	}
	_, _, err := gh.Git.GetBlob(ctx, "acme", "config", strings.Repeat("0", 40))
	if status, msg, _ := apiError(t, err); status != 404 || msg != "Not Found" {
		t.Errorf("missing blob: got %d %q, want 404 %q", status, msg, "Not Found")
	}
}

func TestTrees(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	base, _, err := gh.Git.GetCommit(ctx, "acme", "config", main)
	if err != nil {
		t.Fatal(err)
	}
	blob, _, err := gh.Git.CreateBlob(ctx, "acme", "config", &github.Blob{Content: github.String("by sha\n"), Encoding: github.String("utf-8")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		baseTree   string
		entries    []*github.TreeEntry
		wantStatus int
		wantMsg    string
		wantPaths  string // blob paths of the recursive tree, space separated
	}{
		{
			name:      "content on a base tree",
			baseTree:  base.GetTree().GetSHA(),
			entries:   []*github.TreeEntry{{Path: github.String("environments/staging/app.yaml"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("image: ghcr.io/acme/app:2\n")}},
			wantPaths: "environments/production/app.yaml environments/staging/app.yaml",
		},
		{
			name:      "new nested file by sha",
			baseTree:  base.GetTree().GetSHA(),
			entries:   []*github.TreeEntry{{Path: github.String("a/b/c.txt"), Mode: github.String("100644"), Type: github.String("blob"), SHA: blob.SHA}},
			wantPaths: "a/b/c.txt environments/production/app.yaml environments/staging/app.yaml",
		},
		{
			name:      "delete with a null sha",
			baseTree:  base.GetTree().GetSHA(),
			entries:   []*github.TreeEntry{{Path: github.String("environments/production/app.yaml"), Mode: github.String("100644"), Type: github.String("blob")}},
			wantPaths: "environments/staging/app.yaml",
		},
		{
			name:      "no base tree",
			entries:   []*github.TreeEntry{{Path: github.String("only.txt"), Mode: github.String("100755"), Type: github.String("blob"), Content: github.String("#!/bin/sh\n")}},
			wantPaths: "only.txt",
		},
		{
			name:       "missing base tree",
			baseTree:   strings.Repeat("1", 40),
			entries:    []*github.TreeEntry{{Path: github.String("x"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("x")}},
			wantStatus: 422, wantMsg: "base_tree is not a valid tree oid",
		},
		{
			name:       "malformed path",
			baseTree:   base.GetTree().GetSHA(),
			entries:    []*github.TreeEntry{{Path: github.String("a//b"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("x")}},
			wantStatus: 422, wantMsg: "tree.path contains a malformed path component",
		},
		{
			name:       "missing blob sha",
			baseTree:   base.GetTree().GetSHA(),
			entries:    []*github.TreeEntry{{Path: github.String("x"), Mode: github.String("100644"), Type: github.String("blob"), SHA: github.String(strings.Repeat("2", 40))}},
			wantStatus: 422, wantMsg: "tree.sha " + strings.Repeat("2", 40) + " is not a valid object",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree, _, err := gh.Git.CreateTree(ctx, "acme", "config", tc.baseTree, tc.entries)
			status, msg, _ := apiError(t, err)
			if status != tc.wantStatus || msg != tc.wantMsg {
				t.Fatalf("got %d %q, want %d %q", status, msg, tc.wantStatus, tc.wantMsg)
			}
			if status != 0 {
				return
			}
			got, _, err := gh.Git.GetTree(ctx, "acme", "config", tree.GetSHA(), true)
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, e := range got.Entries {
				if e.GetType() == "blob" {
					paths = append(paths, e.GetPath())
				}
			}
			if got, want := strings.Join(paths, " "), tc.wantPaths; got != want {
				t.Errorf("paths: got %q, want %q", got, want)
			}
			// git agrees with the SHA and the listing.
			if got, want := runGit(t, srv.GitDir("acme/config"), "ls-tree", "-r", "--name-only", tree.GetSHA()), strings.ReplaceAll(tc.wantPaths, " ", "\n"); got != want {
				t.Errorf("git ls-tree: got %q, want %q", got, want)
			}
		})
	}
	// A commit or a branch name is accepted where a tree is expected.
	for _, ref := range []string{main, "main"} {
		tr, _, err := gh.Git.GetTree(ctx, "acme", "config", ref, false)
		if err != nil {
			t.Fatalf("tree of %q: %v", ref, err)
		}
		if got, want := tr.GetSHA(), base.GetTree().GetSHA(); got != want {
			t.Errorf("tree of %q: got %s, want %s", ref, got, want)
		}
		if got, want := len(tr.Entries), 1; got != want {
			t.Errorf("non-recursive tree of %q: got %d entries, want %d", ref, got, want)
		}
	}
}

func TestGitCommits(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := newTestServer(t, Options{Now: func() time.Time { return when }})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	parent, _, err := gh.Git.GetCommit(ctx, "acme", "config", main)
	if err != nil {
		t.Fatal(err)
	}
	ann := &github.CommitAuthor{Name: github.String("Ann"), Email: github.String("ann@example.com"), Date: &github.Timestamp{Time: when}}
	tests := []struct {
		name          string
		commit        *github.Commit
		wantStatus    int
		wantMsg       string
		wantVerified  bool
		wantReason    string
		wantAuthor    string
		wantCommitter string
	}{
		{
			name:         "no author: signed by GitHub",
			commit:       &github.Commit{Message: github.String("bump"), Tree: parent.Tree, Parents: []*github.Commit{{SHA: github.String(main)}}},
			wantVerified: true, wantReason: "valid",
			wantAuthor: "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>", wantCommitter: "GitHub <noreply@github.com>",
		},
		{
			name:         "with author: unsigned",
			commit:       &github.Commit{Message: github.String("bump"), Tree: parent.Tree, Parents: []*github.Commit{{SHA: github.String(main)}}, Author: ann},
			wantVerified: false, wantReason: "unsigned",
			wantAuthor: "Ann <ann@example.com>", wantCommitter: "Ann <ann@example.com>",
		},
		{
			name:       "missing tree",
			commit:     &github.Commit{Message: github.String("x"), Tree: &github.Tree{SHA: github.String(strings.Repeat("3", 40))}},
			wantStatus: 422, wantMsg: "Tree SHA does not exist",
		},
		{
			name:       "missing parent",
			commit:     &github.Commit{Message: github.String("x"), Tree: parent.Tree, Parents: []*github.Commit{{SHA: github.String(strings.Repeat("4", 40))}}},
			wantStatus: 422, wantMsg: "Parent SHA does not exist or is not a commit object",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := gh.Git.CreateCommit(ctx, "acme", "config", tc.commit, nil)
			status, msg, _ := apiError(t, err)
			if status != tc.wantStatus || msg != tc.wantMsg {
				t.Fatalf("got %d %q, want %d %q", status, msg, tc.wantStatus, tc.wantMsg)
			}
			if status != 0 {
				return
			}
			if got, want := c.GetVerification().GetVerified(), tc.wantVerified; got != want {
				t.Errorf("verified: got %v, want %v", got, want)
			}
			if got, want := c.GetVerification().GetReason(), tc.wantReason; got != want {
				t.Errorf("reason: got %q, want %q", got, want)
			}
			dir := srv.GitDir("acme/config")
			if got, want := runGit(t, dir, "log", "-1", "--format=%an <%ae>", c.GetSHA()), tc.wantAuthor; got != want {
				t.Errorf("author: got %q, want %q", got, want)
			}
			if got, want := runGit(t, dir, "log", "-1", "--format=%cn <%ce>", c.GetSHA()), tc.wantCommitter; got != want {
				t.Errorf("committer: got %q, want %q", got, want)
			}
			if got, want := runGit(t, dir, "rev-parse", c.GetSHA()+"^"), main; got != want {
				t.Errorf("parent: got %s, want %s", got, want)
			}
			again, _, err := gh.Git.GetCommit(ctx, "acme", "config", c.GetSHA())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := again.GetMessage(), "bump"; got != want {
				t.Errorf("message: got %q, want %q", got, want)
			}
			if got, want := again.GetVerification().GetVerified(), tc.wantVerified; got != want {
				t.Errorf("verified when read back: got %v, want %v", got, want)
			}
		})
	}
	_, _, err = gh.Git.GetCommit(ctx, "acme", "config", strings.Repeat("5", 40))
	if status, _, _ := apiError(t, err); status != 404 {
		t.Errorf("missing commit: got %d, want 404", status)
	}
}

func TestCommitsAndCompare(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	ahead := srv.PushCommit("acme/config", "bump", map[string]string{"environments/staging/app.yaml": "image: ghcr.io/acme/app:1.1.0\n"}, "Bump staging", Identity{})
	srv.PushCommit("acme/config", "diverged", map[string]string{"c.txt": "c\n"}, "c", Identity{})
	tests := []struct {
		name       string
		base, head string
		wantStatus string
		wantAhead  int
		wantBehind int
		wantFiles  string
		wantErr    int
	}{
		{name: "identical", base: "main", head: "main", wantStatus: "identical"},
		{name: "ahead", base: "main", head: "bump", wantStatus: "ahead", wantAhead: 1, wantFiles: "modified environments/staging/app.yaml +1 -1"},
		{name: "behind", base: "bump", head: "main", wantStatus: "behind", wantBehind: 1},
		{name: "owner prefix", base: "main", head: "acme:bump", wantStatus: "ahead", wantAhead: 1, wantFiles: "modified environments/staging/app.yaml +1 -1"},
		{name: "diverged", base: "bump", head: "diverged", wantStatus: "diverged", wantAhead: 1, wantBehind: 1, wantFiles: "added c.txt +1 -0"},
		{name: "missing", base: "main", head: "nope", wantErr: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmp, _, err := gh.Repositories.CompareCommits(ctx, "acme", "config", tc.base, tc.head, nil)
			if status, _, _ := apiError(t, err); status != tc.wantErr {
				t.Fatalf("status: got %d, want %d", status, tc.wantErr)
			}
			if tc.wantErr != 0 {
				return
			}
			if cmp.GetStatus() != tc.wantStatus || cmp.GetAheadBy() != tc.wantAhead || cmp.GetBehindBy() != tc.wantBehind {
				t.Errorf("got %s ahead %d behind %d, want %s ahead %d behind %d", cmp.GetStatus(), cmp.GetAheadBy(), cmp.GetBehindBy(), tc.wantStatus, tc.wantAhead, tc.wantBehind)
			}
			var files []string
			for _, f := range cmp.Files {
				files = append(files, f.GetStatus()+" "+f.GetFilename()+" +"+strconv.Itoa(f.GetAdditions())+" -"+strconv.Itoa(f.GetDeletions()))
			}
			if got, want := strings.Join(files, ", "), tc.wantFiles; got != want {
				t.Errorf("files: got %q, want %q", got, want)
			}
			if got, want := len(cmp.Commits), tc.wantAhead; got != want {
				t.Errorf("commits: got %d, want %d", got, want)
			}
		})
	}
	c, _, err := gh.Repositories.GetCommit(ctx, "acme", "config", "bump", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.GetSHA() != ahead || c.GetCommit().GetMessage() != "Bump staging" || len(c.Files) != 1 {
		t.Errorf("commit of bump: got %s %q with %d files, want %s %q with 1", c.GetSHA(), c.GetCommit().GetMessage(), len(c.Files), ahead, "Bump staging")
	}
	if !strings.Contains(c.Files[0].GetPatch(), "+image: ghcr.io/acme/app:1.1.0") {
		t.Errorf("patch: got %q, want the added line", c.Files[0].GetPatch())
	}
	for _, ref := range []string{main, main[:7], "heads/main", "refs/heads/main"} {
		c, _, err := gh.Repositories.GetCommit(ctx, "acme", "config", ref, nil)
		if err != nil || c.GetSHA() != main {
			t.Errorf("commit of %q: got %s, %v; want %s", ref, c.GetSHA(), err, main)
		}
	}
	_, _, err = gh.Repositories.GetCommit(ctx, "acme", "config", "nope", nil)
	if status, msg, _ := apiError(t, err); status != 422 || msg != "No commit found for SHA: nope" {
		t.Errorf("missing commit: got %d %q, want 422 %q", status, msg, "No commit found for SHA: nope")
	}
}

func TestArchives(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	top := "acme-config-" + main[:7] + "/"
	tests := []struct {
		name   string
		format github.ArchiveFormat
		ref    string
	}{
		{name: "tarball of a branch", format: github.Tarball, ref: "main"},
		{name: "tarball of the default branch", format: github.Tarball},
		{name: "zipball of a sha", format: github.Zipball, ref: main},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, _, err := gh.Repositories.GetArchiveLink(ctx, "acme", "config", tc.format, &github.RepositoryContentGetOptions{Ref: tc.ref}, 0)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			files := map[string]string{}
			if tc.format == github.Tarball {
				gz, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				tr := tar.NewReader(gz)
				for {
					h, err := tr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if h.Typeflag == tar.TypeXGlobalHeader {
						// Like git archive, the commit is in the pax global header.
						if got, want := h.PAXRecords["comment"], main; got != want {
							t.Errorf("pax comment: got %q, want %q", got, want)
						}
						continue
					}
					if h.Typeflag == tar.TypeReg {
						b, _ := io.ReadAll(tr)
						files[h.Name] = string(b)
					}
					if !strings.HasPrefix(h.Name, top) {
						t.Errorf("entry %q is not below %q", h.Name, top)
					}
				}
			} else {
				zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range zr.File {
					if !strings.HasSuffix(f.Name, "/") {
						rc, _ := f.Open()
						b, _ := io.ReadAll(rc)
						rc.Close()
						files[f.Name] = string(b)
					}
				}
			}
			var names []string
			for n := range files {
				names = append(names, n)
			}
			sort.Strings(names)
			if got, want := strings.Join(names, " "), top+"environments/production/app.yaml "+top+"environments/staging/app.yaml"; got != want {
				t.Errorf("files: got %q, want %q", got, want)
			}
			if got, want := files[top+"environments/staging/app.yaml"], "image: ghcr.io/acme/app:1.0.0\n"; got != want {
				t.Errorf("content: got %q, want %q", got, want)
			}
		})
	}
	_, _, err := gh.Repositories.GetArchiveLink(ctx, "acme", "config", github.Tarball, &github.RepositoryContentGetOptions{Ref: "nope"}, 0)
	if err == nil {
		t.Errorf("archive of a missing ref: got no error")
	}
}
