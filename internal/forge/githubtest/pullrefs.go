package githubtest

import (
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// GitHub keeps every pull request's head under refs/pull/N/head: the ref is
// set when the pull request is opened, follows its head branch while it is
// open, and stays, with the commits it names, once the pull request is
// merged or closed, whatever then happens to the branch. A branch is never
// deleted by a merge unless the repository says so (DeleteBranchOnMerge).

// pullHeadRef is the ref GitHub keeps a pull request's head under.
func pullHeadRef(n int) string { return "refs/pull/" + strconv.Itoa(n) + "/head" }

// opened records the head of a pull request just opened.
func (rp *repo) opened(p *pull) error {
	return rp.git.st.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(pullHeadRef(p.number)), p.headSHA))
}

// followPullHeads moves refs/pull/N/head of the open pull requests whose
// head branch is the ref that moved to h.
func (rp *repo) followPullHeads(name string, h plumbing.Hash) {
	branch, ok := strings.CutPrefix(name, "refs/heads/")
	if !ok {
		return
	}
	for _, p := range rp.pulls {
		if p.state == "open" && p.head == branch {
			p.headSHA = h
			// The storer only fails on I/O; the next read of the pull
			// request still sees the branch.
			_ = rp.git.st.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(pullHeadRef(p.number)), h))
		}
	}
}

// deleteMergedHead deletes the head branch of a pull request just merged,
// when the repository asks for it and no other open pull request uses the
// branch.
func (rp *repo) deleteMergedHead(p *pull) error {
	if !rp.opts.DeleteBranchOnMerge {
		return nil
	}
	for _, o := range rp.pulls {
		if o.state == "open" && (o.head == p.head || o.base == p.head) {
			return nil
		}
	}
	if _, ok := rp.git.ref("refs/heads/" + p.head); !ok {
		return nil
	}
	return rp.git.removeRef("refs/heads/" + p.head)
}
