package release

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Event is the workflow event a run answers, read from its payload.
type Event struct {
	// Name is GITHUB_EVENT_NAME; empty for a run outside Actions, which
	// tags SHA like workflow_dispatch.
	Name string
	// Action is the payload's action (pull_request: "closed").
	Action string
	// Pull is the pull request of a pull_request event.
	Pull *Pull
	// Ref, Before, After and Deleted describe a push.
	Ref, Before, After string
	Deleted            bool
	// SHA is the commit to tag on workflow_dispatch; empty means the head
	// of the base branch.
	SHA string
}

// zeroSHA is the "before" of a push that creates a branch.
const zeroSHA = "0000000000000000000000000000000000000000"

// Plan returns the merges an event brought to base, oldest first, or the
// reason why there is nothing to tag:
//
//   - pull_request (or pull_request_target) closed and merged into base:
//     its merge_commit_sha, at its merged_at;
//   - push to base: each commit of before..after on base's first-parent
//     line, mapped to the merged pull request that brought it (a pull
//     request rebased as several commits is tagged once, at its last);
//     the pull request of a push of one commit is read with its tag's
//     lookup (Tag);
//   - workflow_dispatch, or no event: Event.SHA, else base's head, whose
//     pull request is read with its tag's lookup;
//   - merge_group, a pull request closed without merging, any other event:
//     nothing.
func Plan(ctx context.Context, gh GitHub, ev Event, base string) ([]Merge, string, error) {
	switch ev.Name {
	case "pull_request", "pull_request_target":
		return planPull(ev, base)
	case "push":
		return planPush(ctx, gh, ev, base)
	case "workflow_dispatch", "":
		m, err := planCommit(ctx, gh, ev.SHA, base)
		if err != nil {
			return nil, "", err
		}
		return []Merge{m}, "", nil
	case "merge_group":
		return nil, fmt.Sprintf("merge_group runs before anything lands on %q; the merge is tagged when it does (on push or pull_request closed)", base), nil
	}
	return nil, fmt.Sprintf("event %q is not one that brings merges (pull_request closed, push, workflow_dispatch): nothing to tag", ev.Name), nil
}

func planPull(ev Event, base string) ([]Merge, string, error) {
	p := ev.Pull
	switch {
	case p == nil:
		return nil, "", errors.New("the pull_request event holds no pull request")
	case ev.Action != "closed":
		return nil, fmt.Sprintf("pull request #%d was %s, not merged: nothing to tag", p.Number, ev.Action), nil
	case !p.Merged:
		return nil, fmt.Sprintf("pull request #%d was closed without merging: nothing to tag", p.Number), nil
	case p.Base != base:
		return nil, fmt.Sprintf("pull request #%d was merged into %q, not %q: nothing to tag", p.Number, p.Base, base), nil
	case p.MergeCommit == "":
		return nil, "", fmt.Errorf("pull request #%d is merged but the event names no merge commit", p.Number)
	}
	return []Merge{{SHA: p.MergeCommit, Pull: p, Time: p.MergedAt}}, "", nil
}

func planPush(ctx context.Context, gh GitHub, ev Event, base string) ([]Merge, string, error) {
	branch, ok := strings.CutPrefix(ev.Ref, "refs/heads/")
	switch {
	case !ok:
		return nil, fmt.Sprintf("the push is of %q, not of a branch: nothing to tag", ev.Ref), nil
	case branch != base:
		return nil, fmt.Sprintf("the push is to %q, not %q: nothing to tag", branch, base), nil
	case ev.Deleted || ev.After == "" || ev.After == zeroSHA:
		return nil, fmt.Sprintf("the push deleted %q: nothing to tag", branch), nil
	}
	line := []Commit{{SHA: ev.After}}
	var cmp *Comparison
	if ev.Before != "" && ev.Before != zeroSHA {
		var err error
		if cmp, err = gh.Compare(ctx, ev.Before, ev.After); err != nil {
			return nil, "", err
		}
		line = firstParents(cmp.Commits, ev.Before, ev.After)
		if len(line) == 0 {
			// More commits than the compare lists (250): tag the head.
			line = []Commit{{SHA: ev.After}}
		}
	}
	if len(line) == 1 {
		return []Merge{pushedCommit(line[0], cmp, ev.Before)}, "", nil
	}
	pulls, err := pullsOf(ctx, gh, line)
	if err != nil {
		return nil, "", err
	}
	merges, err := mergesOf(line, base, func(c Commit) ([]Pull, error) { return pulls[c.SHA], nil })
	if err != nil {
		return nil, "", err
	}
	if len(merges) == 0 {
		return nil, fmt.Sprintf("the push brought no commit to %q: nothing to tag", base), nil
	}
	return merges, "", nil
}

