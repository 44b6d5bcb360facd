package githubtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// This file serves Deployments and their statuses: the record of what
// runs in each environment that a repository's Environments page shows.

// Deployment is a deployment as Deployments reads it, with its statuses,
// newest first.
type Deployment struct {
	ID                    int64
	SHA, Ref, Task        string
	Environment           string
	Description           string
	Creator               string
	Production, Transient bool
	// Payload is the payload as given: a JSON object or a JSON string.
	Payload  json.RawMessage
	Statuses []DeploymentStatus
}

// DeploymentStatus is one status of a deployment.
type DeploymentStatus struct {
	ID             int64
	State          string
	Description    string
	LogURL         string
	EnvironmentURL string
	Environment    string
}

type deployment struct {
	Deployment // without Statuses
	createdAt  time.Time
	statuses   []deploymentStatus // oldest first
}

type deploymentStatus struct {
	DeploymentStatus
	createdAt time.Time
}

// Deployments returns the deployments of repo, oldest first, without
// counting a call.
func (s *Server) Deployments(fullName string) []Deployment {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		return nil
	}
	var out []Deployment
	for _, d := range rp.deployments {
		c := d.Deployment
		for i := len(d.statuses) - 1; i >= 0; i-- {
			c.Statuses = append(c.Statuses, d.statuses[i].DeploymentStatus)
		}
		out = append(out, c)
	}
	return out
}

func (s *Server) deploymentJSON(rp *repo, d *deployment) map[string]any {
	id := strconv.FormatInt(d.ID, 10)
	ts := d.createdAt.UTC().Format(time.RFC3339)
	var payload any = map[string]any{}
	if len(d.Payload) > 0 {
		payload = json.RawMessage(d.Payload)
	}
	return map[string]any{
		"url":                    s.repoURL(rp, "deployments", id),
		"id":                     d.ID,
		"node_id":                nodeID("DE", id),
		"sha":                    d.SHA,
		"ref":                    d.Ref,
		"task":                   d.Task,
		"payload":                payload,
		"original_environment":   d.Environment,
		"environment":            d.Environment,
		"description":            strOrNil(d.Description),
		"creator":                s.userJSON(d.Creator),
		"created_at":             ts,
		"updated_at":             ts,
		"statuses_url":           s.repoURL(rp, "deployments", id, "statuses"),
		"repository_url":         s.repoURL(rp),
		"transient_environment":  d.Transient,
		"production_environment": d.Production,
	}
}

