package githubtest

import (
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// This file serves the fields of Commit that look at history: blame(path:),
// the commit that last changed each line of a file (GitHub's Blame, with
// ranges of lines and their commits), associatedPullRequests, the pull
// requests that brought the commit (pullsOfCommit, as GET
// /commits/{sha}/pulls lists them), and history, the commit and its
// ancestors as git log lists them. Blame is go-git's, which assigns a line
// a merge brought to the commit of the merged branch that wrote it, as git
// blame does.

// history resolves the Commit fields of this file; ok is false for any
// other field.
func (c gqlCommit) history(x *gqlExec, name string, args map[string]any) (any, bool, error) {
	switch name {
	case "blame":
		p := argString(args, "path")
		res, err := git.Blame(c.c, p)
		if err != nil {
			return nil, true, &gqlResolveError{typ: "NOT_FOUND", message: fmt.Sprintf("Could not resolve file for path '%s'.", p)}
		}
		return gqlBlame{rp: c.rp, lines: res.Lines}, true, nil
	case "associatedPullRequests":
		conn, err := pullConnection(c.rp, c.rp.pullsOfCommit(c.c.Hash), args)
		return conn, true, err
	case "history":
		nodes, err := c.log()
		if err != nil {
			return nil, true, err
		}
		conn, err := page("history", nodes, args, "CommitHistoryConnection")
		return conn, true, err
	}
	return nil, false, nil
}

// log lists the commit and every ancestor in git log's default order, as
// GitHub's Commit.history does: newest committer time first, a commit only
// once one of its children was listed, so that a merge's branch and the
// line it was merged into interleave by time. (GitHub has no first-parent
// history: a client walks first parents through this list.)
func (c gqlCommit) log() ([]gqlObject, error) {
	seen := map[plumbing.Hash]bool{c.c.Hash: true}
	queue := []*object.Commit{c.c}
	var out []gqlObject
	for len(queue) > 0 {
		// The newest of the commits whose child was listed; ties by hash,
		// for a stable order.
		best := 0
		for i, q := range queue {
			b := queue[best]
			if q.Committer.When.After(b.Committer.When) || q.Committer.When.Equal(b.Committer.When) && q.Hash.String() < b.Hash.String() {
				best = i
			}
		}
		next := queue[best]
		queue = append(queue[:best], queue[best+1:]...)
		out = append(out, gqlCommit{rp: c.rp, c: next})
		for _, p := range next.ParentHashes {
			if seen[p] {
				continue
			}
			seen[p] = true
			pc, err := c.rp.git.commit(p)
			if err != nil {
				return nil, err
			}
			queue = append(queue, pc)
		}
	}
	return out, nil
}

// gqlBlame is a file's blame: its lines, each with the commit that last
// changed it.
type gqlBlame struct {
	rp    *repo
	lines []*git.Line
}

func (gqlBlame) gqlType() string { return "Blame" }

func (b gqlBlame) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	if name != "ranges" {
		return nil, false, nil
	}
	// Consecutive lines of one commit make one range, as on GitHub.
	ranges := []gqlObject{}
	for i := 0; i < len(b.lines); {
		j := i
		for j+1 < len(b.lines) && b.lines[j+1].Hash == b.lines[i].Hash {
			j++
		}
		ranges = append(ranges, gqlBlameRange{rp: b.rp, start: i + 1, end: j + 1, commit: b.lines[i].Hash})
		i = j + 1
	}
	return ranges, true, nil
}

// gqlBlameRange is lines start to end (1-based, inclusive) and their commit.
type gqlBlameRange struct {
	rp         *repo
	start, end int
	commit     plumbing.Hash
}

func (gqlBlameRange) gqlType() string { return "BlameRange" }

func (r gqlBlameRange) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "startingLine":
		return r.start, true, nil
	case "endingLine":
		return r.end, true, nil
	case "age":
		return 1, true, nil
	case "commit":
		return gitObject(r.rp, r.commit), true, nil
	}
	return nil, false, nil
}
