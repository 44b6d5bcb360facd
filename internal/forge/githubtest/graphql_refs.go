package githubtest

import (
	"net/http"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// zeroOID is the GitObjectID that means "no ref" in updateRefs: as
// beforeOid, the ref must not exist; as afterOid, the ref is deleted.
const zeroOID = "0000000000000000000000000000000000000000"

// gqlUpdateRefs serves the mutation updateRefs, GitHub's compare-and-swap
// of refs: every RefUpdate of the input is checked first, and if one is
// rejected none is applied and the mutation fails as a whole. A RefUpdate
// with beforeOid applies only if the ref points there (zeroOID: does not
// exist); one without force applies only as a fast-forward. The input must
// come as the variable "input" (the client sends it so). GitHub does not
// document its messages for rejected updates; these follow git's own
// ("cannot lock ref ...: is at X but expected Y"), and the client must not
// depend on their wording.
func (s *Server) gqlUpdateRefs(c *call, q *gqlRequest) response {
	in, ok := q.Variables["input"].(map[string]any)
	if !ok {
		return gqlError("", "githubtest: give updateRefs its input as the variable $input", "")
	}
	id, _ := in["repositoryId"].(string)
	var rp *repo
	for _, r := range s.repos {
		if nodeID("R", r.fullName()) == id {
			rp = r
		}
	}
	if rp == nil {
		return gqlError("NOT_FOUND", "Could not resolve to a node with the global id of '"+id+"'", "updateRefs")
	}
	list, _ := in["refUpdates"].([]any)
	if len(list) == 0 {
		return gqlError("", "Variable $input of type UpdateRefsInput! was provided invalid value for refUpdates (Expected value to not be null)", "")
	}
	type update struct {
		name          string
		before, after string
		hasBefore     bool
		force         bool
	}
	var updates []update
	for _, x := range list {
		m, _ := x.(map[string]any)
		u := update{}
		u.name, _ = m["name"].(string)
		u.after, _ = m["afterOid"].(string)
		u.before, u.hasBefore = m["beforeOid"].(string)
		u.force, _ = m["force"].(bool)
		if u.name == "" || u.after == "" {
			return gqlError("", "Variable $input of type UpdateRefsInput! was provided invalid value for refUpdates (Expected value to not be null)", "")
		}
		if !isHex(u.after) || len(u.after) != 40 || u.hasBefore && (!isHex(u.before) || len(u.before) != 40) {
			return gqlError("", "Variable $input of type UpdateRefsInput! was provided invalid value for refUpdates (Could not coerce value to GitObjectID)", "")
		}
		updates = append(updates, u)
	}
	// Check every update before applying any: the mutation is atomic.
	for _, u := range updates {
		if !validRefName(u.name) {
			return gqlError("UNPROCESSABLE", "'"+u.name+"' is not a valid ref name", "updateRefs")
		}
		cur, exists := rp.git.ref(u.name)
		if u.hasBefore {
			switch {
			case u.before == zeroOID && exists:
				return gqlError("UNPROCESSABLE", "cannot lock ref '"+u.name+"': reference already exists", "updateRefs")
			case u.before != zeroOID && !exists:
				return gqlError("UNPROCESSABLE", "cannot lock ref '"+u.name+"': unable to resolve reference '"+u.name+"'", "updateRefs")
			case u.before != zeroOID && cur.String() != strings.ToLower(u.before):
				return gqlError("UNPROCESSABLE", "cannot lock ref '"+u.name+"': is at "+cur.String()+" but expected "+strings.ToLower(u.before), "updateRefs")
			}
		}
		if u.after == zeroOID {
			if !exists {
				return gqlError("UNPROCESSABLE", "cannot lock ref '"+u.name+"': unable to resolve reference '"+u.name+"'", "updateRefs")
			}
			continue
		}
		after := plumbing.NewHash(u.after)
		if _, err := rp.git.objectType(after); err != nil {
			return gqlError("UNPROCESSABLE", "Could not resolve object '"+u.after+"'", "updateRefs")
		}
		if exists && !u.force {
			if ff, err := rp.git.isAncestor(cur, after); err != nil || !ff {
				return gqlError("UNPROCESSABLE", "Update to '"+u.name+"' is not a fast forward", "updateRefs")
			}
		}
	}
	for _, u := range updates {
		if u.after == zeroOID {
			if err := rp.git.removeRef(u.name); err != nil {
				return errorResponse(http.StatusInternalServerError, err.Error())
			}
			s.closePullsFrom(rp, u.name)
			continue
		}
		if err := rp.git.setRef(u.name, plumbing.NewHash(u.after)); err != nil {
			return errorResponse(http.StatusInternalServerError, err.Error())
		}
	}
	rp.pushedAt = s.now()
	return jsonResponse(http.StatusOK, map[string]any{
		"data": map[string]any{"updateRefs": map[string]any{"clientMutationId": in["clientMutationId"]}},
	})
}
