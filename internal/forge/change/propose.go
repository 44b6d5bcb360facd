package change

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
)

// Propose makes the pull request from req.Branch into req.Base hold the
// change req.Build computes: it opens one (Created), gives the open one a
// new commit (Updated), leaves it as it is when it holds the change
// already (Unchanged), or closes it with the content's CloseComment when
// the base holds the change (Closed).
//
// Each pass reads the base, the branch and its pull requests in one
// request, builds the change, and moves the branch by one compare-and-swap
// from where it read it, so that what the Build compared its change with
// (Head.Proposed) is what the change replaces; when another writer moved
// the branch meanwhile nothing is written and the pass is done again. The
// branch is:
//
//   - new: it is made, with one commit on the base;
//   - left by a merged or closed pull request: it starts afresh from the
//     base (GitHub keeps that pull request's commits under
//     refs/pull/N/head), and the new pull request names the old one;
//   - the tool's only: one commit on the current base replaces its own;
//   - an open pull request's holding commits of people's: the change is
//     built on the branch's tip and committed on top, as long as it leaves
//     the lines those commits wrote alone; otherwise, and for people's
//     commits on a branch no pull request keeps, the run is refused with a
//     *RefusedError that names the commit, and nothing is written.
func Propose(ctx context.Context, gh *forge.Client, req Request) (Result, error) {
	tries := req.Tries
	if tries <= 0 {
		tries = 6
	}
	p := &proposal{gh: gh, req: req}
	for try := 1; ; try++ {
		res, how, err := p.pass(ctx)
		if err != nil || how == settled {
			return p.result(res), err
		}
		if try >= tries {
			if how == moved {
				return p.result(res), &RefusedError{msg: fmt.Sprintf("branch %q of %s/%s kept being moved by other runs while this one was moving it: gave up after %d tries", req.Branch, gh.Owner, gh.Repo, tries)}
			}
			p.warn(fmt.Sprintf("branch %q kept being moved by other runs; the pull request may describe another run's version", req.Branch))
			return p.result(res), nil
		}
		retry := gh.RetryPolicy()
		if err := forge.Sleep(ctx, forge.Jitter(retry.WaitMin, retry.WaitMax, try)); err != nil {
			return p.result(res), err
		}
	}
}

// outcome is how a pass ended.
type outcome int

const (
	settled   outcome = iota
	moved             // the branch moved before the pass wrote: nothing was written
	overtaken         // the pass wrote, then another run moved the branch
)

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

// kind is what the branch is to a pass.
type kind int

const (
	fresh   kind = iota // no branch: make it
	free                // the branch of a merged or closed pull request: start it afresh
	orphan              // the tool's branch without a pull request yet
	replace             // the open pull request's branch, the tool's only
	onTop               // the open pull request's branch, with people's commits
)

// where is where a pass puts the change: on what it builds it, and from
// which commit it moves the branch ("" for a new branch).
type where struct {
	kind kind
	head Head
	from string
}

// pass reads, builds, writes and reports how it ended.
func (p *proposal) pass(ctx context.Context) (Result, outcome, error) {
	gh, req := p.gh, p.req
	st, err := gh.ReadBranch(ctx, forge.BranchQuery{Base: req.Base, Branch: req.Branch, Trees: req.Trees, TipTrees: req.TipTrees})
	if err != nil {
		return Result{}, settled, err
	}
	res := Result{Head: st.Base}
	if prev := st.Previous; prev != nil && (st.Open == nil || prev.Number < st.Open.Number) {
		pr := prev.PullRequest
		res.Previous = &pr
	}
	w, err := p.where(st)
	if err != nil {
		return res, settled, err
	}
	content, err := req.Build(ctx, w.head)
	if err != nil {
		return res, settled, err
	}
	if res.Previous != nil {
		content.Body += previousNote(st.Previous, req.Base)
	}
	if len(content.Files) == 0 {
		return p.nothing(ctx, st, w, content, res)
	}
	switch w.kind {
	case replace, orphan:
		same, err := p.same(ctx, st, w.head.Proposed, content.Files)
		if err != nil {
			return res, settled, err
		}
		if same {
			return p.holds(ctx, st, w, content, res)
		}
	case onTop:
		if err := p.conflict(ctx, w.head.Proposed, content.Files); err != nil {
			return res, settled, err
		}
	}
	commit, err := p.land(ctx, w, content)
	if errors.Is(err, errMoved) {
		return res, moved, nil
	}
	if err != nil {
		return res, settled, err
	}
	res.Commit = &commit
	return p.publish(ctx, st, content, res)
}

