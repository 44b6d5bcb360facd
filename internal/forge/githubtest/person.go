package githubtest

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Deleted, as a value in the files given to PushCommit, removes the path.
const Deleted = "\x00githubtest: delete\x00"

// PR is a pull request as tests see it.
type PR struct {
	Number        int
	NodeID        string
	Title, Body   string
	State         string // "open" or "closed"
	Draft         bool
	Head, Base    string // branch names
	HeadSHA       string
	Labels        []string
	Reviewers     []string
	TeamReviewers []string
	Assignees     []string
	Comments      []string
	Merged        bool
	MergeCommit   string
	AutoMerge     string // "", "MERGE", "SQUASH" or "REBASE"
}

// symlinkPrefix starts the values Symlink makes: no file's content starts
// with a NUL and this text.
const symlinkPrefix = "\x00githubtest-symlink:"

// Symlink is a value for the files of PushCommit and RepoOptions that
// makes the path a symbolic link to target, as git stores one: archives
// then hold it as a link, which a client must not follow.
func Symlink(target string) string { return symlinkPrefix + target }

// PushCommit adds a commit on branch of repo ("owner/name") as a person
// pushing would: the files are written (or removed, for the value Deleted)
// on top of the branch's tree, and the branch moves to the new commit
// without any API call being counted. A missing branch is created from the
// default branch. It returns the new commit's SHA and fails the test on
// error.
func (s *Server) PushCommit(fullName, branch string, files map[string]string, message string, author Identity) string {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		s.tb.Fatalf("githubtest: no repository %q", fullName)
		return ""
	}
	h, err := s.pushLocked(rp, branch, files, message, author)
	if err != nil {
		s.tb.Fatalf("githubtest: pushing to %q of %q: %v", branch, fullName, err)
	}
	return h.String()
}

