// Package change lands a set of file changes in a GitHub repository the
// one way every gitops-actions action does: as one commit on a
// deterministic branch of the tool's, with a pull request kept in step with
// it (Propose), or as one commit on the base branch itself (Push).
//
// A branch holding a commit the tool did not make is never moved, and the
// tool's own branch is moved by compare-and-swap only, so a person's push
// that lands between the check and the move is never overwritten. The
// content is built by the caller's Build on the base's head, again on a
// fresh head whenever a concurrent writer moved something under a try.
package change

import (
	"context"

	"github.com/gitops-actions/gitops-actions/internal/forge"
)

// Op is what a run did to the pull request.
type Op string

// Operations, as the actions report them in pull-request-operation.
const (
	Created   Op = "created"   // a pull request was opened
	Updated   Op = "updated"   // the open pull request got a new commit
	Unchanged Op = "unchanged" // the open pull request holds the change already
	Closed    Op = "closed"    // nothing is left to change: the open pull request was closed
	None      Op = "none"      // nothing to change and no pull request
	Pushed    Op = "pushed"    // Push: the commit is on the base branch
)

// Content is the change built on one head of the base branch.
type Content struct {
	// Files are the files to commit, with their new content, and the
	// files to remove (Delete), all in one commit; none means the base
	// holds the change already.
	Files []forge.File
	// Title and Body are the pull request's.
	Title, Body string
	// Message is the commit message; see WithTrailers for the mark the
	// tool recognises its commits by.
	Message string
	// CloseComment is the comment left on an open pull request that is
	// closed because nothing is left to change.
	CloseComment string
}

// Build computes the change on head, the base branch's head commit. It is
// called once per pass, again on a fresh head when another writer moved the
// branch or the base under the last pass. Its errors are returned as they
// are.
type Build func(ctx context.Context, head forge.Commit) (Content, error)

// Fixed is a Build that gives the same content on every head.
func Fixed(c Content) Build {
	return func(context.Context, forge.Commit) (Content, error) { return c, nil }
}

// Request is one change to land.
type Request struct {
	// Base is the branch the change goes into.
	Base string
	// Branch is the tool's head branch of Propose: deterministic, so that a
	// later run of the same change updates the same pull request.
	Branch string
	Build  Build
	// Labels and Assignees are added on every pass; reviews are requested
	// from Reviewers and TeamReviewers when the pull request is opened
	// only (asking again would notify again).
	Labels, Reviewers, TeamReviewers, Assignees []string
	Draft                                       bool
	// AutoMerge is "", "merge", "squash" or "rebase". A repository that
	// refuses it gives a warning, not an error.
	AutoMerge string
	// Tries bounds the passes: for Propose, when concurrent runs keep
	// moving the branch (zero means 3); for Push, when the base keeps
	// moving (zero means 30).
	Tries int
}

// Result is what a run did.
type Result struct {
	Op   Op
	Pull *forge.PullRequest // nil for None and Push
	// Commit holds the change (for Unchanged, the pull request's head);
	// its Verified says whether GitHub verified its signature. Nil for
	// None and Closed.
	Commit *forge.Commit
	// Head is the base's head the last content was built on.
	Head forge.Commit
	// Warnings are for the run's log: auto-merge refused, a branch that
	// kept being moved.
	Warnings []string
}

// RefusedError is the machinery declining to touch a branch: it holds a
// commit the tool did not make, or kept moving. Nothing was overwritten;
// the job failed.
type RefusedError struct {
	// Commit is the commit that made the branch someone else's, if any.
	Commit string
	msg    string
}

func (e *RefusedError) Error() string { return e.msg }

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
