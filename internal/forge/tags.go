package forge

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// TagRef is a tag as the refs list it: its name and the object it points
// to, a tag object (annotated) or a commit (lightweight).
type TagRef struct {
	Name   string
	Object string
	// Type is the object's type: "tag" or "commit".
	Type string
}

// MatchingTags lists every tag whose name starts with prefix, in one
// request: GitHub's matching-refs endpoint answers all of them, not a page.
func (c *Client) MatchingTags(ctx context.Context, prefix string) ([]TagRef, error) {
	ref := "tags/" + prefix
	if prefix == "" {
		// matching-refs/tags/ with its trailing slash is not a ref name.
		ref = "tags"
	}
	refs, _, err := c.GH.Git.ListMatchingRefs(ctx, c.Owner, c.Repo, &github.ReferenceListOptions{Ref: ref})
	if err != nil {
		return nil, fmt.Errorf("listing the tags of %s/%s: %w", c.Owner, c.Repo, err)
	}
	var out []TagRef
	for _, r := range refs {
		name, ok := strings.CutPrefix(r.GetRef(), "refs/tags/")
		if !ok || !strings.HasPrefix(name, prefix) {
			continue
		}
		out = append(out, TagRef{Name: name, Object: r.GetObject().GetSHA(), Type: r.GetObject().GetType()})
	}
	return out, nil
}

// tagRef reads the ref of tag name: its object and whether it exists.
func (c *Client) tagRef(ctx context.Context, name string) (TagRef, bool, error) {
	ref, _, err := c.GH.Git.GetRef(ctx, c.Owner, c.Repo, "tags/"+name)
	if err != nil {
		if IsNotFound(err) {
			return TagRef{}, false, nil
		}
		return TagRef{}, false, fmt.Errorf("reading tag %q: %w", name, err)
	}
	if ref.GetRef() != "refs/tags/"+name {
		return TagRef{}, false, nil
	}
	return TagRef{Name: name, Object: ref.GetObject().GetSHA(), Type: ref.GetObject().GetType()}, true, nil
}

// PeelTag returns the commit tag name points to, through its tag object
// when it is annotated, and whether the tag exists: one request for a
// lightweight tag, two for an annotated one.
func (c *Client) PeelTag(ctx context.Context, name string) (string, bool, error) {
	t, ok, err := c.tagRef(ctx, name)
	if err != nil || !ok {
		return "", ok, err
	}
	sha, typ := t.Object, t.Type
	// A tag of a tag is legal git; a few levels are plenty.
	for range 4 {
		if typ != "tag" {
			break
		}
		obj, _, err := c.GH.Git.GetTag(ctx, c.Owner, c.Repo, sha)
		if err != nil {
			return "", true, fmt.Errorf("reading the tag object of %q: %w", name, err)
		}
		sha, typ = obj.GetObject().GetSHA(), obj.GetObject().GetType()
	}
	if typ != "commit" {
		return "", true, fmt.Errorf("tag %q points to a %s, not a commit", name, typ)
	}
	return sha, true, nil
}

// TagExistsError says a tag to create exists already, on Commit (peeled).
type TagExistsError struct {
	Tag, Commit string
}

func (e *TagExistsError) Error() string {
	return fmt.Sprintf("tag %q exists already (on %s)", e.Tag, e.Commit)
}

// CreateTag makes an annotated tag name on commit sha with message, in two
// requests: the tag object (no tagger is sent, so GitHub records the
// token's identity, or the App's), then its ref. A tag object that nothing
// points to is harmless, so the first request is simply repeated; creating
// the ref is the lock, done at most once: after an unknown outcome the ref
// is looked up, and found pointing to this call's tag object it counts as
// created. (Two calls that make the same tag in the same second make the
// same tag object, git's objects being named by their content: after an
// unknown outcome, each may count as its maker. There is still one tag.)
// A tag that exists already is a *TagExistsError naming the commit it
// points to, for the caller to tell a re-run from a collision.
func (c *Client) CreateTag(ctx context.Context, name, message, sha string) error {
	// A second tag object, if a lost answer makes the transport send this
	// again, is harmless: nothing points to it.
	obj, _, err := c.GH.Git.CreateTag(SafeToRepeat(ctx), c.Owner, c.Repo, &github.Tag{
		Tag: github.String(name), Message: github.String(message),
		Object: &github.GitObject{SHA: github.String(sha), Type: github.String("commit")},
	})
	if err != nil {
		if StatusCode(err) == http.StatusUnprocessableEntity {
			return &NotFoundError{What: fmt.Sprintf("commit %s of %s/%s", sha, c.Owner, c.Repo), Err: err}
		}
		return fmt.Errorf("creating the tag object of %q: %w", name, err)
	}
	check := func(ctx context.Context) (bool, error) {
		t, ok, err := c.tagRef(ctx, name)
		return ok && t.Object == obj.GetSHA(), err
	}
	err = c.atMostOnce(ctx, func(ctx context.Context) error {
		_, _, err := c.GH.Git.CreateRef(ctx, c.Owner, c.Repo, &github.Reference{Ref: github.String("refs/tags/" + name), Object: &github.GitObject{SHA: obj.SHA}})
		return err
	}, check)
	if StatusCode(err) == http.StatusUnprocessableEntity {
		commit, ok, perr := c.PeelTag(ctx, name)
		if perr != nil {
			return perr
		}
		if ok {
			return &TagExistsError{Tag: name, Commit: commit}
		}
		return fmt.Errorf("creating tag %q: %s", name, errorMessage(err))
	}
	if err != nil {
		return fmt.Errorf("creating tag %q: %w", name, err)
	}
	return nil
}
