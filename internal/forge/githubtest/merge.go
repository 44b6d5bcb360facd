package githubtest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// review is one submitted pull request review.
type review struct {
	author      string
	state       string // APPROVED, CHANGES_REQUESTED, COMMENTED or DISMISSED
	submittedAt time.Time
}

// NewPR describes a pull request a person opens (see OpenPR).
type NewPR struct {
	Head, Base  string // branch names; Base "" is the default branch
	Title, Body string
	Author      string // login; "" is the server's bot
	Labels      []string
	Draft       bool
}

// OpenPR opens a pull request as a person would in the web interface,
// without counting a call, and returns its number. It fails the test when
// a branch is missing or a pull request from head into base is open.
func (s *Server) OpenPR(fullName string, np NewPR) int {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		s.tb.Fatalf("githubtest: no repository %q", fullName)
		return 0
	}
	if np.Base == "" {
		np.Base = rp.opts.DefaultBranch
	}
	if np.Author == "" {
		np.Author = s.opts.Bot.Login
	}
	headSHA, ok := rp.git.ref("refs/heads/" + np.Head)
	if _, baseOK := rp.git.ref("refs/heads/" + np.Base); !ok || !baseOK {
		s.tb.Fatalf("githubtest: opening a pull request from %q into %q: no such branch", np.Head, np.Base)
	}
	if rp.openPullFor(np.Head, np.Base) != nil {
		s.tb.Fatalf("githubtest: a pull request from %q into %q is open", np.Head, np.Base)
	}
	rp.nextNumber++
	now := s.now()
	p := &pull{
		number: rp.nextNumber, id: s.newID(), title: np.Title, body: np.Body, state: "open", draft: np.Draft,
		head: np.Head, base: np.Base, headSHA: headSHA, user: np.Author, createdAt: now, updatedAt: now, maintainerEdit: true,
	}
	p.nodeID = nodeID("PR", fmt.Sprintf("%s#%d", rp.fullName(), p.number))
	for _, n := range np.Labels {
		l, ok := rp.labels[strings.ToLower(n)]
		if !ok {
			l = &label{id: s.newID(), name: n, color: "ededed"}
			rp.labels[strings.ToLower(n)] = l
		}
		p.labels = appendNew(p.labels, l.name)
	}
	rp.pulls[p.number] = p
	s.nodes[p.nodeID] = p
	if err := rp.opened(p); err != nil {
		s.tb.Fatalf("githubtest: opening a pull request: %v", err)
	}
	return p.number
}

// Review submits a review of pull request n as login: state is APPROVED,
// CHANGES_REQUESTED, COMMENTED or DISMISSED. It counts no call.
func (s *Server) Review(fullName string, n int, login, state string) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p := s.pullLocked(fullName, n)
	if p == nil {
		return
	}
	switch state {
	case "APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED":
	default:
		s.tb.Fatalf("githubtest: review state %q", state)
	}
	p.reviews = append(p.reviews, &review{author: login, state: state, submittedAt: s.now()})
}

// ClosePR closes pull request n of repo without merging it, as a person
// does in the web interface; it counts no call. Its branch stays, and so
// does its head under refs/pull/N/head. It fails the test when the pull
// request is not open.
func (s *Server) ClosePR(fullName string, n int) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, p := s.pullLocked(fullName, n)
	if p == nil {
		return
	}
	if p.state != "open" {
		s.tb.Fatalf("githubtest: pull request #%d of %q is not open", n, fullName)
		return
	}
	rp.headSHAOf(p)
	now := s.now()
	p.state, p.closedAt, p.updatedAt, p.autoMerge = "closed", now, now, ""
}

// pullLocked finds pull request n of repo for the helpers that act as a
// person, failing the test (and answering nil) when there is none.
func (s *Server) pullLocked(fullName string, n int) (*repo, *pull) {
	s.tb.Helper()
	rp, ok := s.repos[fullName]
	if !ok {
		s.tb.Fatalf("githubtest: no repository %q", fullName)
		return nil, nil
	}
	p, ok := rp.pulls[n]
	if !ok {
		s.tb.Fatalf("githubtest: no pull request #%d in %q", n, fullName)
		return nil, nil
	}
	return rp, p
}

// Merge methods of MergePRWith, as GitHub names them.
const (
	MergeCommit = "merge"
	Squash      = "squash"
	Rebase      = "rebase"
)

// MergePRWith merges pull request n of repo as the merge button does with
// method: MergeCommit (a merge commit, like MergePR), Squash (one commit
// on the base holding the whole change, authored by the pull request's
// author) or Rebase (each commit of the pull request replayed on the base,
// keeping its author and message). It returns the pull request's
// merge_commit_sha: the merge commit, the squashed commit, or the last
// replayed commit. Commits GitHub makes are committed by web-flow and
// verified. It fails the test on a conflict or when the pull request is not
// open.
func (s *Server) MergePRWith(fullName string, n int, method string) string {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.mergeWithLocked(fullName, n, method)
	if err != nil {
		s.tb.Fatalf("githubtest: merging #%d of %q (%s): %v", n, fullName, method, err)
	}
	return h.String()
}

