package change

import (
	"context"
	"errors"
	"fmt"

	"github.com/gitops-actions/gitops-actions/internal/forge"
)

// maxSwaps bounds how often one pass moves the branch again after another
// run of the tool moved it between the check and the move.
const maxSwaps = 5

// Propose makes the pull request from req.Branch into req.Base hold the
// change req.Build computes on the base's head: it opens one (Created),
// gives the open one a new commit on the current base (Updated), leaves it
// as it is when it holds the change already (Unchanged), or closes it with
// req.Build's CloseComment when the base holds the change (Closed).
//
// The branch is only ever the tool's: a branch with a commit the tool did
// not make (see IsToolCommit) is refused with a *RefusedError naming it,
// and the branch is moved with a compare-and-swap, so that a commit pushed
// after the check fails the run instead of being lost. When another run of
// the tool moves the branch under this one, the pass is done again on a
// fresh head, so that the pull request's text and its branch tell the same
// change.
func Propose(ctx context.Context, gh *forge.Client, req Request) (Result, error) {
	tries := req.Tries
	if tries <= 0 {
		tries = 3
	}
	p := &proposal{gh: gh, req: req}
	for try := 1; ; try++ {
		head, err := gh.BranchHead(ctx, req.Base)
		if err != nil {
			return p.result(Result{}), err
		}
		content, err := req.Build(ctx, head)
		if err != nil {
			return p.result(Result{Head: head}), err
		}
		res, superseded, err := p.apply(ctx, head, content)
		res.Head = head
		if err != nil {
			return p.result(res), err
		}
		if superseded && try < tries {
			// Another run moved the branch between this run's write and
			// its pull request edit: do it again on what is there now.
			retry := gh.RetryPolicy()
			if err := forge.Sleep(ctx, forge.Jitter(retry.WaitMin, retry.WaitMax, try)); err != nil {
				return p.result(res), err
			}
			continue
		}
		if superseded {
			p.warn(fmt.Sprintf("branch %q kept being moved by other runs; the pull request may describe another run's version", req.Branch))
		}
		return p.result(res), nil
	}
}

// proposal is one run of Propose.
type proposal struct {
	gh       *forge.Client
	req      Request
	warnings []string
}

func (p *proposal) warn(msg string) { p.warnings = append(p.warnings, msg) }

func (p *proposal) result(r Result) Result {
	r.Warnings = p.warnings
	return r
}

// apply makes the pull request match content, built on head. It reports
// whether the branch no longer held this pass's commit once the pull
// request was written.
func (p *proposal) apply(ctx context.Context, head forge.Commit, content Content) (Result, bool, error) {
	gh, branch, base := p.gh, p.req.Branch, p.req.Base
	pr, err := gh.OpenPull(ctx, branch, base)
	if err != nil {
		return Result{}, false, err
	}

	if len(content.Files) == 0 {
		if pr == nil {
			return Result{Op: None}, false, nil
		}
		// The base holds the change already: the open pull request is
		// obsolete. Close it, if it is still only the tool's. Closing does
		// not move the branch, so its head as the pull request says is
		// enough to check.
		if err := p.checkOwned(ctx, head.SHA, pr.HeadSHA); err != nil {
			return Result{}, false, err
		}
		if err := gh.ClosePull(ctx, pr.Number, content.CloseComment); err != nil {
			return Result{}, false, err
		}
		return Result{Op: Closed, Pull: pr}, false, nil
	}

	if pr != nil {
		// The pull request's head.sha is GitHub's view of the branch,
		// updated asynchronously; it may lag a push. It serves as the
		// expected value of the compare-and-swap below, which fails, and
		// sends this pass to read the ref itself, if the branch is not
		// there.
		cmp, err := gh.Compare(ctx, head.SHA, pr.HeadSHA)
		if err != nil {
			return Result{}, false, err
		}
		if err := p.owned(cmp); err != nil {
			return Result{}, false, err
		}
		if sameChange(cmp, content.Files) {
			tip := cmp.Commits[len(cmp.Commits)-1]
			tip.SHA = pr.HeadSHA
			return Result{Op: Unchanged, Pull: pr, Commit: &tip}, false, nil
		}
		commit, err := gh.CreateCommit(ctx, head, content.Files, content.Message)
		if err != nil {
			return Result{}, false, err
		}
		if err := p.move(ctx, pr.HeadSHA, commit.SHA); err != nil {
			return Result{}, false, err
		}
		edited, err := gh.EditPull(ctx, pr.Number, content.Title, content.Body)
		if err != nil {
			return Result{}, false, err
		}
		if err := p.decorate(ctx, pr, false); err != nil {
			return Result{}, false, err
		}
		return Result{Op: Updated, Pull: pr, Commit: &commit}, p.superseded(ctx, edited, commit.SHA), nil
	}

	commit, err := gh.CreateCommit(ctx, head, content.Files, content.Message)
	if err != nil {
		return Result{}, false, err
	}
	err = gh.CreateBranch(ctx, branch, commit.SHA)
	var exists *forge.RefExistsError
	if errors.As(err, &exists) {
		// A branch left by a closed or merged pull request, or made by a
		// concurrent run: reuse it only if nobody else committed on it.
		if err := p.checkOwned(ctx, head.SHA, exists.SHA); err != nil {
			return Result{}, false, err
		}
		err = p.move(ctx, exists.SHA, commit.SHA)
	}
	if err != nil {
		return Result{}, false, err
	}
	pr, err = gh.CreatePull(ctx, forge.NewPull{Head: branch, Base: base, Title: content.Title, Body: content.Body, Draft: p.req.Draft})
	if err != nil {
		return Result{}, false, err
	}
	latest := pr
	if pr.Title != content.Title || pr.Body != content.Body {
		// A concurrent run opened the pull request meanwhile (CreatePull
		// adopted it): the branch holds this run's commit, so should the
		// text.
		if latest, err = gh.EditPull(ctx, pr.Number, content.Title, content.Body); err != nil {
			return Result{}, false, err
		}
	}
	if err := p.decorate(ctx, pr, true); err != nil {
		return Result{}, false, err
	}
	return Result{Op: Created, Pull: pr, Commit: &commit}, p.superseded(ctx, latest, commit.SHA), nil
}

