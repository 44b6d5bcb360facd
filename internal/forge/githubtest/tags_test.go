package githubtest

import (
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestAnnotatedTags(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	tag, _, err := gh.Git.CreateTag(ctx, "acme", "config", &github.Tag{
		Tag: github.String("v1.0.0"), Message: github.String("Release v1.0.0\n\nPull request: #1\n"),
		Object: &github.GitObject{SHA: github.String(main), Type: github.String("commit")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tag.GetTagger().GetName(), defaultBot.Name; got != want {
		t.Errorf("tagger without one given: got %q, want the token's identity %q", got, want)
	}
	if got := tag.GetObject().GetSHA(); got != main {
		t.Errorf("object: got %s, want %s", got, main)
	}
	// The object alone is no tag yet.
	if got := srv.Tags("acme/config"); len(got) != 0 {
		t.Errorf("tags after creating the object only: got %v, want none", got)
	}
	again, _, err := gh.Git.GetTag(ctx, "acme", "config", tag.GetSHA())
	if err != nil || again.GetMessage() != tag.GetMessage() || again.GetTag() != "v1.0.0" {
		t.Fatalf("get tag: got %v, %v", again, err)
	}
	create := func(name, sha string) error {
		_, _, err := gh.Git.CreateRef(ctx, "acme", "config", &github.Reference{Ref: github.String("refs/tags/" + name), Object: &github.GitObject{SHA: github.String(sha)}})
		return err
	}
	if err := create("v1.0.0", tag.GetSHA()); err != nil {
		t.Fatal(err)
	}
	if status, msg, _ := apiError(t, create("v1.0.0", main)); status != 422 || msg != "Reference already exists" {
		t.Errorf("second ref: got %d %q, want 422 Reference already exists", status, msg)
	}
	refs, _, err := gh.Git.ListMatchingRefs(ctx, "acme", "config", &github.ReferenceListOptions{Ref: "tags/v1"})
	if err != nil || len(refs) != 1 || refs[0].GetObject().GetType() != "tag" || refs[0].GetObject().GetSHA() != tag.GetSHA() {
		t.Fatalf("matching refs: got %v, %v; want the tag object", refs, err)
	}
	tags := srv.Tags("acme/config")
	if len(tags) != 1 || !tags[0].Annotated || tags[0].Commit != main || tags[0].Name != "v1.0.0" {
		t.Errorf("Tags: got %+v", tags)
	}
	dir := srv.GitDir("acme/config")
	if got, want := runGit(t, dir, "describe", "--exact-match", main), "v1.0.0"; got != want {
		t.Errorf("git describe: got %q, want %q (an annotated tag)", got, want)
	}
	if out := runGit(t, dir, "fsck", "--strict", "--no-dangling"); out != "" {
		t.Errorf("git fsck: %s", out)
	}

	for _, tc := range []struct {
		name, object, typ string
		wantMsg           string
	}{
		{name: "missing object", object: strings.Repeat("a", 40), typ: "commit", wantMsg: "Object does not exist"},
		{name: "wrong type", object: main, typ: "blob", wantMsg: "Object type mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := gh.Git.CreateTag(ctx, "acme", "config", &github.Tag{Tag: github.String("x"), Message: github.String("x"), Object: &github.GitObject{SHA: github.String(tc.object), Type: github.String(tc.typ)}})
			if status, msg, _ := apiError(t, err); status != 422 || !strings.HasPrefix(msg, tc.wantMsg) {
				t.Errorf("got %d %q, want 422 %q", status, msg, tc.wantMsg)
			}
		})
	}
	if _, _, err := gh.Git.GetTag(ctx, "acme", "config", main); err == nil {
		t.Errorf("a commit read as a tag: got no error, want 404")
	}
}

func TestReleases(t *testing.T) {
	srv := newTestServer(t, Options{})
	gh := newClient(t, srv, testToken)
	main := srv.Ref("acme/config", "main")
	srv.CreateTagAt("acme/config", "v1", main)
	rel, _, err := gh.Repositories.CreateRelease(ctx, "acme", "config", &github.RepositoryRelease{TagName: github.String("v1"), Name: github.String("v1"), Body: github.String("Notes")})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = gh.Repositories.CreateRelease(ctx, "acme", "config", &github.RepositoryRelease{TagName: github.String("v1")})
	if status, _, _ := apiError(t, err); status != 422 || !strings.Contains(err.Error(), "already_exists") {
		t.Errorf("second release of a tag: got %v, want 422 already_exists", err)
	}
	got, _, err := gh.Repositories.GetReleaseByTag(ctx, "acme", "config", "v1")
	if err != nil || got.GetID() != rel.GetID() || got.GetBody() != "Notes" {
		t.Errorf("by tag: got %v, %v", got, err)
	}
	// A draft is no release of its tag yet: not found by tag, listed.
	draft, _, err := gh.Repositories.CreateRelease(ctx, "acme", "config", &github.RepositoryRelease{TagName: github.String("v2"), Draft: github.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := gh.Repositories.GetReleaseByTag(ctx, "acme", "config", "v2"); err == nil {
		t.Errorf("draft found by tag")
	}
	if srv.Ref("acme/config", "tags/v2") != "" {
		t.Errorf("a draft made its tag")
	}
	list, _, err := gh.Repositories.ListReleases(ctx, "acme", "config", &github.ListOptions{PerPage: 100})
	if err != nil || len(list) != 2 || list[0].GetID() != draft.GetID() {
		t.Errorf("list: got %d releases, %v; want 2, the draft first", len(list), err)
	}
	// Publishing a release of a missing tag makes the tag at the target.
	if _, _, err := gh.Repositories.CreateRelease(ctx, "acme", "config", &github.RepositoryRelease{TagName: github.String("v3")}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Ref("acme/config", "tags/v3"); got != main {
		t.Errorf("tag v3: got %q, want %s", got, main)
	}
}
