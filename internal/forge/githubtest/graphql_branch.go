package githubtest

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// This file serves what a client reads of a branch, its base and the pull
// requests between them in one query: Ref.compare(headRef:) and
// Ref.associatedPullRequests; the fields of a pull request that say where
// it stands (headRefOid, labels, assignees, autoMergeRequest); a commit's
// tree, parents, file(path:) and signature; a tree's entries.

func (r gqlRef) branchField(_ *gqlExec, name string, args map[string]any) (any, bool, error) {
	switch name {
	case "compare":
		base, ok := r.rp.peel(r.hash)
		if !ok {
			return nil, true, nil
		}
		headRef := argString(args, "headRef")
		head, ok := r.rp.refNamed(headRef)
		if !ok {
			return nil, true, &gqlResolveError{typ: "NOT_FOUND", message: fmt.Sprintf("Could not resolve to a Ref named '%s'.", headRef)}
		}
		return gqlComparison{rp: r.rp, base: base, head: head}, true, nil
	case "associatedPullRequests":
		c, err := r.pulls(args)
		return c, true, err
	}
	return nil, false, nil
}

// refNamed resolves a ref as Ref.compare's headRef names it: a qualified
// name, or a branch or tag name; annotated tags are peeled.
func (rp *repo) refNamed(name string) (plumbing.Hash, bool) {
	names := []string{name}
	if !strings.HasPrefix(name, "refs/") {
		names = []string{"refs/heads/" + name, "refs/tags/" + name}
	}
	for _, n := range names {
		if h, ok := rp.git.ref(n); ok {
			return rp.peel(h)
		}
	}
	return plumbing.ZeroHash, false
}

// pulls lists the pull requests whose head is this branch, filtered by
// states, baseRefName and headRefName, ordered as orderBy says (by
// creation, oldest first, when it says nothing).
func (r gqlRef) pulls(args map[string]any) (*connection, error) {
	var list []*pull
	if r.prefix == "refs/heads/" {
		states, _ := args["states"].([]any)
		base, head := argString(args, "baseRefName"), argString(args, "headRefName")
		for _, p := range r.rp.pulls {
			if p.head != r.name || base != "" && p.base != base || head != "" && p.head != head {
				continue
			}
			keep := len(states) == 0
			for _, s := range states {
				keep = keep || s == pullState(p)
			}
			if keep {
				list = append(list, p)
			}
		}
	}
	return pullConnection(r.rp, list, args)
}

// pullConnection orders pull requests as orderBy says (GitHub's default
// {field: CREATED_AT, direction: ASC}: by creation, oldest first) and pages
// them as an associatedPullRequests connection, of a branch or a commit.
func pullConnection(rp *repo, list []*pull, args map[string]any) (*connection, error) {
	order, _ := args["orderBy"].(map[string]any)
	field, _ := order["field"].(string)
	desc := order["direction"] == "DESC"
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if desc {
			a, b = b, a
		}
		if field == "UPDATED_AT" && !a.updatedAt.Equal(b.updatedAt) {
			return a.updatedAt.Before(b.updatedAt)
		}
		return a.number < b.number
	})
	nodes := make([]gqlObject, len(list))
	for i, p := range list {
		nodes[i] = gqlPull{rp: rp, p: p}
	}
	return page("associatedPullRequests", nodes, args, "PullRequestConnection")
}

// pullState is a pull request's PullRequestState.
func pullState(p *pull) string {
	switch {
	case p.merged:
		return "MERGED"
	case p.state == "closed":
		return "CLOSED"
	}
	return "OPEN"
}

// gqlComparison is base compared with head: head's commits the base lacks
// (oldest first, as the REST compare lists them), and how far apart the
// two are.
type gqlComparison struct {
	rp         *repo
	base, head plumbing.Hash
}

func (gqlComparison) gqlType() string { return "Comparison" }

func (c gqlComparison) gqlField(_ *gqlExec, name string, args map[string]any) (any, bool, error) {
	switch name {
	case "baseTarget":
		return gitObject(c.rp, c.base), true, nil
	case "headTarget":
		return gitObject(c.rp, c.head), true, nil
	}
	ahead, err := c.rp.headOnly(c.head, c.base)
	if err != nil {
		return nil, true, err
	}
	behind, err := c.rp.headOnly(c.base, c.head)
	if err != nil {
		return nil, true, err
	}
	switch name {
	case "aheadBy":
		return len(ahead), true, nil
	case "behindBy":
		return len(behind), true, nil
	case "status":
		switch {
		case c.base == c.head:
			return "IDENTICAL", true, nil
		case len(behind) == 0:
			return "AHEAD", true, nil
		case len(ahead) == 0:
			return "BEHIND", true, nil
		}
		return "DIVERGED", true, nil
	case "commits":
		nodes := make([]gqlObject, len(ahead))
		for i, cm := range ahead {
			nodes[i] = gqlCommit{rp: c.rp, c: cm}
		}
		conn, err := page("commits", nodes, args, "ComparisonCommitConnection")
		return conn, true, err
	}
	return nil, false, nil
}

