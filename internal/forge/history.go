package forge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/go-github/v60/github"
)

// ListCommits lists up to n commits reachable from ref (a branch, a tag or
// a SHA), newest first, in one request (n is at most 100). With path, only
// the commits that change it are listed, as git log -- path lists them: a
// merge commit that took one side as it was is left out, the commits of
// that side are not.
func (c *Client) ListCommits(ctx context.Context, ref, path string, n int) ([]Commit, error) {
	n = min(max(n, 1), 100)
	rcs, _, err := c.GH.Repositories.ListCommits(ctx, c.Owner, c.Repo, &github.CommitsListOptions{SHA: ref, Path: path, ListOptions: github.ListOptions{PerPage: n}})
	if err != nil {
		if code := StatusCode(err); code == http.StatusNotFound || code == http.StatusUnprocessableEntity {
			return nil, &NotFoundError{What: fmt.Sprintf("%q of %s/%s", ref, c.Owner, c.Repo), Err: err}
		}
		return nil, fmt.Errorf("listing the commits of %q: %w", ref, err)
	}
	var out []Commit
	for _, rc := range rcs {
		cm := Commit{SHA: rc.GetSHA(), Message: rc.GetCommit().GetMessage(), Tree: rc.GetCommit().GetTree().GetSHA()}
		for _, p := range rc.Parents {
			cm.Parents = append(cm.Parents, p.GetSHA())
		}
		out = append(out, cm)
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// GetPull reads one pull request, in one request; one that does not exist
// is a *NotFoundError.
func (c *Client) GetPull(ctx context.Context, number int) (*AssociatedPull, error) {
	p, err := c.pull(ctx, number)
	if err != nil {
		if IsNotFound(err) {
			return nil, &NotFoundError{What: fmt.Sprintf("pull request #%d of %s/%s", number, c.Owner, c.Repo), Err: err}
		}
		return nil, fmt.Errorf("reading pull request #%d: %w", number, err)
	}
	c.noteRepositoryID(p.GetBase().GetRepo().GetNodeID())
	ap := &AssociatedPull{
		PullRequest: *pullFrom(p), Author: p.GetUser().GetLogin(), State: p.GetState(),
		MergedAt: p.GetMergedAt().Time, MergeCommitSHA: p.GetMergeCommitSHA(),
	}
	for _, l := range p.Labels {
		ap.Labels = append(ap.Labels, l.GetName())
	}
	return ap, nil
}

// BlameRange is lines Start to End (1-based, inclusive) of a file and the
// commit that last changed them.
type BlameRange struct {
	Start, End int
	Commit     string
	Message    string
	// CommittedAt is the commit's committer time.
	CommittedAt time.Time
	// Pull is the pull request that brought the commit, if GitHub knows
	// one: its number, title, URL and base, and when it was merged, its
	// merge time and merge commit.
	Pull *AssociatedPull
}

// blamePathsPerQuery bounds the files of one blame query: GitHub computes
// each blame on request, and a query that takes too long fails whole.
const blamePathsPerQuery = 20

// Blame reads, for each file at rev, the commit that last changed each
// line and the pull request that brought it, through GraphQL's
// Commit.blame: one request for up to 20 files. A file GitHub cannot blame
// (missing at rev, too large) has no entry; the others stand.
func (c *Client) Blame(ctx context.Context, rev string, paths []string) (map[string][]BlameRange, error) {
	out := map[string][]BlameRange{}
	for start := 0; start < len(paths); start += blamePathsPerQuery {
		if err := c.blame(ctx, rev, paths[start:min(start+blamePathsPerQuery, len(paths))], out); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (c *Client) blame(ctx context.Context, rev string, paths []string, out map[string][]BlameRange) error {
	decls := "$owner: String!, $name: String!, $rev: String!"
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "rev": rev}
	fields := ""
	for i, p := range paths {
		// Paths travel as variables: a file name may hold any character.
		v := "p" + strconv.Itoa(i)
		decls += ", $" + v + ": String!"
		vars[v] = p
		fields += fmt.Sprintf("\n        f%d: blame(path: $%s) { ranges { startingLine endingLine commit { oid message committedDate associatedPullRequests(first: 1) { nodes { number title url baseRefName mergedAt mergeCommit { oid } } } } } }", i, v)
	}
	query := "query(" + decls + ") {\n  repository(owner: $owner, name: $name) {\n    object(expression: $rev) {\n      ... on Commit {" + fields + "\n      }\n    }\n  }\n}"
	var data struct {
		Repository *struct {
			Object map[string]json.RawMessage `json:"object"`
		} `json:"repository"`
	}
	err := c.graphql(ctx, query, vars, &data)
	var ge *GraphQLError
	if errors.As(err, &ge) {
		// A file that cannot be blamed fails its own field only.
		for _, e := range ge.Errors {
			if len(e.Path) < 3 {
				return fmt.Errorf("blaming files at %s: %w", rev, err)
			}
		}
	} else if err != nil {
		return fmt.Errorf("blaming files at %s: %w", rev, err)
	}
	if data.Repository == nil {
		return &NotFoundError{What: fmt.Sprintf("repository %s/%s", c.Owner, c.Repo), Err: err}
	}
	if data.Repository.Object == nil {
		return &NotFoundError{What: fmt.Sprintf("commit %q of %s/%s", rev, c.Owner, c.Repo), Err: err}
	}
	for i, p := range paths {
		var b *struct {
			Ranges []struct {
				Start  int `json:"startingLine"`
				End    int `json:"endingLine"`
				Commit struct {
					OID           string    `json:"oid"`
					Message       string    `json:"message"`
					CommittedDate time.Time `json:"committedDate"`
					Pulls         struct {
						Nodes []associatedJSON `json:"nodes"`
					} `json:"associatedPullRequests"`
				} `json:"commit"`
			} `json:"ranges"`
		}
		raw, ok := data.Repository.Object["f"+strconv.Itoa(i)]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return fmt.Errorf("reading the blame of %q: %w", p, err)
		}
		if b == nil {
			continue
		}
		ranges := []BlameRange{}
		for _, r := range b.Ranges {
			br := BlameRange{Start: r.Start, End: r.End, Commit: r.Commit.OID, Message: r.Commit.Message, CommittedAt: r.Commit.CommittedDate.UTC()}
			if n := r.Commit.Pulls.Nodes; len(n) > 0 {
				p := n[0].pull()
				br.Pull = &p
			}
			ranges = append(ranges, br)
		}
		out[p] = ranges
	}
	return nil
}
