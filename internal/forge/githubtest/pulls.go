package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// pull is one pull request.
type pull struct {
	number         int
	id             int64
	nodeID         string
	title, body    string
	state          string // "open" or "closed"
	draft          bool
	head, base     string // branch names
	headSHA        plumbing.Hash
	user           string
	labels         []string
	reviewers      []string
	teams          []string
	assignees      []string
	comments       []*comment
	merged         bool
	mergedAt       time.Time
	mergeCommit    plumbing.Hash
	autoMerge      string // "", "MERGE", "SQUASH" or "REBASE"
	autoMergeBy    string
	autoMergeAt    time.Time
	createdAt      time.Time
	updatedAt      time.Time
	closedAt       time.Time
	maintainerEdit bool
	// merged by MergePRWith: the method, the base before the merge and the
	// commits the merge put on the base (see merge.go).
	mergeMethod string
	mergedOnto  plumbing.Hash
	landed      []plumbing.Hash
	reviews     []*review
}

type comment struct {
	id        int64
	body      string
	user      string
	createdAt time.Time
	updatedAt time.Time
}

type label struct {
	id    int64
	name  string
	color string
}

// headSHAOf returns the live head of a pull request: the branch tip while
// the branch exists, else the last tip seen.
func (rp *repo) headSHAOf(p *pull) plumbing.Hash {
	if !p.merged && p.state == "open" {
		if h, ok := rp.git.ref("refs/heads/" + p.head); ok {
			p.headSHA = h
		}
	}
	return p.headSHA
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) labelJSON(rp *repo, l *label) map[string]any {
	return map[string]any{
		"id":          l.id,
		"node_id":     nodeID("LA", rp.fullName()+l.name),
		"url":         s.repoURL(rp, "labels", l.name),
		"name":        l.name,
		"color":       l.color,
		"default":     false,
		"description": "", // pull-request-simple declares it a non-null string, though label allows null
	}
}

func (s *Server) labelsJSON(rp *repo, p *pull) []any {
	out := []any{}
	for _, n := range p.labels {
		out = append(out, s.labelJSON(rp, rp.labels[strings.ToLower(n)]))
	}
	return out
}

func (s *Server) usersJSON(logins []string) []any {
	out := []any{}
	for _, l := range logins {
		out = append(out, s.userJSON(l))
	}
	return out
}

func (s *Server) teamsJSON(rp *repo, slugs []string) []any {
	out := []any{}
	for _, t := range slugs {
		f := s.userJSON(t)
		out = append(out, map[string]any{
			"id":               f["id"],
			"node_id":          nodeID("T", t),
			"name":             t,
			"slug":             t,
			"url":              s.URL + "/api/v3/orgs/" + rp.owner + "/teams/" + t,
			"html_url":         s.URL + "/orgs/" + rp.owner + "/teams/" + t,
			"members_url":      s.URL + "/api/v3/orgs/" + rp.owner + "/teams/" + t + "/members{/member}",
			"repositories_url": s.URL + "/api/v3/orgs/" + rp.owner + "/teams/" + t + "/repos",
			"permission":       "push",
			"description":      nil,
			"privacy":          "closed",
		})
	}
	return out
}

func (s *Server) branchJSON(rp *repo, branch string, sha plumbing.Hash) map[string]any {
	return map[string]any{
		"label": rp.owner + ":" + branch,
		"ref":   branch,
		"sha":   sha.String(),
		"user":  s.userJSON(rp.owner),
		"repo":  s.repoJSON(rp),
	}
}