// createDeployment creates a deployment of a ref, as GitHub does: the ref
// must name a commit (422 otherwise), and unless required_contexts is
// given every status context on the commit must be success (409
// otherwise; an empty list skips the check). production_environment
// defaults to whether the environment is named production. auto_merge is
// recorded but never merges: the fake deploys exactly the ref asked for.
func (s *Server) createDeployment(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		Ref                   string          `json:"ref"`
		Task                  *string         `json:"task"`
		RequiredContexts      *[]string       `json:"required_contexts"`
		Payload               json.RawMessage `json:"payload"`
		Environment           *string         `json:"environment"`
		Description           *string         `json:"description"`
		TransientEnvironment  bool            `json:"transient_environment"`
		ProductionEnvironment *bool           `json:"production_environment"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	h, ok := rp.resolve(in.Ref)
	if !ok {
		return validationFailed(map[string]any{"resource": "Deployment", "field": "ref", "code": "invalid", "message": "No ref found for: " + in.Ref})
	}
	if failed := s.unmetContexts(rp, h, in.RequiredContexts); len(failed) > 0 {
		return errorResponse(http.StatusConflict, "Conflict: Commit status checks failed for "+in.Ref+".")
	}
	d := &deployment{Deployment: Deployment{
		ID: s.newID(), SHA: h.String(), Ref: in.Ref, Task: "deploy", Environment: "production",
		Creator: c.actor.Login, Transient: in.TransientEnvironment,
	}, createdAt: s.now()}
	if in.Task != nil {
		d.Task = *in.Task
	}
	if in.Environment != nil {
		d.Environment = *in.Environment
	}
	if in.Description != nil {
		d.Description = *in.Description
	}
	d.Production = d.Environment == "production"
	if in.ProductionEnvironment != nil {
		d.Production = *in.ProductionEnvironment
	}
	if p := strings.TrimSpace(string(in.Payload)); p != "" && p != "null" {
		d.Payload = json.RawMessage(p)
	}
	rp.deployments = append(rp.deployments, d)
	return jsonResponse(http.StatusCreated, s.deploymentJSON(rp, d))
}

// unmetContexts lists the status contexts that keep a deployment of
// commit h from being created: those of required that are not success,
// or, when required is nil, every context on the commit that is not.
func (s *Server) unmetContexts(rp *repo, h plumbing.Hash, required *[]string) []string {
	latest := map[string]string{}
	for _, cs := range latestStatuses(rp.statuses[h]) {
		latest[strings.ToLower(cs.Context)] = cs.State
	}
	var out []string
	if required == nil {
		for ctx, state := range latest {
			if state != "success" {
				out = append(out, ctx)
			}
		}
		return out
	}
	for _, ctx := range *required {
		if latest[strings.ToLower(ctx)] != "success" {
			out = append(out, ctx)
		}
	}
	return out
}

// listDeployments lists deployments newest first, filtered by sha, ref,
// task and environment, a page at a time.
func (s *Server) listDeployments(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	q := c.query
	var list []*deployment
	for i := len(rp.deployments) - 1; i >= 0; i-- {
		d := rp.deployments[i]
		switch {
		case q.Get("sha") != "" && q.Get("sha") != d.SHA,
			q.Get("ref") != "" && q.Get("ref") != d.Ref,
			q.Get("task") != "" && q.Get("task") != d.Task,
			q.Get("environment") != "" && q.Get("environment") != d.Environment:
			continue
		}
		list = append(list, d)
	}
	lo, hi, paginate := s.page(c, len(list))
	out := []any{}
	for _, d := range list[lo:hi] {
		out = append(out, s.deploymentJSON(rp, d))
	}
	resp := jsonResponse(http.StatusOK, out)
	paginate(resp.header)
	return resp
}

// deploymentFor resolves the {deployment_id} of a call; ok is false with
// the answer to give when it cannot.
func (s *Server) deploymentFor(c *call) (*repo, *deployment, response, bool) {
	rp, ok := s.repoFor(c)
	if !ok {
		return nil, nil, notFound(), false
	}
	id, err := strconv.ParseInt(c.params["deployment_id"], 10, 64)
	if err != nil {
		return nil, nil, notFound(), false
	}
	for _, d := range rp.deployments {
		if d.ID == id {
			return rp, d, response{}, true
		}
	}
	return nil, nil, notFound(), false
}

func (s *Server) deploymentStatusJSON(rp *repo, d *deployment, st deploymentStatus) map[string]any {
	id := strconv.FormatInt(d.ID, 10)
	ts := st.createdAt.UTC().Format(time.RFC3339)
	return map[string]any{
		"url":             s.repoURL(rp, "deployments", id, "statuses", strconv.FormatInt(st.ID, 10)),
		"id":              st.ID,
		"node_id":         nodeID("DES", strconv.FormatInt(st.ID, 10)),
		"state":           st.State,
		"creator":         s.userJSON(d.Creator),
		"description":     st.Description,
		"environment":     st.Environment,
		"target_url":      st.LogURL,
		"log_url":         st.LogURL,
		"environment_url": st.EnvironmentURL,
		"created_at":      ts,
		"updated_at":      ts,
		"deployment_url":  s.repoURL(rp, "deployments", id),
		"repository_url":  s.repoURL(rp),
	}
}

// maxDeploymentStatusDescription is the longest description GitHub takes.
const maxDeploymentStatusDescription = 140

// createDeploymentStatus adds a status to a deployment. As on GitHub, a
// success status with auto_inactive (the default) marks the earlier
// deployments of the same environment that succeeded inactive, unless
// they are transient or production ones.
func (s *Server) createDeploymentStatus(c *call) response {
	rp, d, resp, ok := s.deploymentFor(c)
	if !ok {
		return resp
	}
	var in struct {
		State          string `json:"state"`
		TargetURL      string `json:"target_url"`
		LogURL         string `json:"log_url"`
		Description    string `json:"description"`
		Environment    string `json:"environment"`
		EnvironmentURL string `json:"environment_url"`
		AutoInactive   *bool  `json:"auto_inactive"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	if len([]rune(in.Description)) > maxDeploymentStatusDescription {
		return validationFailed(map[string]any{"resource": "DeploymentStatus", "field": "description", "code": "custom", "message": "description is too long (maximum is 140 characters)"})
	}
	st := DeploymentStatus{ID: s.newID(), State: in.State, Description: in.Description, LogURL: in.LogURL, EnvironmentURL: in.EnvironmentURL, Environment: in.Environment}
	if st.LogURL == "" {
		st.LogURL = in.TargetURL
	}
	if st.Environment == "" {
		st.Environment = d.Environment
	}
	now := s.now()
	if st.State == "success" && (in.AutoInactive == nil || *in.AutoInactive) {
		for _, old := range rp.deployments {
			if old == d || old.Environment != d.Environment || old.Transient || old.Production || len(old.statuses) == 0 {
				continue
			}
			if old.statuses[len(old.statuses)-1].State == "success" {
				old.statuses = append(old.statuses, deploymentStatus{DeploymentStatus{ID: s.newID(), State: "inactive", Environment: old.Environment}, now})
			}
		}
	}
	d.statuses = append(d.statuses, deploymentStatus{st, now})
	resp = jsonResponse(http.StatusCreated, s.deploymentStatusJSON(rp, d, deploymentStatus{st, now}))
	resp.header.Set("Location", s.repoURL(rp, "deployments", strconv.FormatInt(d.ID, 10), "statuses", strconv.FormatInt(st.ID, 10)))
	return resp
}

// listDeploymentStatuses lists a deployment's statuses, newest first.
func (s *Server) listDeploymentStatuses(c *call) response {
	rp, d, resp, ok := s.deploymentFor(c)
	if !ok {
		return resp
	}
	lo, hi, paginate := s.page(c, len(d.statuses))
	out := []any{}
	for i := lo; i < hi; i++ {
		out = append(out, s.deploymentStatusJSON(rp, d, d.statuses[len(d.statuses)-1-i]))
	}
	resp = jsonResponse(http.StatusOK, out)
	paginate(resp.header)
	return resp
}
