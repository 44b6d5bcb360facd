package release

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// MaxCatchUp bounds how far back a run looks for merges no run tagged: the
// commits of base's first-parent line before the event's merges. A longer
// gap (tagging broken for days, or tags of the format that live on
// another branch) is not caught up: the run tags its own merges and warns.
const MaxCatchUp = 30

// Base's history is read with the event's first lookup, historyFirst
// commits of it (the common case, nothing missed, needs none: the parent
// is tagged; a missed merge or two need their own), then historyPage
// commits a request, at most maxHistoryPages more requests. GitHub lists
// history as git log does, a merge's branch among the line it was merged
// into, so a line of merge commits needs more history than its length.
const (
	historyFirst    = 10
	historyPage     = 100
	maxHistoryPages = 3
)

// CatchUp is what a run found on base before its event's merges.
type CatchUp struct {
	// Since is the newest tag of the format on base's first-parent line
	// before the event's merges, where the run stopped looking; "" when
	// it found none.
	Since string
	// Looked is how many commits of that line, after Since, the run looked
	// at; Missed how many merges among them it tagged (or found tagged by
	// a run racing it); Unreleased how many get no tag (semver:
	// release:none, or default-bump none).
	Looked, Missed, Unreleased int
	// Note says what the run found, for the log; "" when the event's first
	// merge comes right after a tag, or is tagged already. Warn says that
	// merges before the event's that need a tag are left without one.
	Note string
	Warn bool
}

// stop says why a walk down base's first-parent line stopped short of a
// tag of the format.
type stop int

const (
	stopTag     stop = iota // at a commit with a tag of the format
	stopRoot                // at the first commit: no tag on the line
	stopBound               // MaxCatchUp commits looked at
	stopHistory             // the history read ends
	stopHorizon             // tags older than the recent ones are not known
)

// catchUp returns the merges to tag before the event's first merge, oldest
// first: those on base's first-parent line since the newest tag of the
// format on it that no run tagged, each with the pull request that
// brought it (a pull request rebased as several commits is one merge, at
// its last; one that gets no tag is left out). It looks back at most
// MaxCatchUp commits and tags nothing before the event's merges when it
// finds no tag of the format that close: on the first run (no tag of the
// format in the repository), or when the gap is longer, in which case
// cu says so. A merge tagged already (a re-run) catches nothing up: the
// run that tagged it did.
func (s *tagging) catchUp(ctx context.Context, gh GitHub, first *reading, cu *CatchUp) ([]Merge, error) {
	f, base := s.opts.Format, s.opts.Base
	if !first.history {
		if len(first.c.Parents) > 0 && !s.anyOfFormat() {
			cu.Note = fmt.Sprintf("no tag of the format %q yet: %s is the first to get one, and the commits before it on %q stay untagged", f, short(first.c.SHA), base)
		}
		return nil, nil
	}
	if ownTag(first.m, first.c.SHA, f, s.known) != "" {
		return nil, nil
	}
	line, why, since, err := s.walk(ctx, gh, first)
	if err != nil {
		return nil, err
	}
	cu.Looked, cu.Since = len(line), since
	merges, err := mergesOf(line, base, func(c Commit) ([]Pull, error) { return c.Pulls, nil })
	if err != nil {
		return nil, err
	}
	// The other commits of the event's pull request, rebased as several:
	// its tag is the event's merge's.
	if p := first.m.Pull; p != nil {
		for n := len(merges); n > 0 && merges[n-1].Pull != nil && merges[n-1].Pull.Number == p.Number; n-- {
			merges = merges[:n-1]
		}
	}
	var want []Merge
	for _, m := range merges {
		if f.Semver() {
			rd := reading{m: m, r: &Result{}}
			if rd.bump(s.opts, m.message); rd.r.Skipped != "" {
				cu.Unreleased++
				continue
			}
		}
		want = append(want, m)
	}
	head := short(first.c.SHA)
	switch why {
	case stopTag:
		cu.Missed = len(want)
		switch {
		case len(want) > 0:
			cu.Note = fmt.Sprintf("%s on %q since %s %s no tag (%s cancelled or failed): %s tagged before %s, oldest first", count(len(want), "merge"), base, cu.Since, plural(len(want), "has", "have"), plural(len(want), "its run was", "their runs were"), plural(len(want), "it is", "they are"), head)
		case cu.Unreleased > 0:
			cu.Note = fmt.Sprintf("the %s on %q between %s and %s get%s no tag (no release)", count(cu.Unreleased, "merge"), base, cu.Since, head, plural(cu.Unreleased, "s", ""))
		}
		return want, nil
	case stopRoot:
		cu.Note = fmt.Sprintf("no commit of %q's first-parent line before %s has a tag of the format %q (tags of it are on other branches): the %s before %s stay untagged", base, head, f, count(len(line), "commit"), head)
		return nil, nil
	}
	reason := map[stop]string{
		stopBound:   fmt.Sprintf("a run looks back at most %d commits", MaxCatchUp),
		stopHistory: fmt.Sprintf("the merged branches' commits fill the %d commits of history a run reads", historyFirst+maxHistoryPages*historyPage),
		stopHorizon: fmt.Sprintf("the tags of older commits are beyond the %d newest tags a run reads", recentTags),
	}[why]
	if len(want) == 0 {
		cu.Note = fmt.Sprintf("none of the %s of %q before %s needs a tag, and no tag of the format %q is among them (%s): the merges before them are not looked at", count(len(line), "commit"), base, head, f, reason)
		return nil, nil
	}
	cu.Warn = true
	cu.Note = fmt.Sprintf("no tag of the format %q on the %s of %q before %s (%s): the %s among them that %s no tag, and any before them, are not caught up. To tag them, run the workflow by hand (workflow_dispatch) with sha set to a merge at most %d commits after the newest tag: that run tags it and the merges before it", f, count(len(line), "commit"), base, head, reason, count(len(want), "merge"), plural(len(want), "has", "have"), MaxCatchUp)
	return nil, nil
}

