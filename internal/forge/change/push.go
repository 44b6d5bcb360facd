package change

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge"
)

// Push commits the change req.Build computes on the base's head onto
// req.Base itself. The branch moves only by fast-forward; when another
// writer got there first, the head is read again, the change built again on
// it and the commit remade, up to req.Tries times with growing, jittered
// waits. Nothing to change is None; landing it is Pushed.
func Push(ctx context.Context, gh *forge.Client, req Request) (Result, error) {
	tries := req.Tries
	if tries <= 0 {
		tries = 30
	}
	retry := gh.RetryPolicy()
	for attempt := 0; attempt < tries; attempt++ {
		head, err := gh.BranchHead(ctx, req.Base)
		if err != nil {
			return Result{}, err
		}
		content, err := req.Build(ctx, Head{Commit: head})
		if err != nil {
			return Result{Head: head}, err
		}
		if len(content.Files) == 0 {
			return Result{Op: None, Head: head}, nil
		}
		commit, err := gh.CreateCommit(ctx, head, content.Files, content.Message)
		if err != nil {
			return Result{Head: head}, err
		}
		err = gh.UpdateBranch(ctx, req.Base, commit.SHA, false)
		if err == nil {
			return Result{Op: Pushed, Commit: &commit, Head: head}, nil
		}
		if !errors.Is(err, forge.ErrNotFastForward) {
			return Result{Head: head}, err
		}
		// A try whose answer was lost may have landed, and another run may
		// have built on it since: then the branch contains the commit.
		if in, err := gh.Contains(ctx, req.Base, commit.SHA); err == nil && in {
			return Result{Op: Pushed, Commit: &commit, Head: head}, nil
		}
		if err := forge.Sleep(ctx, forge.Jitter(retry.WaitMin, min(retry.WaitMax, 10*time.Second), attempt)); err != nil {
			return Result{Head: head}, err
		}
	}
	return Result{}, &RefusedError{msg: fmt.Sprintf("branch %q of %s/%s kept moving: gave up after %d tries", req.Base, gh.Owner, gh.Repo, tries)}
}
