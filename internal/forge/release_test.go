package forge_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// merged opens a pull request changing the staging file on its own branch
// and squashes it into main; it returns the number and the new commit.
func merged(t *testing.T, srv *githubtest.Server) (int, string) {
	t.Helper()
	srv.PushCommit("acme/config", "bump", map[string]string{
		"environments/staging/app.yaml": "image: ghcr.io/acme/app:v2\n",
		"environments/qa/app.yaml":      "image: ghcr.io/acme/app:v2\n",
		"README.md":                     githubtest.Deleted,
	}, "bump", githubtest.Identity{})
	n := srv.OpenPR("acme/config", githubtest.NewPR{Head: "bump", Title: "feat: app v2", Author: "ann", Labels: []string{"release:minor"}})
	srv.Review("acme/config", n, "bob", "APPROVED")
	srv.Review("acme/config", n, "carol", "COMMENTED")
	return n, srv.MergePRWith("acme/config", n, githubtest.Squash)
}

func TestCommitsAndTheirPulls(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	parent := srv.Ref("acme/config", "main")
	n, sha := merged(t, srv)
	got, err := c.GetCommit(ctx, sha)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA != sha || !reflect.DeepEqual(got.Parents, []string{parent}) || got.AuthorName != "ann" || got.CommittedAt.IsZero() || !got.Complete {
		t.Errorf("GetCommit = %+v", got)
	}
	var files []string
	for _, f := range got.Files {
		files = append(files, f.Status+" "+f.Path)
	}
	if want := "removed README.md\nadded environments/qa/app.yaml\nmodified environments/staging/app.yaml"; strings.Join(files, "\n") != want {
		t.Errorf("files:\n%s\nwant\n%s", strings.Join(files, "\n"), want)
	}
	if byBranch, err := c.GetCommit(ctx, "main"); err != nil || byBranch.SHA != sha {
		t.Errorf("GetCommit(main) = %v, %v; want %s", byBranch, err, sha)
	}
	var nf *forge.NotFoundError
	if _, err := c.GetCommit(ctx, strings.Repeat("0", 40)); !errors.As(err, &nf) {
		t.Errorf("GetCommit of a missing commit: %v, want a NotFoundError", err)
	}
	pulls, err := c.PullsOfCommit(ctx, sha)
	if err != nil || len(pulls) != 1 {
		t.Fatalf("PullsOfCommit = %+v, %v", pulls, err)
	}
	p := pulls[0]
	if p.Number != n || p.Title != "feat: app v2" || p.Author != "ann" || p.MergeCommitSHA != sha || p.MergedAt.IsZero() || !reflect.DeepEqual(p.Labels, []string{"release:minor"}) || p.Base != "main" {
		t.Errorf("PullsOfCommit = %+v", p)
	}
}

