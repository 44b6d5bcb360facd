package forge

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Release is a GitHub release as the actions need it.
type Release struct {
	ID         int64
	Tag        string
	Name       string
	URL        string
	Draft      bool
	Prerelease bool
}

func releaseFrom(r *github.RepositoryRelease) *Release {
	return &Release{ID: r.GetID(), Tag: r.GetTagName(), Name: r.GetName(), URL: r.GetHTMLURL(), Draft: r.GetDraft(), Prerelease: r.GetPrerelease()}
}

// FindRelease returns the release of tag, or nil when there is none. The
// published release costs one request. A draft has no tag until it is
// published, so GitHub finds it only in the list of releases: with drafts,
// the newest 100 releases are searched first (one more request).
func (c *Client) FindRelease(ctx context.Context, tag string, drafts bool) (*Release, error) {
	if drafts {
		rs, _, err := c.GH.Repositories.ListReleases(ctx, c.Owner, c.Repo, &github.ListOptions{PerPage: 100})
		if err != nil {
			return nil, fmt.Errorf("listing releases: %w", err)
		}
		for _, r := range rs {
			if r.GetTagName() == tag {
				return releaseFrom(r), nil
			}
		}
	}
	r, _, err := c.GH.Repositories.GetReleaseByTag(ctx, c.Owner, c.Repo, tag)
	if err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading the release of %q: %w", tag, err)
	}
	return releaseFrom(r), nil
}

// NewRelease describes a release to publish for an existing tag.
type NewRelease struct {
	Tag, Name, Body   string
	Draft, Prerelease bool
}

// CreateRelease publishes a release of an existing tag, in one request,
// and reports whether this call made it. Creating a release is not
// idempotent, so after an unknown outcome the release of the tag is looked
// up before trying again; GitHub's 422 already_exists (a release of the tag
// exists) answers the release that is there, untouched.
func (c *Client) CreateRelease(ctx context.Context, nr NewRelease) (*Release, bool, error) {
	var found *Release
	check := func(ctx context.Context) (bool, error) {
		r, err := c.FindRelease(ctx, nr.Tag, nr.Draft)
		found = r
		return r != nil, err
	}
	var created *github.RepositoryRelease
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		var err error
		created, _, err = c.GH.Repositories.CreateRelease(ctx, c.Owner, c.Repo, &github.RepositoryRelease{
			TagName: github.String(nr.Tag), Name: github.String(nr.Name), Body: github.String(nr.Body),
			Draft: github.Bool(nr.Draft), Prerelease: github.Bool(nr.Prerelease),
		})
		return err
	}, check)
	switch {
	case err == nil && created != nil:
		return releaseFrom(created), true, nil
	case err == nil && found != nil:
		// An earlier try took effect: this call made it.
		return found, true, nil
	case StatusCode(err) == http.StatusUnprocessableEntity && strings.Contains(err.Error(), "already_exists"):
		if ok, cerr := check(ctx); cerr != nil {
			return nil, false, cerr
		} else if ok {
			return found, false, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("GitHub answered no release")
	}
	return nil, false, fmt.Errorf("publishing the release of %q: %w", nr.Tag, err)
}
