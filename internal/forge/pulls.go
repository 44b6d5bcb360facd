package forge

import (
	"context"
	"errors"
	"fmt"
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
		c.noteRepositoryID(p.GetBase().GetRepo().GetNodeID())
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

// EditPull sets a pull request's title and body and returns the pull
// request as GitHub answered. Sending the same edit twice does no harm, but
// the transport only repeats what is known to be idempotent, so an unknown
// outcome is looked up like any other write.
func (c *Client) EditPull(ctx context.Context, number int, title, body string) (*PullRequest, error) {
	var out *PullRequest
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		p, _, err := c.GH.PullRequests.Edit(ctx, c.Owner, c.Repo, number, &github.PullRequest{Title: github.String(title), Body: github.String(body)})
		if err == nil {
			out = pullFrom(p)
		}
		return err
	}, func(ctx context.Context) (bool, error) {
		p, err := c.pull(ctx, number)
		if err != nil || p.GetTitle() != title || p.GetBody() != body {
			return false, err
		}
		out = pullFrom(p)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("updating pull request #%d: %w", number, err)
	}
	return out, nil
}

// pull reads a pull request: the lookup of the writes on pull requests.
func (c *Client) pull(ctx context.Context, number int) (*github.PullRequest, error) {
	p, _, err := c.GH.PullRequests.Get(ctx, c.Owner, c.Repo, number)
	return p, err
}

// issue reads the issue side of an issue or pull request (labels,
// assignees): the lookup of the writes on them.
func (c *Client) issue(ctx context.Context, number int) (*github.Issue, error) {
	is, _, err := c.GH.Issues.Get(ctx, c.Owner, c.Repo, number)
	return is, err
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
		p, err := c.pull(ctx, number)
		return err == nil && p.GetState() == "closed", err
	})
	if err != nil {
		return fmt.Errorf("closing pull request #%d: %w", number, err)
	}
	return nil
}

// hasAll reports whether have holds every one of want, compared as GitHub
// compares logins, team slugs and label names: without case.
func hasAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || strings.EqualFold(h, w)
		}
		if !found {
			return false
		}
	}
	return true
}

// AddLabels adds labels to an issue or pull request. After an unknown
// outcome the issue's labels are looked up before sending again.
func (c *Client) AddLabels(ctx context.Context, number int, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		_, _, err := c.GH.Issues.AddLabelsToIssue(ctx, c.Owner, c.Repo, number, labels)
		return err
	}, func(ctx context.Context) (bool, error) {
		is, err := c.issue(ctx, number)
		if err != nil {
			return false, err
		}
		var have []string
		for _, l := range is.Labels {
			have = append(have, l.GetName())
		}
		return hasAll(have, labels), nil
	})
	if err != nil {
		return fmt.Errorf("adding labels to #%d: %w", number, err)
	}
	return nil
}

// AddAssignees assigns people to an issue or pull request. After an
// unknown outcome the assignees are looked up before sending again (GitHub
// drops logins that cannot be assigned, so sending again is the answer
// when one is missing: adding an assignee twice changes nothing).
func (c *Client) AddAssignees(ctx context.Context, number int, logins []string) error {
	if len(logins) == 0 {
		return nil
	}
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		_, _, err := c.GH.Issues.AddAssignees(ctx, c.Owner, c.Repo, number, logins)
		return err
	}, func(ctx context.Context) (bool, error) {
		is, err := c.issue(ctx, number)
		if err != nil {
			return false, err
		}
		var have []string
		for _, u := range is.Assignees {
			have = append(have, u.GetLogin())
		}
		return hasAll(have, logins), nil
	})
	if err != nil {
		return fmt.Errorf("assigning #%d: %w", number, err)
	}
	return nil
}

// RequestReviewers requests reviews from people and teams. Each request
// notifies, so after an unknown outcome the pull request's requested
// reviewers are looked up before asking again.
func (c *Client) RequestReviewers(ctx context.Context, number int, logins, teams []string) error {
	if len(logins) == 0 && len(teams) == 0 {
		return nil
	}
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		_, _, err := c.GH.PullRequests.RequestReviewers(ctx, c.Owner, c.Repo, number, github.ReviewersRequest{Reviewers: logins, TeamReviewers: teams})
		return err
	}, func(ctx context.Context) (bool, error) {
		p, err := c.pull(ctx, number)
		if err != nil {
			return false, err
		}
		var people, slugs []string
		for _, u := range p.RequestedReviewers {
			people = append(people, u.GetLogin())
		}
		for _, t := range p.RequestedTeams {
			slugs = append(slugs, t.GetSlug())
		}
		return hasAll(people, logins) && hasAll(slugs, teams), nil
	})
	if err != nil {
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

// EnableAutoMerge turns on auto-merge of pr with method ("merge", "squash"
// or "rebase") through GraphQL's enablePullRequestAutoMerge, the only API
// for it. After an unknown outcome the pull request's auto_merge is looked
// up before sending again.
func (c *Client) EnableAutoMerge(ctx context.Context, pr *PullRequest, method string) error {
	const mutation = `mutation($input: EnablePullRequestAutoMergeInput!) {
  enablePullRequestAutoMerge(input: $input) { pullRequest { number autoMergeRequest { mergeMethod } } }
}`
	vars := map[string]any{"input": map[string]any{"pullRequestId": pr.NodeID, "mergeMethod": strings.ToUpper(method)}}
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		return c.graphql(ctx, mutation, vars, nil)
	}, func(ctx context.Context) (bool, error) {
		p, err := c.pull(ctx, pr.Number)
		return err == nil && strings.EqualFold(p.GetAutoMerge().GetMergeMethod(), method), err
	})
	var ge *GraphQLError
	if errors.As(err, &ge) {
		return &AutoMergeError{Message: ge.Message()}
	}
	if err != nil {
		return fmt.Errorf("enabling auto-merge: %w", err)
	}
	return nil
}