func (s *Server) pullJSON(rp *repo, p *pull) map[string]any {
	n := strconv.Itoa(p.number)
	headSHA := rp.headSHAOf(p)
	baseSHA, _ := rp.git.ref("refs/heads/" + p.base)
	var assignee any
	if len(p.assignees) > 0 {
		assignee = s.userJSON(p.assignees[0])
	}
	var autoMerge any
	if p.autoMerge != "" {
		autoMerge = map[string]any{
			"enabled_by":     s.userJSON(p.autoMergeBy),
			"merge_method":   strings.ToLower(p.autoMerge),
			"commit_title":   "",
			"commit_message": "",
		}
	}
	mergeCommit := any(nil)
	if !p.mergeCommit.IsZero() {
		mergeCommit = p.mergeCommit.String()
	}
	var mergedBy any
	if p.merged {
		mergedBy = s.userJSON(p.user)
	}
	return map[string]any{
		"url":                   s.repoURL(rp, "pulls", n),
		"id":                    p.id,
		"node_id":               p.nodeID,
		"html_url":              s.htmlURL(rp, "pull", n),
		"diff_url":              s.htmlURL(rp, "pull", n+".diff"),
		"patch_url":             s.htmlURL(rp, "pull", n+".patch"),
		"issue_url":             s.repoURL(rp, "issues", n),
		"commits_url":           s.repoURL(rp, "pulls", n, "commits"),
		"review_comments_url":   s.repoURL(rp, "pulls", n, "comments"),
		"review_comment_url":    s.repoURL(rp, "pulls", "comments{/number}"),
		"comments_url":          s.repoURL(rp, "issues", n, "comments"),
		"statuses_url":          s.repoURL(rp, "statuses", headSHA.String()),
		"number":                p.number,
		"state":                 p.state,
		"locked":                false,
		"title":                 p.title,
		"body":                  strOrNil(p.body),
		"user":                  s.userJSON(p.user),
		"labels":                s.labelsJSON(rp, p),
		"milestone":             nil,
		"active_lock_reason":    nil,
		"created_at":            p.createdAt.UTC().Format(time.RFC3339),
		"updated_at":            p.updatedAt.UTC().Format(time.RFC3339),
		"closed_at":             timeOrNil(p.closedAt),
		"merged_at":             timeOrNil(p.mergedAt),
		"merge_commit_sha":      mergeCommit,
		"assignee":              assignee,
		"assignees":             s.usersJSON(p.assignees),
		"requested_reviewers":   s.usersJSON(p.reviewers),
		"requested_teams":       s.teamsJSON(rp, p.teams),
		"head":                  s.branchJSON(rp, p.head, headSHA),
		"base":                  s.branchJSON(rp, p.base, baseSHA),
		"author_association":    "CONTRIBUTOR",
		"auto_merge":            autoMerge,
		"draft":                 p.draft,
		"merged":                p.merged,
		"mergeable":             nil,
		"rebaseable":            nil,
		"mergeable_state":       "unknown",
		"merged_by":             mergedBy,
		"comments":              len(p.comments),
		"review_comments":       0,
		"maintainer_can_modify": p.maintainerEdit,
		"_links": map[string]any{
			"self":            map[string]any{"href": s.repoURL(rp, "pulls", n)},
			"html":            map[string]any{"href": s.htmlURL(rp, "pull", n)},
			"issue":           map[string]any{"href": s.repoURL(rp, "issues", n)},
			"comments":        map[string]any{"href": s.repoURL(rp, "issues", n, "comments")},
			"review_comments": map[string]any{"href": s.repoURL(rp, "pulls", n, "comments")},
			"review_comment":  map[string]any{"href": s.repoURL(rp, "pulls", "comments{/number}")},
			"commits":         map[string]any{"href": s.repoURL(rp, "pulls", n, "commits")},
			"statuses":        map[string]any{"href": s.repoURL(rp, "statuses", headSHA.String())},
		},
	}
}

