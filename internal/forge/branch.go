package forge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/archive"
	"github.com/gitops-actions/gitops-actions/internal/memfs"
)

// BranchQuery names what ReadBranch reads.
type BranchQuery struct {
	// Base is the branch the pull requests go into; Branch their head.
	Base, Branch string
	// Trees are directories (slash paths from the repository root, "."
	// for all of it) whose files are read at the base's head, TipTrees
	// those read at the branch's head, in the same request.
	Trees, TipTrees []string
}

// BranchState is a branch and its base as one request read them.
type BranchState struct {
	// Base is the base branch's head, with its tree.
	Base Commit
	// BaseFiles are the files under BranchQuery.Trees at Base; nil when
	// none were asked, or when the answer could not hold them whole (a
	// binary or truncated file, a tree deeper than the query reaches, an
	// answer too large, a query GitHub refused): read them from an
	// archive then.
	BaseFiles *Snapshot
	// Tip is the branch's head, nil when the branch does not exist;
	// TipFiles are its files under BranchQuery.TipTrees, as BaseFiles are
	// Base's.
	Tip      *Commit
	TipFiles *Snapshot
	// Ahead are the branch's commits that the base lacks, oldest first;
	// AheadComplete is false when GitHub listed only some of them.
	Ahead         []Commit
	AheadComplete bool
	// Open is the open pull request from the branch into the base;
	// Previous the latest one merged or closed. Either may be nil.
	Open, Previous *BranchPull
}

// BranchPull is a pull request from a branch, as ReadBranch reads it.
type BranchPull struct {
	PullRequest
	// State is GitHub's: OPEN, CLOSED or MERGED.
	State string
	Draft bool
	// Labels and Assignees are the pull request's (the first hundred).
	Labels, Assignees []string
	// AutoMerge is the method auto-merge is enabled with (MERGE, SQUASH,
	// REBASE); empty when it is off.
	AutoMerge string
}

// treeDepth is how deep below each of BranchQuery.Trees the query reads;
// a deeper tree leaves the snapshot to an archive.
const treeDepth = 8

// pullsPerBranch bounds the pull requests read from a branch, newest
// first: the open one and the latest finished one are among them unless
// the branch had that many more.
const pullsPerBranch = 20

// ReadBranch reads in one GraphQL request what a change to a branch of the
// tool's needs to know first: the base's head, the branch's head, the
// branch's commits the base lacks (their messages say whose they are),
// the open pull request from the branch and the latest finished one, and
// the files under q.Trees at the base's head and under q.TipTrees at the
// branch's. The repository's node ID comes with it (see RepositoryID). A
// base that does not exist is a *NotFoundError; a branch that does not
// exist is a nil Tip. When the files make the answer too large to read, or
// GitHub refuses the query that asks for them, the rest is read again
// without them (nil).
func (c *Client) ReadBranch(ctx context.Context, q BranchQuery) (*BranchState, error) {
	st, err := c.readBranch(ctx, q)
	var big *answerTooLargeError
	if (errors.As(err, &big) || errors.As(err, new(*GraphQLError))) && len(q.Trees)+len(q.TipTrees) > 0 {
		q.Trees, q.TipTrees = nil, nil
		st, err = c.readBranch(ctx, q)
	}
	return st, err
}

