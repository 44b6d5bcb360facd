package forge

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// Report is one report on a commit: a commit status (what Flux's
// notification-controller, Argo CD Notifications or a CI post) or a check
// run (what GitHub Apps and Actions jobs report).
type Report struct {
	// Name is the status's context or the check run's name.
	Name string
	// CheckRun says the report is a check run.
	CheckRun bool
	// State is a status's state (error, failure, pending, success) or a
	// check run's status (queued, in_progress, completed, ...).
	State string
	// Conclusion is a completed check run's conclusion.
	Conclusion string
	// URL is the status's target URL or the check run's details URL.
	URL string
}

// maxReportPages bounds the pages of statuses, and of check runs, read for
// one commit: 100 a page.
const maxReportPages = 10

// Reports reads what is reported on commit sha: the latest status of each
// context (the combined status) and the latest check run of each name, in
// two requests, and one more for each further 100 of either.
func (c *Client) Reports(ctx context.Context, sha string) ([]Report, error) {
	var out []Report
	opts := &github.ListOptions{PerPage: 100}
	for page := 0; page < maxReportPages; page++ {
		cs, resp, err := c.GH.Repositories.GetCombinedStatus(ctx, c.Owner, c.Repo, sha, opts)
		if err != nil {
			return nil, fmt.Errorf("reading the statuses of %s: %w", sha, err)
		}
		for _, s := range cs.Statuses {
			out = append(out, Report{Name: s.GetContext(), State: s.GetState(), URL: s.GetTargetURL()})
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	ropts := &github.ListCheckRunsOptions{Filter: github.String("latest"), ListOptions: github.ListOptions{PerPage: 100}}
	for page := 0; page < maxReportPages; page++ {
		runs, resp, err := c.GH.Checks.ListCheckRunsForRef(ctx, c.Owner, c.Repo, sha, ropts)
		if err != nil {
			return nil, fmt.Errorf("reading the check runs of %s: %w", sha, err)
		}
		for _, r := range runs.CheckRuns {
			out = append(out, Report{Name: r.GetName(), CheckRun: true, State: r.GetStatus(), Conclusion: r.GetConclusion(), URL: r.GetDetailsURL()})
		}
		if resp.NextPage == 0 {
			break
		}
		ropts.Page = resp.NextPage
	}
	return out, nil
}

// NewStatus is a commit status to post.
type NewStatus struct {
	// Context names the status (gitops-actions/promotion-window).
	Context string
	// State is error, failure, pending or success.
	State string
	// Description is cut to GitHub's 140 characters.
	Description string
	TargetURL   string
}

// maxStatusDescription is the longest description GitHub takes for a
// commit or deployment status.
const maxStatusDescription = 140

// SetStatus posts a commit status on sha, in one request. Posting the same
// status twice is harmless (the latest of a context is the one that
// counts), so a try whose answer was lost is simply sent again.
func (c *Client) SetStatus(ctx context.Context, sha string, s NewStatus) error {
	st := &github.RepoStatus{State: github.String(s.State), Context: github.String(s.Context), Description: github.String(cut(s.Description, maxStatusDescription))}
	if s.TargetURL != "" {
		st.TargetURL = github.String(s.TargetURL)
	}
	if _, _, err := c.GH.Repositories.CreateStatus(SafeToRepeat(ctx), c.Owner, c.Repo, sha, st); err != nil {
		return fmt.Errorf("setting status %q of %s to %s: %w", s.Context, sha, s.State, err)
	}
	return nil
}

// cut shortens s to at most n runes, the last of them an ellipsis.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