func (s *Server) issueJSON(rp *repo, p *pull) map[string]any {
	n := strconv.Itoa(p.number)
	var assignee any
	if len(p.assignees) > 0 {
		assignee = s.userJSON(p.assignees[0])
	}
	return map[string]any{
		"id":                 p.id,
		"node_id":            p.nodeID,
		"url":                s.repoURL(rp, "issues", n),
		"repository_url":     s.repoURL(rp),
		"labels_url":         s.repoURL(rp, "issues", n, "labels{/name}"),
		"comments_url":       s.repoURL(rp, "issues", n, "comments"),
		"events_url":         s.repoURL(rp, "issues", n, "events"),
		"html_url":           s.htmlURL(rp, "pull", n),
		"number":             p.number,
		"state":              p.state,
		"state_reason":       nil,
		"title":              p.title,
		"body":               strOrNil(p.body),
		"user":               s.userJSON(p.user),
		"labels":             s.labelsJSON(rp, p),
		"assignee":           assignee,
		"assignees":          s.usersJSON(p.assignees),
		"milestone":          nil,
		"locked":             false,
		"active_lock_reason": nil,
		"comments":           len(p.comments),
		"draft":              p.draft,
		"pull_request": map[string]any{
			"url":       s.repoURL(rp, "pulls", n),
			"html_url":  s.htmlURL(rp, "pull", n),
			"diff_url":  s.htmlURL(rp, "pull", n+".diff"),
			"patch_url": s.htmlURL(rp, "pull", n+".patch"),
			"merged_at": timeOrNil(p.mergedAt),
		},
		"closed_at":          timeOrNil(p.closedAt),
		"created_at":         p.createdAt.UTC().Format(time.RFC3339),
		"updated_at":         p.updatedAt.UTC().Format(time.RFC3339),
		"author_association": "CONTRIBUTOR",
	}
}

// pullFor resolves {pull_number} or {issue_number}; issues that are not pull
// requests do not exist in the fake.
func (s *Server) pullFor(c *call) (*repo, *pull, bool) {
	rp, ok := s.repoFor(c)
	if !ok {
		return nil, nil, false
	}
	n := c.params["pull_number"]
	if n == "" {
		n = c.params["issue_number"]
	}
	num, err := strconv.Atoi(n)
	if err != nil {
		return nil, nil, false
	}
	p, ok := rp.pulls[num]
	return rp, p, ok
}

// openPullFor returns the open pull request from head into base.
func (rp *repo) openPullFor(head, base string) *pull {
	for _, p := range rp.pulls {
		if p.state == "open" && p.head == head && p.base == base {
			return p
		}
	}
	return nil
}

func (s *Server) listPulls(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	state := c.query.Get("state")
	if state == "" {
		state = "open"
	}
	// GitHub filters by head only in the form owner:branch; a bare branch
	// name is silently ignored and every pull request is listed (see
	// https://github.com/orgs/community/discussions/24354).
	head := ""
	if owner, branch, ok := strings.Cut(c.query.Get("head"), ":"); ok {
		if !strings.EqualFold(owner, rp.owner) {
			return jsonResponse(http.StatusOK, []any{})
		}
		head = branch
	}
	base := c.query.Get("base")
	var list []*pull
	for _, p := range rp.pulls {
		if state != "all" && p.state != state {
			continue
		}
		if head != "" && p.head != head || base != "" && p.base != base {
			continue
		}
		list = append(list, p)
	}
	asc := c.query.Get("direction") == "asc"
	sort.Slice(list, func(i, j int) bool {
		if asc {
			return list[i].number < list[j].number
		}
		return list[i].number > list[j].number
	})
	lo, hi, paginate := s.page(c, len(list))
	out := []any{}
	for _, p := range list[lo:hi] {
		out = append(out, s.pullJSON(rp, p))
	}
	resp := jsonResponse(http.StatusOK, out)
	paginate(resp.header)
	return resp
}

// page reads per_page (default 30, at most 100) and page (from 1) as
// GitHub does and returns the slice [lo:hi] of a list of n items, and a
// function that sets the Link header (next, last, first, prev) on the
// answer.
func (s *Server) page(c *call, n int) (lo, hi int, link func(http.Header)) {
	perPage, _ := strconv.Atoi(c.query.Get("per_page"))
	if perPage <= 0 || perPage > 100 {
		perPage = 30
	}
	page, _ := strconv.Atoi(c.query.Get("page"))
	if page <= 0 {
		page = 1
	}
	lo, hi = min((page-1)*perPage, n), min(page*perPage, n)
	link = func(h http.Header) {
		last := (n + perPage - 1) / perPage
		if last <= 1 {
			return
		}
		url := func(n int, rel string) string {
			q := c.r.URL.Query()
			q.Set("page", strconv.Itoa(n))
			q.Set("per_page", strconv.Itoa(perPage))
			return fmt.Sprintf("<%s%s?%s>; rel=%q", s.URL, c.r.URL.Path, q.Encode(), rel)
		}
		var links []string
		if page < last {
			links = append(links, url(page+1, "next"), url(last, "last"))
		}
		if page > 1 {
			links = append(links, url(1, "first"), url(page-1, "prev"))
		}
		if len(links) > 0 {
			h.Set("Link", strings.Join(links, ", "))
		}
	}
	return lo, hi, link
}