func TestLookup(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	parent := srv.Ref("acme/config", "main")
	srv.CreateTagAt("acme/config", "v1", parent)
	n, sha := merged(t, srv)
	if err := c.CreateTag(ctx, "v2", "Release v2\n", sha); err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	// Hostile names travel as variables, not inside the query.
	odd := "environments/staging/\"quoted\" $name {x}.yaml"
	got, err := c.Lookup(ctx, forge.Lookup{
		Pull: n,
		Blobs: []forge.BlobAt{
			{Rev: parent, Path: "environments/staging/app.yaml"},
			{Rev: sha, Path: "environments/staging/app.yaml"},
			{Rev: parent, Path: "environments/qa/app.yaml"},
			{Rev: sha, Path: "environments"},
			{Rev: sha, Path: odd},
		},
		RecentTags: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.TotalCalls(); n != 1 {
		t.Errorf("Lookup cost %d requests, want 1", n)
	}
	if !got.PullFound || !reflect.DeepEqual(got.Approvers, []string{"bob"}) {
		t.Errorf("approvers: got %v (found %v), want [bob]", got.Approvers, got.PullFound)
	}
	var blobs []string
	for _, b := range got.Blobs {
		blobs = append(blobs, strings.TrimSpace(strings.Join([]string{b.Path, strings.TrimSpace(b.Text)}, " ")))
		if !b.Found && b.Text != "" {
			t.Errorf("%s: text without a file", b.Path)
		}
	}
	want := []string{"environments/staging/app.yaml image: ghcr.io/acme/app:v1", "environments/staging/app.yaml image: ghcr.io/acme/app:v2", "environments/qa/app.yaml", "environments", odd}
	if !reflect.DeepEqual(blobs, want) {
		t.Errorf("blobs:\n%q\nwant\n%q", blobs, want)
	}
	if found := []bool{got.Blobs[0].Found, got.Blobs[2].Found, got.Blobs[3].Found}; !reflect.DeepEqual(found, []bool{true, false, false}) {
		t.Errorf("found: got %v, want a file, no file, a directory (no file)", found)
	}
	var tags []string
	for _, tg := range got.RecentTags {
		tags = append(tags, tg.Name+" "+tg.Commit)
		if tg.CommittedAt.IsZero() {
			t.Errorf("recent tag %s: no commit time", tg.Name)
		}
	}
	if want := []string{"v2 " + sha, "v1 " + parent}; !reflect.DeepEqual(tags, want) || !got.AllTags {
		t.Errorf("recent tags: got %v (all %v), want %v, all (newest first, peeled)", tags, got.AllTags, want)
	}

	// Many files cost one request per 400; a pull request that does not
	// exist leaves no approvers and no error.
	var many []forge.BlobAt
	for range 850 {
		many = append(many, forge.BlobAt{Rev: sha, Path: "environments/staging/app.yaml"})
	}
	srv.ResetCalls()
	got, err = c.Lookup(ctx, forge.Lookup{Pull: 99, Blobs: many})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.TotalCalls(); n != 3 || len(got.Blobs) != 850 || !got.Blobs[849].Found || got.PullFound {
		t.Errorf("850 files: %d requests, %d blobs, pull found %v; want 3, 850, false", n, len(got.Blobs), got.PullFound)
	}
}

// TestLookupHistory reads a commit's history in the same request as the
// rest of a lookup: every ancestor, as git log lists them, each with its
// first parent and the pull requests that brought it, so that the
// first-parent line can be walked; and it says when the recent tags are
// not every tag.
func TestLookupHistory(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	root := srv.Ref("acme/config", "main")
	srv.CreateTagAt("acme/config", "v1", root)
	srv.CreateTagAt("acme/config", "v0", root)
	// A pull request of two commits merged by a merge commit, one squashed
	// (by merged), and a commit pushed straight to main.
	srv.PushCommit("acme/config", "feature", map[string]string{"a.txt": "a\n"}, "Add a", githubtest.Identity{})
	srv.PushCommit("acme/config", "feature", map[string]string{"b.txt": "b\n"}, "Add b", githubtest.Identity{})
	first := srv.OpenPR("acme/config", githubtest.NewPR{Head: "feature", Title: "Add a and b", Author: "dependabot[bot]", Labels: []string{"release:patch"}})
	mergeCommit := srv.MergePRWith("acme/config", first, githubtest.MergeCommit)
	second, squash := merged(t, srv)
	direct := srv.PushCommit("acme/config", "main", map[string]string{"c.txt": "c\n"}, "Add c\n\nStraight to main.", githubtest.Identity{})

	srv.ResetCalls()
	got, err := c.Lookup(ctx, forge.Lookup{RecentTags: 1, History: direct, HistoryLen: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.TotalCalls(); n != 1 {
		t.Errorf("the lookup cost %d requests, want 1", n)
	}
	if got.AllTags || len(got.RecentTags) != 1 {
		t.Errorf("one recent tag of two: %v, all %v; want one, not all", got.RecentTags, got.AllTags)
	}
	if len(got.History) != 6 {
		t.Fatalf("history of %d commits, want 6 (3 on main's line, 2 of the branch, the first): %+v", len(got.History), got.History)
	}
	byID := map[string]forge.HistoryCommit{}
	for _, hc := range got.History {
		byID[hc.SHA] = hc
	}
	var line []string
	for sha := direct; sha != ""; sha = byID[sha].Parent {
		line = append(line, sha)
	}
	if want := []string{direct, squash, mergeCommit, root}; !reflect.DeepEqual(line, want) {
		t.Errorf("first-parent line %v, want %v", line, want)
	}
	if d := byID[direct]; d.Message != "Add c\n\nStraight to main." || d.CommittedAt.IsZero() || len(d.Pulls) != 0 {
		t.Errorf("the direct commit: %+v", d)
	}
	pulls := byID[mergeCommit].Pulls
	if len(pulls) != 1 {
		t.Fatalf("the merge commit's pull requests: %+v", pulls)
	}
	if p := pulls[0]; p.Number != first || p.Title != "Add a and b" || p.Author != "dependabot[bot]" || p.Base != "main" || p.Head != "feature" ||
		p.MergeCommitSHA != mergeCommit || p.MergedAt.IsZero() || !reflect.DeepEqual(p.Labels, []string{"release:patch"}) || !strings.Contains(p.URL, "/pull/") {
		t.Errorf("the merge commit's pull request: %+v", p)
	}
	if p := byID[squash].Pulls; len(p) != 1 || p[0].Number != second || p[0].MergeCommitSHA != squash {
		t.Errorf("the squashed commit's pull requests: %+v", p)
	}

	// A commit GitHub does not have.
	var nf *forge.NotFoundError
	if _, err := c.Lookup(ctx, forge.Lookup{History: strings.Repeat("0", 40), HistoryLen: 10}); !errors.As(err, &nf) {
		t.Errorf("the history of a missing commit: %v, want a NotFoundError", err)
	}
}

func TestTagsAndReleases(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	parent := srv.Ref("acme/config", "main")
	_, sha := merged(t, srv)
	srv.CreateTagAt("acme/config", "v0", parent)

	// Every write of the tag loses its answer: the lookup tells it landed.
	srv.SetFaults(githubtest.Faults{ResetAfterWrite: 1, Seed: 1, Routes: []string{githubtest.RouteCreateRef}})
	srv.ResetCalls()
	if err := c.CreateTag(ctx, "v1", "Release v1\n", sha); err != nil {
		t.Fatalf("CreateTag: %v", err)
	}
	srv.SetFaults(githubtest.Faults{})
	if n := srv.Calls(githubtest.RouteCreateRef); n != 1 {
		t.Errorf("ref created %d times, want 1", n)
	}
	tags := srv.Tags("acme/config")
	if len(tags) != 2 || tags[1].Name != "v1" || !tags[1].Annotated || tags[1].Commit != sha || tags[1].Message != "Release v1\n" {
		t.Fatalf("tags: %+v", tags)
	}
	var exists *forge.TagExistsError
	if err := c.CreateTag(ctx, "v1", "again", sha); !errors.As(err, &exists) || exists.Commit != sha {
		t.Errorf("CreateTag again: %v, want a TagExistsError on %s", err, sha)
	}
	if err := c.CreateTag(ctx, "v0", "over a lightweight tag", sha); !errors.As(err, &exists) || exists.Commit != parent {
		t.Errorf("CreateTag over v0: %v, want a TagExistsError on %s", err, parent)
	}
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{{"v1", sha, true}, {"v0", parent, true}, {"v9", "", false}} {
		if got, ok, err := c.PeelTag(ctx, tc.name); err != nil || got != tc.want || ok != tc.ok {
			t.Errorf("PeelTag(%s) = %s, %v, %v; want %s, %v", tc.name, got, ok, err, tc.want, tc.ok)
		}
	}
	list, err := c.MatchingTags(ctx, "v")
	if err != nil || len(list) != 2 || list[0].Name != "v0" || list[0].Type != "commit" || list[1].Type != "tag" {
		t.Errorf("MatchingTags = %+v, %v", list, err)
	}
	if all, err := c.MatchingTags(ctx, ""); err != nil || len(all) != 2 {
		t.Errorf("MatchingTags(\"\") = %+v, %v", all, err)
	}

	// Releases: at most once, and one that exists is answered as it is.
	srv.SetFaults(githubtest.Faults{ResetAfterWrite: 1, Seed: 2, Routes: []string{githubtest.RouteCreateRelease}})
	rel, created, err := c.CreateRelease(ctx, forge.NewRelease{Tag: "v1", Name: "v1", Body: "Notes"})
	srv.SetFaults(githubtest.Faults{})
	if err != nil || !created || rel.Tag != "v1" || rel.URL == "" {
		t.Fatalf("CreateRelease = %+v, %v, %v", rel, created, err)
	}
	again, created, err := c.CreateRelease(ctx, forge.NewRelease{Tag: "v1", Name: "other", Body: "other"})
	if err != nil || created || again.ID != rel.ID {
		t.Errorf("CreateRelease again = %+v, %v, %v; want release %d untouched", again, created, err, rel.ID)
	}
	if rs := srv.Releases("acme/config"); len(rs) != 1 || rs[0].Body != "Notes" {
		t.Errorf("releases: %+v", rs)
	}
	draft, created, err := c.CreateRelease(ctx, forge.NewRelease{Tag: "v0", Draft: true})
	if err != nil || !created {
		t.Fatal(err)
	}
	if got, err := c.FindRelease(ctx, "v0", false); err != nil || got != nil {
		t.Errorf("FindRelease without drafts = %+v, %v; want none", got, err)
	}
	if got, err := c.FindRelease(ctx, "v0", true); err != nil || got == nil || got.ID != draft.ID || !got.Draft {
		t.Errorf("FindRelease with drafts = %+v, %v; want the draft", got, err)
	}
}

// TestLookupCommits reads the pull requests of pushed commits in the same
// request as the rest of a lookup, each with its approvers: a squashed
// pull request's commit names it, a commit pushed straight to main none;
// a commit GitHub does not have is a NotFoundError.
func TestLookupCommits(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	n, squash := merged(t, srv)
	direct := srv.PushCommit("acme/config", "main", map[string]string{"c.txt": "c\n"}, "Add c", githubtest.Identity{})

	srv.ResetCalls()
	got, err := c.Lookup(ctx, forge.Lookup{RecentTags: 10, Blobs: []forge.BlobAt{{Rev: squash, Path: "environments/staging/app.yaml"}}, Commits: []string{squash, direct}})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.TotalCalls(); n != 1 {
		t.Errorf("the lookup cost %d requests, want 1", n)
	}
	if len(got.Blobs) != 1 || !got.Blobs[0].Found {
		t.Errorf("blobs: %+v", got.Blobs)
	}
	pulls := got.Pulls[squash]
	if len(pulls) != 1 {
		t.Fatalf("the squashed commit's pull requests: %+v", pulls)
	}
	if p := pulls[0]; p.Number != n || p.Title != "feat: app v2" || p.Author != "ann" || p.Base != "main" || p.Head != "bump" || p.MergeCommitSHA != squash ||
		p.MergedAt.IsZero() || !reflect.DeepEqual(p.Labels, []string{"release:minor"}) || !reflect.DeepEqual(p.Approvers, []string{"bob"}) {
		t.Errorf("the squashed commit's pull request: %+v", p)
	}
	if p, ok := got.Pulls[direct]; !ok || len(p) != 0 {
		t.Errorf("the direct commit's pull requests: %+v (listed %v), want none", p, ok)
	}

	var nf *forge.NotFoundError
	if _, err := c.Lookup(ctx, forge.Lookup{Commits: []string{strings.Repeat("0", 40)}}); !errors.As(err, &nf) {
		t.Errorf("the pull requests of a missing commit: %v, want a NotFoundError", err)
	}
	// More commits than one query may hold are refused before asking.
	srv.ResetCalls()
	many := make([]string, 101)
	for i := range many {
		many[i] = squash
	}
	if _, err := c.Lookup(ctx, forge.Lookup{Commits: many}); err == nil || !strings.Contains(err.Error(), "at most 100") || srv.TotalCalls() != 0 {
		t.Errorf("the pull requests of 101 commits: %v after %d requests, want an error before any", err, srv.TotalCalls())
	}
}

// TestCompare lists the commits a push brought, oldest first, with their
// authors and committer times, and the files they change together.
func TestCompare(t *testing.T) {
	srv := newRepo(t, githubtest.Options{})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	before := srv.Ref("acme/config", "main")
	_, squash := merged(t, srv)
	direct := srv.PushCommit("acme/config", "main", map[string]string{"c.txt": "c\n"}, "Add c", githubtest.Identity{Login: "dave", Name: "Dave", Email: "dave@example.com"})
	srv.ResetCalls()
	cmp, err := c.Compare(ctx, before, direct)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.TotalCalls(); n != 1 {
		t.Errorf("the compare cost %d requests, want 1", n)
	}
	var commits []string
	for _, cm := range cmp.Commits {
		commits = append(commits, cm.SHA+" "+cm.AuthorName)
		if cm.CommittedAt.IsZero() || len(cm.Parents) != 1 {
			t.Errorf("commit %s: committed %v, parents %v", cm.SHA, cm.CommittedAt, cm.Parents)
		}
	}
	if want := []string{squash + " ann", direct + " Dave"}; !reflect.DeepEqual(commits, want) || !cmp.Complete {
		t.Errorf("commits %v (complete %v), want %v", commits, cmp.Complete, want)
	}
	var files []string
	for _, f := range cmp.Files {
		files = append(files, f.Status+" "+f.Path)
	}
	if want := "removed README.md\nadded c.txt\nadded environments/qa/app.yaml\nmodified environments/staging/app.yaml"; strings.Join(files, "\n") != want {
		t.Errorf("files:\n%s\nwant\n%s", strings.Join(files, "\n"), want)
	}
}