// move moves the branch from the commit the ownership check saw to the
// commit to, by compare-and-swap. When the branch is
// elsewhere, the ref itself is read and checked again: a commit the tool
// did not make stops the run with that commit named; another run's commit
// is replaced, a bounded number of times.
func (p *proposal) move(ctx context.Context, from, to string) error {
	for swaps := 0; ; swaps++ {
		err := p.gh.SwapBranch(ctx, p.req.Branch, from, to)
		var moved *forge.RefMovedError
		if !errors.As(err, &moved) {
			return err
		}
		if moved.Actual == "" {
			return &RefusedError{msg: fmt.Sprintf("branch %q of %s/%s was deleted while this run was moving it; run again", p.req.Branch, p.gh.Owner, p.gh.Repo)}
		}
		if swaps >= maxSwaps {
			return &RefusedError{msg: fmt.Sprintf("branch %q of %s/%s kept being moved while this run was moving it: gave up after %d tries", p.req.Branch, p.gh.Owner, p.gh.Repo, swaps+1)}
		}
		// The base may have moved too: compare with where it is now.
		baseSHA, ok, err := p.gh.BranchSHA(ctx, p.req.Base)
		if err != nil {
			return err
		}
		if !ok {
			return &forge.NotFoundError{What: fmt.Sprintf("branch %q of %s/%s", p.req.Base, p.gh.Owner, p.gh.Repo)}
		}
		if err := p.checkOwned(ctx, baseSHA, moved.Actual); err != nil {
			return err
		}
		from = moved.Actual
	}
}

// superseded reports whether the branch moved away from sha after the pull
// request was written. The pull request's answer usually says so for free;
// GitHub updates a pull request's head asynchronously, so only a mismatch
// costs one more request, to the ref itself.
func (p *proposal) superseded(ctx context.Context, pr *forge.PullRequest, sha string) bool {
	if pr != nil && pr.HeadSHA == sha {
		return false
	}
	got, ok, err := p.gh.BranchSHA(ctx, p.req.Branch)
	return err == nil && ok && got != sha
}

// decorate adds labels and assignees, requests reviews (on a new pull
// request only: asking again would notify again) and enables auto-merge.
func (p *proposal) decorate(ctx context.Context, pr *forge.PullRequest, created bool) error {
	gh, req := p.gh, p.req
	if created {
		if err := gh.RequestReviewers(ctx, pr.Number, req.Reviewers, req.TeamReviewers); err != nil {
			return err
		}
	}
	if err := gh.AddLabels(ctx, pr.Number, req.Labels); err != nil {
		return err
	}
	if err := gh.AddAssignees(ctx, pr.Number, req.Assignees); err != nil {
		return err
	}
	if req.AutoMerge != "" {
		err := gh.EnableAutoMerge(ctx, pr, req.AutoMerge)
		var am *forge.AutoMergeError
		if errors.As(err, &am) {
			p.warn(fmt.Sprintf("pull request #%d: %v", pr.Number, err))
		} else if err != nil {
			return err
		}
	}
	return nil
}
