package forge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// BlobAt names a file at a revision: a commit SHA (or a ref) and a
// slash-separated path.
type BlobAt struct {
	Rev, Path string
}

// Blob is a file read by Lookup.
type Blob struct {
	BlobAt
	// Found is false when there is no file at the path in that revision.
	Found bool
	Text  string
	// Binary files have no text.
	Binary bool
	// Truncated says GitHub cut the text short: Text is not the file.
	Truncated bool
	Size      int64
}

// PeeledTag is a tag with the commit it points to.
type PeeledTag struct {
	Name, Commit string
	// CommittedAt is the commit's committer time.
	CommittedAt time.Time
}

// HistoryCommit is a commit of a history Lookup lists.
type HistoryCommit struct {
	SHA string
	// Parent is the first parent; "" for a commit without one.
	Parent      string
	Message     string
	CommittedAt time.Time
	// Pulls are the pull requests GitHub associates with the commit, as
	// PullsOfCommit lists them (without State).
	Pulls []AssociatedPull
}

// Lookup asks for several things at once, each optional.
type Lookup struct {
	// Pull is the number of a pull request whose approvers to list; 0 for
	// none.
	Pull int
	// Blobs are the files to read.
	Blobs []BlobAt
	// RecentTags is how many tags to list, newest commit first, each
	// peeled to its commit (at most 100; 0 for none).
	RecentTags int
	// History is a commit SHA whose history to list, HistoryLen commits
	// of it (at most 100) from the commit itself, in git log's order; ""
	// for none.
	History    string
	HistoryLen int
	// Commits are commits (SHAs, at most 100) whose pull requests to
	// list, as PullsOfCommit lists them, each with its approvers: what
	// brought a pushed commit, read with the rest.
	Commits []string
}

// LookupResult is what Lookup found.
type LookupResult struct {
	// Approvers are the logins whose latest review of the pull request
	// approves it (reviewers with write access only), in review order.
	Approvers []string
	// PullFound is false when the pull request does not exist or could
	// not be read; PullError then says why GitHub refused it (a token
	// without pull-requests: read), empty when it does not exist.
	PullFound bool
	PullError string
	// Blobs are the files, in the order asked.
	Blobs []Blob
	// RecentTags are the tags asked for, newest commit first; AllTags
	// says they are every tag of the repository (GitHub listed fewer than
	// asked).
	RecentTags []PeeledTag
	AllTags    bool
	// History is the history asked for: the commit and its ancestors,
	// newest first as git log lists them (GitHub's Commit.history has no
	// first-parent mode: a merge's branch comes along, interleaved by
	// time).
	History []HistoryCommit
	// Pulls are the pull requests of each of Lookup.Commits, by SHA, with
	// their Approvers.
	Pulls map[string][]AssociatedPull
}

// maxLookupCommits bounds the commits whose pull requests one lookup
// reads: each may bring 5 pull requests of 100 labels and 100 reviews, and
// GitHub refuses a query of more than 500,000 nodes.
const maxLookupCommits = 100

// lookupBlobsPerQuery bounds the files of one GraphQL request: 400 aliases
// of four fields each (200 changed files, before and after), far below
// GitHub's limit of 500,000 nodes a query.
const lookupBlobsPerQuery = 400

// Lookup reads the approvers of a pull request, the text of files at given
// revisions, the most recent tags with their commits, the history of a
// commit and the pull requests of commits through GitHub's GraphQL API:
// one request for up to 400 files, one more for each further 400. Reading
// files by name costs the same whatever their number, where the REST API
// costs a request per file; and a commit's pull requests cost nothing
// more, where GET /commits/{sha}/pulls costs a request per commit.
func (c *Client) Lookup(ctx context.Context, l Lookup) (*LookupResult, error) {
	if len(l.Commits) > maxLookupCommits {
		return nil, fmt.Errorf("reading the pull requests of %d commits: a lookup reads those of at most %d", len(l.Commits), maxLookupCommits)
	}
	res := &LookupResult{}
	first := true
	for start := 0; first || start < len(l.Blobs); start += lookupBlobsPerQuery {
		end := min(start+lookupBlobsPerQuery, len(l.Blobs))
		part := Lookup{Blobs: l.Blobs[start:end]}
		if first {
			part.Pull, part.RecentTags = l.Pull, min(l.RecentTags, 100)
			part.History, part.HistoryLen = l.History, min(max(l.HistoryLen, 1), 100)
			part.Commits = l.Commits
		}
		if err := c.lookup(ctx, part, res); err != nil {
			return nil, err
		}
		first = false
	}
	return res, nil
}