// publish makes the pull request tell the commit just landed: it opens
// one, or gives the open one the content's text, and decorates it.
func (p *proposal) publish(ctx context.Context, st *forge.BranchState, content Content, res Result) (Result, outcome, error) {
	sha := res.Commit.SHA
	if st.Open == nil {
		pr, latest, err := p.open(ctx, content)
		if err != nil {
			// Another run moved the branch after this one committed (to
			// the base, on its way to a commit of its own), and GitHub
			// refuses a pull request of no commits: the next pass reads
			// where the branch is now.
			if got, ok, berr := p.gh.BranchSHA(ctx, p.req.Branch); berr == nil && ok && got != sha {
				return res, overtaken, nil
			}
			return res, settled, err
		}
		res.Op, res.Pull = Created, pr
		return res, p.overtaken(ctx, latest, sha), nil
	}
	pr := st.Open.PullRequest
	res.Op, res.Pull = Updated, &pr
	var latest *forge.PullRequest
	if pr.Title != content.Title || pr.Body != content.Body {
		var err error
		if latest, err = p.gh.EditPull(ctx, pr.Number, content.Title, content.Body); err != nil {
			return res, settled, err
		}
		res.Pull.Title, res.Pull.Body = content.Title, content.Body
	}
	if err := p.decorate(ctx, &pr, false, st.Open); err != nil {
		return res, settled, err
	}
	return res, p.overtaken(ctx, latest, sha), nil
}

// where decides what the branch read in st is to this pass, and refuses a
// branch whose people's commits no open pull request keeps.
func (p *proposal) where(st *forge.BranchState) (*where, error) {
	base := Head{Commit: st.Base, Files: st.BaseFiles}
	if st.Tip == nil {
		return &where{kind: fresh, head: base}, nil
	}
	if st.Open == nil && st.Previous != nil && st.Previous.HeadSHA == st.Tip.SHA {
		// The branch is where its merged or closed pull request left it,
		// and GitHub keeps that pull request's head: nothing on it is
		// lost by starting afresh.
		return &where{kind: free, head: base, from: st.Tip.SHA}, nil
	}
	if !st.AheadComplete {
		return nil, &RefusedError{msg: fmt.Sprintf("branch %q of %s/%s has more commits than GitHub lists; it is not the tool's, so it is left alone (delete it or set another branch)", p.req.Branch, p.gh.Owner, p.gh.Repo)}
	}
	prop := &Proposed{Tip: *st.Tip, Files: st.TipFiles, gh: p.gh, trees: p.req.TipTrees, refuse: p.refuse}
	for _, c := range st.Ahead {
		if !IsToolCommit(c.Message) {
			prop.Foreign = append(prop.Foreign, c)
		}
	}
	if st.Open != nil {
		pr := st.Open.PullRequest
		prop.Pull = &pr
	}
	switch {
	case len(prop.Foreign) == 0 && st.Open == nil:
		base.Proposed = prop
		return &where{kind: orphan, head: base, from: st.Tip.SHA}, nil
	case len(prop.Foreign) == 0:
		base.Proposed = prop
		return &where{kind: replace, head: base, from: st.Tip.SHA}, nil
	case st.Open == nil:
		return nil, p.refuse(prop.Foreign[0], "")
	}
	tip := Head{Commit: *st.Tip, Proposed: prop}
	if slices.Equal(p.req.TipTrees, p.req.Trees) {
		tip.Files = st.TipFiles
	}
	return &where{kind: onTop, head: tip, from: st.Tip.SHA}, nil
}

