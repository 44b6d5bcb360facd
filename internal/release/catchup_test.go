package release

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// history is a made-up base branch: commits c0 (the root) to cN on the
// first-parent line, each ci after c0 a merge commit whose branch brings
// `branch` commits of its own, and the order git log lists them in.
type history struct {
	commits map[string]Commit
	order   []string
	// lookups counts the history pages read.
	lookups int
}

var t0 = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func c(i int) string { return fmt.Sprintf("c%02d", i) }

// newHistory makes c0..cN; pulls gives some ci their pull requests.
func newHistory(n, branch int, pulls map[int][]Pull) *history {
	h := &history{commits: map[string]Commit{}}
	h.commits[c(0)] = Commit{SHA: c(0), CommittedAt: t0, Message: "Initial"}
	for i := 1; i <= n; i++ {
		parents := []string{c(i - 1)}
		prev := c(i - 1)
		for j := 1; j <= branch; j++ {
			b := fmt.Sprintf("b%02d-%02d", i, j)
			h.commits[b] = Commit{SHA: b, Parents: []string{prev}, CommittedAt: t0.Add(time.Duration(i-1)*time.Hour + time.Duration(j)*time.Minute), Message: "branch work"}
			prev = b
		}
		if branch > 0 {
			parents = append(parents, prev)
		}
		h.commits[c(i)] = Commit{SHA: c(i), Parents: parents, CommittedAt: t0.Add(time.Duration(i) * time.Hour), Message: fmt.Sprintf("Change %d", i), Pulls: pulls[i]}
	}
	for sha := range h.commits {
		h.order = append(h.order, sha)
	}
	// Newest first; the dates above put a merge's branch between it and
	// the line's commit before, as git log does.
	slices.SortFunc(h.order, func(a, b string) int { return h.commits[b].CommittedAt.Compare(h.commits[a].CommittedAt) })
	return h
}

// log is the history of sha, as Lookup answers it: sha and its ancestors
// in git log's order, at most n.
func (h *history) log(sha string, n int) []Commit {
	reach := map[string]bool{}
	for stack := []string{sha}; len(stack) > 0; {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !reach[s] {
			reach[s] = true
			stack = append(stack, h.commits[s].Parents...)
		}
	}
	var out []Commit
	for _, s := range h.order {
		if reach[s] && len(out) < n {
			out = append(out, h.commits[s])
		}
	}
	return out
}

// Lookup answers the history pages of the walk; the engine asks nothing
// else of GitHub while it looks back.
func (h *history) Lookup(_ context.Context, l Lookup) (*Facts, error) {
	if l.History == "" || l.Pull != 0 || len(l.Blobs) > 0 || l.RecentTags > 0 {
		return nil, fmt.Errorf("unexpected lookup %+v", l)
	}
	h.lookups++
	return &Facts{History: h.log(l.History, l.HistoryLen)}, nil
}

func (h *history) Commit(context.Context, string) (*Commit, error) { panic("not used") }
func (h *history) Compare(context.Context, string, string) (*Comparison, error) {
	panic("not used")
}
func (h *history) Tags(context.Context, string) ([]TagRef, error)          { panic("not used") }
func (h *history) Peel(context.Context, string) (string, bool, error)      { panic("not used") }
func (h *history) CreateTag(context.Context, string, string, string) error { panic("not used") }
func (h *history) FindRelease(context.Context, string, bool) (*Release, error) {
	panic("not used")
}
func (h *history) CreateRelease(context.Context, NewRelease) (*Release, bool, error) {
	panic("not used")
}

// commits lists ci to cj without pull requests, as the walk's results
// print.
func commits(i, j int) []string {
	var out []string
	for ; i <= j; i++ {
		out = append(out, c(i)+" #")
	}
	return out
}

func merged(n int, sha string, labels ...string) Pull {
	return Pull{Number: n, Title: fmt.Sprintf("Change #%d", n), Base: "main", Merged: true, MergedAt: t0.Add(time.Duration(n) * time.Hour), MergeCommit: sha, Labels: labels}
}

