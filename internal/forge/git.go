package forge

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// Commit is a git commit as the actions need it.
type Commit struct {
	SHA     string
	Tree    string
	Message string
	Parents []string
	// Verified is GitHub's verification.verified: the commit carries a
	// signature GitHub checked (it signs commits it makes for Apps and
	// GITHUB_TOKEN when no author or committer is given).
	Verified bool
}

// File is the new content of one file in a commit, or its removal.
type File struct {
	Path    string
	Content []byte
	// Mode is the git mode, "100644" or "100755"; empty means "100644".
	Mode string
	// Delete removes the file from the tree; Content and Mode are then
	// ignored.
	Delete bool
}

// ErrNotFastForward says a ref update without force was refused because the
// ref moved: read it again and redo the work on the new head.
var ErrNotFastForward = errors.New("the branch moved: the update is not a fast-forward")

// RefExistsError says a branch to create exists already, at SHA.
type RefExistsError struct {
	Branch, SHA string
}

func (e *RefExistsError) Error() string {
	return fmt.Sprintf("branch %q exists already (at %s)", e.Branch, e.SHA)
}

// NotFoundError says a repository, branch or commit does not exist (or the
// credentials cannot see it).
type NotFoundError struct {
	What string
	Err  error
}

func (e *NotFoundError) Error() string { return e.What + " not found" }
func (e *NotFoundError) Unwrap() error { return e.Err }

// ambiguous reports whether a failed request may have taken effect: it
// broke off without an answer (a reset connection, or a try that outlived
// its per-try timeout while GitHub went on working), or GitHub answered a
// 5xx. Only the caller's context decides that the caller gave up: a
// deadline or cancellation inside the error chain may come from the
// per-try timeout, which says nothing about what GitHub did.
func ambiguous(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.As(err, new(*GraphQLError)) {
		return false
	}
	code := StatusCode(err)
	return code == 0 || code >= 500
}

// RetryPolicy returns the client's retry policy, for callers that wait
// between tries of their own.
func (c *Client) RetryPolicy() Retry { return c.retry }