func (s *Server) createPull(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		Title               *string `json:"title"`
		Head                string  `json:"head"`
		Base                string  `json:"base"`
		Body                string  `json:"body"`
		Draft               bool    `json:"draft"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	head := in.Head
	if owner, branch, ok := strings.Cut(head, ":"); ok {
		if !strings.EqualFold(owner, rp.owner) {
			return validationFailed(map[string]any{"resource": "PullRequest", "field": "head", "code": "invalid"})
		}
		head = branch
	}
	if in.Title == nil || *in.Title == "" {
		return validationFailed(map[string]any{"resource": "PullRequest", "field": "title", "code": "missing_field"})
	}
	baseSHA, ok := rp.git.ref("refs/heads/" + in.Base)
	if !ok {
		return validationFailed(map[string]any{"resource": "PullRequest", "field": "base", "code": "invalid"})
	}
	headSHA, ok := rp.git.ref("refs/heads/" + head)
	if !ok {
		return validationFailed(map[string]any{"resource": "PullRequest", "field": "head", "code": "invalid"})
	}
	if rp.openPullFor(head, in.Base) != nil {
		return validationFailed(map[string]any{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for " + rp.owner + ":" + head + "."})
	}
	if merged, _ := rp.git.isAncestor(headSHA, baseSHA); merged {
		return validationFailed(map[string]any{"resource": "PullRequest", "code": "custom", "message": "No commits between " + in.Base + " and " + head})
	}
	rp.nextNumber++
	now := s.now()
	p := &pull{
		number:         rp.nextNumber,
		id:             s.newID(),
		title:          *in.Title,
		body:           in.Body,
		state:          "open",
		draft:          in.Draft,
		head:           head,
		base:           in.Base,
		headSHA:        headSHA,
		user:           c.actor.Login,
		createdAt:      now,
		updatedAt:      now,
		maintainerEdit: in.MaintainerCanModify == nil || *in.MaintainerCanModify,
	}
	p.nodeID = nodeID("PR", fmt.Sprintf("%s#%d", rp.fullName(), p.number))
	rp.pulls[p.number] = p
	s.nodes[p.nodeID] = p
	if err := rp.opened(p); err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	resp := jsonResponse(http.StatusCreated, s.pullJSON(rp, p))
	resp.header.Set("Location", s.repoURL(rp, "pulls", strconv.Itoa(p.number)))
	return resp
}

func (s *Server) getPull(c *call) response {
	rp, p, ok := s.pullFor(c)
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, s.pullJSON(rp, p))
}

// getIssue answers the issue side of a pull request (labels, assignees);
// the fake has no issues that are not pull requests.
func (s *Server) getIssue(c *call) response {
	rp, p, ok := s.pullFor(c)
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, s.issueJSON(rp, p))
}

func (s *Server) updatePull(c *call) response {
	rp, p, ok := s.pullFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		Title               *string `json:"title"`
		Body                *string `json:"body"`
		State               *string `json:"state"`
		Base                *string `json:"base"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	if in.Base != nil && *in.Base != p.base {
		if _, ok := rp.git.ref("refs/heads/" + *in.Base); !ok {
			return validationFailed(map[string]any{"resource": "PullRequest", "field": "base", "code": "invalid"})
		}
		if rp.openPullFor(p.head, *in.Base) != nil {
			return validationFailed(map[string]any{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for base branch '" + *in.Base + "' and head branch '" + p.head + "'"})
		}
	}
	if in.State != nil && *in.State == "open" && p.state == "closed" {
		if p.merged {
			return validationFailed(map[string]any{"resource": "PullRequest", "code": "custom", "message": "Cannot reopen a merged pull request"})
		}
		if _, ok := rp.git.ref("refs/heads/" + p.head); !ok {
			return validationFailed(map[string]any{"resource": "PullRequest", "field": "state", "code": "invalid"})
		}
		if rp.openPullFor(p.head, p.base) != nil {
			return validationFailed(map[string]any{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for " + rp.owner + ":" + p.head + "."})
		}
	}
	now := s.now()
	if in.Title != nil {
		p.title = *in.Title
	}
	if in.Body != nil {
		p.body = *in.Body
	}
	if in.Base != nil {
		p.base = *in.Base
	}
	if in.MaintainerCanModify != nil {
		p.maintainerEdit = *in.MaintainerCanModify
	}
	if in.State != nil && *in.State != p.state {
		p.state = *in.State
		if p.state == "closed" {
			p.closedAt = now
			p.autoMerge = ""
		} else {
			p.closedAt = time.Time{}
		}
	}
	p.updatedAt = now
	return jsonResponse(http.StatusOK, s.pullJSON(rp, p))
}

func contains(list []string, x string) bool {
	for _, y := range list {
		if strings.EqualFold(x, y) {
			return true
		}
	}
	return false
}

func appendNew(list []string, xs ...string) []string {
	for _, x := range xs {
		if !contains(list, x) {
			list = append(list, x)
		}
	}
	return list
}

func (s *Server) requestReviewers(c *call) response {
	rp, p, ok := s.pullFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		Reviewers     []string `json:"reviewers"`
		TeamReviewers []string `json:"team_reviewers"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	for _, r := range in.Reviewers {
		if strings.EqualFold(r, p.user) {
			return unprocessable("Review cannot be requested from pull request author.")
		}
		if rp.opts.Collaborators != nil && !contains(rp.opts.Collaborators, r) {
			return unprocessable("Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the " + rp.fullName() + " repository.")
		}
	}
	for _, t := range in.TeamReviewers {
		if rp.opts.Teams != nil && !contains(rp.opts.Teams, t) {
			return unprocessable("Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the " + rp.fullName() + " repository.")
		}
	}
	p.reviewers = appendNew(p.reviewers, in.Reviewers...)
	p.teams = appendNew(p.teams, in.TeamReviewers...)
	p.updatedAt = s.now()
	return jsonResponse(http.StatusCreated, s.pullJSON(rp, p))
}

// labelNames accepts every body shape GitHub documents for adding labels:
// ["a"], {"labels": ["a"]}, [{"name": "a"}], {"labels": [{"name": "a"}]}
// and "a".
func labelNames(body []byte) ([]string, bool) {
	var raw any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, false
	}
	if m, ok := raw.(map[string]any); ok {
		raw = m["labels"]
	}
	if s, ok := raw.(string); ok {
		return []string{s}, true
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, false
	}
	var names []string
	for _, x := range list {
		switch x := x.(type) {
		case string:
			names = append(names, x)
		case map[string]any:
			n, _ := x["name"].(string)
			names = append(names, n)
		default:
			return nil, false
		}
	}
	return names, true
}

func (s *Server) addLabels(c *call) response {
	rp, p, ok := s.pullFor(c)
	if !ok {
		return notFound()
	}
	names, ok := labelNames(c.body)
	if !ok {
		return problemsParsingJSON()
	}
	for _, n := range names {
		if n == "" {
			return validationFailed(map[string]any{"resource": "Label", "field": "name", "code": "missing_field"})
		}
		l, ok := rp.labels[strings.ToLower(n)]
		if !ok {
			// GitHub creates labels that do not exist yet.
			l = &label{id: s.newID(), name: n, color: "ededed"}
			rp.labels[strings.ToLower(n)] = l
		}
		if !contains(p.labels, l.name) {
			p.labels = append(p.labels, l.name)
		}
	}
	p.updatedAt = s.now()
	return jsonResponse(http.StatusOK, s.labelsJSON(rp, p))
}

func (s *Server) addAssignees(c *call) response {
	rp, p, ok := s.pullFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		Assignees []string `json:"assignees"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	for _, a := range in.Assignees {
		// GitHub silently drops users who cannot be assigned.
		if rp.opts.Collaborators != nil && !contains(rp.opts.Collaborators, a) {
			continue
		}
		if len(p.assignees) < 10 {
			p.assignees = appendNew(p.assignees, a)
		}
	}
	p.updatedAt = s.now()
	return jsonResponse(http.StatusCreated, s.issueJSON(rp, p))
}

func (s *Server) commentJSON(rp *repo, p *pull, cm *comment) map[string]any {
	id := strconv.FormatInt(cm.id, 10)
	return map[string]any{
		"id":                 cm.id,
		"node_id":            nodeID("IC", id),
		"url":                s.repoURL(rp, "issues", "comments", id),
		"html_url":           s.htmlURL(rp, "pull", strconv.Itoa(p.number)) + "#issuecomment-" + id,
		"issue_url":          s.repoURL(rp, "issues", strconv.Itoa(p.number)),
		"body":               cm.body,
		"user":               s.userJSON(cm.user),
		"created_at":         cm.createdAt.UTC().Format(time.RFC3339),
		"updated_at":         cm.updatedAt.UTC().Format(time.RFC3339),
		"author_association": "CONTRIBUTOR",
	}
}

func (s *Server) createComment(c *call) response {
	rp, p, ok := s.pullFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	if in.Body == "" {
		return validationFailed(map[string]any{"resource": "IssueComment", "field": "body", "code": "missing_field"})
	}
	if rp.opts.ReadOnlyToken {
		return forbiddenToIntegration()
	}
	cm := &comment{id: s.newID(), body: in.Body, user: c.actor.Login, createdAt: s.now()}
	cm.updatedAt = cm.createdAt
	p.comments = append(p.comments, cm)
	p.updatedAt = cm.createdAt
	resp := jsonResponse(http.StatusCreated, s.commentJSON(rp, p, cm))
	resp.header.Set("Location", s.repoURL(rp, "issues", "comments", strconv.FormatInt(cm.id, 10)))
	return resp
}

// listComments lists a pull request's comments oldest first, a page at a
// time (per_page, page and Link, as GitHub does).
func (s *Server) listComments(c *call) response {
	rp, p, ok := s.pullFor(c)
	if !ok {
		return notFound()
	}
	lo, hi, paginate := s.page(c, len(p.comments))
	out := []any{}
	for _, cm := range p.comments[lo:hi] {
		out = append(out, s.commentJSON(rp, p, cm))
	}
	resp := jsonResponse(http.StatusOK, out)
	paginate(resp.header)
	return resp
}

// updateComment edits a comment's body. GitHub names the comment by its ID
// alone, in the repository.
func (s *Server) updateComment(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	id, err := strconv.ParseInt(c.params["comment_id"], 10, 64)
	if err != nil {
		return notFound()
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	for _, p := range rp.pulls {
		for _, cm := range p.comments {
			if cm.id != id {
				continue
			}
			if rp.opts.ReadOnlyToken {
				return forbiddenToIntegration()
			}
			if in.Body == "" {
				return validationFailed(map[string]any{"resource": "IssueComment", "field": "body", "code": "missing_field"})
			}
			cm.body, cm.updatedAt = in.Body, s.now()
			return jsonResponse(http.StatusOK, s.commentJSON(rp, p, cm))
		}
	}
	return notFound()
}

// deleteComment deletes a comment: 204, then 404 for it.
func (s *Server) deleteComment(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	id, err := strconv.ParseInt(c.params["comment_id"], 10, 64)
	if err != nil {
		return notFound()
	}
	for _, p := range rp.pulls {
		for i, cm := range p.comments {
			if cm.id != id {
				continue
			}
			if rp.opts.ReadOnlyToken {
				return forbiddenToIntegration()
			}
			p.comments = append(p.comments[:i:i], p.comments[i+1:]...)
			return response{status: http.StatusNoContent}
		}
	}
	return notFound()
}

// forbiddenToIntegration is GitHub's answer to a write the token may not
// make: GITHUB_TOKEN without the permission (pull-requests: write), or a
// fork's pull request, whose token is read-only.
func forbiddenToIntegration() response {
	return errorResponse(http.StatusForbidden, "Resource not accessible by integration")
}
