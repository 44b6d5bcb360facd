package githubtest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// release is one GitHub release.
type release struct {
	id          int64
	tag         string
	target      string
	name, body  string
	draft       bool
	prerelease  bool
	author      string
	createdAt   time.Time
	publishedAt time.Time
}

func (s *Server) releaseJSON(rp *repo, r *release) map[string]any {
	id := strconv.FormatInt(r.id, 10)
	html := s.htmlURL(rp, "releases", "tag", url.PathEscape(r.tag))
	if r.draft {
		// A draft has no tag yet: GitHub links it by an untagged-... name.
		html = s.htmlURL(rp, "releases", "tag", "untagged-"+id)
	}
	return map[string]any{
		"url":              s.repoURL(rp, "releases", id),
		"html_url":         html,
		"assets_url":       s.repoURL(rp, "releases", id, "assets"),
		"upload_url":       s.URL + "/uploads/repos/" + rp.fullName() + "/releases/" + id + "/assets{?name,label}",
		"tarball_url":      s.repoURL(rp, "tarball", r.tag),
		"zipball_url":      s.repoURL(rp, "zipball", r.tag),
		"id":               r.id,
		"node_id":          nodeID("RE", rp.fullName()+"#"+id),
		"tag_name":         r.tag,
		"target_commitish": r.target,
		"name":             strOrNil(r.name),
		"body":             strOrNil(r.body),
		"draft":            r.draft,
		"prerelease":       r.prerelease,
		"immutable":        false,
		"created_at":       r.createdAt.UTC().Format(time.RFC3339),
		"published_at":     timeOrNil(r.publishedAt),
		"updated_at":       r.createdAt.UTC().Format(time.RFC3339),
		"author":           s.userJSON(r.author),
		"assets":           []any{},
	}
}

// createRelease publishes (or drafts) a release. Like GitHub it refuses a
// second published release of a tag (422 already_exists), and a published
// release of a tag that does not exist creates the tag, lightweight, at
// target_commitish (default: the default branch). Drafts make no tag.
func (s *Server) createRelease(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		TagName         string `json:"tag_name"`
		TargetCommitish string `json:"target_commitish"`
		Name            string `json:"name"`
		Body            string `json:"body"`
		Draft           bool   `json:"draft"`
		Prerelease      bool   `json:"prerelease"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	if in.TagName == "" {
		return validationFailed(map[string]any{"resource": "Release", "field": "tag_name", "code": "missing_field"})
	}
	if !validRefName("refs/tags/" + in.TagName) {
		return validationFailed(map[string]any{"resource": "Release", "field": "tag_name", "code": "invalid"})
	}
	if !in.Draft {
		for _, r := range rp.releases {
			if !r.draft && r.tag == in.TagName {
				return validationFailed(map[string]any{"resource": "Release", "field": "tag_name", "code": "already_exists"})
			}
		}
	}
	target := in.TargetCommitish
	if target == "" {
		target = rp.opts.DefaultBranch
	}
	if _, exists := rp.git.ref("refs/tags/" + in.TagName); !exists && !in.Draft {
		h, ok := rp.resolve(target)
		if !ok {
			return validationFailed(map[string]any{"resource": "Release", "field": "target_commitish", "code": "invalid"})
		}
		if err := rp.git.setRef("refs/tags/"+in.TagName, h); err != nil {
			return errorResponse(http.StatusInternalServerError, err.Error())
		}
	}
	now := s.now()
	r := &release{id: s.newID(), tag: in.TagName, target: target, name: in.Name, body: in.Body,
		draft: in.Draft, prerelease: in.Prerelease, author: c.actor.Login, createdAt: now}
	if !r.draft {
		r.publishedAt = now
	}
	rp.releases = append(rp.releases, r)
	resp := jsonResponse(http.StatusCreated, s.releaseJSON(rp, r))
	resp.header.Set("Location", s.repoURL(rp, "releases", strconv.FormatInt(r.id, 10)))
	return resp
}

// listReleases lists releases newest first, drafts included (the caller has
// push access), a page at a time.
func (s *Server) listReleases(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	list := append([]*release(nil), rp.releases...)
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].createdAt.Equal(list[j].createdAt) {
			return list[i].createdAt.After(list[j].createdAt)
		}
		return list[i].id > list[j].id
	})
	perPage, _ := strconv.Atoi(c.query.Get("per_page"))
	if perPage <= 0 || perPage > 100 {
		perPage = 30
	}
	page, _ := strconv.Atoi(c.query.Get("page"))
	if page <= 0 {
		page = 1
	}
	out := []any{}
	for i := (page - 1) * perPage; i < len(list) && i < page*perPage; i++ {
		out = append(out, s.releaseJSON(rp, list[i]))
	}
	resp := jsonResponse(http.StatusOK, out)
	if page*perPage < len(list) {
		q := c.r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		q.Set("per_page", strconv.Itoa(perPage))
		resp.header.Set("Link", fmt.Sprintf("<%s%s?%s>; rel=\"next\"", s.URL, c.r.URL.Path, q.Encode()))
	}
	return resp
}

// releaseByTag answers the published release of a tag; drafts are not
// found this way, as on GitHub.
func (s *Server) releaseByTag(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	for _, r := range rp.releases {
		if !r.draft && r.tag == c.params["tag"] {
			return jsonResponse(http.StatusOK, s.releaseJSON(rp, r))
		}
	}
	return notFound()
}

// Release is a release as tests see it.
type Release struct {
	ID         int64
	Tag        string
	Name, Body string
	Draft      bool
	Prerelease bool
	Author     string
}

// Releases returns the releases of repo, oldest first, without counting a
// call.
func (s *Server) Releases(fullName string) []Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		return nil
	}
	var out []Release
	for _, r := range rp.releases {
		out = append(out, Release{ID: r.id, Tag: r.tag, Name: r.name, Body: r.body, Draft: r.draft, Prerelease: r.prerelease, Author: r.author})
	}
	return out
}

// CreateRelease publishes a release of an existing tag as a person would
// in the web interface, without counting a call, and returns its ID.
func (s *Server) CreateRelease(fullName, tag, name, body string) int64 {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		s.tb.Fatalf("githubtest: no repository %q", fullName)
		return 0
	}
	if _, exists := rp.git.ref("refs/tags/" + tag); !exists {
		s.tb.Fatalf("githubtest: no tag %q in %q", tag, fullName)
	}
	for _, r := range rp.releases {
		if !r.draft && strings.EqualFold(r.tag, tag) {
			s.tb.Fatalf("githubtest: tag %q has a release", tag)
		}
	}
	now := s.now()
	r := &release{id: s.newID(), tag: tag, target: rp.opts.DefaultBranch, name: name, body: body, author: s.opts.Bot.Login, createdAt: now, publishedAt: now}
	rp.releases = append(rp.releases, r)
	return r.id
}
