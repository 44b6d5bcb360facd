package change

import (
	"context"

	"github.com/gitops-actions/gitops-actions/internal/forge"
)

// Open keeps the pull request from req.Branch into req.Base in step with
// content, where req.Branch is a branch of people's (develop into main)
// that the tool reads and never writes: it opens one (Created), gives the
// open one content's title and body (Updated), or leaves it as it is
// (Unchanged). When there is nothing between the branches (empty), it
// closes the open one with content.CloseComment (Closed), or does nothing
// (None). Labels, reviewers, assignees and auto-merge are as Propose's;
// content.Files and req.Build are not used.
func Open(ctx context.Context, gh *forge.Client, req Request, content Content, empty bool) (Result, error) {
	p := &proposal{gh: gh, req: req}
	pr, err := gh.OpenPull(ctx, req.Branch, req.Base)
	if err != nil {
		return p.result(Result{}), err
	}
	switch {
	case empty && pr == nil:
		return p.result(Result{Op: None}), nil
	case empty:
		if err := gh.ClosePull(ctx, pr.Number, content.CloseComment); err != nil {
			return p.result(Result{}), err
		}
		return p.result(Result{Op: Closed, Pull: pr}), nil
	case pr != nil && pr.Title == content.Title && pr.Body == content.Body:
		return p.result(Result{Op: Unchanged, Pull: pr}), nil
	case pr != nil:
		if _, err := gh.EditPull(ctx, pr.Number, content.Title, content.Body); err != nil {
			return p.result(Result{}), err
		}
		if err := p.decorate(ctx, pr, false, nil); err != nil {
			return p.result(Result{}), err
		}
		return p.result(Result{Op: Updated, Pull: pr}), nil
	}
	pr, err = gh.CreatePull(ctx, forge.NewPull{Head: req.Branch, Base: req.Base, Title: content.Title, Body: content.Body, Draft: req.Draft})
	if err != nil {
		return p.result(Result{}), err
	}
	if pr.Title != content.Title || pr.Body != content.Body {
		// A concurrent run opened it meanwhile (CreatePull adopted it).
		if _, err := gh.EditPull(ctx, pr.Number, content.Title, content.Body); err != nil {
			return p.result(Result{}), err
		}
	}
	if err := p.decorate(ctx, pr, true, nil); err != nil {
		return p.result(Result{}), err
	}
	return p.result(Result{Op: Created, Pull: pr}), nil
}