func (s *Server) pushLocked(rp *repo, branch string, files map[string]string, message string, author Identity) (plumbing.Hash, error) {
	ref := "refs/heads/" + branch
	parent, ok := rp.git.ref(ref)
	if !ok {
		parent, _ = rp.git.ref("refs/heads/" + rp.opts.DefaultBranch)
	}
	current := map[string]treeFile{}
	if !parent.IsZero() {
		pc, err := rp.git.commit(parent)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if current, err = rp.git.flatten(pc.TreeHash); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	for p, content := range files {
		if !validPath(p) {
			return plumbing.ZeroHash, fmt.Errorf("invalid path %q", p)
		}
		if content == Deleted {
			removePath(current, p)
			continue
		}
		mode := filemode.Regular
		if target, ok := strings.CutPrefix(content, symlinkPrefix); ok {
			mode, content = filemode.Symlink, target
		}
		h, err := rp.git.writeBlob([]byte(content))
		if err != nil {
			return plumbing.ZeroHash, err
		}
		removePath(current, p)
		current[p] = treeFile{Mode: mode, Hash: h}
	}
	tree, err := rp.git.buildTree(current)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if author.Name == "" {
		author = s.opts.Bot
	}
	sig := object.Signature{Name: author.Name, Email: author.Email, When: s.now()}
	cm := &object.Commit{Author: sig, Committer: sig, Message: message, TreeHash: tree}
	if !parent.IsZero() {
		cm.ParentHashes = []plumbing.Hash{parent}
	}
	h, err := rp.git.writeCommit(cm)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	rp.pushedAt = sig.When
	return h, rp.git.setRef(ref, h)
}

// MergePR merges pull request n of repo with a merge commit, as the merge
// button does, and returns the merge commit's SHA. The merge is a three-way
// merge of whole files; it fails the test when both sides changed the same
// file differently or the pull request is not open.
func (s *Server) MergePR(fullName string, n int) string {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.mergeLocked(fullName, n)
	if err != nil {
		s.tb.Fatalf("githubtest: merging #%d of %q: %v", n, fullName, err)
	}
	return h.String()
}

func (s *Server) mergeLocked(fullName string, n int) (plumbing.Hash, error) {
	rp, ok := s.repos[fullName]
	if !ok {
		return plumbing.ZeroHash, errors.New("no such repository")
	}
	p, ok := rp.pulls[n]
	if !ok || p.state != "open" {
		return plumbing.ZeroHash, errors.New("no open pull request")
	}
	head := rp.headSHAOf(p)
	base, ok := rp.git.ref("refs/heads/" + p.base)
	if !ok {
		return plumbing.ZeroHash, fmt.Errorf("base branch %q is gone", p.base)
	}
	mb, err := rp.git.mergeBase(base, head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	tree, err := rp.mergeTrees(mb, base, head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	now := s.now()
	cm := &object.Commit{
		Author:       object.Signature{Name: s.opts.Bot.Name, Email: s.opts.Bot.Email, When: now},
		Committer:    object.Signature{Name: webFlow.Name, Email: webFlow.Email, When: now},
		Message:      fmt.Sprintf("Merge pull request #%d from %s/%s\n\n%s", p.number, rp.owner, p.head, p.title),
		TreeHash:     tree,
		ParentHashes: []plumbing.Hash{base, head},
	}
	h, err := rp.git.writeCommit(cm)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	rp.verified[h] = now
	if err := rp.git.setRef("refs/heads/"+p.base, h); err != nil {
		return plumbing.ZeroHash, err
	}
	p.merged, p.mergedAt, p.mergeCommit = true, now, h
	p.state, p.closedAt, p.updatedAt = "closed", now, now
	return h, rp.deleteMergedHead(p)
}

// File returns the content of path at ref ("main", "heads/main", a SHA) in
// repo, or an error when the repository, ref or file does not exist.
func (s *Server) File(fullName, ref, path string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		return "", fmt.Errorf("no repository %q", fullName)
	}
	h, ok := rp.resolve(ref)
	if !ok {
		return "", fmt.Errorf("no ref %q in %q", ref, fullName)
	}
	c, err := rp.git.commit(h)
	if err != nil {
		return "", fmt.Errorf("reading %q: %w", ref, err)
	}
	files, err := rp.git.flatten(c.TreeHash)
	if err != nil {
		return "", fmt.Errorf("reading %q: %w", ref, err)
	}
	f, ok := files[path]
	if !ok {
		return "", fmt.Errorf("no file %q at %q in %q", path, ref, fullName)
	}
	data, err := rp.git.readBlob(f.Hash)
	if err != nil {
		return "", fmt.Errorf("reading %q at %q: %w", path, ref, err)
	}
	return string(data), nil
}

// Ref returns the commit SHA that ref ("main", "heads/main",
// "refs/heads/main", a tag) points to in repo, or "" when there is none.
func (s *Server) Ref(fullName, ref string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		return ""
	}
	if isHex(ref) && len(ref) == 40 {
		return ""
	}
	h, ok := rp.resolve(ref)
	if !ok {
		return ""
	}
	return h.String()
}

// PullRequests returns the pull requests of repo, by number.
func (s *Server) PullRequests(fullName string) []PR {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		return nil
	}
	var out []PR
	for _, p := range rp.pulls {
		pr := PR{
			Number: p.number, NodeID: p.nodeID, Title: p.title, Body: p.body, State: p.state, Draft: p.draft,
			Head: p.head, Base: p.base, HeadSHA: rp.headSHAOf(p).String(),
			Labels: append([]string(nil), p.labels...), Reviewers: append([]string(nil), p.reviewers...),
			TeamReviewers: append([]string(nil), p.teams...), Assignees: append([]string(nil), p.assignees...),
			Merged: p.merged, AutoMerge: p.autoMerge,
		}
		if !p.mergeCommit.IsZero() {
			pr.MergeCommit = p.mergeCommit.String()
		}
		for _, c := range p.comments {
			pr.Comments = append(pr.Comments, c.body)
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// mergeTrees merges whole files three ways: the trees of commits ours and
// theirs against that of their merge base (zero: none). A file both sides
// changed differently is a conflict. It returns the merged root tree.
func (rp *repo) mergeTrees(base, ours, theirs plumbing.Hash) (plumbing.Hash, error) {
	flat := func(h plumbing.Hash) (map[string]treeFile, error) {
		if h.IsZero() {
			return map[string]treeFile{}, nil
		}
		c, err := rp.git.commit(h)
		if err != nil {
			return nil, err
		}
		return rp.git.flatten(c.TreeHash)
	}
	bf, err := flat(ours)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	hf, err := flat(theirs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	of, err := flat(base)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	merged := map[string]treeFile{}
	paths := map[string]bool{}
	for _, m := range []map[string]treeFile{bf, hf, of} {
		for p := range m {
			paths[p] = true
		}
	}
	var conflicts []string
	for path := range paths {
		b, inB := bf[path]
		h, inH := hf[path]
		o, inO := of[path]
		switch {
		case inB == inH && b == h:
			if inB {
				merged[path] = b
			}
		case inH == inO && h == o:
			if inB {
				merged[path] = b
			}
		case inB == inO && b == o:
			if inH {
				merged[path] = h
			}
		default:
			conflicts = append(conflicts, path)
		}
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return plumbing.ZeroHash, fmt.Errorf("conflicts in %s", strings.Join(conflicts, ", "))
	}
	return rp.git.buildTree(merged)
}