func (c *Client) lookup(ctx context.Context, l Lookup, res *LookupResult) error {
	var decls, fields []string
	vars := map[string]any{"owner": c.Owner, "name": c.Repo}
	decls = append(decls, "$owner: String!", "$name: String!")
	if l.Pull > 0 {
		decls = append(decls, "$pull: Int!")
		vars["pull"] = l.Pull
		fields = append(fields, `pullRequest(number: $pull) { `+approvalsField+` }`)
	}
	for i, b := range l.Blobs {
		// Paths travel as variables: a file name may hold any character.
		v := fmt.Sprintf("b%d", i)
		decls = append(decls, "$"+v+": String!")
		vars[v] = b.Rev + ":" + b.Path
		fields = append(fields, fmt.Sprintf(`%s: object(expression: $%s) { ... on Blob { text isBinary isTruncated byteSize } }`, v, v))
	}
	if l.RecentTags > 0 {
		decls = append(decls, "$tags: Int!")
		vars["tags"] = l.RecentTags
		fields = append(fields, `tags: refs(refPrefix: "refs/tags/", first: $tags, orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) { nodes { name target { oid ... on Commit { committedDate } ... on Tag { target { oid ... on Commit { committedDate } ... on Tag { target { oid ... on Commit { committedDate } } } } } } } }`)
	}
	if l.History != "" {
		decls = append(decls, "$history: GitObjectID!", "$historyLen: Int!")
		vars["history"], vars["historyLen"] = l.History, l.HistoryLen
		fields = append(fields, `history: object(oid: $history) { ... on Commit { history(first: $historyLen) { nodes { oid message committedDate parents(first: 1) { nodes { oid } } associatedPullRequests(first: 5) { nodes { `+associatedFields+` } } } } } }`)
	}
	for i, sha := range l.Commits {
		v := fmt.Sprintf("c%d", i)
		decls = append(decls, "$"+v+": GitObjectID!")
		vars[v] = sha
		fields = append(fields, fmt.Sprintf(`%s: object(oid: $%s) { ... on Commit { associatedPullRequests(first: 5) { nodes { %s %s } } } }`, v, v, associatedFields, approvalsField))
	}
	query := "query(" + strings.Join(decls, ", ") + ") {\n  repository(owner: $owner, name: $name) {\n    " + strings.Join(fields, "\n    ") + "\n  }\n}"
	var data struct {
		Repository map[string]json.RawMessage `json:"repository"`
	}
	err := c.graphql(ctx, query, vars, &data)
	var ge *GraphQLError
	if errors.As(err, &ge) {
		// The pull request may be missing, or its reviews out of the
		// token's reach (GITHUB_TOKEN without pull-requests: read): the
		// files and tags still count.
		for _, e := range ge.Errors {
			if !reviewsPath(e.Path) {
				return fmt.Errorf("reading %s/%s: %w", c.Owner, c.Repo, err)
			}
			if e.Type != "NOT_FOUND" {
				res.PullError = e.Message
			}
		}
	} else if err != nil {
		return fmt.Errorf("reading %s/%s: %w", c.Owner, c.Repo, err)
	}
	if data.Repository == nil {
		return &NotFoundError{What: fmt.Sprintf("repository %s/%s", c.Owner, c.Repo), Err: err}
	}
	if l.Pull > 0 {
		var pr *struct {
			Reviews reviewsJSON `json:"latestOpinionatedReviews"`
		}
		if err := json.Unmarshal(data.Repository["pullRequest"], &pr); err != nil {
			return fmt.Errorf("reading the reviews of #%d: %w", l.Pull, err)
		}
		res.PullFound = pr != nil
		if pr != nil {
			res.Approvers = pr.Reviews.approvers()
		}
	}
	for i, sha := range l.Commits {
		var cm *struct {
			Pulls *struct {
				Nodes []associatedJSON `json:"nodes"`
			} `json:"associatedPullRequests"`
		}
		if err := json.Unmarshal(data.Repository[fmt.Sprintf("c%d", i)], &cm); err != nil {
			return fmt.Errorf("reading the pull requests of %s: %w", sha, err)
		}
		if cm == nil || cm.Pulls == nil {
			return &NotFoundError{What: fmt.Sprintf("commit %s of %s/%s", sha, c.Owner, c.Repo)}
		}
		if res.Pulls == nil {
			res.Pulls = map[string][]AssociatedPull{}
		}
		pulls := []AssociatedPull{}
		for _, p := range cm.Pulls.Nodes {
			ap := p.pull()
			ap.Approvers = p.Reviews.approvers()
			pulls = append(pulls, ap)
		}
		res.Pulls[sha] = pulls
	}
	for i, b := range l.Blobs {
		var blob *struct {
			Text        *string `json:"text"`
			IsBinary    bool    `json:"isBinary"`
			IsTruncated bool    `json:"isTruncated"`
			ByteSize    int64   `json:"byteSize"`
		}
		if err := json.Unmarshal(data.Repository[fmt.Sprintf("b%d", i)], &blob); err != nil {
			return fmt.Errorf("reading %q at %s: %w", b.Path, b.Rev, err)
		}
		out := Blob{BlobAt: b}
		// A path that names a tree or a submodule answers an empty object.
		if blob != nil && (blob.Text != nil || blob.IsBinary || blob.ByteSize > 0) {
			out.Found, out.Binary, out.Truncated, out.Size = true, blob.IsBinary, blob.IsTruncated, blob.ByteSize
			if blob.Text != nil {
				out.Text = *blob.Text
			}
		}
		res.Blobs = append(res.Blobs, out)
	}
	if l.RecentTags > 0 {
		type target struct {
			OID           string     `json:"oid"`
			CommittedDate *time.Time `json:"committedDate"`
			Target        *target    `json:"target"`
		}
		var tags struct {
			Nodes []struct {
				Name   string  `json:"name"`
				Target *target `json:"target"`
			} `json:"nodes"`
		}
		if err := json.Unmarshal(data.Repository["tags"], &tags); err != nil {
			return fmt.Errorf("reading the tags of %s/%s: %w", c.Owner, c.Repo, err)
		}
		res.AllTags = len(tags.Nodes) < l.RecentTags
		for _, n := range tags.Nodes {
			t := n.Target
			for t != nil && t.Target != nil {
				t = t.Target
			}
			if t != nil {
				pt := PeeledTag{Name: n.Name, Commit: t.OID}
				if t.CommittedDate != nil {
					pt.CommittedAt = t.CommittedDate.UTC()
				}
				res.RecentTags = append(res.RecentTags, pt)
			}
		}
	}
	if l.History != "" {
		h, ok, err := readHistory(data.Repository["history"])
		if err != nil {
			return fmt.Errorf("reading the history of %s: %w", l.History, err)
		}
		if !ok {
			return &NotFoundError{What: fmt.Sprintf("commit %s of %s/%s", l.History, c.Owner, c.Repo)}
		}
		res.History = h
	}
	return nil
}