func (c *Client) readBranch(ctx context.Context, q BranchQuery) (*BranchState, error) {
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "base": "refs/heads/" + q.Base, "branch": "refs/heads/" + q.Branch}
	decls := "$owner: String!, $name: String!, $base: String!, $branch: String!"
	fields := func(prefix string, dirs []string) string {
		var out []string
		for i, t := range dirs {
			v := prefix + strconv.Itoa(i)
			t = strings.Trim(path.Clean(t), "/")
			if t == "" || t == "." {
				out = append(out, v+": tree { ...E1 }")
				continue
			}
			decls += ", $" + v + ": String!"
			vars[v] = t
			out = append(out, fmt.Sprintf("%s: file(path: $%s) { name type mode object { ... on Blob { ...B } ... on Tree { ...E1 } } }", v, v))
		}
		if len(out) == 0 {
			return ""
		}
		return "... on Commit { " + strings.Join(out, " ") + " }"
	}
	baseTrees, tipTrees := fields("t", q.Trees), fields("u", q.TipTrees)
	query := "query(" + decls + `) {
  repository(owner: $owner, name: $name) {
    id
    base: ref(qualifiedName: $base) {
      target { ...C ` + baseTrees + ` }
      compare(headRef: $branch) { commits(first: 100) { totalCount nodes { oid message tree { oid } parents(first: 2) { nodes { oid } } signature { isValid } } } }
    }
    branch: ref(qualifiedName: $branch) {
      target { ...C ` + tipTrees + ` }
      associatedPullRequests(first: ` + strconv.Itoa(pullsPerBranch) + `, orderBy: {field: CREATED_AT, direction: DESC}) {
        nodes { id number url title body state isDraft headRefName headRefOid baseRefName labels(first: 100) { nodes { name } } assignees(first: 100) { nodes { login } } autoMergeRequest { mergeMethod } }
      }
    }
  }
}
fragment C on Commit { oid message tree { oid } parents(first: 2) { nodes { oid } } signature { isValid } }
`
	if baseTrees+tipTrees != "" {
		// GraphQL refuses a fragment no field uses.
		query += treeFragments()
	}
	var data struct {
		Repository *struct {
			ID   string `json:"id"`
			Base *struct {
				Target  json.RawMessage `json:"target"`
				Compare *struct {
					Commits struct {
						TotalCount int          `json:"totalCount"`
						Nodes      []commitJSON `json:"nodes"`
					} `json:"commits"`
				} `json:"compare"`
			} `json:"base"`
			Branch *struct {
				Target json.RawMessage `json:"target"`
				Pulls  struct {
					Nodes []pullJSON `json:"nodes"`
				} `json:"associatedPullRequests"`
			} `json:"branch"`
		} `json:"repository"`
	}
	err := c.graphql(ctx, query, vars, &data)
	var ge *GraphQLError
	if errors.As(err, &ge) {
		for _, e := range ge.Errors {
			// The comparison of a branch that does not exist fails alone.
			if len(e.Path) == 0 || e.Path[len(e.Path)-1] != "compare" {
				return nil, fmt.Errorf("reading branch %q of %s/%s: %w", q.Branch, c.Owner, c.Repo, err)
			}
		}
	} else if err != nil {
		if strings.Contains(err.Error(), "reading GitHub's GraphQL answer") {
			return nil, &answerTooLargeError{err}
		}
		return nil, fmt.Errorf("reading branch %q of %s/%s: %w", q.Branch, c.Owner, c.Repo, err)
	}
	if data.Repository == nil {
		return nil, &NotFoundError{What: fmt.Sprintf("repository %s/%s", c.Owner, c.Repo), Err: err}
	}
	c.noteRepositoryID(data.Repository.ID)
	if data.Repository.Base == nil {
		return nil, &NotFoundError{What: fmt.Sprintf("branch %q of %s/%s", q.Base, c.Owner, c.Repo)}
	}
	st := &BranchState{}
	base, baseFiles, err := readHead(data.Repository.Base.Target, "t", q.Trees)
	if err != nil || base == nil {
		return nil, fmt.Errorf("reading branch %q of %s/%s: its head is no commit (%v)", q.Base, c.Owner, c.Repo, err)
	}
	st.Base, st.BaseFiles = *base, baseFiles
	if b := data.Repository.Branch; b != nil {
		if st.Tip, st.TipFiles, err = readHead(b.Target, "u", q.TipTrees); err != nil {
			return nil, fmt.Errorf("reading branch %q of %s/%s: %w", q.Branch, c.Owner, c.Repo, err)
		}
		for _, p := range b.Pulls.Nodes {
			if p.BaseRefName != q.Base || p.HeadRefName != q.Branch {
				continue
			}
			bp := p.pull()
			switch {
			case bp.State == "OPEN" && st.Open == nil:
				st.Open = bp
			case bp.State != "OPEN" && st.Previous == nil:
				st.Previous = bp
			}
		}
	}
	if cmp := data.Repository.Base.Compare; cmp != nil && st.Tip != nil {
		for _, n := range cmp.Commits.Nodes {
			st.Ahead = append(st.Ahead, n.commit())
		}
		st.AheadComplete = cmp.Commits.TotalCount <= len(cmp.Commits.Nodes)
	} else {
		st.AheadComplete = st.Tip == nil
	}
	return st, nil
}