func (s *Server) mergeWithLocked(fullName string, n int, method string) (plumbing.Hash, error) {
	rp, ok := s.repos[fullName]
	if !ok {
		return plumbing.ZeroHash, errors.New("no such repository")
	}
	p, ok := rp.pulls[n]
	if !ok || p.state != "open" {
		return plumbing.ZeroHash, errors.New("no open pull request")
	}
	base, ok := rp.git.ref("refs/heads/" + p.base)
	if !ok {
		return plumbing.ZeroHash, fmt.Errorf("base branch %q is gone", p.base)
	}
	head := rp.headSHAOf(p)
	own, err := rp.headOnly(head, base)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var tip plumbing.Hash
	var landed []plumbing.Hash
	switch method {
	case MergeCommit:
		if tip, err = s.mergeLocked(fullName, n); err != nil {
			return plumbing.ZeroHash, err
		}
		landed = []plumbing.Hash{tip}
	case Squash:
		if tip, err = s.squashLocked(rp, p, base, head, own); err != nil {
			return plumbing.ZeroHash, err
		}
		landed = []plumbing.Hash{tip}
	case Rebase:
		if landed, err = s.rebaseLocked(rp, base, own); err != nil {
			return plumbing.ZeroHash, err
		}
		if len(landed) == 0 {
			return plumbing.ZeroHash, errors.New("nothing to rebase")
		}
		tip = landed[len(landed)-1]
	default:
		return plumbing.ZeroHash, fmt.Errorf("unknown merge method %q", method)
	}
	if err := rp.git.setRef("refs/heads/"+p.base, tip); err != nil {
		return plumbing.ZeroHash, err
	}
	now := s.now()
	p.merged, p.mergedAt, p.mergeCommit = true, now, tip
	p.state, p.closedAt, p.updatedAt = "closed", now, now
	p.mergeMethod, p.mergedOnto, p.landed = method, base, landed
	rp.pushedAt = now
	return tip, rp.deleteMergedHead(p)
}

// headOnly lists the commits reachable from head but not from base, parents
// before children: what a pull request brings.
func (rp *repo) headOnly(head, base plumbing.Hash) ([]*object.Commit, error) {
	inHead, err := rp.git.ancestors(head)
	if err != nil {
		return nil, err
	}
	inBase, err := rp.git.ancestors(base)
	if err != nil {
		return nil, err
	}
	var own []*object.Commit
	for h, c := range inHead {
		if _, ok := inBase[h]; !ok {
			own = append(own, c)
		}
	}
	return topoOldestFirst(own), nil
}

func (s *Server) authorOf(login string) object.Signature {
	if login == s.opts.Bot.Login {
		return object.Signature{Name: s.opts.Bot.Name, Email: s.opts.Bot.Email, When: s.now()}
	}
	return object.Signature{Name: login, Email: login + "@users.noreply.github.com", When: s.now()}
}

// squashLocked makes one commit on base with the merged tree, as "Squash
// and merge" does: the title with the number, and the messages of the
// squashed commits as the body.
func (s *Server) squashLocked(rp *repo, p *pull, base, head plumbing.Hash, own []*object.Commit) (plumbing.Hash, error) {
	mb, err := rp.git.mergeBase(base, head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	tree, err := rp.mergeTrees(mb, base, head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var body []string
	for _, c := range own {
		body = append(body, "* "+strings.TrimSpace(c.Message))
	}
	author := s.authorOf(p.user)
	cm := &object.Commit{
		Author:       author,
		Committer:    object.Signature{Name: webFlow.Name, Email: webFlow.Email, When: author.When},
		Message:      fmt.Sprintf("%s (#%d)\n\n%s\n", p.title, p.number, strings.Join(body, "\n\n")),
		TreeHash:     tree,
		ParentHashes: []plumbing.Hash{base},
	}
	h, err := rp.git.writeCommit(cm)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	rp.verified[h] = author.When
	return h, nil
}

// rebaseLocked replays each commit of own on base, as "Rebase and merge"
// does: same author and message, committed by GitHub now. Each replay is a
// three-way merge of the commit against its parent.
func (s *Server) rebaseLocked(rp *repo, base plumbing.Hash, own []*object.Commit) ([]plumbing.Hash, error) {
	var out []plumbing.Hash
	cur := base
	for _, c := range own {
		var parent plumbing.Hash
		if len(c.ParentHashes) > 0 {
			parent = c.ParentHashes[0]
		}
		tree, err := rp.mergeTrees(parent, cur, c.Hash)
		if err != nil {
			return nil, fmt.Errorf("replaying %s: %w", shortHash(c.Hash), err)
		}
		now := s.now()
		cm := &object.Commit{
			Author:       c.Author,
			Committer:    object.Signature{Name: webFlow.Name, Email: webFlow.Email, When: now},
			Message:      c.Message,
			TreeHash:     tree,
			ParentHashes: []plumbing.Hash{cur},
		}
		h, err := rp.git.writeCommit(cm)
		if err != nil {
			return nil, err
		}
		rp.verified[h] = now
		out = append(out, h)
		cur = h
	}
	return out, nil
}
