package release

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// pushed is a GitHub that answers a push's compare and the lookups of its
// commits' pull requests, and counts them.
type pushed struct {
	history
	cmp      Comparison
	pulls    map[string][]Pull
	compares int
	lookups  [][]string
}

func (p *pushed) Compare(context.Context, string, string) (*Comparison, error) {
	p.compares++
	return &p.cmp, nil
}

func (p *pushed) Lookup(_ context.Context, l Lookup) (*Facts, error) {
	if l.History != "" || l.Pull != 0 || len(l.Blobs) > 0 || l.RecentTags > 0 {
		return nil, fmt.Errorf("unexpected lookup %+v", l)
	}
	p.lookups = append(p.lookups, l.Commits)
	out := &Facts{Pulls: map[string][]Pull{}}
	for _, sha := range l.Commits {
		out.Pulls[sha] = p.pulls[sha]
	}
	return out, nil
}

// TestPlanPush: the push of one commit is planned from the compare alone,
// its pull request left for the tag's lookup, and its files taken from the
// compare when they are its own (it comes right after before, the compare
// is complete); the push of several reads all their pull requests in one
// lookup, and a pull request rebased as several commits is one merge.
func TestPlanPush(t *testing.T) {
	files := []File{{Path: "environments/staging/app.yaml", Status: "modified"}}
	one := Commit{SHA: "m1", Parents: []string{"b0", "f1"}, Message: "Merge pull request #1", Author: "ann"}
	for _, tc := range []struct {
		name string
		cmp  Comparison
		// want: each merge as SHA #pull, "?" for a pull request left for
		// the tag's lookup, "+files" when the compare gave its commit.
		want    []string
		lookups [][]string
	}{
		{
			name: "one merge commit",
			cmp:  Comparison{Commits: []Commit{{SHA: "f1", Parents: []string{"b0"}}, one}, Files: files, Complete: true},
			want: []string{"m1 ? +files"},
		},
		{
			name: "more files than the compare lists",
			cmp:  Comparison{Commits: []Commit{{SHA: "f1", Parents: []string{"b0"}}, one}, Files: files},
			want: []string{"m1 ?"},
		},
		{
			name: "the line's commit after a commit the compare left out",
			cmp:  Comparison{Commits: []Commit{{SHA: "d2", Parents: []string{"d1"}}}, Complete: true},
			want: []string{"d2 ?"},
		},
		{
			name: "a merge queue, a rebase of two commits among it",
			cmp: Comparison{Commits: []Commit{
				{SHA: "m1", Parents: []string{"b0", "f1"}}, {SHA: "r1", Parents: []string{"m1"}}, {SHA: "r2", Parents: []string{"r1"}}, {SHA: "d3", Parents: []string{"r2"}},
			}, Files: files, Complete: true},
			want:    []string{"m1 #1", "r2 #2", "d3 #"},
			lookups: [][]string{{"m1", "r1", "r2", "d3"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := tc.cmp.Commits[len(tc.cmp.Commits)-1].SHA
			gh := &pushed{cmp: tc.cmp, pulls: map[string][]Pull{
				"m1": {merged(1, "m1")}, "r1": {merged(2, "r2")}, "r2": {merged(2, "r2")},
			}}
			merges, none, err := Plan(context.Background(), gh, Event{Name: "push", Ref: "refs/heads/main", Before: "b0", After: after}, "main")
			if err != nil || none != "" {
				t.Fatalf("Plan: %v, %q", err, none)
			}
			var got []string
			for _, m := range merges {
				s := m.SHA + " #"
				switch {
				case m.pullUnread:
					s = m.SHA + " ?"
				case m.Pull != nil:
					s += fmt.Sprint(m.Pull.Number)
				}
				if m.commit != nil {
					s += " +files"
					if !reflect.DeepEqual(m.commit.Files, files) || !m.commit.Complete || m.commit.Author != "ann" {
						t.Errorf("the compare's commit: %+v", m.commit)
					}
				}
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("merges %v, want %v", got, tc.want)
			}
			if gh.compares != 1 || !reflect.DeepEqual(gh.lookups, tc.lookups) {
				t.Errorf("%d compares and lookups %v, want 1 and %v", gh.compares, gh.lookups, tc.lookups)
			}
		})
	}
	t.Run("a push of 150 commits", func(t *testing.T) {
		gh := &pushed{}
		for i := range 150 {
			c := Commit{SHA: fmt.Sprintf("d%03d", i), Parents: []string{fmt.Sprintf("d%03d", i-1)}}
			if i == 0 {
				c.Parents = []string{"b0"}
			}
			gh.cmp.Commits = append(gh.cmp.Commits, c)
		}
		merges, _, err := Plan(context.Background(), gh, Event{Name: "push", Ref: "refs/heads/main", Before: "b0", After: "d149"}, "main")
		if err != nil || len(merges) != 150 {
			t.Fatalf("Plan: %d merges, %v; want 150", len(merges), err)
		}
		if len(gh.lookups) != 2 || len(gh.lookups[0]) != 100 || len(gh.lookups[1]) != 50 {
			t.Errorf("lookups of %d commits, want 100 then 50", len(gh.lookups))
		}
	})
}