// refuse is the refusal that names a commit of a person's on the branch;
// why, when set, says what keeps the change from going on top of it.
func (p *proposal) refuse(c forge.Commit, why string) error {
	subject, _, _ := strings.Cut(c.Message, "\n")
	return &RefusedError{Commit: c.SHA, msg: fmt.Sprintf("branch %q of %s/%s holds commit %s (%q) that gitops-actions did not make%s; leaving the branch and its pull request alone. Merge or close that pull request, or delete the branch, and run again", p.req.Branch, p.gh.Owner, p.gh.Repo, short(c.SHA), subject, why)}
}

// nothing ends a pass whose Build found nothing to change on its head.
func (p *proposal) nothing(ctx context.Context, st *forge.BranchState, w *where, content Content, res Result) (Result, outcome, error) {
	switch w.kind {
	case replace:
		// The base holds the change already: the open pull request is
		// obsolete.
		if err := p.gh.ClosePull(ctx, st.Open.Number, content.CloseComment); err != nil {
			return res, settled, err
		}
		pr := st.Open.PullRequest
		res.Op, res.Pull = Closed, &pr
	case onTop:
		// Built on the branch's tip: the tip holds the change.
		pr, tip := st.Open.PullRequest, *st.Tip
		res.Op, res.Pull, res.Commit = Unchanged, &pr, &tip
	default:
		res.Op = None
	}
	return res, settled, nil
}

// holds ends a pass whose branch holds the change already: the open pull
// request is left as it is, its title set right when another run's text
// stands there; a branch without one gets its pull request.
func (p *proposal) holds(ctx context.Context, st *forge.BranchState, w *where, content Content, res Result) (Result, outcome, error) {
	tip := *st.Tip
	res.Commit = &tip
	if w.kind == orphan {
		pr, latest, err := p.open(ctx, content)
		if err != nil {
			return res, settled, err
		}
		res.Op, res.Pull = Created, pr
		return res, p.overtaken(ctx, latest, tip.SHA), nil
	}
	pr := st.Open.PullRequest
	res.Op, res.Pull = Unchanged, &pr
	if pr.Title != content.Title {
		if _, err := p.gh.EditPull(ctx, pr.Number, content.Title, content.Body); err != nil {
			return res, settled, err
		}
		res.Pull.Title, res.Pull.Body = content.Title, content.Body
	}
	return res, settled, nil
}

// open opens the pull request, or adopts the one a concurrent run opened
// meanwhile, gives it the content's text and decorates it. It returns the
// pull request and its latest answer, for the head it shows.
func (p *proposal) open(ctx context.Context, content Content) (*forge.PullRequest, *forge.PullRequest, error) {
	gh, req := p.gh, p.req
	pr, err := gh.CreatePull(ctx, forge.NewPull{Head: req.Branch, Base: req.Base, Title: content.Title, Body: content.Body, Draft: req.Draft})
	if err != nil {
		return nil, nil, err
	}
	latest := pr
	if pr.Title != content.Title || pr.Body != content.Body {
		// A concurrent run opened it meanwhile (CreatePull adopted it):
		// the branch holds this run's commit, so should the text.
		if latest, err = gh.EditPull(ctx, pr.Number, content.Title, content.Body); err != nil {
			return nil, nil, err
		}
	}
	if err := p.decorate(ctx, pr, true, nil); err != nil {
		return nil, nil, err
	}
	return pr, latest, nil
}

// errMoved says a write found the branch elsewhere than the pass read it.
var errMoved = errors.New("the branch moved")