// answerTooLargeError is a GraphQL answer that could not be read whole.
type answerTooLargeError struct{ err error }

func (e *answerTooLargeError) Error() string { return e.err.Error() }
func (e *answerTooLargeError) Unwrap() error { return e.err }

// commitJSON is a commit as the queries of this file read it.
type commitJSON struct {
	OID     string `json:"oid"`
	Message string `json:"message"`
	Tree    struct {
		OID string `json:"oid"`
	} `json:"tree"`
	Parents struct {
		Nodes []struct {
			OID string `json:"oid"`
		} `json:"nodes"`
	} `json:"parents"`
	Signature *struct {
		IsValid bool `json:"isValid"`
	} `json:"signature"`
}

func (c commitJSON) commit() Commit {
	cm := Commit{SHA: c.OID, Message: c.Message, Tree: c.Tree.OID, Verified: c.Signature != nil && c.Signature.IsValid}
	for _, p := range c.Parents.Nodes {
		cm.Parents = append(cm.Parents, p.OID)
	}
	return cm
}

// pullJSON is a pull request as ReadBranch reads it.
type pullJSON struct {
	ID          string `json:"id"`
	Number      int    `json:"number"`
	URL         string `json:"url"`
	Title       string `json:"title"`
	Body        string `json:"body"`
	State       string `json:"state"`
	IsDraft     bool   `json:"isDraft"`
	HeadRefName string `json:"headRefName"`
	HeadRefOID  string `json:"headRefOid"`
	BaseRefName string `json:"baseRefName"`
	Labels      struct {
		Nodes []struct {
			Name string `json:"name"`
		} `json:"nodes"`
	} `json:"labels"`
	Assignees struct {
		Nodes []struct {
			Login string `json:"login"`
		} `json:"nodes"`
	} `json:"assignees"`
	AutoMerge *struct {
		MergeMethod string `json:"mergeMethod"`
	} `json:"autoMergeRequest"`
}

func (p pullJSON) pull() *BranchPull {
	bp := &BranchPull{
		PullRequest: PullRequest{Number: p.Number, URL: p.URL, NodeID: p.ID, Head: p.HeadRefName, HeadSHA: p.HeadRefOID, Base: p.BaseRefName, Title: p.Title, Body: p.Body},
		State:       p.State, Draft: p.IsDraft,
	}
	for _, l := range p.Labels.Nodes {
		bp.Labels = append(bp.Labels, l.Name)
	}
	for _, a := range p.Assignees.Nodes {
		bp.Assignees = append(bp.Assignees, a.Login)
	}
	if p.AutoMerge != nil {
		bp.AutoMerge = p.AutoMerge.MergeMethod
	}
	return bp
}

// treeFragments are the fragments the trees of ReadBranch are read with:
// B, a blob's text, and E1 to E<treeDepth>, the entries of a tree at each
// depth. The last depth names its trees without their entries, which
// makes the snapshot incomplete.
func treeFragments() string {
	var b strings.Builder
	b.WriteString("fragment B on Blob { text isBinary isTruncated byteSize }\n")
	for d := 1; d <= treeDepth; d++ {
		sub := "... on Tree { oid }"
		if d < treeDepth {
			sub = fmt.Sprintf("... on Tree { ...E%d }", d+1)
		}
		fmt.Fprintf(&b, "fragment E%d on Tree { entries { name type mode object { ... on Blob { ...B } %s } } }\n", d, sub)
	}
	return b.String()
}

// treeJSON is a tree entry, or the tree a query asked for, as answered:
// type and mode are the entry's, object its blob or tree.
type treeJSON struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Mode   int    `json:"mode"`
	Object *struct {
		Text        *string    `json:"text"`
		IsBinary    bool       `json:"isBinary"`
		IsTruncated bool       `json:"isTruncated"`
		ByteSize    int64      `json:"byteSize"`
		Entries     []treeJSON `json:"entries"`
	} `json:"object"`
	// Entries are set for the root (tree { ... }).
	Entries []treeJSON `json:"entries"`
}

