package githubtest

import (
	"encoding/hex"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// repo is one repository: its git storage and the GitHub objects around it.
type repo struct {
	owner, name string
	id          int64
	opts        RepoOptions
	dir         string
	git         gitStore
	pulls       map[int]*pull
	nextNumber  int
	labels      map[string]*label
	releases    []*release
	// verified holds the commits GitHub would have signed (created through
	// the API without author and committer), with the time they were.
	verified  map[plumbing.Hash]time.Time
	createdAt time.Time
	pushedAt  time.Time
	// statuses and checkRuns are those of each commit, oldest first;
	// deployments the repository's, oldest first (statuses.go,
	// deployments.go).
	statuses    map[plumbing.Hash][]*commitStatus
	checkRuns   map[plumbing.Hash][]*checkRun
	deployments []*deployment
}

func (rp *repo) fullName() string { return rp.owner + "/" + rp.name }

// empty reports whether the repository has no commits; GitHub answers 409
// "Git Repository is empty." to the git data API then.
func (rp *repo) empty() bool {
	refs, err := rp.git.refs("refs/")
	return err == nil && len(refs) == 0
}

func emptyRepository() response {
	return errorResponse(http.StatusConflict, "Git Repository is empty.")
}

func (rp *repo) allowsMethod(m string) bool {
	if rp.opts.MergeMethods == nil {
		return true
	}
	for _, x := range rp.opts.MergeMethods {
		if strings.EqualFold(x, m) {
			return true
		}
	}
	return false
}

// resolve finds the commit a ref names: a full or abbreviated SHA, a full
// ref name, "heads/x", "tags/x" or a bare branch or tag name.
func (rp *repo) resolve(ref string) (plumbing.Hash, bool) {
	if ref == "HEAD" {
		ref = "refs/heads/" + rp.opts.DefaultBranch
	}
	if isHex(ref) && len(ref) == 40 {
		h := plumbing.NewHash(ref)
		if _, err := rp.git.commit(h); err == nil {
			return h, true
		}
		return plumbing.ZeroHash, false
	}
	for _, name := range []string{ref, "refs/" + ref, "refs/heads/" + ref, "refs/tags/" + ref} {
		if !strings.HasPrefix(name, "refs/") {
			continue
		}
		if h, ok := rp.git.ref(name); ok {
			return rp.peel(h)
		}
	}
	if isHex(ref) && len(ref) >= 7 {
		iter, err := rp.git.st.IterEncodedObjects(plumbing.CommitObject)
		if err != nil {
			return plumbing.ZeroHash, false
		}
		var found []plumbing.Hash
		iter.ForEach(func(o plumbing.EncodedObject) error {
			if strings.HasPrefix(o.Hash().String(), strings.ToLower(ref)) {
				found = append(found, o.Hash())
			}
			return nil
		})
		if len(found) == 1 {
			return found[0], true
		}
	}
	return plumbing.ZeroHash, false
}

// peel follows annotated tags to the commit.
func (rp *repo) peel(h plumbing.Hash) (plumbing.Hash, bool) {
	for i := 0; i < 10; i++ {
		t, err := rp.git.objectType(h)
		if err != nil {
			return plumbing.ZeroHash, false
		}
		switch t {
		case plumbing.CommitObject:
			return h, true
		case plumbing.TagObject:
			tag, err := object.GetTag(rp.git.st, h)
			if err != nil {
				return plumbing.ZeroHash, false
			}
			h = tag.Target
		default:
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.ZeroHash, false
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	_, err := hex.DecodeString(s + strings.Repeat("0", len(s)%2))
	return err == nil
}

func shortHash(h plumbing.Hash) string { return h.String()[:7] }

// nodeID makes a GraphQL-looking global ID, stable for a kind and key.
func nodeID(prefix string, key string) string {
	f := fnv.New64a()
	f.Write([]byte(key))
	return prefix + "_kwDO" + strings.ToUpper(strconv.FormatUint(f.Sum64(), 36))
}

func modeString(m filemode.FileMode) string {
	if m == filemode.Dir {
		return "040000"
	}
	return strconv.FormatUint(uint64(m), 8)
}

func entryType(m filemode.FileMode) string {
	switch m {
	case filemode.Dir:
		return "tree"
	case filemode.Submodule:
		return "commit"
	}
	return "blob"
}

func (s *Server) repoURL(rp *repo, rest ...string) string {
	u := s.URL + "/api/v3/repos/" + rp.fullName()
	for _, r := range rest {
		u += "/" + r
	}
	return u
}

func (s *Server) htmlURL(rp *repo, rest ...string) string {
	u := s.URL + "/" + rp.fullName()
	for _, r := range rest {
		u += "/" + r
	}
	return u
}

func (s *Server) userJSON(login string) map[string]any {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	f := fnv.New32a()
	f.Write([]byte(login))
	id := int64(f.Sum32() % 100000000)
	return map[string]any{
		"login":      login,
		"id":         id,
		"node_id":    nodeID("U", login),
		"avatar_url": s.URL + "/avatars/" + login,
		"url":        s.URL + "/api/v3/users/" + login,
		"html_url":   s.URL + "/" + login,
		"type":       typ,
		"site_admin": false,
	}
}

func (s *Server) repoJSON(rp *repo) map[string]any {
	visibility := "public"
	if rp.opts.Private {
		visibility = "private"
	}
	ts := rp.createdAt.Format(time.RFC3339)
	pushed := rp.pushedAt
	if pushed.IsZero() {
		pushed = rp.createdAt
	}
	return map[string]any{
		"id":                     rp.id,
		"node_id":                nodeID("R", rp.fullName()),
		"name":                   rp.name,
		"full_name":              rp.fullName(),
		"owner":                  s.userJSON(rp.owner),
		"private":                rp.opts.Private,
		"visibility":             visibility,
		"html_url":               s.htmlURL(rp),
		"url":                    s.repoURL(rp),
		"git_url":                "git://" + strings.TrimPrefix(s.URL, "http://") + "/" + rp.fullName() + ".git",
		"clone_url":              s.htmlURL(rp) + ".git",
		"default_branch":         rp.opts.DefaultBranch,
		"allow_auto_merge":       rp.opts.AllowAutoMerge,
		"allow_merge_commit":     rp.allowsMethod("merge"),
		"allow_squash_merge":     rp.allowsMethod("squash"),
		"allow_rebase_merge":     rp.allowsMethod("rebase"),
		"allow_update_branch":    false,
		"delete_branch_on_merge": false,
		"archived":               false,
		"disabled":               false,
		"fork":                   false,
		"created_at":             ts,
		"updated_at":             ts,
		"pushed_at":              pushed.Format(time.RFC3339),
		"permissions":            map[string]any{"admin": false, "maintain": false, "push": true, "triage": true, "pull": true},
	}
}

func (s *Server) getRepo(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, s.repoJSON(rp))
}

// --- refs ---

func (s *Server) refJSON(rp *repo, name string, h plumbing.Hash) map[string]any {
	typ := "commit"
	if t, err := rp.git.objectType(h); err == nil && t == plumbing.TagObject {
		typ = "tag"
	}
	return map[string]any{
		"ref":     name,
		"node_id": nodeID("REF", rp.fullName()+name),
		"url":     s.repoURL(rp, "git", name),
		"object": map[string]any{
			"type": typ,
			"sha":  h.String(),
			"url":  s.repoURL(rp, "git", typ+"s", h.String()),
		},
	}
}

func (s *Server) getRef(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	name := "refs/" + c.params["ref"]
	h, ok := rp.git.ref(name)
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, s.refJSON(rp, name, h))
}

func (s *Server) matchingRefs(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	refs, err := rp.git.refs("refs/" + c.params["ref"])
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	out := []any{}
	for _, r := range refs {
		out = append(out, s.refJSON(rp, r.Name().String(), r.Hash()))
	}
	return jsonResponse(http.StatusOK, out)
}

// validRefName applies the parts of git check-ref-format GitHub enforces.
func validRefName(name string) bool {
	if !strings.HasPrefix(name, "refs/") || strings.Count(name, "/") < 2 || strings.HasSuffix(name, "/") ||
		strings.HasSuffix(name, ".lock") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") ||
		strings.Contains(name, "//") || strings.Contains(name, "@{") {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	return true
}

func (s *Server) createRef(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	if !strings.HasPrefix(in.Ref, "refs/") || strings.Count(in.Ref, "/") < 2 {
		return unprocessable("Reference name must contain at least three slash-separated components.")
	}
	if !validRefName(in.Ref) {
		return unprocessable(in.Ref + " is not a valid ref name.")
	}
	if _, err := rp.git.objectType(plumbing.NewHash(in.SHA)); err != nil || !isHex(in.SHA) || len(in.SHA) != 40 {
		return unprocessable("Object does not exist")
	}
	if _, exists := rp.git.ref(in.Ref); exists {
		return unprocessable("Reference already exists")
	}
	// Like git, GitHub cannot have both refs/heads/a and refs/heads/a/b.
	if all, err := rp.git.refs("refs/"); err == nil {
		for _, r := range all {
			n := r.Name().String()
			if strings.HasPrefix(n, in.Ref+"/") || strings.HasPrefix(in.Ref, n+"/") {
				return unprocessable("Reference update failed")
			}
		}
	}
	h := plumbing.NewHash(in.SHA)
	if err := rp.git.setRef(in.Ref, h); err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	rp.pushedAt = s.now()
	resp := jsonResponse(http.StatusCreated, s.refJSON(rp, in.Ref, h))
	resp.header.Set("Location", s.repoURL(rp, "git", in.Ref))
	return resp
}

func (s *Server) updateRef(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	name := "refs/" + c.params["ref"]
	old, exists := rp.git.ref(name)
	if !exists {
		return unprocessable("Reference does not exist")
	}
	if !isHex(in.SHA) || len(in.SHA) != 40 {
		return unprocessable("Object does not exist")
	}
	h := plumbing.NewHash(in.SHA)
	if _, err := rp.git.objectType(h); err != nil {
		return unprocessable("Object does not exist")
	}
	if !in.Force {
		ff, err := rp.git.isAncestor(old, h)
		if err != nil || !ff {
			return unprocessable("Update is not a fast forward")
		}
	}
	if err := rp.git.setRef(name, h); err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	rp.pushedAt = s.now()
	return jsonResponse(http.StatusOK, s.refJSON(rp, name, h))
}

func (s *Server) deleteRef(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	name := "refs/" + c.params["ref"]
	if _, exists := rp.git.ref(name); !exists {
		return unprocessable("Reference does not exist")
	}
	if err := rp.git.removeRef(name); err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	s.closePullsFrom(rp, name)
	return response{status: http.StatusNoContent}
}

// closePullsFrom closes the open pull requests whose head is the deleted
// ref name, as GitHub does.
func (s *Server) closePullsFrom(rp *repo, name string) {
	branch, ok := strings.CutPrefix(name, "refs/heads/")
	if !ok {
		return
	}
	for _, p := range rp.pulls {
		if p.state == "open" && p.head == branch {
			p.state = "closed"
			p.closedAt = s.now()
			p.updatedAt = p.closedAt
		}
	}
}

// --- git commits ---

func signatureJSON(sig object.Signature) map[string]any {
	return map[string]any{"name": sig.Name, "email": sig.Email, "date": sig.When.UTC().Format(time.RFC3339)}
}

func (s *Server) verificationJSON(rp *repo, h plumbing.Hash) map[string]any {
	if at, ok := rp.verified[h]; ok {
		return map[string]any{"verified": true, "reason": "valid", "signature": "-----BEGIN PGP SIGNATURE-----\n\ngithubtest\n-----END PGP SIGNATURE-----\n", "payload": "", "verified_at": at.Format(time.RFC3339)}
	}
	return map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil}
}

func (s *Server) parentsJSON(rp *repo, c *object.Commit) []any {
	out := []any{}
	for _, p := range c.ParentHashes {
		out = append(out, map[string]any{"sha": p.String(), "url": s.repoURL(rp, "git", "commits", p.String()), "html_url": s.htmlURL(rp, "commit", p.String())})
	}
	return out
}

func (s *Server) gitCommitJSON(rp *repo, c *object.Commit) map[string]any {
	return map[string]any{
		"sha":          c.Hash.String(),
		"node_id":      nodeID("C", c.Hash.String()),
		"url":          s.repoURL(rp, "git", "commits", c.Hash.String()),
		"html_url":     s.htmlURL(rp, "commit", c.Hash.String()),
		"author":       signatureJSON(c.Author),
		"committer":    signatureJSON(c.Committer),
		"message":      c.Message,
		"tree":         map[string]any{"sha": c.TreeHash.String(), "url": s.repoURL(rp, "git", "trees", c.TreeHash.String())},
		"parents":      s.parentsJSON(rp, c),
		"verification": s.verificationJSON(rp, c.Hash),
	}
}

func (s *Server) getGitCommit(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	sha := c.params["commit_sha"]
	if !isHex(sha) || len(sha) != 40 {
		return notFound()
	}
	cm, err := rp.git.commit(plumbing.NewHash(sha))
	if err != nil {
		return notFound()
	}
	return jsonResponse(http.StatusOK, s.gitCommitJSON(rp, cm))
}

type identityIn struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

func (s *Server) signature(in *identityIn) (object.Signature, error) {
	when := s.now()
	if in.Date != "" {
		t, err := time.Parse(time.RFC3339, in.Date)
		if err != nil {
			return object.Signature{}, err
		}
		when = t
	}
	return object.Signature{Name: in.Name, Email: in.Email, When: when}, nil
}

func (s *Server) createGitCommit(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	var in struct {
		Message   string      `json:"message"`
		Tree      string      `json:"tree"`
		Parents   []string    `json:"parents"`
		Author    *identityIn `json:"author"`
		Committer *identityIn `json:"committer"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	if t, err := rp.git.objectType(plumbing.NewHash(in.Tree)); !isHex(in.Tree) || len(in.Tree) != 40 || err != nil || t != plumbing.TreeObject {
		return unprocessable("Tree SHA does not exist")
	}
	cm := &object.Commit{Message: in.Message, TreeHash: plumbing.NewHash(in.Tree)}
	for _, p := range in.Parents {
		if t, err := rp.git.objectType(plumbing.NewHash(p)); !isHex(p) || len(p) != 40 || err != nil || t != plumbing.CommitObject {
			return unprocessable("Parent SHA does not exist or is not a commit object")
		}
		cm.ParentHashes = append(cm.ParentHashes, plumbing.NewHash(p))
	}
	signed := in.Author == nil && in.Committer == nil
	var err error
	switch {
	case signed:
		// GitHub authors such commits as the token's actor, commits them as
		// web-flow and signs them.
		cm.Author = object.Signature{Name: c.actor.Name, Email: c.actor.Email, When: s.now()}
		cm.Committer = object.Signature{Name: webFlow.Name, Email: webFlow.Email, When: cm.Author.When}
	case in.Author != nil:
		if cm.Author, err = s.signature(in.Author); err != nil {
			return validationFailed(map[string]any{"resource": "Commit", "field": "author.date", "code": "invalid"})
		}
		cm.Committer = cm.Author
		if in.Committer != nil {
			if cm.Committer, err = s.signature(in.Committer); err != nil {
				return validationFailed(map[string]any{"resource": "Commit", "field": "committer.date", "code": "invalid"})
			}
		}
	default:
		if cm.Committer, err = s.signature(in.Committer); err != nil {
			return validationFailed(map[string]any{"resource": "Commit", "field": "committer.date", "code": "invalid"})
		}
		cm.Author = cm.Committer
	}
	h, err := rp.git.writeCommit(cm)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	if signed {
		rp.verified[h] = s.now()
	}
	cm.Hash = h
	resp := jsonResponse(http.StatusCreated, s.gitCommitJSON(rp, cm))
	resp.header.Set("Location", s.repoURL(rp, "git", "commits", h.String()))
	return resp
}

// restCommitJSON is the "commit" object of the commits and compare
// endpoints.
func (s *Server) restCommitJSON(rp *repo, cm *object.Commit, withFiles bool) map[string]any {
	sha := cm.Hash.String()
	out := map[string]any{
		"sha":          sha,
		"node_id":      nodeID("C", sha),
		"url":          s.repoURL(rp, "commits", sha),
		"html_url":     s.htmlURL(rp, "commit", sha),
		"comments_url": s.repoURL(rp, "commits", sha, "comments"),
		"commit": map[string]any{
			"url":           s.repoURL(rp, "git", "commits", sha),
			"author":        signatureJSON(cm.Author),
			"committer":     signatureJSON(cm.Committer),
			"message":       cm.Message,
			"comment_count": 0,
			"tree":          map[string]any{"sha": cm.TreeHash.String(), "url": s.repoURL(rp, "git", "trees", cm.TreeHash.String())},
			"verification":  s.verificationJSON(rp, cm.Hash),
		},
		"author":    nil,
		"committer": nil,
		"parents":   s.parentsJSON(rp, cm),
	}
	if withFiles {
		var parentTree plumbing.Hash
		if len(cm.ParentHashes) > 0 {
			if p, err := rp.git.commit(cm.ParentHashes[0]); err == nil {
				parentTree = p.TreeHash
			}
		}
		files, add, del := s.diffFiles(rp, parentTree, cm.TreeHash, sha)
		out["files"] = files
		out["stats"] = map[string]any{"additions": add, "deletions": del, "total": add + del}
	}
	return out
}

func (s *Server) getCommit(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	h, ok := rp.resolve(c.params["ref"])
	if !ok {
		return unprocessable("No commit found for SHA: " + c.params["ref"])
	}
	cm, err := rp.git.commit(h)
	if err != nil {
		return notFound()
	}
	return jsonResponse(http.StatusOK, s.restCommitJSON(rp, cm, true))
}

// diffFiles lists the changed files between two trees as GitHub's
// diff-entry objects, with total additions and deletions.
func (s *Server) diffFiles(rp *repo, from, to plumbing.Hash, atRef string) ([]any, int, int) {
	var a, b *object.Tree
	if !from.IsZero() {
		a, _ = rp.git.tree(from)
	}
	if !to.IsZero() {
		b, _ = rp.git.tree(to)
	}
	changes, err := object.DiffTree(a, b)
	if err != nil {
		return []any{}, 0, 0
	}
	files := []any{}
	totalAdd, totalDel := 0, 0
	for _, ch := range changes {
		action, err := ch.Action()
		if err != nil {
			continue
		}
		name := ch.To.Name
		sha := ch.To.TreeEntry.Hash
		status := "modified"
		switch action.String() {
		case "Insert":
			status = "added"
		case "Delete":
			status = "removed"
			name = ch.From.Name
			sha = ch.From.TreeEntry.Hash
		}
		add, del, patch := 0, 0, ""
		if p, err := ch.Patch(); err == nil {
			for _, st := range p.Stats() {
				add += st.Addition
				del += st.Deletion
			}
			text := p.String()
			if i := strings.Index(text, "@@"); i >= 0 {
				patch = strings.TrimSuffix(text[i:], "\n")
			}
		}
		totalAdd += add
		totalDel += del
		f := map[string]any{
			"sha":          sha.String(),
			"filename":     name,
			"status":       status,
			"additions":    add,
			"deletions":    del,
			"changes":      add + del,
			"blob_url":     s.htmlURL(rp, "blob", atRef, name),
			"raw_url":      s.htmlURL(rp, "raw", atRef, name),
			"contents_url": s.repoURL(rp, "contents", name) + "?ref=" + atRef,
		}
		if patch != "" {
			f["patch"] = patch
		}
		files = append(files, f)
	}
	return files, totalAdd, totalDel
}

// --- compare ---

func (s *Server) compare(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	base, head, ok := strings.Cut(c.params["basehead"], "...")
	if !ok {
		return notFound()
	}
	side := func(x string) (plumbing.Hash, bool) {
		if owner, ref, ok := strings.Cut(x, ":"); ok {
			if !strings.EqualFold(owner, rp.owner) {
				return plumbing.ZeroHash, false
			}
			x = ref
		}
		return rp.resolve(x)
	}
	bh, ok1 := side(base)
	hh, ok2 := side(head)
	if !ok1 || !ok2 {
		return notFound()
	}
	baseAnc, err := rp.git.ancestors(bh)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	headAnc, err := rp.git.ancestors(hh)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	var ahead []*object.Commit
	for h, cm := range headAnc {
		if _, ok := baseAnc[h]; !ok {
			ahead = append(ahead, cm)
		}
	}
	behind := 0
	for h := range baseAnc {
		if _, ok := headAnc[h]; !ok {
			behind++
		}
	}
	status := "diverged"
	switch {
	case bh == hh:
		status = "identical"
	case behind == 0:
		status = "ahead"
	case len(ahead) == 0:
		status = "behind"
	}
	mb, err := rp.git.mergeBase(bh, hh)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	if mb.IsZero() {
		return notFound()
	}
	mbc, _ := rp.git.commit(mb)
	bc, _ := rp.git.commit(bh)
	hc, _ := rp.git.commit(hh)
	commits := []any{}
	for _, cm := range topoOldestFirst(ahead) {
		commits = append(commits, s.restCommitJSON(rp, cm, false))
	}
	files, _, _ := s.diffFiles(rp, mbc.TreeHash, hc.TreeHash, hh.String())
	bh7, hh7 := base+"..."+head, shortHash(bh)+"..."+shortHash(hh)
	return jsonResponse(http.StatusOK, map[string]any{
		"url":               s.repoURL(rp, "compare", bh7),
		"html_url":          s.htmlURL(rp, "compare", bh7),
		"permalink_url":     s.htmlURL(rp, "compare", rp.owner+":"+hh7),
		"diff_url":          s.htmlURL(rp, "compare", bh7+".diff"),
		"patch_url":         s.htmlURL(rp, "compare", bh7+".patch"),
		"base_commit":       s.restCommitJSON(rp, bc, false),
		"merge_base_commit": s.restCommitJSON(rp, mbc, false),
		"status":            status,
		"ahead_by":          len(ahead),
		"behind_by":         behind,
		"total_commits":     len(ahead),
		"commits":           commits,
		"files":             files,
	})
}

// topoOldestFirst orders commits so that parents come before children, ties
// broken by committer date, as GitHub lists compare commits.
func topoOldestFirst(cs []*object.Commit) []*object.Commit {
	in := map[plumbing.Hash]*object.Commit{}
	for _, c := range cs {
		in[c.Hash] = c
	}
	var out []*object.Commit
	done := map[plumbing.Hash]bool{}
	var visit func(c *object.Commit)
	visit = func(c *object.Commit) {
		if done[c.Hash] {
			return
		}
		done[c.Hash] = true
		for _, p := range c.ParentHashes {
			if pc, ok := in[p]; ok {
				visit(pc)
			}
		}
		out = append(out, c)
	}
	sortCommits(cs)
	for _, c := range cs {
		visit(c)
	}
	return out
}

func sortCommits(cs []*object.Commit) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && (cs[j].Committer.When.Before(cs[j-1].Committer.When) ||
			cs[j].Committer.When.Equal(cs[j-1].Committer.When) && cs[j].Hash.String() < cs[j-1].Hash.String()); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}
