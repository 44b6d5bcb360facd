package forge_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

const testToken = "ghp_forgeTestToken0123456789abcdefABCDEF"

var fastRetry = forge.Retry{Max: 10, WaitMin: time.Millisecond, WaitMax: 4 * time.Millisecond, SecondaryWait: time.Millisecond, MaxWait: 10 * time.Millisecond}

// recorder remembers the User-Agent and Authorization of every request that
// left the client.
type recorder struct {
	mu      sync.Mutex
	agents  map[string]bool
	authHdr map[string]bool
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.agents[req.Header.Get("User-Agent")] = true
	r.authHdr[req.Header.Get("Authorization")] = true
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func newRecorder() *recorder {
	return &recorder{agents: map[string]bool{}, authHdr: map[string]bool{}}
}

func newRepo(t *testing.T, opts githubtest.Options) *githubtest.Server {
	t.Helper()
	if opts.Token == "" && opts.App == nil {
		opts.Token = testToken
	}
	srv := githubtest.NewServer(t, opts)
	srv.CreateRepo("acme/config", githubtest.RepoOptions{Files: map[string]string{
		"README.md":                     "# config\n",
		"environments/staging/app.yaml": "image: ghcr.io/acme/app:v1\n",
		"environments/prod/app.yaml":    "image: ghcr.io/acme/app:v0\n",
	}})
	return srv
}

func newClient(t *testing.T, srv *githubtest.Server, rt http.RoundTripper) *forge.Client {
	t.Helper()
	c, err := forge.New(context.Background(), forge.Config{APIURL: srv.APIURL, Token: testToken, Owner: "acme", Repo: "config", Version: "1.2.3", Transport: rt, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadArchive(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	rec := newRecorder()
	c := newClient(t, srv, rec)
	ctx := context.Background()
	head, err := c.BranchHead(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if head.SHA != srv.Ref("acme/config", "main") || head.Tree == "" {
		t.Fatalf("BranchHead = %+v, main at %s", head, srv.Ref("acme/config", "main"))
	}
	srv.ResetCalls()
	snap, err := c.ReadArchive(ctx, head.SHA, []string{"environments/staging"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	fs.WalkDir(snap.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			got = append(got, p)
		}
		return err
	})
	if want := []string{"environments/staging/app.yaml"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("files %v, want %v", got, want)
	}
	if b, _ := fs.ReadFile(snap.FS, "environments/staging/app.yaml"); string(b) != "image: ghcr.io/acme/app:v1\n" {
		t.Errorf("content %q", b)
	}
	if n := srv.TotalCalls(); n != 2 {
		t.Errorf("archive took %d requests (%v), want 2: the endpoint and its redirect", n, srv.AllCalls())
	}
	if len(rec.agents) != 1 || !rec.agents["gitops-actions/1.2.3"] {
		t.Errorf("User-Agents sent: %v", rec.agents)
	}
	if _, err := c.BranchHead(ctx, "nope"); !errors.As(err, new(*forge.NotFoundError)) {
		t.Errorf("BranchHead of a missing branch: %v", err)
	}
}

// TestAtMostOnceWrites makes every write lose its answer after GitHub
// applied it: refs, pull requests and comments must still be made once.
func TestAtMostOnceWrites(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	head, err := c.BranchHead(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(githubtest.Faults{ResetAfterWrite: 1, Seed: 1})
	commit, err := c.CreateCommit(ctx, head, []forge.File{{Path: "environments/staging/app.yaml", Content: []byte("image: ghcr.io/acme/app:v2\n")}}, "Bump\n\nBumped-By: gitops-actions\n")
	if err == nil {
		t.Fatalf("CreateCommit got an answer although every write loses it: %+v", commit)
	}
	// Content-addressed writes are retried by the transport, but every
	// answer is lost; let one through to learn the commit.
	srv.SetFaults(githubtest.Faults{})
	commit, err = c.CreateCommit(ctx, head, []forge.File{{Path: "environments/staging/app.yaml", Content: []byte("image: ghcr.io/acme/app:v2\n")}}, "Bump\n\nBumped-By: gitops-actions\n")
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(githubtest.Faults{ResetAfterWrite: 1, Seed: 1})
	srv.ResetCalls()
	if err := c.CreateBranch(ctx, "bump", commit.SHA); err != nil {
		t.Fatalf("CreateBranch: %v", err)
	}
	if n := srv.Calls(githubtest.RouteCreateRef); n != 1 {
		t.Errorf("ref created %d times, want 1", n)
	}
	if got := srv.Ref("acme/config", "bump"); got != commit.SHA {
		t.Errorf("branch at %q, want %s", got, commit.SHA)
	}
	pr, err := c.CreatePull(ctx, forge.NewPull{Head: "bump", Base: "main", Title: "Bump", Body: "body"})
	if err != nil {
		t.Fatalf("CreatePull: %v", err)
	}
	if prs := srv.PullRequests("acme/config"); len(prs) != 1 || pr.Number != prs[0].Number || pr.NodeID == "" {
		t.Errorf("pull requests %+v, CreatePull gave %+v", prs, pr)
	}
	if err := c.ClosePull(ctx, pr.Number, "Closing: done."); err != nil {
		t.Fatalf("ClosePull: %v", err)
	}
	prs := srv.PullRequests("acme/config")
	if len(prs) != 1 || prs[0].State != "closed" || len(prs[0].Comments) != 1 {
		t.Errorf("after ClosePull: %+v", prs)
	}
	// Creating the branch again at the same commit is no error; at another
	// commit it is.
	srv.SetFaults(githubtest.Faults{})
	if err := c.CreateBranch(ctx, "bump", commit.SHA); err != nil {
		t.Errorf("CreateBranch at the same commit again: %v", err)
	}
	var exists *forge.RefExistsError
	if err := c.CreateBranch(ctx, "bump", head.SHA); !errors.As(err, &exists) || exists.SHA != commit.SHA {
		t.Errorf("CreateBranch over another commit: %v", err)
	}
	if err := c.UpdateBranch(ctx, "bump", head.SHA, false); !errors.Is(err, forge.ErrNotFastForward) {
		t.Errorf("UpdateBranch backwards without force: %v, want ErrNotFastForward", err)
	}
	for _, tc := range []struct {
		branch, sha string
		want        bool
	}{
		{"bump", commit.SHA, true},
		{"bump", head.SHA, true},
		{"main", head.SHA, true},
		{"main", commit.SHA, false},
	} {
		if got, err := c.Contains(ctx, tc.branch, tc.sha); err != nil || got != tc.want {
			t.Errorf("Contains(%q, %s) = %t, %v; want %t", tc.branch, tc.sha[:7], got, err, tc.want)
		}
	}
	if err := c.UpdateBranch(ctx, "bump", head.SHA, true); err != nil {
		t.Errorf("UpdateBranch with force: %v", err)
	}
}

// TestRetriesRateLimitsAndErrors sends a series of reads through a fake that
// answers a third of them with 5xx, 429 or a secondary rate limit.
func TestRetriesRateLimitsAndErrors(t *testing.T) {
	srv := newRepo(t, githubtest.Options{Faults: githubtest.Faults{Transient: 0.2, RateLimit: 0.1, SecondaryRateLimit: 0.1, Seed: 7}})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	for i := 0; i < 40; i++ {
		if _, err := c.DefaultBranch(ctx); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := srv.TotalCalls(); n <= 40 {
		t.Errorf("%d requests for 40 reads: no faults were injected", n)
	}
}

// TestNoRetryOnClientErrors checks that a 401 or 404 is asked once.
func TestNoRetryOnClientErrors(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	ctx := context.Background()
	bad, err := forge.New(ctx, forge.Config{APIURL: srv.APIURL, Token: "wrong", Owner: "acme", Repo: "config", Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	_, err = bad.DefaultBranch(ctx)
	if !forge.IsAuth(err) || srv.TotalCalls() != 1 {
		t.Errorf("bad token: %v after %d requests, want an auth error after 1", err, srv.TotalCalls())
	}
	missing, err := forge.New(ctx, forge.Config{APIURL: srv.APIURL, Token: testToken, Owner: "acme", Repo: "nope", Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	_, err = missing.DefaultBranch(ctx)
	if !errors.As(err, new(*forge.NotFoundError)) || srv.TotalCalls() != 1 {
		t.Errorf("missing repository: %v after %d requests", err, srv.TotalCalls())
	}
}

// appKey makes a GitHub App key pair and its PEM.
func appKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func TestGitHubApp(t *testing.T) {
	key, keyPEM := appKey(t)
	srv := githubtest.NewServer(t, githubtest.Options{App: &githubtest.App{ID: 42, PublicKey: &key.PublicKey, InstallationID: 7}})
	srv.CreateRepo("acme/config", githubtest.RepoOptions{Files: map[string]string{"a.yaml": "a: 1\n"}})
	ctx := context.Background()
	rec := newRecorder()
	for _, tc := range []struct {
		name string
		pem  []byte
	}{
		{name: "PEM", pem: keyPEM},
		{name: "PEM with literal \\n", pem: []byte(strings.ReplaceAll(strings.TrimSpace(string(keyPEM)), "\n", `\n`))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := forge.New(ctx, forge.Config{APIURL: srv.APIURL, AppID: 42, AppPrivateKey: tc.pem, Owner: "acme", Repo: "config", Transport: rec, Retry: fastRetry})
			if err != nil {
				t.Fatal(err)
			}
			if c.Token == "" {
				t.Fatal("no installation token")
			}
			if b, err := c.DefaultBranch(ctx); err != nil || b != "main" {
				t.Errorf("DefaultBranch with the installation token: %q, %v", b, err)
			}
		})
	}
	var auths []string
	for a := range rec.authHdr {
		auths = append(auths, strings.SplitN(a, ".", 2)[0])
	}
	sort.Strings(auths)
	if len(auths) < 2 {
		t.Errorf("expected a JWT and an installation token among the Authorization headers, got %v", auths)
	}

	_, other := appKey(t)
	_, err := forge.New(ctx, forge.Config{APIURL: srv.APIURL, AppID: 42, AppPrivateKey: other, Owner: "acme", Repo: "config", Retry: fastRetry})
	var ae *forge.AuthError
	if !errors.As(err, &ae) {
		t.Errorf("a key GitHub does not know: %v, want an AuthError", err)
	}
	if _, err := forge.New(ctx, forge.Config{APIURL: srv.APIURL, AppID: 42, AppPrivateKey: []byte("not a key"), Owner: "acme", Repo: "config"}); err == nil || strings.Contains(err.Error(), "not a key") {
		t.Errorf("a malformed key: %v", err)
	}
}

func TestAutoMerge(t *testing.T) {
	for _, tc := range []struct {
		name    string
		allow   bool
		wantErr bool
	}{
		{name: "allowed", allow: true},
		{name: "not allowed", allow: false, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.NewServer(t, githubtest.Options{Token: testToken})
			srv.CreateRepo("acme/config", githubtest.RepoOptions{Files: map[string]string{"a.yaml": "a: 1\n"}, AllowAutoMerge: tc.allow})
			srv.PushCommit("acme/config", "bump", map[string]string{"a.yaml": "a: 2\n"}, "Bump", githubtest.Identity{})
			c := newClient(t, srv, nil)
			ctx := context.Background()
			pr, err := c.CreatePull(ctx, forge.NewPull{Head: "bump", Base: "main", Title: "Bump"})
			if err != nil {
				t.Fatal(err)
			}
			err = c.EnableAutoMerge(ctx, pr, "squash")
			var am *forge.AutoMergeError
			if tc.wantErr != errors.As(err, &am) || (!tc.wantErr && err != nil) {
				t.Fatalf("EnableAutoMerge: %v", err)
			}
			want := "SQUASH"
			if tc.wantErr {
				want = ""
			}
			if got := srv.PullRequests("acme/config")[0].AutoMerge; got != want {
				t.Errorf("auto-merge %q, want %q", got, want)
			}
		})
	}
}

// lastRequestLeft answers as GitHub does to the last request a rate limit
// allows: x-ratelimit-remaining 0 until an hour from now.
type lastRequestLeft struct{}

func (lastRequestLeft) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		resp.Header.Set("X-RateLimit-Limit", "5000")
		resp.Header.Set("X-RateLimit-Remaining", "0")
		resp.Header.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	}
	return resp, err
}

// TestLastRequestOfTheRateLimit checks that a successful answer saying no
// requests are left does not stop the next request from being sent:
// GitHub, not go-github's memory, decides when the limit is reached.
func TestLastRequestOfTheRateLimit(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, lastRequestLeft{})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := c.DefaultBranch(ctx); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := srv.TotalCalls(); n != 3 {
		t.Errorf("%d requests reached GitHub, want 3", n)
	}
}

// TestCreateCommitRemovesFiles makes one commit that adds, changes and
// removes files, the removal as a tree entry whose sha is null; a removed
// directory's last file takes the directory with it.
func TestCreateCommitRemovesFiles(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	head, err := c.BranchHead(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	commit, err := c.CreateCommit(ctx, head, []forge.File{
		{Path: "environments/prod/app.yaml", Delete: true},
		{Path: "environments/staging/app.yaml", Content: []byte("image: ghcr.io/acme/app:v2\n")},
		{Path: "environments/qa/app.yaml", Content: []byte("image: ghcr.io/acme/app:v1\n")},
	}, "Promote\n\nPromoted-By: gitops-actions\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateBranch(ctx, "main", commit.SHA, false); err != nil {
		t.Fatal(err)
	}
	cd, err := c.GetCommit(ctx, commit.SHA)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range cd.Files {
		files = append(files, f.Status+" "+f.Path)
	}
	sort.Strings(files)
	want := "added environments/qa/app.yaml\nmodified environments/staging/app.yaml\nremoved environments/prod/app.yaml"
	if got := strings.Join(files, "\n"); got != want {
		t.Errorf("files:\n%s\nwant\n%s", got, want)
	}
	if _, err := srv.File("acme/config", "main", "environments/prod/app.yaml"); err == nil {
		t.Error("environments/prod/app.yaml is still on main")
	}
	if got, _ := srv.File("acme/config", "main", "README.md"); got != "# config\n" {
		t.Errorf("README.md, which the commit does not name, reads %q", got)
	}
}