// pullsOf reads the pull requests of commits, by SHA: one lookup for up
// to 100 commits.
func pullsOf(ctx context.Context, gh GitHub, commits []Commit) (map[string][]Pull, error) {
	out := map[string][]Pull{}
	for start := 0; start < len(commits); start += maxLookupCommits {
		var shas []string
		for _, c := range commits[start:min(start+maxLookupCommits, len(commits))] {
			shas = append(shas, c.SHA)
		}
		facts, err := gh.Lookup(ctx, Lookup{Commits: shas})
		if err != nil {
			return nil, err
		}
		maps.Copy(out, facts.Pulls)
	}
	return out, nil
}

// pushedCommit is the merge of a push of one commit (the common case: one
// pull request merged): its pull request is read later, with the lookup
// its tag needs anyway, and when the commit comes right after before, the
// compare's files are its own, so it needs no reading either.
func pushedCommit(c Commit, cmp *Comparison, before string) Merge {
	m := Merge{SHA: c.SHA, message: c.Message, pullUnread: true}
	if cmp != nil && cmp.Complete && len(c.Parents) > 0 && c.Parents[0] == before {
		c.Files, c.Complete = cmp.Files, true
		m.commit = &c
	}
	return m
}

// mergesOf turns commits of base's first-parent line, oldest first, into
// merges: each commit with the merged pull request into base that brought
// it, of those pullsOf lists; a pull request rebased as several commits is
// one merge, at its last.
func mergesOf(line []Commit, base string, pullsOf func(Commit) ([]Pull, error)) ([]Merge, error) {
	var merges []Merge
	for _, c := range line {
		pulls, err := pullsOf(c)
		if err != nil {
			return nil, err
		}
		m := Merge{SHA: c.SHA, Pull: pick(pulls, c.SHA, base), message: c.Message}
		if m.Pull != nil {
			m.Time = m.Pull.MergedAt
			// A rebase merge puts several commits of one pull request on
			// the branch: the pull request is tagged once, at its last.
			if n := len(merges); n > 0 && merges[n-1].Pull != nil && merges[n-1].Pull.Number == m.Pull.Number {
				merges[n-1] = m
				continue
			}
		}
		merges = append(merges, m)
	}
	return merges, nil
}

// firstParents walks from head along first parents until before, and
// returns that line oldest first: the commits the branch itself went
// through, not those a merge commit brought along.
func firstParents(commits []Commit, before, head string) []Commit {
	byID := map[string]Commit{}
	for _, c := range commits {
		byID[c.SHA] = c
	}
	var line []Commit
	for sha := head; sha != "" && sha != before; {
		c, ok := byID[sha]
		if !ok {
			break
		}
		line = append(line, c)
		sha = firstParent(c)
	}
	slices.Reverse(line)
	return line
}

// firstParent is a commit's first parent, "" for a commit without one.
func firstParent(c Commit) string {
	if len(c.Parents) == 0 {
		return ""
	}
	return c.Parents[0]
}

// pick chooses the merged pull request into base that brought sha,
// preferring the one whose merge commit it is.
func pick(pulls []Pull, sha, base string) *Pull {
	var found *Pull
	for i := range pulls {
		p := &pulls[i]
		if !p.Merged || p.Base != base {
			continue
		}
		if p.MergeCommit == sha {
			return p
		}
		if found == nil {
			found = p
		}
	}
	return found
}

func planCommit(ctx context.Context, gh GitHub, sha, base string) (Merge, error) {
	ref := sha
	if ref == "" {
		ref = "heads/" + base
	}
	c, err := gh.Commit(ctx, ref)
	if errors.Is(err, ErrNotFound) {
		return Merge{}, &UnknownCommitError{Ref: ref, Err: err}
	}
	if err != nil {
		return Merge{}, err
	}
	return Merge{SHA: c.SHA, commit: c, pullUnread: true}, nil
}