// BlobSHA is the git object name of a blob with content b: what GitHub
// lists as a file's sha, to compare content without reading it.
func BlobSHA(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Sleep waits d, or until ctx ends (then it returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// atMostOnce runs a write that must not happen twice. When its outcome is
// unknown (a broken connection, a hung try, a 5xx), check looks the effect
// up before anything is sent again: done means it took effect; otherwise
// the write is tried again, a bounded number of times with backoff. The
// last try is looked up too, so that a write that took effect is never
// reported as failed.
func (c *Client) atMostOnce(ctx context.Context, do func(context.Context) error, check func(context.Context) (bool, error)) error {
	for attempt := 0; ; attempt++ {
		err := do(AtMostOnce(ctx))
		if !ambiguous(ctx, err) {
			return err
		}
		if serr := Sleep(ctx, Jitter(c.retry.WaitMin, c.retry.WaitMax, attempt)); serr != nil {
			return err
		}
		done, cerr := check(ctx)
		switch {
		case cerr == nil && done:
			return nil
		case cerr != nil:
			return fmt.Errorf("%w (then looking up whether it took effect failed: %v)", err, cerr)
		case attempt >= c.retry.Max:
			return err
		}
	}
}

// DefaultBranch returns the repository's default branch.
func (c *Client) DefaultBranch(ctx context.Context) (string, error) {
	r, err := c.repository(ctx)
	if err != nil {
		return "", err
	}
	return r.GetDefaultBranch(), nil
}

func (c *Client) repository(ctx context.Context) (*github.Repository, error) {
	r, _, err := c.GH.Repositories.Get(ctx, c.Owner, c.Repo)
	if err != nil {
		if IsNotFound(err) {
			return nil, &NotFoundError{What: fmt.Sprintf("repository %s/%s", c.Owner, c.Repo), Err: err}
		}
		return nil, fmt.Errorf("reading repository %s/%s: %w", c.Owner, c.Repo, err)
	}
	c.noteRepositoryID(r.GetNodeID())
	return r, nil
}

// noteRepositoryID remembers the repository's GraphQL node ID from an
// answer that carries it (the repository, a pull request's base), so that
// a mutation on the repository costs no request to learn it.
func (c *Client) noteRepositoryID(id string) {
	if id != "" {
		c.repoID.Store(&id)
	}
}

// RepositoryID returns the repository's GraphQL node ID, the repositoryId
// of mutations such as updateRefs. It costs a request only when no earlier
// answer carried it.
func (c *Client) RepositoryID(ctx context.Context) (string, error) {
	if id := c.repoID.Load(); id != nil {
		return *id, nil
	}
	r, err := c.repository(ctx)
	if err != nil {
		return "", err
	}
	if r.GetNodeID() == "" {
		return "", fmt.Errorf("reading repository %s/%s: GitHub answered no node_id", c.Owner, c.Repo)
	}
	return r.GetNodeID(), nil
}

// BranchHead resolves a branch to its head commit, with the commit's tree, in
// one request.
func (c *Client) BranchHead(ctx context.Context, branch string) (Commit, error) {
	// per_page=1 keeps GitHub from listing every file of the commit.
	rc, _, err := c.GH.Repositories.GetCommit(ctx, c.Owner, c.Repo, "heads/"+branch, &github.ListOptions{PerPage: 1})
	if err != nil {
		if code := StatusCode(err); code == http.StatusNotFound || code == http.StatusUnprocessableEntity {
			return Commit{}, &NotFoundError{What: fmt.Sprintf("branch %q of %s/%s", branch, c.Owner, c.Repo), Err: err}
		}
		return Commit{}, fmt.Errorf("reading branch %q of %s/%s: %w", branch, c.Owner, c.Repo, err)
	}
	cm := Commit{SHA: rc.GetSHA(), Tree: rc.GetCommit().GetTree().GetSHA(), Message: rc.GetCommit().GetMessage(), Verified: rc.GetCommit().GetVerification().GetVerified()}
	for _, p := range rc.Parents {
		cm.Parents = append(cm.Parents, p.GetSHA())
	}
	if cm.SHA == "" || cm.Tree == "" {
		return Commit{}, fmt.Errorf("reading branch %q of %s/%s: GitHub answered no commit or tree SHA", branch, c.Owner, c.Repo)
	}
	return cm, nil
}

// CreateCommit makes one commit whose parent is parent and whose tree is
// parent's tree with files replaced or removed: one request for the tree
// (contents inline; a file that is not UTF-8 costs one more for its blob; a
// removal is an entry whose sha is null) and one for the commit. No author
// or committer is sent, so GitHub uses the token's identity and signs the
// commit for Apps and GITHUB_TOKEN. The Git Data API is content-addressed,
// so these requests are safe to retry.
func (c *Client) CreateCommit(ctx context.Context, parent Commit, files []File, message string) (Commit, error) {
	var entries []*github.TreeEntry
	for _, f := range files {
		mode := f.Mode
		if mode == "" {
			mode = "100644"
		}
		e := &github.TreeEntry{Path: github.String(f.Path), Mode: github.String(mode), Type: github.String("blob")}
		switch {
		case f.Delete:
			// go-github sends an entry with neither sha nor content as
			// "sha": null, which is how the Git Data API removes a path.
		case utf8.Valid(f.Content):
			e.Content = github.String(string(f.Content))
		default:
			b, _, err := c.GH.Git.CreateBlob(ctx, c.Owner, c.Repo, &github.Blob{Content: github.String(base64.StdEncoding.EncodeToString(f.Content)), Encoding: github.String("base64")})
			if err != nil {
				return Commit{}, fmt.Errorf("creating the blob of %q: %w", f.Path, err)
			}
			e.SHA = b.SHA
		}
		entries = append(entries, e)
	}
	tree, _, err := c.GH.Git.CreateTree(ctx, c.Owner, c.Repo, parent.Tree, entries)
	if err != nil {
		return Commit{}, fmt.Errorf("creating the tree: %w", err)
	}
	in := &github.Commit{
		Message: github.String(message),
		Tree:    &github.Tree{SHA: tree.SHA},
		Parents: []*github.Commit{{SHA: github.String(parent.SHA)}},
	}
	out, _, err := c.GH.Git.CreateCommit(ctx, c.Owner, c.Repo, in, nil)
	if err != nil {
		return Commit{}, fmt.Errorf("creating the commit: %w", err)
	}
	return Commit{
		SHA:      out.GetSHA(),
		Tree:     tree.GetSHA(),
		Message:  out.GetMessage(),
		Parents:  []string{parent.SHA},
		Verified: out.GetVerification().GetVerified(),
	}, nil
}

// BranchSHA returns the SHA a branch points at, and whether it exists.
func (c *Client) BranchSHA(ctx context.Context, branch string) (string, bool, error) {
	ref, _, err := c.GH.Git.GetRef(ctx, c.Owner, c.Repo, "heads/"+branch)
	if err != nil {
		if IsNotFound(err) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("reading branch %q: %w", branch, err)
	}
	if ref.GetRef() != "refs/heads/"+branch {
		// GET /git/ref/heads/x answers a list for a prefix of several refs;
		// go-github decodes it as an error, so this is a defence only.
		return "", false, nil
	}
	return ref.GetObject().GetSHA(), true, nil
}

// CreateBranch creates branch at sha. Creating a ref is not idempotent
// (GitHub answers 422 the second time), so after an unknown outcome the
// branch is looked up before trying again; a branch found at sha counts as
// created. A branch that exists at another commit is a *RefExistsError.
func (c *Client) CreateBranch(ctx context.Context, branch, sha string) error {
	var existing string
	check := func(ctx context.Context) (bool, error) {
		got, ok, err := c.BranchSHA(ctx, branch)
		if err != nil {
			return false, err
		}
		existing = got
		return ok && got == sha, nil
	}
	err := c.atMostOnce(ctx, func(ctx context.Context) error {
		_, _, err := c.GH.Git.CreateRef(ctx, c.Owner, c.Repo, &github.Reference{Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: github.String(sha)}})
		return err
	}, check)
	if StatusCode(err) == http.StatusUnprocessableEntity {
		done, cerr := check(ctx)
		if cerr != nil {
			return cerr
		}
		if done {
			return nil
		}
		if existing != "" {
			return &RefExistsError{Branch: branch, SHA: existing}
		}
		return fmt.Errorf("creating branch %q: %s", branch, errorMessage(err))
	}
	if err != nil {
		return fmt.Errorf("creating branch %q: %w", branch, err)
	}
	return nil
}

// UpdateBranch moves branch to sha. Without force GitHub refuses anything
// but a fast-forward: that is ErrNotFastForward, unless the branch is found
// at sha already (an earlier try that took effect). Setting a ref to a SHA is
// idempotent, so the transport retries it freely.
func (c *Client) UpdateBranch(ctx context.Context, branch, sha string, force bool) error {
	_, _, err := c.GH.Git.UpdateRef(ctx, c.Owner, c.Repo, &github.Reference{Ref: github.String("heads/" + branch), Object: &github.GitObject{SHA: github.String(sha)}}, force)
	if err == nil {
		return nil
	}
	if StatusCode(err) == http.StatusUnprocessableEntity {
		got, ok, cerr := c.BranchSHA(ctx, branch)
		if cerr == nil && ok && got == sha {
			return nil
		}
		if !force && strings.Contains(strings.ToLower(errorMessage(err)), "fast forward") {
			return ErrNotFastForward
		}
	}
	return fmt.Errorf("updating branch %q to %s: %w", branch, sha, err)
}

// RefMovedError says a compare-and-swap of a branch found it elsewhere than
// the caller saw it: someone moved it meanwhile, and nothing was changed.
type RefMovedError struct {
	Branch   string
	Expected string
	// Actual is where the branch is now; empty when it was deleted.
	Actual string
}

func (e *RefMovedError) Error() string {
	if e.Actual == "" {
		return fmt.Sprintf("branch %q was deleted; it was expected at %s", e.Branch, short(e.Expected))
	}
	return fmt.Sprintf("branch %q moved to %s; it was expected at %s", e.Branch, short(e.Actual), short(e.Expected))
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// SwapBranch moves branch from the commit from to the commit to, as a
// compare-and-swap: GitHub moves it, fast-forward or not, only if it still
// points at from, in one step (GraphQL updateRefs with beforeOid; the REST
// ref update has no such condition, so a check followed by a forced PATCH
// can overwrite a push that lands between the two). When the branch is
// elsewhere the answer is a *RefMovedError naming where, and nothing
// changed. The repository's node ID comes from an earlier answer when
// there was one (see RepositoryID).
func (c *Client) SwapBranch(ctx context.Context, branch, from, to string) error {
	id, err := c.RepositoryID(ctx)
	if err != nil {
		return err
	}
	const mutation = `mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { clientMutationId } }`
	vars := map[string]any{"input": map[string]any{
		"repositoryId": id,
		"refUpdates":   []any{map[string]any{"name": "refs/heads/" + branch, "beforeOid": from, "afterOid": to, "force": true}},
	}}
	at := func(ctx context.Context) (bool, error) {
		got, ok, err := c.BranchSHA(ctx, branch)
		return ok && got == to, err
	}
	err = c.atMostOnce(ctx, func(ctx context.Context) error {
		return c.graphql(ctx, mutation, vars, nil)
	}, at)
	if err == nil {
		return nil
	}
	if !errors.As(err, new(*GraphQLError)) {
		return fmt.Errorf("moving branch %q to %s: %w", branch, short(to), err)
	}
	// GitHub refused the whole update. Its wording is not documented; the
	// ref itself says whether it moved (or an earlier try took effect).
	got, ok, cerr := c.BranchSHA(ctx, branch)
	switch {
	case cerr != nil:
		return fmt.Errorf("moving branch %q to %s: %w (then reading it failed: %v)", branch, short(to), err, cerr)
	case ok && got == to:
		return nil
	case !ok || got != from:
		return &RefMovedError{Branch: branch, Expected: from, Actual: got}
	}
	return fmt.Errorf("moving branch %q from %s to %s: %w", branch, short(from), short(to), err)
}

// Contains reports whether commit sha is branch's head or one of its
// ancestors, in one request.
func (c *Client) Contains(ctx context.Context, branch, sha string) (bool, error) {
	cc, _, err := c.GH.Repositories.CompareCommits(ctx, c.Owner, c.Repo, sha, "heads/"+branch, &github.ListOptions{PerPage: 1})
	if err != nil {
		return false, fmt.Errorf("comparing %s with branch %q: %w", sha, branch, err)
	}
	return cc.GetBehindBy() == 0 && (cc.GetStatus() == "identical" || cc.GetStatus() == "ahead"), nil
}

// Comparison is what lies between a base and a head: the head's commits
// that the base lacks, and the files they change (relative to the merge
// base).
type Comparison struct {
	// Commits are oldest first, with their people and dates; without
	// their files (Files and Complete are left zero).
	Commits []CommitDetail
	Files   []ChangedFile
	// Complete is false when GitHub left commits or files out (more than
	// 250 commits or 300 files).
	Complete bool
}

// ChangedFile is one file of a comparison.
type ChangedFile struct {
	Path   string
	Status string // added, removed, modified, renamed, ...
	SHA    string // the blob SHA at the head
	// Previous is the path before a rename (status renamed).
	Previous string
}

// Compare compares base...head in one request.
func (c *Client) Compare(ctx context.Context, base, head string) (*Comparison, error) {
	cc, _, err := c.GH.Repositories.CompareCommits(ctx, c.Owner, c.Repo, base, head, &github.ListOptions{PerPage: 100})
	if err != nil {
		return nil, fmt.Errorf("comparing %s...%s: %w", base, head, err)
	}
	out := &Comparison{Complete: cc.GetTotalCommits() <= len(cc.Commits) && len(cc.Files) < 300}
	for _, rc := range cc.Commits {
		gc := rc.GetCommit()
		cm := CommitDetail{
			Commit:     Commit{SHA: rc.GetSHA(), Message: gc.GetMessage(), Tree: gc.GetTree().GetSHA(), Verified: gc.GetVerification().GetVerified()},
			AuthorName: gc.GetAuthor().GetName(), AuthorEmail: gc.GetAuthor().GetEmail(), AuthorLogin: rc.GetAuthor().GetLogin(),
			CommittedAt: gc.GetCommitter().GetDate().Time,
		}
		for _, p := range rc.Parents {
			cm.Parents = append(cm.Parents, p.GetSHA())
		}
		out.Commits = append(out.Commits, cm)
	}
	for _, f := range cc.Files {
		out.Files = append(out.Files, ChangedFile{Path: f.GetFilename(), Status: f.GetStatus(), SHA: f.GetSHA(), Previous: f.GetPreviousFilename()})
	}
	return out, nil
}