// readHead decodes a ref's target: the commit, and when trees were asked
// (as fields prefix0, prefix1, ...) the snapshot of them (nil when
// incomplete). A target that is no commit is nil.
func readHead(raw json.RawMessage, prefix string, trees []string) (*Commit, *Snapshot, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil, nil
	}
	var cj commitJSON
	if err := json.Unmarshal(raw, &cj); err != nil {
		return nil, nil, err
	}
	if cj.OID == "" {
		return nil, nil, nil
	}
	cm := cj.commit()
	if len(trees) == 0 {
		return &cm, nil, nil
	}
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, nil, err
	}
	sb := &snapshotBuilder{snap: &Snapshot{SHA: cm.SHA}, files: map[string]*memfs.File{}}
	for i, t := range trees {
		var tj *treeJSON
		if err := json.Unmarshal(parts[prefix+strconv.Itoa(i)], &tj); err != nil {
			return nil, nil, err
		}
		if tj == nil {
			continue // no such path at this commit: the snapshot says so
		}
		dir := strings.Trim(path.Clean(t), "/")
		if dir == "." || dir == "" {
			sb.entries("", tj.Entries, 1)
			continue
		}
		tj.Name = path.Base(dir)
		sb.entry(path.Dir(dir), *tj, 0)
	}
	if sb.incomplete {
		return &cm, nil, nil
	}
	sb.snap.FS = memfs.New(sb.files)
	return &cm, sb.snap, nil
}

// snapshotBuilder turns tree entries into a Snapshot with the rules of an
// archive (see package archive): regular files and directories only,
// symbolic links listed as skipped, names checked, sizes bounded. Anything
// the answer does not hold whole makes it incomplete.
type snapshotBuilder struct {
	snap *Snapshot
	// files become snap.FS once the builder has filled them.
	files      map[string]*memfs.File
	bytes      int64
	incomplete bool
}

// Git's modes, as GitHub's GraphQL API numbers them.
const (
	gitModeSymlink    = 0o120000
	gitModeExecutable = 0o100755
)

func (b *snapshotBuilder) entries(dir string, es []treeJSON, depth int) {
	for _, e := range es {
		b.entry(dir, e, depth)
	}
}

func (b *snapshotBuilder) entry(dir string, e treeJSON, depth int) {
	name := path.Join(dir, e.Name)
	if dir == "." {
		name = e.Name
	}
	if !fs.ValidPath(name) || name == "." || len(b.files) >= archive.DefaultMaxEntries {
		b.incomplete = true
		return
	}
	switch {
	case e.Type == "commit":
		// A submodule: archives hold none of its files either.
	case e.Type == "tree":
		if e.Object == nil || e.Object.Entries == nil && depth >= treeDepth {
			b.incomplete = true
			return
		}
		b.files[name] = &memfs.File{Mode: fs.ModeDir | 0o755}
		b.entries(name, e.Object.Entries, depth+1)
	case e.Mode == gitModeSymlink:
		b.snap.Skipped = append(b.snap.Skipped, archive.Skipped{Name: name, Reason: archive.ReasonSymlink})
	case e.Object == nil || e.Object.Text == nil || e.Object.IsBinary || e.Object.IsTruncated || int64(len(*e.Object.Text)) != e.Object.ByteSize:
		b.incomplete = true
	default:
		b.bytes += e.Object.ByteSize
		if b.bytes > MaxArchiveBytes {
			b.incomplete = true
			return
		}
		mode := fs.FileMode(0o644)
		if e.Mode == gitModeExecutable {
			mode = 0o755
		}
		b.files[name] = &memfs.File{Data: []byte(*e.Object.Text), Mode: mode}
	}
}

// PlainFiles reports whether every file is a regular, non-executable file
// or a removal: what CommitOnBranch can write.
func PlainFiles(files []File) bool {
	for _, f := range files {
		if !f.Delete && f.Mode != "" && f.Mode != "100644" {
			return false
		}
	}
	return true
}

// errNotPlain is CommitOnBranch asked to write what it cannot.
var errNotPlain = errors.New("createCommitOnBranch writes mode 100644 only: use CreateCommit for executable files and links")