// land puts the content's commit on the branch, moving it from w.from by
// one compare-and-swap; errMoved when the branch was elsewhere (or, new,
// was made meanwhile), and then nothing was written but, at most, a new
// branch pointing at the base.
func (p *proposal) land(ctx context.Context, w *where, c Content) (forge.Commit, error) {
	gh, branch := p.gh, p.req.Branch
	onto := w.head.Commit
	plain := forge.PlainFiles(c.Files)
	var cm forge.Commit
	var err error
	switch {
	case w.from == "" && plain:
		if err = gh.CreateBranch(ctx, branch, onto.SHA); err == nil {
			cm, err = gh.CommitOnBranch(ctx, branch, onto.SHA, c.Files, c.Message)
		}
	case w.from == "":
		if cm, err = gh.CreateCommit(ctx, onto, c.Files, c.Message); err == nil {
			err = gh.CreateBranch(ctx, branch, cm.SHA)
		}
	case w.from == onto.SHA && plain:
		// On top of the tip: a fast-forward.
		cm, err = gh.CommitOnBranch(ctx, branch, w.from, c.Files, c.Message)
	case plain && w.kind != replace:
		// No open pull request watches the branch: point it at the base,
		// then commit on top, two requests where a commit made apart
		// costs three.
		if err = gh.SwapBranch(ctx, branch, w.from, onto.SHA); err == nil {
			cm, err = gh.CommitOnBranch(ctx, branch, onto.SHA, c.Files, c.Message)
		}
	default:
		// An open pull request's branch never points at the base itself,
		// which GitHub would take for the pull request merged: the commit
		// is made apart and the branch swapped to it.
		if cm, err = gh.CreateCommit(ctx, onto, c.Files, c.Message); err == nil {
			err = gh.SwapBranch(ctx, branch, w.from, cm.SHA)
		}
	}
	if errors.As(err, new(*forge.RefExistsError)) || errors.As(err, new(*forge.RefMovedError)) {
		return forge.Commit{}, errMoved
	}
	return cm, err
}

// overtaken reports whether the branch moved away from sha after the pull
// request was written. The pull request's answer usually says so for free;
// GitHub updates a pull request's head asynchronously, so only a mismatch
// (or no answer) costs one more request, to the ref itself.
func (p *proposal) overtaken(ctx context.Context, pr *forge.PullRequest, sha string) outcome {
	if pr != nil && pr.HeadSHA == sha {
		return settled
	}
	got, ok, err := p.gh.BranchSHA(ctx, p.req.Branch)
	if err == nil && ok && got != sha {
		return overtaken
	}
	return settled
}

// decorate adds the labels and assignees the pull request lacks (have,
// as read; nil: all of them), requests reviews (on a new pull request
// only: asking again would notify again) and enables auto-merge unless it
// is on with the method asked.
func (p *proposal) decorate(ctx context.Context, pr *forge.PullRequest, created bool, have *forge.BranchPull) error {
	gh, req := p.gh, p.req
	labels, assignees := req.Labels, req.Assignees
	if have != nil {
		labels, assignees = lacking(have.Labels, labels), lacking(have.Assignees, assignees)
	}
	if created {
		if err := gh.RequestReviewers(ctx, pr.Number, req.Reviewers, req.TeamReviewers); err != nil {
			return err
		}
	}
	if err := gh.AddLabels(ctx, pr.Number, labels); err != nil {
		return err
	}
	if err := gh.AddAssignees(ctx, pr.Number, assignees); err != nil {
		return err
	}
	if req.AutoMerge != "" && (have == nil || !strings.EqualFold(have.AutoMerge, req.AutoMerge)) {
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

// lacking lists the names of want that have lacks, compared as GitHub
// compares logins and label names: without case.
func lacking(have, want []string) []string {
	var out []string
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || strings.EqualFold(h, w)
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}

// previousNote is the paragraph a pull request's body ends with when its
// branch held an earlier pull request: it names that one, whose commits
// GitHub keeps.
func previousNote(prev *forge.BranchPull, base string) string {
	return fmt.Sprintf("\n\n---\n<sub>Follows [#%d](%s) (%s), the previous pull request from this branch. GitHub keeps its commits (`refs/pull/%d/head`); this one starts afresh from %s.</sub>\n",
		prev.Number, mdtext.URL(prev.URL), strings.ToLower(prev.State), prev.Number, mdtext.Code(base, 100))
}