// historyJSON is the answer to the history field of a lookup.
type historyJSON struct {
	History *struct {
		Nodes []struct {
			OID           string    `json:"oid"`
			Message       string    `json:"message"`
			CommittedDate time.Time `json:"committedDate"`
			Parents       struct {
				Nodes []struct {
					OID string `json:"oid"`
				} `json:"nodes"`
			} `json:"parents"`
			Pulls struct {
				Nodes []associatedJSON `json:"nodes"`
			} `json:"associatedPullRequests"`
		} `json:"nodes"`
	} `json:"history"`
}

// associatedFields are the fields of a pull request a commit's
// associatedPullRequests select in a lookup, for associatedJSON.
const associatedFields = `number title body url author { __typename login } labels(first: 100) { nodes { name } } baseRefName headRefName mergedAt mergeCommit { oid }`

// approvalsField selects a pull request's reviews for reviewsJSON: the
// latest that says yes or no of each reviewer with write access.
const approvalsField = `latestOpinionatedReviews(first: 100, writersOnly: true) { nodes { state author { login } } }`

// reviewsJSON is the answer to approvalsField.
type reviewsJSON struct {
	Nodes []struct {
		State  string `json:"state"`
		Author *struct {
			Login string `json:"login"`
		} `json:"author"`
	} `json:"nodes"`
}

