package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// PullRequest is a pull request as the actions need it.
type PullRequest struct {
	Number  int
	URL     string
	NodeID  string
	Head    string
	HeadSHA string
	Base    string
	Title   string
	Body    string
}

func pullFrom(p *github.PullRequest) *PullRequest {
	return &PullRequest{
		Number: p.GetNumber(), URL: p.GetHTMLURL(), NodeID: p.GetNodeID(),
		Head: p.GetHead().GetRef(), HeadSHA: p.GetHead().GetSHA(), Base: p.GetBase().GetRef(),
		Title: p.GetTitle(), Body: p.GetBody(),
	}
}

// OpenPull returns the open pull request from head into base, or nil.
// GitHub allows one.
func (c *Client) OpenPull(ctx context.Context, head, base string) (*PullRequest, error) {
	ps, _, err := c.GH.PullRequests.List(ctx, c.Owner, c.Repo, &github.PullRequestListOptions{
		State: "open", Head: c.Owner + ":" + head, Base: base, ListOptions: github.ListOptions{PerPage: 10},
	})
	if err != nil {
		return nil, fmt.Errorf("listing open pull requests from %q: %w", head, err)
	}
	for _, p := range ps {
		if p.GetHead().GetRef() == head && p.GetBase().GetRef() == base {
			return pullFrom(p), nil
		}
	}
	return nil, nil
}

// NewPull describes a pull request to open.
type NewPull struct {
	Head, Base, Title, Body string
	Draft                   bool
}

// CreatePull opens a pull request. Opening one is not idempotent, so after
// an unknown outcome (or GitHub's 422 "A pull request already exists") the
// open pull request from the head is looked up and adopted.
func (c *Client) CreatePull(ctx context.Context, np NewPull) (*PullRequest, error) {
	var found *PullRequest
	check := func(ctx context.Context) (bool, error) {
		p, err := c.OpenPull(ctx, np.Head, np.Base)
		found = p
		return p != nil, err
	}
	var created *github.PullRequest
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		var err error
		created, _, err = c.GH.PullRequests.Create(ctx, c.Owner, c.Repo, &github.NewPullRequest{
			Title: github.String(np.Title), Head: github.String(np.Head), Base: github.String(np.Base),
			Body: github.String(np.Body), Draft: github.Bool(np.Draft), MaintainerCanModify: github.Bool(true),
		})
		return err
	}, check)
	switch {
	case err == nil && created != nil:
		return pullFrom(created), nil
	case err == nil && found != nil:
		return found, nil
	case StatusCode(err) == http.StatusUnprocessableEntity && strings.Contains(errorMessage(err), "already exists"):
		if ok, cerr := check(ctx); cerr == nil && ok {
			return found, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("GitHub answered no pull request")
	}
	return nil, fmt.Errorf("opening a pull request from %q into %q: %w", np.Head, np.Base, err)
}

// EditPull sets a pull request's title and body (idempotent) and returns
// the pull request as GitHub answered.
func (c *Client) EditPull(ctx context.Context, number int, title, body string) (*PullRequest, error) {
	p, _, err := c.GH.PullRequests.Edit(ctx, c.Owner, c.Repo, number, &github.PullRequest{Title: github.String(title), Body: github.String(body)})
	if err != nil {
		return nil, fmt.Errorf("updating pull request #%d: %w", number, err)
	}
	return pullFrom(p), nil
}

// ClosePull comments on a pull request and closes it. A comment is not
// idempotent, so after an unknown outcome the comments are searched for it
// before posting again.
func (c *Client) ClosePull(ctx context.Context, number int, comment string) error {
	if comment != "" {
		err := c.atMostOnce(ctx, func(ctx context.Context) error {
			_, _, err := c.GH.Issues.CreateComment(ctx, c.Owner, c.Repo, number, &github.IssueComment{Body: github.String(comment)})
			return err
		}, func(ctx context.Context) (bool, error) {
			cs, _, err := c.GH.Issues.ListComments(ctx, c.Owner, c.Repo, number, &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}})
			if err != nil {
				return false, err
			}
			for _, cm := range cs {
				if cm.GetBody() == comment {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("commenting on pull request #%d: %w", number, err)
		}
	}
	// Closing is idempotent, but its answer may be lost every time: look
	// the state up rather than report a failure that did not happen.
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		_, _, err := c.GH.PullRequests.Edit(ctx, c.Owner, c.Repo, number, &github.PullRequest{State: github.String("closed")})
		return err
	}, func(ctx context.Context) (bool, error) {
		p, _, err := c.GH.PullRequests.Get(ctx, c.Owner, c.Repo, number)
		return err == nil && p.GetState() == "closed", err
	})
	if err != nil {
		return fmt.Errorf("closing pull request #%d: %w", number, err)
	}
	return nil
}

// AddLabels adds labels to an issue or pull request (idempotent).
func (c *Client) AddLabels(ctx context.Context, number int, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	if _, _, err := c.GH.Issues.AddLabelsToIssue(ctx, c.Owner, c.Repo, number, labels); err != nil {
		return fmt.Errorf("adding labels to #%d: %w", number, err)
	}
	return nil
}

// AddAssignees assigns people to an issue or pull request (idempotent).
func (c *Client) AddAssignees(ctx context.Context, number int, logins []string) error {
	if len(logins) == 0 {
		return nil
	}
	if _, _, err := c.GH.Issues.AddAssignees(ctx, c.Owner, c.Repo, number, logins); err != nil {
		return fmt.Errorf("assigning #%d: %w", number, err)
	}
	return nil
}

// RequestReviewers requests reviews from people and teams (idempotent).
func (c *Client) RequestReviewers(ctx context.Context, number int, logins, teams []string) error {
	if len(logins) == 0 && len(teams) == 0 {
		return nil
	}
	if _, _, err := c.GH.PullRequests.RequestReviewers(ctx, c.Owner, c.Repo, number, github.ReviewersRequest{Reviewers: logins, TeamReviewers: teams}); err != nil {
		return fmt.Errorf("requesting reviews on #%d: %w", number, err)
	}
	return nil
}

// AutoMergeError is GitHub refusing to enable auto-merge: the repository
// does not allow it, the merge method is not allowed, the pull request is
// already mergeable. The pull request is fine; the caller warns.
type AutoMergeError struct {
	Message string
}

func (e *AutoMergeError) Error() string { return "auto-merge not enabled: " + e.Message }

// EnableAutoMerge turns on auto-merge with method ("merge", "squash" or
// "rebase") through GraphQL's enablePullRequestAutoMerge, the only API for
// it. Enabling it twice is harmless, so the request is retried freely.
func (c *Client) EnableAutoMerge(ctx context.Context, nodeID, method string) error {
	const mutation = `mutation($input: EnablePullRequestAutoMergeInput!) {
  enablePullRequestAutoMerge(input: $input) { pullRequest { number autoMergeRequest { mergeMethod } } }
}`
	body, _ := json.Marshal(map[string]any{
		"query":     mutation,
		"variables": map[string]any{"input": map[string]any{"pullRequestId": nodeID, "mergeMethod": strings.ToUpper(method)}},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.graphqlURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("enabling auto-merge: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("enabling auto-merge: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("enabling auto-merge: GitHub answered %s", resp.Status)
	}
	var out struct {
		Errors []struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("enabling auto-merge: reading GitHub's answer: %w", err)
	}
	if len(out.Errors) > 0 {
		var msgs []string
		for _, e := range out.Errors {
			msgs = append(msgs, e.Message)
		}
		return &AutoMergeError{Message: strings.Join(msgs, "; ")}
	}
	return nil
}
