package githubtest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// This file serves commit statuses (what Flux's notification-controller
// and Argo CD Notifications post when a cluster applied a commit) and check
// runs (what GitHub Apps and Actions jobs report), as GitHub keeps them:
// statuses are a log per commit, newest first, and a commit's combined
// status holds the latest of each context; check runs are listed newest
// first, the latest of each name by default.

// Status is a commit status: what CreateStatus posts and Statuses reads.
type Status struct {
	// Context names the reporter (kustomization/apps-staging/1a2b3c4d);
	// empty means "default", as on GitHub.
	Context string
	// State is error, failure, pending or success.
	State       string
	TargetURL   string
	Description string
	// Creator is the login that posted it; CreateStatus makes it the
	// server's bot when empty.
	Creator string
}

// CheckRun is a check run on a commit, as CreateCheckRun makes it.
type CheckRun struct {
	Name string
	// Status is queued, in_progress or completed (default completed).
	Status string
	// Conclusion is set when Status is completed: success, failure,
	// neutral, cancelled, skipped, timed_out, action_required or stale.
	Conclusion string
	DetailsURL string
}

// commitStatus is one status on a commit.
type commitStatus struct {
	id        int64
	Status    // the posted fields
	createdAt time.Time
}

// checkRun is one check run on a commit.
type checkRun struct {
	id        int64
	CheckRun  // the given fields
	startedAt time.Time
}

// maxStatusesPerContext is GitHub's limit of statuses per commit and
// context.
const maxStatusesPerContext = 1000

// CreateStatus posts a status on commit sha of repo ("owner/name") as a
// reporter such as Flux would, without an API call being counted. It fails
// the test when the repository or commit does not exist or the state is
// not one GitHub accepts.
func (s *Server) CreateStatus(fullName, sha string, st Status) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, h := s.commitLocked(fullName, sha)
	switch st.State {
	case "error", "failure", "pending", "success":
	default:
		s.tb.Fatalf("githubtest: status state %q is not error, failure, pending or success", st.State)
	}
	if st.Creator == "" {
		st.Creator = s.opts.Bot.Login
	}
	s.addStatus(rp, h, st)
}

// CreateCheckRun adds a check run on commit sha of repo, as a GitHub App
// would, without an API call being counted.
func (s *Server) CreateCheckRun(fullName, sha string, cr CheckRun) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, h := s.commitLocked(fullName, sha)
	if cr.Status == "" {
		cr.Status = "completed"
	}
	if cr.Status == "completed" && cr.Conclusion == "" {
		s.tb.Fatalf("githubtest: a completed check run needs a conclusion")
	}
	if rp.checkRuns == nil {
		rp.checkRuns = map[plumbing.Hash][]*checkRun{}
	}
	rp.checkRuns[h] = append(rp.checkRuns[h], &checkRun{id: s.newID(), CheckRun: cr, startedAt: s.now()})
}

// Statuses returns the statuses on commit sha of repo, newest first,
// without counting a call.
func (s *Server) Statuses(fullName, sha string) []Status {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, h := s.commitLocked(fullName, sha)
	list := rp.statuses[h]
	out := make([]Status, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Status)
	}
	return out
}

// commitLocked finds a repository and a commit in it, failing the test
// without them.
func (s *Server) commitLocked(fullName, sha string) (*repo, plumbing.Hash) {
	s.tb.Helper()
	rp, ok := s.repos[fullName]
	if !ok {
		s.tb.Fatalf("githubtest: no repository %q", fullName)
	}
	h, ok := rp.resolve(sha)
	if !ok {
		s.tb.Fatalf("githubtest: no commit %q in %s", sha, fullName)
	}
	return rp, h
}

func (s *Server) addStatus(rp *repo, h plumbing.Hash, st Status) *commitStatus {
	if st.Context == "" {
		st.Context = "default"
	}
	if rp.statuses == nil {
		rp.statuses = map[plumbing.Hash][]*commitStatus{}
	}
	cs := &commitStatus{id: s.newID(), Status: st, createdAt: s.now()}
	rp.statuses[h] = append(rp.statuses[h], cs)
	return cs
}

func (s *Server) statusJSON(rp *repo, h plumbing.Hash, cs *commitStatus) map[string]any {
	ts := cs.createdAt.UTC().Format(time.RFC3339)
	return map[string]any{
		"url":         s.repoURL(rp, "statuses", h.String()),
		"avatar_url":  s.URL + "/avatars/" + cs.Creator,
		"id":          cs.id,
		"node_id":     nodeID("SC", strconv.FormatInt(cs.id, 10)),
		"state":       cs.State,
		"description": strOrNil(cs.Description),
		"target_url":  strOrNil(cs.TargetURL),
		"context":     cs.Context,
		"created_at":  ts,
		"updated_at":  ts,
		"creator":     s.userJSON(cs.Creator),
	}
}

