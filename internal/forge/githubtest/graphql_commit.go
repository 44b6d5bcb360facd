package githubtest

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// gqlCreateCommitOnBranch serves the mutation createCommitOnBranch: one
// commit of file additions (base64 contents) and deletions on top of a
// branch, which moves only if it still points at expectedHeadOid — a
// compare-and-swap that can only fast-forward. As on GitHub the commit is
// authored by the token's actor, committed by GitHub and signed (verified),
// and every addition gets mode 100644, whatever the file's mode was (the
// Git Data API is the way to keep an executable bit). A branch elsewhere
// than expectedHeadOid is GitHub's STALE_DATA error, and nothing changes.
// The input must come as the variable "input".
func (s *Server) gqlCreateCommitOnBranch(c *call, q *gqlRequest) response {
	const field = "createCommitOnBranch"
	in, ok := q.Variables["input"].(map[string]any)
	if !ok {
		return gqlError("", "githubtest: give createCommitOnBranch its input as the variable $input", "")
	}
	branch, _ := in["branch"].(map[string]any)
	full, _ := branch["repositoryNameWithOwner"].(string)
	name, _ := branch["branchName"].(string)
	expected, _ := in["expectedHeadOid"].(string)
	msg, _ := in["message"].(map[string]any)
	headline, _ := msg["headline"].(string)
	body, _ := msg["body"].(string)
	if full == "" || name == "" || expected == "" || headline == "" {
		return gqlError("", "Variable $input of type CreateCommitOnBranchInput! was provided invalid value (branch, expectedHeadOid and message.headline are required)", "")
	}
	var rp *repo
	for n, r := range s.repos {
		if strings.EqualFold(n, full) {
			rp = r
		}
	}
	if rp == nil {
		return gqlError("NOT_FOUND", "Could not resolve to a Repository with the name '"+full+"'.", field)
	}
	ref := "refs/heads/" + name
	head, ok := rp.git.ref(ref)
	if !ok {
		return gqlError("NOT_FOUND", "Could not resolve to a Ref named '"+ref+"'.", field)
	}
	if head.String() != strings.ToLower(expected) {
		return gqlError("STALE_DATA", `Expected branch to point to "`+expected+`" but it did not.  Pull and try again.`, field)
	}
	parent, err := rp.git.commit(head)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	files, err := rp.git.flatten(parent.TreeHash)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	changes, _ := in["fileChanges"].(map[string]any)
	deletions, _ := changes["deletions"].([]any)
	for _, d := range deletions {
		m, _ := d.(map[string]any)
		p, _ := m["path"].(string)
		if _, ok := files[p]; !ok {
			return gqlError("UNPROCESSABLE", "A path was requested for deletion which does not exist as of commit oid `"+head.String()+"`", field)
		}
		removePath(files, p)
	}
	additions, _ := changes["additions"].([]any)
	for _, a := range additions {
		m, _ := a.(map[string]any)
		p, _ := m["path"].(string)
		contents, _ := m["contents"].(string)
		data, err := base64.StdEncoding.DecodeString(contents)
		if err != nil || !validPath(p) {
			return gqlError("UNPROCESSABLE", "The file addition of '"+p+"' is invalid: a path inside the repository and base64 contents are required", field)
		}
		h, err := rp.git.writeBlob(data)
		if err != nil {
			return errorResponse(http.StatusInternalServerError, err.Error())
		}
		removePath(files, p)
		files[p] = treeFile{Mode: filemode.Regular, Hash: h}
	}
	tree, err := rp.git.buildTree(files)
	if err != nil {
		return gqlError("UNPROCESSABLE", err.Error(), field)
	}
	message := headline
	if body != "" {
		message += "\n\n" + body
	}
	now := s.now()
	cm := &object.Commit{
		Author:       object.Signature{Name: c.actor.Name, Email: c.actor.Email, When: now},
		Committer:    object.Signature{Name: webFlow.Name, Email: webFlow.Email, When: now},
		Message:      message,
		TreeHash:     tree,
		ParentHashes: []plumbing.Hash{head},
	}
	h, err := rp.git.writeCommit(cm)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	rp.verified[h] = now
	if err := rp.git.setRef(ref, h); err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	rp.pushedAt = now
	return jsonResponse(http.StatusOK, map[string]any{"data": map[string]any{field: map[string]any{
		"clientMutationId": in["clientMutationId"],
		"commit": map[string]any{
			"oid": h.String(), "url": s.htmlURL(rp, "commit", h.String()), "message": message,
			"signature": map[string]any{"isValid": true, "wasSignedByGitHub": true, "state": "VALID"},
		},
		"ref": map[string]any{"name": ref, "target": map[string]any{"oid": h.String()}},
	}}})
}
