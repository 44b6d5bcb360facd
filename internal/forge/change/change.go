// Package change lands a set of file changes in a GitHub repository the
// one way every gitops-actions action does: as one commit on a
// deterministic branch of the tool's, with a pull request kept in step with
// it (Propose), or as one commit on the base branch itself (Push).
//
// Every move of a branch is a compare-and-swap against where the run read
// it, so that what a run compared its change with is what it replaces: a
// person's push, or another run's change, that lands meanwhile is never
// overwritten; the run reads again and builds again. A person's commits on
// an open pull request's branch are never rewritten: the change goes on top
// of them when it leaves their lines alone, and the run stops otherwise. A
// merged or closed pull request's branch is free: GitHub keeps that pull
// request's commits, and the next change starts afresh from the base in a
// new pull request that names the old one.
package change

import (
	"context"
	"io/fs"
	"sync"

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

// Content is the change built on one head.
type Content struct {
	// Files are the files to commit, with their new content, and the
	// files to remove (Delete), all in one commit; none means the head
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

// Build computes the change on h, once per pass: again on a fresh read
// when another writer moved the branch or the base under the last pass.
// Its errors are returned as they are.
type Build func(ctx context.Context, h Head) (Content, error)

// Head is what a pass builds the change on.
type Head struct {
	// Commit is the commit the change is built on: the base branch's
	// head, or, when the open pull request's branch holds commits of
	// people's (Proposed.Foreign), that branch's tip, for the change to go
	// on top of them.
	forge.Commit
	// Files are Commit's files under Request.Trees when they were read
	// with the branch's state; nil otherwise: the Build reads them itself
	// (an archive).
	Files *forge.Snapshot
	// Proposed is the branch the change goes onto when that branch
	// proposes a change already: the open pull request's, or a branch of
	// the tool's whose pull request a concurrent run has not opened yet. A
	// Build that compares versions compares them with it too. Nil for a
	// new branch, or one a merged or closed pull request left.
	Proposed *Proposed
}

// Fixed is a Build that gives the same content on every head.
func Fixed(c Content) Build {
	return func(context.Context, Head) (Content, error) { return c, nil }
}

// Proposed is a branch that proposes a change already.
type Proposed struct {
	// Tip is the branch's head.
	Tip forge.Commit
	// Pull is the open pull request from the branch; nil for a branch
	// whose pull request a run has not opened yet.
	Pull *forge.PullRequest
	// Foreign are the branch's commits that the tool did not make, oldest
	// first. When there are any the change is built on Tip and committed
	// on top of them, as long as it leaves the lines they wrote alone.
	Foreign []forge.Commit
	// Files are Tip's files under Request.TipTrees, when read with the
	// branch's state.
	Files *forge.Snapshot

	gh     *forge.Client
	trees  []string // what Files holds
	refuse func(c forge.Commit, why string) error
	mu     sync.Mutex
	blobs  map[string]forge.Blob
}

// Refuse is the refusal of a change that cannot go on top of the branch's
// commits of people's (a Build's error on Tip, why saying what it is): it
// names the first of them, and the run leaves the branch alone. Without
// such commits it is the error itself.
func (p *Proposed) Refuse(why error) error {
	if len(p.Foreign) == 0 || p.refuse == nil {
		return why
	}
	return p.refuse(p.Foreign[0], ", on top of which this change does not apply ("+why.Error()+")")
}

// Read returns files of Tip by path (Found false for a path Tip lacks):
// from Files when they hold them, else reading the ones no earlier Read
// read, all in one request.
func (p *Proposed) Read(ctx context.Context, paths []string) (map[string]forge.Blob, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blobs == nil {
		p.blobs = map[string]forge.Blob{}
	}
	var missing []forge.BlobAt
	for _, path := range paths {
		if _, ok := p.blobs[path]; ok {
			continue
		}
		at := forge.BlobAt{Rev: p.Tip.SHA, Path: path}
		if p.Files != nil && under(path, p.trees) {
			b := forge.Blob{BlobAt: at}
			if info, err := fs.Stat(p.Files.FS, path); err == nil && info.Mode().IsRegular() {
				if data, err := fs.ReadFile(p.Files.FS, path); err == nil {
					b.Found, b.Text, b.Size = true, string(data), int64(len(data))
				}
			}
			p.blobs[path] = b
			continue
		}
		missing = append(missing, at)
	}
	if len(missing) > 0 {
		res, err := p.gh.Lookup(ctx, forge.Lookup{Blobs: missing})
		if err != nil {
			return nil, err
		}
		for _, b := range res.Blobs {
			p.blobs[b.Path] = b
		}
	}
	out := make(map[string]forge.Blob, len(paths))
	for _, path := range paths {
		out[path] = p.blobs[path]
	}
	return out, nil
}

// Request is one change to land.
type Request struct {
	// Base is the branch the change goes into.
	Base string
	// Branch is the tool's head branch of Propose: deterministic, so that a
	// later run of the same change updates the same pull request.
	Branch string
	Build  Build
	// Labels and Assignees are added on every pass, those the pull request
	// lacks; reviews are requested from Reviewers and TeamReviewers when
	// the pull request is opened only (asking again would notify again).
	Labels, Reviewers, TeamReviewers, Assignees []string
	Draft                                       bool
	// AutoMerge is "", "merge", "squash" or "rebase". A repository that
	// refuses it gives a warning, not an error.
	AutoMerge string
	// Trees are directories (slash paths from the root, "." for all) whose
	// files the Build reads: Propose reads them at the base's head with
	// the branch's state, in the same request, and hands them to the
	// Build (Head.Files). TipTrees are the directories the change's files
	// are in, read at the branch's tip the same way, for comparing the
	// change with what the branch holds (Proposed.Files). For text files
	// of moderate size; a Build falls back to an archive when Head.Files
	// is nil.
	Trees, TipTrees []string
	// Tries bounds the passes: for Propose, when concurrent runs keep
	// moving the branch (zero means 6); for Push, when the base keeps
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
	// Head is the base's head the last pass read.
	Head forge.Commit
	// Previous is the merged or closed pull request the branch held
	// before, which a new one names; nil when none.
	Previous *forge.PullRequest
	// Warnings are for the run's log: auto-merge refused, a branch that
	// kept being moved.
	Warnings []string
}

// RefusedError is the machinery declining to touch a branch: it holds a
// commit the tool did not make that the change cannot go on top of, or it
// kept moving. Nothing was overwritten; the job failed.
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
