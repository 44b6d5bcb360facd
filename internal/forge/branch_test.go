package forge_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

var alice = githubtest.Identity{Login: "alice", Name: "Alice", Email: "alice@example.com"}

// readFile is the text of file p of fsys, or "\x00missing" when it cannot
// be read.
func readFile(fsys fs.FS, p string) string {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return "\x00missing"
	}
	return string(data)
}

// exists reports whether fsys has p.
func exists(fsys fs.FS, p string) bool {
	_, err := fs.Stat(fsys, p)
	return err == nil
}

// readBranch reads the branch bump of acme/config into main, and checks
// that it cost one request.
func readBranch(t *testing.T, srv *githubtest.Server, c *forge.Client, trees ...string) *forge.BranchState {
	t.Helper()
	srv.ResetCalls()
	st, err := c.ReadBranch(context.Background(), forge.BranchQuery{Base: "main", Branch: "bump", Trees: trees, TipTrees: trees})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.TotalCalls(); n != 1 {
		t.Errorf("ReadBranch: %d requests, want 1: %v", n, srv.AllCalls())
	}
	return st
}

func TestReadBranch(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()

	// No branch yet: the base and its files.
	st := readBranch(t, srv, c, "environments/staging", ".")
	if st.Base.SHA != srv.Ref("acme/config", "main") || st.Base.Tree == "" || st.Tip != nil || st.Open != nil || st.Previous != nil || !st.AheadComplete {
		t.Fatalf("no branch: %+v", st)
	}
	if st.BaseFiles == nil || readFile(st.BaseFiles.FS, "environments/staging/app.yaml") != "image: ghcr.io/acme/app:v1\n" || readFile(st.BaseFiles.FS, "README.md") != "# config\n" {
		t.Fatalf("base files: %+v", st.BaseFiles)
	}
	if id, err := c.RepositoryID(ctx); err != nil || id == "" || srv.Calls(githubtest.RouteGetRepo) != 0 {
		t.Errorf("the repository's node ID did not come with the read: %q, %v", id, err)
	}

	// A tool's commit, a pull request, then a person's commit on top.
	head, err := c.BranchHead(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	tool, err := c.CreateCommit(ctx, head, []forge.File{{Path: "environments/staging/app.yaml", Content: []byte("image: ghcr.io/acme/app:v2\n")}}, "Bump\n\nBumped-By: gitops-actions\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateBranch(ctx, "bump", tool.SHA); err != nil {
		t.Fatal(err)
	}
	pr, err := c.CreatePull(ctx, forge.NewPull{Head: "bump", Base: "main", Title: "Bump app", Body: "Bumps app."})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddLabels(ctx, pr.Number, []string{"deps"}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAssignees(ctx, pr.Number, []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	person := srv.PushCommit("acme/config", "bump", map[string]string{"environments/staging/extra.yaml": "a: 1\n"}, "Add extra", alice)
	st = readBranch(t, srv, c, "environments/staging")
	if st.Tip == nil || st.Tip.SHA != person || len(st.Tip.Parents) != 1 || st.Tip.Parents[0] != tool.SHA {
		t.Fatalf("tip %+v, want %s on %s", st.Tip, person, tool.SHA)
	}
	if len(st.Ahead) != 2 || st.Ahead[0].SHA != tool.SHA || st.Ahead[1].SHA != person || st.Ahead[1].Message != "Add extra" || !st.AheadComplete {
		t.Errorf("ahead %+v, want the tool's commit then the person's", st.Ahead)
	}
	if o := st.Open; o == nil || o.Number != pr.Number || o.HeadSHA != person || o.Title != "Bump app" || o.Body != "Bumps app." || o.NodeID == "" ||
		strings.Join(o.Labels, ",") != "deps" || strings.Join(o.Assignees, ",") != "bob" || o.State != "OPEN" || o.AutoMerge != "" {
		t.Errorf("open pull request %+v", st.Open)
	}
	if st.TipFiles == nil || readFile(st.TipFiles.FS, "environments/staging/extra.yaml") != "a: 1\n" || exists(st.BaseFiles.FS, "environments/staging/extra.yaml") {
		t.Errorf("tip files %+v, base files %+v", st.TipFiles, st.BaseFiles)
	}

	// Merged with squash: the branch stays, the pull request is the
	// previous one, and GitHub keeps its head.
	srv.MergePRWith("acme/config", pr.Number, githubtest.Squash)
	st = readBranch(t, srv, c)
	if st.Open != nil || st.Previous == nil || st.Previous.Number != pr.Number || st.Previous.State != "MERGED" || st.Previous.HeadSHA != person {
		t.Errorf("after the merge: open %+v, previous %+v", st.Open, st.Previous)
	}
	if st.Tip == nil || st.Tip.SHA != person || srv.Ref("acme/config", "refs/pull/1/head") != person {
		t.Errorf("tip %+v, refs/pull/1/head at %q; want both at %s", st.Tip, srv.Ref("acme/config", "refs/pull/1/head"), person)
	}
}

func TestReadBranchFiles(t *testing.T) {
	deep := "environments/staging/" + strings.Repeat("d/", 10) + "x.yaml"
	tests := []struct {
		name     string
		files    map[string]string
		tree     string
		complete bool
		check    func(t *testing.T, snap *forge.Snapshot)
	}{
		{name: "text files", files: map[string]string{"environments/staging/a/b.yaml": "b: 1\n"}, tree: "environments/staging", complete: true,
			check: func(t *testing.T, snap *forge.Snapshot) {
				if info, err := fs.Stat(snap.FS, "environments/staging/a"); err != nil || !info.IsDir() {
					t.Errorf("the directory: %v, %v", info, err)
				}
				if snap.Mode("environments/staging/a/b.yaml") != "100644" {
					t.Errorf("mode %s", snap.Mode("environments/staging/a/b.yaml"))
				}
			}},
		{name: "a symbolic link is skipped", files: map[string]string{"environments/staging/link.yaml": githubtest.Symlink("../../README.md")}, tree: "environments/staging", complete: true,
			check: func(t *testing.T, snap *forge.Snapshot) {
				if exists(snap.FS, "environments/staging/link.yaml") || len(snap.Skipped) != 1 || snap.Skipped[0].Reason != archive.ReasonSymlink {
					t.Errorf("the link: %+v", snap.Skipped)
				}
			}},
		{name: "a binary file needs the archive", files: map[string]string{"environments/staging/logo.png": "\x89PNG\x00\x01"}, tree: "environments/staging"},
		{name: "a tree too deep needs the archive", files: map[string]string{deep: "x: 1\n"}, tree: "environments/staging"},
		{name: "a missing directory is missing", tree: "environments/qa", complete: true,
			check: func(t *testing.T, snap *forge.Snapshot) {
				if _, err := fs.Stat(snap.FS, "environments/qa"); err == nil {
					t.Error("environments/qa exists in the snapshot")
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRepo(t, githubtest.Options{})
			if len(tc.files) > 0 {
				srv.PushCommit("acme/config", "main", tc.files, "Add files", alice)
			}
			st := readBranch(t, srv, newClient(t, srv, nil), tc.tree)
			if got := st.BaseFiles != nil; got != tc.complete {
				t.Fatalf("snapshot read whole: %t, want %t", got, tc.complete)
			}
			if !tc.complete {
				return
			}
			for p, want := range tc.files {
				if got := readFile(st.BaseFiles.FS, p); !strings.HasPrefix(want, "\x00") && got != want {
					t.Errorf("%s: %q, want %q", p, got, want)
				}
			}
			if tc.check != nil {
				tc.check(t, st.BaseFiles)
			}
		})
	}
}

func TestCommitOnBranch(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	main := srv.Ref("acme/config", "main")
	if err := c.CreateBranch(ctx, "bump", main); err != nil {
		t.Fatal(err)
	}
	msg := "Bump app\n\nSource-Repository: acme/app\nBumped-By: gitops-actions\n"
	srv.ResetCalls()
	cm, err := c.CommitOnBranch(ctx, "bump", main, []forge.File{
		{Path: "environments/staging/app.yaml", Content: []byte("image: ghcr.io/acme/app:v2\n")},
		{Path: "environments/prod/app.yaml", Delete: true},
	}, msg)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.TotalCalls(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if cm.SHA != srv.Ref("acme/config", "bump") || !cm.Verified || len(cm.Parents) != 1 || cm.Parents[0] != main {
		t.Errorf("commit %+v, bump at %s", cm, srv.Ref("acme/config", "bump"))
	}
	if got, _ := srv.File("acme/config", "bump", "environments/staging/app.yaml"); got != "image: ghcr.io/acme/app:v2\n" {
		t.Errorf("the file on the branch: %q", got)
	}
	if _, err := srv.File("acme/config", "bump", "environments/prod/app.yaml"); err == nil {
		t.Error("the removed file is still on the branch")
	}
	head, err := c.BranchHead(ctx, "bump")
	if err != nil || !strings.HasSuffix(strings.TrimSpace(head.Message), "Bumped-By: gitops-actions") || !strings.HasPrefix(head.Message, "Bump app\n\n") {
		t.Errorf("message %q, %v", head.Message, err)
	}

	// The branch moved: nothing is written.
	person := srv.PushCommit("acme/config", "bump", map[string]string{"mine.txt": "mine\n"}, "Mine", alice)
	_, err = c.CommitOnBranch(ctx, "bump", cm.SHA, []forge.File{{Path: "a.yaml", Content: []byte("a\n")}}, "Again")
	var moved *forge.RefMovedError
	if !errors.As(err, &moved) || moved.Actual != person {
		t.Fatalf("on a moved branch: %v, want a RefMovedError at %s", err, person)
	}
	if got := srv.Ref("acme/config", "bump"); got != person {
		t.Errorf("bump at %s, want the person's %s", got, person)
	}

	// An executable file cannot be written so.
	if _, err := c.CommitOnBranch(ctx, "bump", person, []forge.File{{Path: "run.sh", Content: []byte("#!/bin/sh\n"), Mode: "100755"}}, "Script"); err == nil {
		t.Error("an executable file was accepted")
	}
}

// gitOut runs git on the fake's repository acme/config.
func gitOut(t *testing.T, srv *githubtest.Server, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", srv.GitDir("acme/config")}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// refuseTrees answers, as GitHub answers a query it will not run, every
// GraphQL request that reads trees.
type refuseTrees struct{ refused int }

func (r *refuseTrees) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.GetBody != nil {
		b, _ := req.GetBody()
		body, _ := io.ReadAll(b)
		if strings.Contains(string(body), "fragment E1") {
			r.refused++
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: req,
				Body: io.NopCloser(strings.NewReader(`{"errors":[{"message":"Something went wrong while executing your query. This may be the result of a timeout."}]}`))}, nil
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestReadBranchWithoutTrees: when GitHub will not answer the query with
// the files, the rest is read without them, for the archive to bring them.
func TestReadBranchWithoutTrees(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	rt := &refuseTrees{}
	st, err := newClient(t, srv, rt).ReadBranch(context.Background(), forge.BranchQuery{Base: "main", Branch: "bump", Trees: []string{"."}, TipTrees: []string{"environments"}})
	if err != nil {
		t.Fatal(err)
	}
	if rt.refused != 1 || st.BaseFiles != nil || st.Base.SHA != srv.Ref("acme/config", "main") {
		t.Errorf("refused %d times; state %+v", rt.refused, st)
	}
}

// awayAndBack moves the branch away before GitHub sees the commit it
// carries, and back once GitHub has refused it: another run that pointed
// the branch elsewhere and then where it was.
type awayAndBack struct {
	t      *testing.T
	srv    *githubtest.Server
	branch string
	done   bool
}

func (a *awayAndBack) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.GetBody != nil && !a.done {
		b, _ := req.GetBody()
		body, _ := io.ReadAll(b)
		if strings.Contains(string(body), "createCommitOnBranch") {
			a.done = true
			was := a.srv.Ref("acme/config", a.branch)
			a.srv.PushCommit("acme/config", a.branch, map[string]string{"other.txt": "another run\n"}, "Another run", alice)
			resp, err := http.DefaultTransport.RoundTrip(req)
			gitOut(a.t, a.srv, "update-ref", "refs/heads/"+a.branch, was)
			return resp, err
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestCommitOnBranchAwayAndBack: GitHub refuses the commit as stale while
// the branch is elsewhere, and by the time the client reads the branch it
// is back where the commit expected it. The branch moved: a
// RefMovedError, which the pull-request machinery answers by reading the
// branch again, never a failure of the run.
func TestCommitOnBranchAwayAndBack(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	main := srv.Ref("acme/config", "main")
	rt := &awayAndBack{t: t, srv: srv, branch: "bump"}
	c := newClient(t, srv, rt)
	ctx := context.Background()
	if err := c.CreateBranch(ctx, "bump", main); err != nil {
		t.Fatal(err)
	}
	_, err := c.CommitOnBranch(ctx, "bump", main, []forge.File{{Path: "a.yaml", Content: []byte("a\n")}}, "Bump")
	var moved *forge.RefMovedError
	if !rt.done || !errors.As(err, &moved) {
		t.Fatalf("a branch moved away and back: %v (the mutation intercepted: %v), want a RefMovedError", err, rt.done)
	}
	if got := srv.Ref("acme/config", "bump"); got != main {
		t.Errorf("bump at %s, want %s: nothing of this run written", got, main)
	}
}
