package githubtest

import (
	"sort"
	"strings"
	"testing"
)

// TestMergeMethodsAndCommitPulls merges a two-commit pull request each way
// and asks GitHub which pull request brought each commit.
func TestMergeMethodsAndCommitPulls(t *testing.T) {
	for _, method := range []string{MergeCommit, Squash, Rebase} {
		t.Run(method, func(t *testing.T) {
			srv := newTestServer(t, Options{})
			gh := newClient(t, srv, testToken)
			ann := Identity{Login: "ann", Name: "Ann", Email: "ann@example.com"}
			c1 := srv.PushCommit("acme/config", "bump", map[string]string{"environments/staging/app.yaml": "image: ghcr.io/acme/app:1.1.0\n"}, "staging to 1.1.0", ann)
			c2 := srv.PushCommit("acme/config", "bump", map[string]string{"environments/production/app.yaml": "image: ghcr.io/acme/app:1.0.0\n"}, "production to 1.0.0", ann)
			n := srv.OpenPR("acme/config", NewPR{Head: "bump", Title: "Bump app", Author: "ann", Labels: []string{"release:minor"}})
			// main moves on meanwhile.
			other := srv.PushCommit("acme/config", "main", map[string]string{"README.md": "# config\n"}, "readme", Identity{})
			sha := srv.MergePRWith("acme/config", n, method)
			if got := srv.Ref("acme/config", "main"); got != sha {
				t.Errorf("main: got %s, want %s", got, sha)
			}
			for path, want := range map[string]string{
				"environments/staging/app.yaml":    "image: ghcr.io/acme/app:1.1.0\n",
				"environments/production/app.yaml": "image: ghcr.io/acme/app:1.0.0\n",
				"README.md":                        "# config\n",
			} {
				if got, err := srv.File("acme/config", sha, path); err != nil || got != want {
					t.Errorf("%s: got %q, %v; want %q", path, got, err, want)
				}
			}
			dir := srv.GitDir("acme/config")
			log := runGit(t, dir, "log", "--first-parent", "--format=%s|%an|%cn", other+".."+sha)
			want := map[string]string{
				MergeCommit: "Merge pull request #1 from acme/bump|github-actions[bot]|GitHub",
				Squash:      "Bump app (#1)|ann|GitHub",
				Rebase:      "production to 1.0.0|Ann|GitHub\nstaging to 1.1.0|Ann|GitHub",
			}[method]
			if log != want {
				t.Errorf("first-parent log: got\n%s\nwant\n%s", log, want)
			}
			pr, _, err := gh.PullRequests.Get(ctx, "acme", "config", n)
			if err != nil || !pr.GetMerged() || pr.GetMergeCommitSHA() != sha {
				t.Fatalf("pull request: got merged %v merge commit %s (%v), want %s", pr.GetMerged(), pr.GetMergeCommitSHA(), err, sha)
			}
			// Every commit the pull request put on main names it; the
			// commit main had before does not.
			onMain := strings.Split(runGit(t, dir, "rev-list", other+".."+sha), "\n")
			if method == MergeCommit {
				onMain = append(onMain[:0], sha, c1, c2)
			}
			for _, c := range onMain {
				prs, _, err := gh.PullRequests.ListPullRequestsWithCommit(ctx, "acme", "config", c, nil)
				if err != nil || len(prs) != 1 || prs[0].GetNumber() != n || prs[0].GetMergedAt().IsZero() {
					t.Errorf("pulls of %s: got %d (%v), want #%d, merged", c[:7], len(prs), err, n)
				}
				if len(prs) == 1 {
					var labels []string
					for _, l := range prs[0].Labels {
						labels = append(labels, l.GetName())
					}
					if got := strings.Join(labels, ","); got != "release:minor" {
						t.Errorf("labels: got %q", got)
					}
				}
			}
			if prs, _, err := gh.PullRequests.ListPullRequestsWithCommit(ctx, "acme", "config", other, nil); err != nil || len(prs) != 0 {
				t.Errorf("pulls of a pushed commit: got %d (%v), want none", len(prs), err)
			}
			if out := runGit(t, dir, "fsck", "--strict"); strings.Contains(out, "error") {
				t.Errorf("git fsck: %s", out)
			}
		})
	}
}

func TestCommitPullsOfAnOpenPullRequest(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	c := srv.PushCommit("acme/config", "feature", map[string]string{"a.yaml": "a: 1\n"}, "a", Identity{})
	n := srv.OpenPR("acme/config", NewPR{Head: "feature", Title: "A"})
	prs, _, err := gh.PullRequests.ListPullRequestsWithCommit(ctx, "acme", "config", c, nil)
	if err != nil || len(prs) != 1 || prs[0].GetNumber() != n || prs[0].GetState() != "open" {
		t.Errorf("got %d pulls (%v), want the open #%d", len(prs), err, n)
	}
	_, _, err = gh.PullRequests.ListPullRequestsWithCommit(ctx, "acme", "config", strings.Repeat("b", 40), nil)
	if status, msg, _ := apiError(t, err); status != 422 || !strings.HasPrefix(msg, "No commit found") {
		t.Errorf("unknown commit: got %d %q, want 422 No commit found", status, msg)
	}
}

func TestReviewsAreKept(t *testing.T) {
	srv := newTestServer(t, Options{})
	srv.PushCommit("acme/config", "feature", map[string]string{"a.yaml": "a: 1\n"}, "a", Identity{})
	n := srv.OpenPR("acme/config", NewPR{Head: "feature", Title: "A"})
	srv.Review("acme/config", n, "bob", "APPROVED")
	srv.Review("acme/config", n, "carol", "CHANGES_REQUESTED")
	srv.mu.Lock()
	var got []string
	for _, r := range srv.repos["acme/config"].pulls[n].reviews {
		got = append(got, r.author+":"+r.state)
	}
	srv.mu.Unlock()
	sort.Strings(got)
	if strings.Join(got, " ") != "bob:APPROVED carol:CHANGES_REQUESTED" {
		t.Errorf("reviews: got %v", got)
	}
}
