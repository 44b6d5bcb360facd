package githubtest

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
)

// pullSimpleJSON is a pull request as lists show it ("pull-request-simple"):
// without the merge state and counters of a single pull request.
func (s *Server) pullSimpleJSON(rp *repo, p *pull) map[string]any {
	out := s.pullJSON(rp, p)
	for _, k := range []string{"merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments", "review_comments", "maintainer_can_modify"} {
		delete(out, k)
	}
	return out
}

// broughtBy reports whether pull request p brought commit h: its merge,
// squash or replayed commits, or a commit of its head branch.
func (rp *repo) broughtBy(p *pull, h plumbing.Hash) bool {
	if p.mergeCommit == h {
		return true
	}
	for _, l := range p.landed {
		if l == h {
			return true
		}
	}
	base := p.mergedOnto
	if base.IsZero() && p.merged {
		// Merged by MergePR: the base before the merge is the merge
		// commit's first parent.
		if mc, err := rp.git.commit(p.mergeCommit); err == nil && len(mc.ParentHashes) > 0 {
			base = mc.ParentHashes[0]
		}
	}
	if base.IsZero() {
		var ok bool
		if base, ok = rp.git.ref("refs/heads/" + p.base); !ok {
			return false
		}
	}
	own, err := rp.headOnly(rp.headSHAOf(p), base)
	if err != nil {
		return false
	}
	for _, c := range own {
		if c.Hash == h {
			return true
		}
	}
	return false
}

// pullsOfCommit lists the pull requests GitHub associates with commit h,
// oldest first, as both GET /commits/{sha}/pulls and GraphQL's
// Commit.associatedPullRequests do: for a commit on the default branch,
// the merged pull request that brought it; for any other, merged and open
// ones.
func (rp *repo) pullsOfCommit(h plumbing.Hash) []*pull {
	onDefault := false
	if tip, ok := rp.git.ref("refs/heads/" + rp.opts.DefaultBranch); ok {
		onDefault, _ = rp.git.isAncestor(h, tip)
	}
	var list []*pull
	for _, p := range rp.pulls {
		if onDefault && !p.merged || !p.merged && p.state != "open" {
			continue
		}
		if rp.broughtBy(p, h) {
			list = append(list, p)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].number < list[j].number })
	return list
}

// commitPulls serves GET /commits/{sha}/pulls (see pullsOfCommit).
func (s *Server) commitPulls(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	if rp.empty() {
		return emptyRepository()
	}
	sha := c.params["commit_sha"]
	h, ok := rp.resolve(sha)
	if !ok {
		return unprocessable("No commit found for SHA: " + sha)
	}
	list := rp.pullsOfCommit(h)
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
		out = append(out, s.pullSimpleJSON(rp, list[i]))
	}
	return jsonResponse(http.StatusOK, out)
}