// createStatus posts a status, as the API's caller. GitHub refuses a
// commit it does not have (422) and more than 1000 statuses of one context
// on one commit.
func (s *Server) createStatus(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	sha := c.params["sha"]
	h, ok := rp.resolve(sha)
	if !ok || !isHex(sha) {
		return unprocessable("No commit found for SHA: " + sha)
	}
	var in struct {
		State       string  `json:"state"`
		TargetURL   *string `json:"target_url"`
		Description *string `json:"description"`
		Context     string  `json:"context"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	st := Status{State: in.State, Context: in.Context, Creator: c.actor.Login}
	if in.TargetURL != nil {
		st.TargetURL = *in.TargetURL
	}
	if in.Description != nil {
		st.Description = *in.Description
	}
	ctx := st.Context
	if ctx == "" {
		ctx = "default"
	}
	n := 0
	for _, old := range rp.statuses[h] {
		if strings.EqualFold(old.Context, ctx) {
			n++
		}
	}
	if n >= maxStatusesPerContext {
		return validationFailed(map[string]any{"resource": "Status", "code": "custom", "message": "This SHA and context has reached the maximum number of statuses."})
	}
	cs := s.addStatus(rp, h, st)
	resp := jsonResponse(http.StatusCreated, s.statusJSON(rp, h, cs))
	resp.header.Set("Location", s.repoURL(rp, "statuses", h.String()))
	return resp
}

// listStatuses lists every status of a ref's commit, newest first, a page
// at a time.
func (s *Server) listStatuses(c *call) response {
	rp, h, resp, ok := s.refCommit(c)
	if !ok {
		return resp
	}
	list := rp.statuses[h]
	lo, hi, paginate := s.page(c, len(list))
	out := []any{}
	for i := lo; i < hi; i++ {
		out = append(out, s.statusJSON(rp, h, list[len(list)-1-i]))
	}
	resp = jsonResponse(http.StatusOK, out)
	paginate(resp.header)
	return resp
}

// combinedStatus answers a ref's combined status: the latest status of
// each context (contexts compare without case), and the state GitHub
// derives: failure when any is error or failure, pending when any is
// pending or there is none, else success.
func (s *Server) combinedStatus(c *call) response {
	rp, h, resp, ok := s.refCommit(c)
	if !ok {
		return resp
	}
	latest := latestStatuses(rp.statuses[h])
	state := "success"
	if len(latest) == 0 {
		state = "pending"
	}
	for _, cs := range latest {
		switch cs.State {
		case "error", "failure":
			state = "failure"
		case "pending":
			if state != "failure" {
				state = "pending"
			}
		}
	}
	lo, hi, paginate := s.page(c, len(latest))
	statuses := []any{}
	for _, cs := range latest[lo:hi] {
		statuses = append(statuses, s.statusJSON(rp, h, cs))
	}
	resp = jsonResponse(http.StatusOK, map[string]any{
		"state":       state,
		"statuses":    statuses,
		"sha":         h.String(),
		"total_count": len(latest),
		"repository":  s.repoJSON(rp),
		"commit_url":  s.repoURL(rp, "commits", h.String()),
		"url":         s.repoURL(rp, "commits", h.String(), "status"),
	})
	paginate(resp.header)
	return resp
}

// latestStatuses is the newest status of each context, the newest first.
func latestStatuses(list []*commitStatus) []*commitStatus {
	seen := map[string]bool{}
	var out []*commitStatus
	for i := len(list) - 1; i >= 0; i-- {
		k := strings.ToLower(list[i].Context)
		if !seen[k] {
			seen[k] = true
			out = append(out, list[i])
		}
	}
	return out
}

// refCommit resolves the {ref} of a call to a commit; ok is false with
// the answer to give when it cannot.
func (s *Server) refCommit(c *call) (*repo, plumbing.Hash, response, bool) {
	rp, ok := s.repoFor(c)
	if !ok {
		return nil, plumbing.ZeroHash, notFound(), false
	}
	if rp.empty() {
		return nil, plumbing.ZeroHash, emptyRepository(), false
	}
	ref := c.params["ref"]
	h, ok := rp.resolve(ref)
	if !ok {
		return nil, plumbing.ZeroHash, unprocessable("No commit found for SHA: " + ref), false
	}
	return rp, h, response{}, true
}

func (s *Server) checkRunJSON(rp *repo, h plumbing.Hash, cr *checkRun) map[string]any {
	id := strconv.FormatInt(cr.id, 10)
	var conclusion, completed any
	if cr.Status == "completed" {
		conclusion, completed = cr.Conclusion, cr.startedAt.UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"id":           cr.id,
		"head_sha":     h.String(),
		"node_id":      nodeID("CR", id),
		"external_id":  "",
		"url":          s.repoURL(rp, "check-runs", id),
		"html_url":     s.htmlURL(rp, "runs", id),
		"details_url":  strOrNil(cr.DetailsURL),
		"status":       cr.Status,
		"conclusion":   conclusion,
		"started_at":   cr.startedAt.UTC().Format(time.RFC3339),
		"completed_at": completed,
		"output": map[string]any{
			"title": nil, "summary": nil, "text": nil,
			"annotations_count": 0, "annotations_url": s.repoURL(rp, "check-runs", id, "annotations"),
		},
		"name":          cr.Name,
		"check_suite":   map[string]any{"id": cr.id},
		"app":           nil,
		"pull_requests": []any{},
	}
}

// listCheckRuns lists the check runs of a ref's commit, newest first: with
// filter=latest (the default) the newest of each name only; check_name and
// status narrow the list.
func (s *Server) listCheckRuns(c *call) response {
	rp, h, resp, ok := s.refCommit(c)
	if !ok {
		return resp
	}
	all := rp.checkRuns[h]
	var list []*checkRun
	seen := map[string]bool{}
	for i := len(all) - 1; i >= 0; i-- {
		cr := all[i]
		if c.query.Get("filter") != "all" {
			if seen[cr.Name] {
				continue
			}
			seen[cr.Name] = true
		}
		if n := c.query.Get("check_name"); n != "" && n != cr.Name {
			continue
		}
		if st := c.query.Get("status"); st != "" && st != cr.Status {
			continue
		}
		list = append(list, cr)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].id > list[j].id })
	lo, hi, paginate := s.page(c, len(list))
	runs := []any{}
	for _, cr := range list[lo:hi] {
		runs = append(runs, s.checkRunJSON(rp, h, cr))
	}
	resp = jsonResponse(http.StatusOK, map[string]any{"total_count": len(list), "check_runs": runs})
	paginate(resp.header)
	return resp
}