// approvers are the logins whose latest review approves, in review order.
func (r reviewsJSON) approvers() []string {
	var out []string
	for _, n := range r.Nodes {
		// A deleted account (ghost) has no author.
		if n.State == "APPROVED" && n.Author != nil {
			out = append(out, n.Author.Login)
		}
	}
	return out
}

// reviewsPath reports whether a GraphQL error's path is that of a pull
// request's reviews: the pull request of a lookup (missing, or out of
// reach), or the reviews of a commit's pull request.
func reviewsPath(path []any) bool {
	if len(path) >= 2 && path[1] == "pullRequest" {
		return true
	}
	return slices.Contains(path, any("latestOpinionatedReviews"))
}

// associatedJSON is a pull request of a commit's associatedPullRequests,
// as the client's queries select it (each some of these fields).
type associatedJSON struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	URL    string `json:"url"`
	Author *struct {
		Type  string `json:"__typename"`
		Login string `json:"login"`
	} `json:"author"`
	Labels struct {
		Nodes []struct {
			Name string `json:"name"`
		} `json:"nodes"`
	} `json:"labels"`
	Base        string     `json:"baseRefName"`
	Head        string     `json:"headRefName"`
	MergedAt    *time.Time `json:"mergedAt"`
	MergeCommit *struct {
		OID string `json:"oid"`
	} `json:"mergeCommit"`
	Reviews reviewsJSON `json:"latestOpinionatedReviews"`
}

// pull is the pull request as PullsOfCommit lists it (without State).
func (p associatedJSON) pull() AssociatedPull {
	ap := AssociatedPull{PullRequest: PullRequest{Number: p.Number, Title: p.Title, Body: p.Body, URL: p.URL, Base: p.Base, Head: p.Head}}
	if p.Author != nil {
		// REST names a bot app[bot]; GraphQL's Bot.login is app.
		ap.Author = p.Author.Login
		if p.Author.Type == "Bot" {
			ap.Author += "[bot]"
		}
	}
	for _, l := range p.Labels.Nodes {
		ap.Labels = append(ap.Labels, l.Name)
	}
	// A pull request not merged has neither.
	if p.MergedAt != nil && p.MergeCommit != nil {
		ap.MergedAt, ap.MergeCommitSHA = p.MergedAt.UTC(), p.MergeCommit.OID
	}
	return ap
}

// readHistory reads the history field of a lookup's answer; ok is false
// when it is null (a commit GitHub does not have).
func readHistory(raw json.RawMessage) (_ []HistoryCommit, ok bool, _ error) {
	var obj *historyJSON
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, false, err
	}
	if obj == nil || obj.History == nil {
		return nil, false, nil
	}
	var out []HistoryCommit
	for _, n := range obj.History.Nodes {
		hc := HistoryCommit{SHA: n.OID, Message: n.Message, CommittedAt: n.CommittedDate.UTC()}
		if len(n.Parents.Nodes) > 0 {
			hc.Parent = n.Parents.Nodes[0].OID
		}
		for _, p := range n.Pulls.Nodes {
			hc.Pulls = append(hc.Pulls, p.pull())
		}
		out = append(out, hc)
	}
	return out, true, nil
}
