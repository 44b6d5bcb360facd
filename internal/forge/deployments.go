package forge

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// Deployment is a GitHub Deployment: a commit deployed to an environment.
type Deployment struct {
	ID          int64
	SHA         string
	Environment string
}

// Deployments lists the deployments of commit sha, to every environment,
// newest first: one request for up to 100.
func (c *Client) Deployments(ctx context.Context, sha string) ([]Deployment, error) {
	return c.deployments(ctx, sha, "")
}

func (c *Client) deployments(ctx context.Context, sha, environment string) ([]Deployment, error) {
	opts := &github.DeploymentsListOptions{SHA: sha, Environment: environment, ListOptions: github.ListOptions{PerPage: 100}}
	var out []Deployment
	for page := 0; page < maxReportPages; page++ {
		ds, resp, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, opts)
		if err != nil {
			return nil, fmt.Errorf("listing the deployments of %s: %w", sha, err)
		}
		for _, d := range ds {
			out = append(out, Deployment{ID: d.GetID(), SHA: d.GetSHA(), Environment: d.GetEnvironment()})
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}

// NewDeployment is a deployment to record.
type NewDeployment struct {
	// SHA is the commit deployed; Environment its environment's name.
	SHA, Environment string
	// Description is cut to GitHub's 140 characters.
	Description string
	// Payload is stored with the deployment, as JSON.
	Payload any
}

// CreateDeployment records a deployment of nd.SHA to nd.Environment, in
// one request. It asks GitHub to check no status context and to merge
// nothing: the record says what was merged, whatever the commit's checks
// say. Creating a deployment is not idempotent, so after an unknown
// outcome the commit's deployments to the environment are listed before
// it is tried again.
func (c *Client) CreateDeployment(ctx context.Context, nd NewDeployment) (*Deployment, error) {
	var found *Deployment
	check := func(ctx context.Context) (bool, error) {
		ds, err := c.deployments(ctx, nd.SHA, nd.Environment)
		if err != nil || len(ds) == 0 {
			return false, err
		}
		found = &ds[0]
		return true, nil
	}
	var created *github.Deployment
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		var err error
		created, _, err = c.GH.Repositories.CreateDeployment(ctx, c.Owner, c.Repo, &github.DeploymentRequest{
			Ref: github.String(nd.SHA), Environment: github.String(nd.Environment), Description: github.String(cut(nd.Description, maxStatusDescription)),
			Payload: nd.Payload, AutoMerge: github.Bool(false), RequiredContexts: &[]string{},
		})
		return err
	}, check)
	switch {
	case err != nil:
		return nil, fmt.Errorf("creating the deployment of %s to %q: %w", nd.SHA, nd.Environment, err)
	case created != nil && created.GetID() != 0:
		return &Deployment{ID: created.GetID(), SHA: created.GetSHA(), Environment: created.GetEnvironment()}, nil
	case found != nil:
		return found, nil
	}
	return nil, fmt.Errorf("creating the deployment of %s to %q: GitHub answered no deployment", nd.SHA, nd.Environment)
}

// DeploymentStates lists the states of a deployment's statuses, newest
// first, in one request (the newest 100).
func (c *Client) DeploymentStates(ctx context.Context, id int64) ([]string, error) {
	sts, _, err := c.GH.Repositories.ListDeploymentStatuses(ctx, c.Owner, c.Repo, id, &github.ListOptions{PerPage: 100})
	if err != nil {
		return nil, fmt.Errorf("listing the statuses of deployment %d: %w", id, err)
	}
	var out []string
	for _, s := range sts {
		out = append(out, s.GetState())
	}
	return out, nil
}

// NewDeploymentStatus is a deployment status to add.
type NewDeploymentStatus struct {
	// State is error, failure, inactive, in_progress, queued, pending or
	// success.
	State string
	// Description is cut to GitHub's 140 characters.
	Description string
	// LogURL is where the deployment's output is: the workflow run.
	LogURL string
}

// SetDeploymentStatus adds a status to deployment id, in one request. A
// success marks the environment's earlier deployments inactive. Adding
// the same status twice is harmless, so a try whose answer was lost is
// sent again.
func (c *Client) SetDeploymentStatus(ctx context.Context, id int64, s NewDeploymentStatus) error {
	req := &github.DeploymentStatusRequest{State: github.String(s.State), Description: github.String(cut(s.Description, maxStatusDescription))}
	if s.LogURL != "" {
		req.LogURL = github.String(s.LogURL)
	}
	if _, _, err := c.GH.Repositories.CreateDeploymentStatus(SafeToRepeat(ctx), c.Owner, c.Repo, id, req); err != nil {
		return fmt.Errorf("setting the status of deployment %d to %s: %w", id, s.State, err)
	}
	return nil
}
