package githubtest

import (
	"container/heap"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// listCommits lists the commits reachable from sha (a branch, a tag or a
// SHA; the default branch without it), newest first as git log orders
// them, and with path only those that change something at path (a file or
// a directory): a commit whose tree differs there from its parent's, or a
// merge whose tree differs there from every parent's (a merge that took
// one side as it was is left out, as git log's history simplification
// does). per_page and page cut the list; Link is not sent.
func (s *Server) listCommits(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	if rp.empty() {
		return emptyRepository()
	}
	ref := c.query.Get("sha")
	if ref == "" {
		ref = "refs/heads/" + rp.opts.DefaultBranch
	}
	h, ok := rp.resolve(ref)
	if !ok {
		return notFound()
	}
	perPage, _ := strconv.Atoi(c.query.Get("per_page"))
	if perPage <= 0 || perPage > 100 {
		perPage = 30
	}
	page, _ := strconv.Atoi(c.query.Get("page"))
	if page <= 0 {
		page = 1
	}
	p := strings.Trim(c.query.Get("path"), "/")
	skip, out := (page-1)*perPage, []any{}
	err := rp.log(h, func(cm *object.Commit) bool {
		if p != "" && !rp.touches(cm, p) {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, s.restCommitJSON(rp, cm, false))
		return len(out) < perPage
	})
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	return jsonResponse(http.StatusOK, out)
}

// log calls fn with every commit reachable from h, newest committer time
// first but never a commit before one of its children (git log
// --date-order); fn returns false to stop.
func (rp *repo) log(h plumbing.Hash, fn func(*object.Commit) bool) error {
	all, err := rp.git.ancestors(h)
	if err != nil {
		return err
	}
	children := map[plumbing.Hash]int{}
	for _, cm := range all {
		for _, ph := range cm.ParentHashes {
			children[ph]++
		}
	}
	q := &commitQueue{}
	heap.Push(q, queued{all[h], 0})
	for n := 1; q.Len() > 0; {
		cm := heap.Pop(q).(queued).c
		if !fn(cm) {
			return nil
		}
		for _, ph := range cm.ParentHashes {
			if children[ph]--; children[ph] == 0 {
				heap.Push(q, queued{all[ph], n})
				n++
			}
		}
	}
	return nil
}

// touches reports whether commit cm changes path p (a file or a directory).
func (rp *repo) touches(cm *object.Commit, p string) bool {
	at := func(tree plumbing.Hash) plumbing.Hash {
		t, err := rp.git.tree(tree)
		if err != nil {
			return plumbing.ZeroHash
		}
		if e, err := t.FindEntry(p); err == nil {
			return e.Hash
		}
		return plumbing.ZeroHash
	}
	mine := at(cm.TreeHash)
	if len(cm.ParentHashes) == 0 {
		return !mine.IsZero()
	}
	for _, ph := range cm.ParentHashes {
		pc, err := rp.git.commit(ph)
		if err != nil || at(pc.TreeHash) == mine {
			return false
		}
	}
	return true
}

// queued is a commit waiting in log's queue; order breaks ties of time in
// the order commits were queued.
type queued struct {
	c     *object.Commit
	order int
}

type commitQueue []queued

func (q commitQueue) Len() int { return len(q) }
func (q commitQueue) Less(i, j int) bool {
	ti, tj := q[i].c.Committer.When, q[j].c.Committer.When
	if !ti.Equal(tj) {
		return ti.After(tj)
	}
	return q[i].order < q[j].order
}
func (q commitQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *commitQueue) Push(x any)   { *q = append(*q, x.(queued)) }
func (q *commitQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