// CommitOnBranch adds one commit of files on top of branch, in one request
// (GraphQL createCommitOnBranch), only if the branch still points at
// expected: a fast-forward and a compare-and-swap at once. GitHub makes
// the commit as the token's identity and signs it. A branch found
// elsewhere is a *RefMovedError, and nothing changed. Every file must be
// plain (see PlainFiles). After an unknown outcome the branch is read: a
// commit on expected with this message is this one's.
func (c *Client) CommitOnBranch(ctx context.Context, branch, expected string, files []File, message string) (Commit, error) {
	if !PlainFiles(files) {
		return Commit{}, errNotPlain
	}
	adds, dels := []any{}, []any{}
	for _, f := range files {
		if f.Delete {
			dels = append(dels, map[string]any{"path": f.Path})
			continue
		}
		adds = append(adds, map[string]any{"path": f.Path, "contents": base64.StdEncoding.EncodeToString(f.Content)})
	}
	headline, body, _ := strings.Cut(strings.TrimRight(message, "\n"), "\n")
	body = strings.TrimLeft(body, "\n")
	const mutation = `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid signature { isValid } } } }`
	vars := map[string]any{"input": map[string]any{
		"branch":          map[string]any{"repositoryNameWithOwner": c.Owner + "/" + c.Repo, "branchName": branch},
		"expectedHeadOid": expected,
		"message":         map[string]any{"headline": headline, "body": body},
		"fileChanges":     map[string]any{"additions": adds, "deletions": dels},
	}}
	var out struct {
		CreateCommitOnBranch *struct {
			Commit struct {
				OID       string `json:"oid"`
				Signature *struct {
					IsValid bool `json:"isValid"`
				} `json:"signature"`
			} `json:"commit"`
		} `json:"createCommitOnBranch"`
	}
	var found Commit
	ours := func(ctx context.Context) (bool, error) {
		head, err := c.BranchHead(ctx, branch)
		if err != nil {
			var nf *NotFoundError
			if errors.As(err, &nf) {
				return false, nil
			}
			return false, err
		}
		if len(head.Parents) == 1 && head.Parents[0] == expected && sameMessage(head.Message, headline, body) {
			found = head
			return true, nil
		}
		return false, nil
	}
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		return c.graphql(ctx, mutation, vars, &out)
	}, ours)
	switch {
	case err == nil && out.CreateCommitOnBranch != nil:
		r := out.CreateCommitOnBranch.Commit
		verified := r.Signature != nil && r.Signature.IsValid
		return Commit{SHA: r.OID, Message: message, Parents: []string{expected}, Verified: verified}, nil
	case err == nil && found.SHA != "":
		return found, nil
	case err == nil:
		return Commit{}, fmt.Errorf("committing on branch %q: GitHub answered no commit", branch)
	case !errors.As(err, new(*GraphQLError)):
		return Commit{}, fmt.Errorf("committing on branch %q: %w", branch, err)
	}
	// GitHub refused the commit. Its wording is not the client's to parse:
	// the branch says whether it moved (or an earlier try took effect).
	if ok, cerr := ours(ctx); cerr == nil && ok {
		return found, nil
	}
	got, ok, cerr := c.BranchSHA(ctx, branch)
	switch {
	case cerr != nil:
		return Commit{}, fmt.Errorf("committing on branch %q: %w (then reading it failed: %v)", branch, err, cerr)
	case !ok || got != expected:
		return Commit{}, &RefMovedError{Branch: branch, Expected: expected, Actual: got}
	case staleData(err):
		// The branch was elsewhere when GitHub compared, and is back at
		// expected now: another run moved it away and back (to the base,
		// then to its own commit, which was refused in turn). It moved.
		return Commit{}, &RefMovedError{Branch: branch, Expected: expected, Actual: got}
	}
	return Commit{}, fmt.Errorf("committing on branch %q at %s: %w", branch, short(expected), err)
}

// staleData reports whether GitHub refused a mutation because what it was
// given to compare (createCommitOnBranch's expectedHeadOid) was stale: the
// error's type, not its wording.
func staleData(err error) bool {
	var ge *GraphQLError
	if !errors.As(err, &ge) {
		return false
	}
	for _, e := range ge.Errors {
		if e.Type == "STALE_DATA" {
			return true
		}
	}
	return false
}

// sameMessage reports whether a commit's message is the one
// createCommitOnBranch made of headline and body.
func sameMessage(msg, headline, body string) bool {
	want := headline
	if body != "" {
		want += "\n\n" + body
	}
	return strings.TrimRight(msg, "\n") == strings.TrimRight(want, "\n")
}
