package promotion

import (
	"context"
	"sort"
	"time"
)

// GitHub is what the engine asks GitHub.
type GitHub interface {
	// Blame returns, for each file at rev, the changes that last wrote its
	// lines; a file GitHub cannot blame is missing from the answer.
	Blame(ctx context.Context, rev string, paths []string) (map[string][]Lines, error)
}

// Lines are lines Start to End (1-based, inclusive) of a file, and the
// change that last wrote them.
type Lines struct {
	Start, End int
	Origin
}

// Origin is a change that wrote a line: its commit, the pull request that
// merged it, and, when gitops-actions made the commit, the run that asked
// for it (its provenance trailers).
type Origin struct {
	Commit, Subject string
	// CommittedAt is the commit's committer time.
	CommittedAt time.Time
	Pull        *PullRef
	// SourceRepository, SourceCommit and RunURL are the commit's
	// Source-Repository, Source-Commit and Workflow-Run trailers.
	SourceRepository, SourceCommit, RunURL string
}

// PullRef names a pull request.
type PullRef struct {
	Number     int
	Title, URL string
	// Base is the branch it was opened against; MergeCommit and MergedAt
	// say where and when it landed there, once merged.
	Base        string
	MergeCommit string
	MergedAt    time.Time
}

// Origins fills in each promotion's Origin from the blame of its source
// line at rev (From's revision): one request for every file. A version
// whose origin is unknown keeps a nil Origin.
func Origins(ctx context.Context, gh GitHub, rev string, ps []Promotion) error {
	var files []string
	seen := map[string]bool{}
	for _, p := range ps {
		if f := p.Source.File; f != "" && !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil
	}
	sort.Strings(files)
	blame, err := gh.Blame(ctx, rev, files)
	if err != nil {
		return err
	}
	for i := range ps {
		for _, l := range blame[ps[i].Source.File] {
			if l.Start <= ps[i].Source.Line && ps[i].Source.Line <= l.End {
				o := l.Origin
				ps[i].Origin = &o
			}
		}
	}
	return nil
}