// branchField resolves the fields of a pull request that say where it
// stands.
func (g gqlPull) branchField(name string, args map[string]any) (any, bool, error) {
	p := g.p
	switch name {
	case "headRefName":
		return p.head, true, nil
	case "headRefOid":
		return g.rp.headSHAOf(p).String(), true, nil
	case "baseRefName":
		return p.base, true, nil
	case "isDraft":
		return p.draft, true, nil
	case "closed":
		return p.state == "closed", true, nil
	case "createdAt":
		return p.createdAt.UTC().Format(time.RFC3339), true, nil
	case "labels":
		var nodes []gqlObject
		for _, n := range p.labels {
			nodes = append(nodes, gqlLabel{rp: g.rp, l: g.rp.labels[strings.ToLower(n)]})
		}
		c, err := page("labels", nodes, args, "LabelConnection")
		return c, true, err
	case "assignees":
		var nodes []gqlObject
		for _, a := range p.assignees {
			nodes = append(nodes, gqlActor{a})
		}
		c, err := page("assignees", nodes, args, "UserConnection")
		return c, true, err
	case "autoMergeRequest":
		if p.autoMerge == "" {
			return nil, true, nil
		}
		return gqlAutoMerge{p: p}, true, nil
	}
	return nil, false, nil
}

type gqlLabel struct {
	rp *repo
	l  *label
}

func (gqlLabel) gqlType() string { return "Label" }

func (g gqlLabel) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "id":
		return nodeID("LA", g.rp.fullName()+g.l.name), true, nil
	case "name":
		return g.l.name, true, nil
	case "color":
		return g.l.color, true, nil
	}
	return nil, false, nil
}

type gqlAutoMerge struct{ p *pull }

func (gqlAutoMerge) gqlType() string { return "AutoMergeRequest" }

func (g gqlAutoMerge) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "mergeMethod":
		return g.p.autoMerge, true, nil
	case "enabledAt":
		return g.p.autoMergeAt.UTC().Format(time.RFC3339), true, nil
	case "enabledBy":
		return gqlActor{g.p.autoMergeBy}, true, nil
	}
	return nil, false, nil
}

// content resolves the fields of a commit that read its content: tree,
// parents, file(path:), and signature; ok is false for any other field.
func (c gqlCommit) content(name string, args map[string]any) (any, bool, error) {
	switch name {
	case "tree":
		return gqlTree{rp: c.rp, h: c.c.TreeHash}, true, nil
	case "parents":
		var nodes []gqlObject
		for _, h := range c.c.ParentHashes {
			if o := gitObject(c.rp, h); o != nil {
				nodes = append(nodes, o)
			}
		}
		conn, err := page("parents", nodes, args, "CommitConnection")
		return conn, true, err
	case "file":
		p := strings.Trim(argString(args, "path"), "/")
		t, err := c.rp.git.tree(c.c.TreeHash)
		if err != nil || p == "" {
			return nil, true, nil
		}
		e, err := t.FindEntry(p)
		if err != nil {
			return nil, true, nil
		}
		return gqlTreeEntry{rp: c.rp, e: *e, path: p}, true, nil
	case "signature":
		if _, ok := c.rp.verified[c.c.Hash]; !ok {
			return nil, true, nil
		}
		return gqlSignature{}, true, nil
	}
	return nil, false, nil
}

// entries lists a tree's entries in git's order.
func (t gqlTree) entries() (any, bool, error) {
	tr, err := t.rp.git.tree(t.h)
	if err != nil {
		return nil, true, err
	}
	out := []gqlObject{}
	for _, e := range tr.Entries {
		out = append(out, gqlTreeEntry{rp: t.rp, e: e, path: path.Join(t.path, e.Name)})
	}
	return out, true, nil
}

// gqlTreeEntry is one entry of a tree; path is its full path in the
// commit.
type gqlTreeEntry struct {
	rp   *repo
	e    object.TreeEntry
	path string
}

func (gqlTreeEntry) gqlType() string { return "TreeEntry" }

func (g gqlTreeEntry) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "name":
		return g.e.Name, true, nil
	case "path":
		return g.path, true, nil
	case "oid":
		return g.e.Hash.String(), true, nil
	case "mode":
		// GitHub gives the git mode as a number: 33188 is 0100644.
		return int(g.e.Mode), true, nil
	case "type":
		switch g.e.Mode {
		case filemode.Dir:
			return "tree", true, nil
		case filemode.Submodule:
			return "commit", true, nil
		}
		return "blob", true, nil
	case "extension":
		return path.Ext(g.e.Name), true, nil
	case "object":
		if g.e.Mode == filemode.Submodule {
			return nil, true, nil
		}
		if tr, ok := gitObject(g.rp, g.e.Hash).(gqlTree); ok {
			tr.path = g.path
			return tr, true, nil
		}
		return gitObject(g.rp, g.e.Hash), true, nil
	}
	return nil, false, nil
}

// gqlSignature is the signature GitHub makes on the commits it creates
// for a token without an author (GitHub's web-flow key).
type gqlSignature struct{}

func (gqlSignature) gqlType() string { return "GpgSignature" }

func (gqlSignature) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "isValid", "wasSignedByGitHub":
		return true, true, nil
	case "state":
		return "VALID", true, nil
	}
	return nil, false, nil
}
