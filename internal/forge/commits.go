package forge

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"
)

// CommitDetail is a commit with its people, dates and the files it changes
// against its first parent.
type CommitDetail struct {
	Commit
	AuthorName, AuthorEmail string
	// AuthorLogin is the GitHub account of the author, when GitHub knows it.
	AuthorLogin string
	CommittedAt time.Time
	Files       []ChangedFile
	// Complete is false when GitHub listed only part of the files (it
	// stops at 3000).
	Complete bool
}

// maxCommitFilePages bounds the pages of files read for one commit: GitHub
// lists 300 files a page and stops at 3000.
const maxCommitFilePages = 10

// GetCommit reads a commit (a SHA, or a branch or tag name) with the files
// it changes against its first parent: one request, and one more for each
// further 300 files. A commit that does not exist is a *NotFoundError.
func (c *Client) GetCommit(ctx context.Context, ref string) (*CommitDetail, error) {
	var out *CommitDetail
	opts := &github.ListOptions{}
	for page := 1; page <= maxCommitFilePages; page++ {
		rc, resp, err := c.GH.Repositories.GetCommit(ctx, c.Owner, c.Repo, ref, opts)
		if err != nil {
			if code := StatusCode(err); code == http.StatusNotFound || code == http.StatusUnprocessableEntity {
				return nil, &NotFoundError{What: fmt.Sprintf("commit %q of %s/%s", ref, c.Owner, c.Repo), Err: err}
			}
			return nil, fmt.Errorf("reading commit %q: %w", ref, err)
		}
		if out == nil {
			gc := rc.GetCommit()
			out = &CommitDetail{
				Commit: Commit{
					SHA: rc.GetSHA(), Tree: gc.GetTree().GetSHA(), Message: gc.GetMessage(),
					Verified: gc.GetVerification().GetVerified(),
				},
				AuthorName: gc.GetAuthor().GetName(), AuthorEmail: gc.GetAuthor().GetEmail(),
				AuthorLogin: rc.GetAuthor().GetLogin(),
				CommittedAt: gc.GetCommitter().GetDate().Time,
				Complete:    true,
			}
			for _, p := range rc.Parents {
				out.Parents = append(out.Parents, p.GetSHA())
			}
			// Later pages must describe the same commit, not whatever the
			// branch points to by then.
			ref = out.SHA
		}
		for _, f := range rc.Files {
			out.Files = append(out.Files, ChangedFile{Path: f.GetFilename(), Status: f.GetStatus(), SHA: f.GetSHA(), Previous: f.GetPreviousFilename()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
	out.Complete = false
	return out, nil
}

// AssociatedPull is a pull request GitHub associates with a commit.
type AssociatedPull struct {
	PullRequest
	Author         string
	Labels         []string
	State          string // open or closed
	MergedAt       time.Time
	MergeCommitSHA string
	// Approvers are the logins whose latest review approves it (reviewers
	// with write access only), in review order; Lookup's Commits only.
	Approvers []string
}

// PullsOfCommit lists the pull requests that brought a commit, in one
// request: for a commit on the default branch, the merged pull request that
// introduced it; elsewhere, merged and open ones too.
func (c *Client) PullsOfCommit(ctx context.Context, sha string) ([]AssociatedPull, error) {
	ps, _, err := c.GH.PullRequests.ListPullRequestsWithCommit(ctx, c.Owner, c.Repo, sha, &github.ListOptions{PerPage: 100})
	if err != nil {
		if code := StatusCode(err); code == http.StatusNotFound || code == http.StatusUnprocessableEntity {
			return nil, &NotFoundError{What: fmt.Sprintf("commit %q of %s/%s", sha, c.Owner, c.Repo), Err: err}
		}
		return nil, fmt.Errorf("listing the pull requests of commit %s: %w", sha, err)
	}
	var out []AssociatedPull
	for _, p := range ps {
		ap := AssociatedPull{
			PullRequest: *pullFrom(p), Author: p.GetUser().GetLogin(), State: p.GetState(),
			MergedAt: p.GetMergedAt().Time, MergeCommitSHA: p.GetMergeCommitSHA(),
		}
		for _, l := range p.Labels {
			ap.Labels = append(ap.Labels, l.GetName())
		}
		out = append(out, ap)
	}
	return out, nil
}