// walk goes down base's first-parent line from the event's first merge's
// parent and returns the commits it passed, oldest first, and why it
// stopped: at a commit with a tag of the format (since), or short of one.
func (s *tagging) walk(ctx context.Context, gh GitHub, first *reading) (_ []Commit, _ stop, since string, _ error) {
	f := s.opts.Format
	tagged := map[string]string{}
	for name, commit := range s.known {
		if cur, ok := tagged[commit]; f.matches(name) && (!ok || name < cur) {
			tagged[commit] = name
		}
	}
	// The recent tags are the newest by their commits' time: a commit
	// older than the oldest of them may hold a tag the run has not seen,
	// unless they are every tag.
	var horizon time.Time
	if !first.facts.AllTags {
		for _, t := range first.facts.RecentTags {
			if !t.CommittedAt.IsZero() && (horizon.IsZero() || t.CommittedAt.Before(horizon)) {
				horizon = t.CommittedAt
			}
		}
	}
	byID := map[string]Commit{}
	index := func(history []Commit) {
		for _, c := range history {
			if _, ok := byID[c.SHA]; !ok {
				byID[c.SHA] = c
			}
		}
	}
	index(first.facts.History)
	var line []Commit
	why, pages := stopTag, 0
	for sha := firstParent(*first.c); ; {
		if sha == "" {
			why = stopRoot
			break
		}
		if tag, ok := tagged[sha]; ok {
			since = tag
			break
		}
		if len(line) == MaxCatchUp {
			why = stopBound
			break
		}
		c, ok := byID[sha]
		if !ok {
			if pages == maxHistoryPages {
				why = stopHistory
				break
			}
			facts, err := gh.Lookup(ctx, Lookup{History: sha, HistoryLen: historyPage})
			if err != nil {
				return nil, 0, "", err
			}
			pages++
			index(facts.History)
			if c, ok = byID[sha]; !ok {
				return nil, 0, "", fmt.Errorf("reading the history of %q: commit %s is not in its own history", s.opts.Base, short(sha))
			}
		}
		if !horizon.IsZero() && !c.CommittedAt.After(horizon) {
			why = stopHorizon
			break
		}
		line = append(line, c)
		sha = firstParent(c)
	}
	slices.Reverse(line)
	return line, why, since, nil
}

// count writes n and a noun, plural when n is not 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// plural picks one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
