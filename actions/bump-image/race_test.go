package bumpimage_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	bumpimage "github.com/gitops-actions/gitops-actions/actions/bump-image"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// beforeMove runs push once, just before the request that moves the
// pull request's branch reaches GitHub.
type beforeMove struct {
	once sync.Once
	push func()
}

func (b *beforeMove) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/graphql") && bytes.Contains(body, []byte("updateRefs")) ||
			r.Method == "PATCH" && strings.Contains(r.URL.Path, "/git/refs/heads/"+stagingBranch) {
			b.once.Do(b.push)
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestPushDuringTheBump is the race of a forced branch move, end to end: a person pushes
// to the pull request's branch after the run checked it and before the run
// moves it. The run fails (exit 1) naming the person's commit, which stays
// the branch's head, and the pull request keeps its text.
func TestPushDuringTheBump(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{})
	r := runAction(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"})
	r.WantCode(t, 0)
	var human string
	hook := &beforeMove{push: func() {
		human = srv.PushCommit(configRepo, stagingBranch, map[string]string{"environments/staging/app.yaml": deployment("app", "ghcr.io/acme/app:v2.1.0-hotfix")}, "Use the hotfix build", githubtest.Identity{Login: "alice", Name: "Alice", Email: "alice@example.com"})
	}}
	r = runActionDeps(t, srv, map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.2.0"}, bumpimage.Deps{Deps: cli.Deps{Retry: fastRetry, Transport: hook}})
	if human == "" {
		t.Fatal("the race was not run: the branch was never moved")
	}
	r.WantCode(t, cli.ExitFailed)
	if !strings.Contains(r.Stdout, "did not make") || !strings.Contains(r.Stdout, short(human)) || !strings.Contains(r.Stdout, "Use the hotfix build") {
		t.Errorf("the error does not name the person's commit %s:\n%s", short(human), r.Stdout)
	}
	if got := srv.Ref(configRepo, stagingBranch); got != human {
		t.Errorf("the person's commit %s was overwritten: branch at %s", short(human), got)
	}
	if got := fileAt(t, srv, stagingBranch, "environments/staging/app.yaml"); got != deployment("app", "ghcr.io/acme/app:v2.1.0-hotfix") {
		t.Errorf("file on the branch:\n%s", got)
	}
	if prs := srv.PullRequests(configRepo); len(prs) != 1 || prs[0].Title != "chore(staging): bump ghcr.io/acme/app to v2.1.0" {
		t.Errorf("the pull request changed: %+v", prs)
	}
	if _, ok := r.Outputs["pull-request-operation"]; ok {
		t.Errorf("a refused run set pull-request-operation=%q", r.Outputs["pull-request-operation"])
	}
}