func TestCatchUpWalk(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format string
		n      int // the event's merge is cN
		branch int
		pulls  map[int][]Pull
		// tags maps commit indexes to the tags on them the run knows;
		// recent are the lookup's recent tags, allTags whether they are
		// all of them.
		tags     map[int]string
		recent   map[int]string
		partial  bool
		wantTags []string // the merges caught up, by commit
		wantCU   CatchUp
		lookups  int
	}{
		{
			name: "a tag three merges back", format: "timestamp", n: 5, branch: 2,
			pulls:    map[int][]Pull{3: {merged(3, c(3))}, 4: {merged(4, c(4))}},
			tags:     map[int]string{2: "v20260501020000"},
			wantTags: []string{"c03 #3", "c04 #4"},
			wantCU:   CatchUp{Since: "v20260501020000", Looked: 2, Missed: 2, Note: `2 merges on "main" since v20260501020000 have no tag (their runs were cancelled or failed): they are tagged before c05, oldest first`},
		},
		{
			name: "nothing missed", format: "timestamp", n: 5,
			tags:   map[int]string{4: "v20260501040000"},
			wantCU: CatchUp{Since: "v20260501040000"},
		},
		{
			name: "the event's merge is tagged: a re-run", format: "timestamp", n: 5,
			tags:   map[int]string{2: "v20260501020000", 5: "v20260501050000"},
			wantCU: CatchUp{},
		},
		{
			name: "a tag of another format does not count", format: "semver", n: 3,
			tags:     map[int]string{1: "v1.0.0", 2: "v20260501020000"},
			pulls:    map[int][]Pull{2: {merged(2, c(2))}},
			wantTags: []string{"c02 #2"},
			wantCU:   CatchUp{Since: "v1.0.0", Looked: 1, Missed: 1, Note: `1 merge on "main" since v1.0.0 has no tag (its run was cancelled or failed): it is tagged before c03, oldest first`},
		},
		{
			name: "a rebased pull request's other commits are the event's", format: "timestamp", n: 5,
			pulls:    map[int][]Pull{3: {merged(3, c(3))}, 4: {merged(5, c(5))}, 5: {merged(5, c(5))}},
			tags:     map[int]string{2: "v20260501020000"},
			wantTags: []string{"c03 #3"},
			wantCU:   CatchUp{Since: "v20260501020000", Looked: 2, Missed: 1, Note: `1 merge on "main" since v20260501020000 has no tag (its run was cancelled or failed): it is tagged before c05, oldest first`},
		},
		{
			name: "release:none gets no tag", format: "semver", n: 5,
			pulls:    map[int][]Pull{3: {merged(3, c(3), "release:none")}, 4: {merged(4, c(4), "release:minor")}},
			tags:     map[int]string{2: "v1.0.0"},
			wantTags: []string{"c04 #4"},
			wantCU:   CatchUp{Since: "v1.0.0", Looked: 2, Missed: 1, Unreleased: 1, Note: `1 merge on "main" since v1.0.0 has no tag (its run was cancelled or failed): it is tagged before c05, oldest first`},
		},
		{
			name: "only release:none since the tag", format: "semver", n: 4,
			pulls:  map[int][]Pull{3: {merged(3, c(3), "release:none")}},
			tags:   map[int]string{2: "v1.0.0"},
			wantCU: CatchUp{Since: "v1.0.0", Looked: 1, Unreleased: 1, Note: `the 1 merge on "main" between v1.0.0 and c04 gets no tag (no release)`},
		},
		{
			name: "30 commits back", format: "timestamp", n: 32, tags: map[int]string{1: "v20260501010000"},
			wantTags: commits(2, 31),
			wantCU:   CatchUp{Since: "v20260501010000", Looked: 30, Missed: 30, Note: `30 merges on "main" since v20260501010000 have no tag (their runs were cancelled or failed): they are tagged before c32, oldest first`},
			lookups:  1,
		},
		{
			name: "31 commits back", format: "timestamp", n: 33, tags: map[int]string{1: "v20260501010000"},
			wantCU:  CatchUp{Looked: 30, Warn: true, Note: `no tag of the format "timestamp" on the 30 commits of "main" before c33 (a run looks back at most 30 commits): the 30 merges among them that have no tag, and any before them, are not caught up. To tag them, run the workflow by hand (workflow_dispatch) with sha set to a merge at most 30 commits after the newest tag: that run tags it and the merges before it`},
			lookups: 1,
		},
		{
			name: "long branches fill the history read", format: "timestamp", n: 25, branch: 30, tags: map[int]string{1: "v20260501010000"},
			wantCU:  CatchUp{Looked: 13, Warn: true, Note: `no tag of the format "timestamp" on the 13 commits of "main" before c25 (the merged branches' commits fill the 310 commits of history a run reads): the 13 merges among them that have no tag, and any before them, are not caught up. To tag them, run the workflow by hand (workflow_dispatch) with sha set to a merge at most 30 commits after the newest tag: that run tags it and the merges before it`},
			lookups: 3,
		},
		{
			name: "no tag on the line", format: "timestamp", n: 4, tags: map[int]string{},
			wantCU: CatchUp{Looked: 4, Note: `no commit of "main"'s first-parent line before c04 has a tag of the format "timestamp" (tags of it are on other branches): the 4 commits before c04 stay untagged`},
		},
		{
			name: "tags older than the recent ones are not known", format: "timestamp", n: 6,
			tags: map[int]string{1: "v20260501010000"}, recent: map[int]string{3: "deploy-3"}, partial: true,
			wantCU: CatchUp{Looked: 2, Warn: true, Note: `no tag of the format "timestamp" on the 2 commits of "main" before c06 (the tags of older commits are beyond the 100 newest tags a run reads): the 2 merges among them that have no tag, and any before them, are not caught up. To tag them, run the workflow by hand (workflow_dispatch) with sha set to a merge at most 30 commits after the newest tag: that run tags it and the merges before it`},
		},
		{
			name: "every tag is known", format: "timestamp", n: 6,
			tags:     map[int]string{1: "v20260501010000", 3: "deploy-3"},
			wantTags: []string{"c02 #", "c03 #", "c04 #", "c05 #"},
			wantCU:   CatchUp{Since: "v20260501010000", Looked: 4, Missed: 4, Note: `4 merges on "main" since v20260501010000 have no tag (their runs were cancelled or failed): they are tagged before c06, oldest first`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHistory(tc.n, tc.branch, tc.pulls)
			f, err := ParseFormat(tc.format, "v")
			if err != nil {
				t.Fatal(err)
			}
			s := &tagging{opts: Options{Format: f, Base: "main", DefaultBump: BumpPatch}, known: map[string]string{}, listed: true}
			var recent []PeeledTag
			for i, name := range tc.tags {
				recent = append(recent, PeeledTag{Name: name, Commit: c(i), CommittedAt: h.commits[c(i)].CommittedAt})
			}
			if tc.recent != nil {
				// Only these are recent: the tags above are known by
				// name (listed), not where they are.
				for _, tg := range recent {
					s.add(PeeledTag{Name: tg.Name})
				}
				recent = nil
				for i, name := range tc.recent {
					recent = append(recent, PeeledTag{Name: name, Commit: c(i), CommittedAt: h.commits[c(i)].CommittedAt})
				}
			}
			s.add(recent...)
			event := h.commits[c(tc.n)]
			first := &reading{
				m: Merge{SHA: event.SHA, Time: event.CommittedAt, Pull: func() *Pull {
					if p := tc.pulls[tc.n]; len(p) > 0 {
						return &p[0]
					}
					return nil
				}()},
				c:       &event,
				facts:   &Facts{History: h.log(event.Parents[0], historyFirst), RecentTags: recent, AllTags: !tc.partial},
				history: true,
			}
			var cu CatchUp
			missed, err := s.catchUp(context.Background(), h, first, &cu)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range missed {
				p := ""
				if m.Pull != nil {
					p = fmt.Sprint(m.Pull.Number)
				}
				got = append(got, m.SHA+" #"+p)
			}
			if strings.Join(got, ", ") != strings.Join(tc.wantTags, ", ") {
				t.Errorf("caught up %v, want %v", got, tc.wantTags)
			}
			if cu != tc.wantCU {
				t.Errorf("catch-up:\n%+v\nwant\n%+v", cu, tc.wantCU)
			}
			if h.lookups != tc.lookups {
				t.Errorf("%d more history pages read, want %d", h.lookups, tc.lookups)
			}
		})
	}
}
