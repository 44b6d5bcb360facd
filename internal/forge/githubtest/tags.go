package githubtest

import (
	"net/http"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// --- annotated tags (git tag objects) ---

func (s *Server) gitTagJSON(rp *repo, t *object.Tag) map[string]any {
	sha := t.Hash.String()
	typ := t.TargetType.String()
	return map[string]any{
		"node_id": nodeID("TAG", sha),
		"tag":     t.Name,
		"sha":     sha,
		"url":     s.repoURL(rp, "git", "tags", sha),
		"message": t.Message,
		"tagger":  signatureJSON(t.Tagger),
		"object": map[string]any{
			"sha":  t.Target.String(),
			"type": typ,
			"url":  s.repoURL(rp, "git", typ+"s", t.Target.String()),
		},
		// GitHub signs the commits it makes for Apps and GITHUB_TOKEN, not
		// the tag objects.
		"verification": map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
	}
}

// createTag writes a tag object, as POST /git/tags does: the object alone,
// no ref. Without a tagger GitHub records the token's identity, now.
func (s *Server) createTag(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	if rp.empty() {
		return emptyRepository()
	}
	var in struct {
		Tag     string      `json:"tag"`
		Message string      `json:"message"`
		Object  string      `json:"object"`
		Type    string      `json:"type"`
		Tagger  *identityIn `json:"tagger"`
	}
	if err := decode(c, &in); err != nil {
		return problemsParsingJSON()
	}
	if in.Tag == "" {
		return validationFailed(map[string]any{"resource": "Tag", "field": "tag", "code": "missing_field"})
	}
	h := plumbing.NewHash(in.Object)
	typ, err := rp.git.objectType(h)
	if !isHex(in.Object) || len(in.Object) != 40 || err != nil {
		return unprocessable("Object does not exist")
	}
	if typ.String() != in.Type {
		return unprocessable("Object type mismatch: " + in.Object + " is a " + typ.String() + ", not a " + in.Type)
	}
	tagger := object.Signature{Name: c.actor.Name, Email: c.actor.Email, When: s.now()}
	if in.Tagger != nil {
		if tagger, err = s.signature(in.Tagger); err != nil {
			return validationFailed(map[string]any{"resource": "Tag", "field": "tagger.date", "code": "invalid"})
		}
	}
	t := &object.Tag{Name: in.Tag, Tagger: tagger, Message: in.Message, TargetType: typ, Target: h}
	obj := rp.git.st.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	if t.Hash, err = rp.git.st.SetEncodedObject(obj); err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	resp := jsonResponse(http.StatusCreated, s.gitTagJSON(rp, t))
	resp.header.Set("Location", s.repoURL(rp, "git", "tags", t.Hash.String()))
	return resp
}

func (s *Server) getTag(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	sha := c.params["tag_sha"]
	if !isHex(sha) || len(sha) != 40 {
		return notFound()
	}
	t, err := object.GetTag(rp.git.st, plumbing.NewHash(sha))
	if err != nil {
		return notFound()
	}
	return jsonResponse(http.StatusOK, s.gitTagJSON(rp, t))
}

// Tag is a tag as tests see it.
type Tag struct {
	Name string
	// Commit is the commit the tag points to, annotated tags peeled.
	Commit string
	// Annotated tags have a tag object; Object is its SHA (the commit's
	// for a lightweight tag).
	Annotated bool
	Object    string
	Message   string
	Tagger    Identity
	TaggedAt  time.Time
}

// Tags returns every tag of repo, sorted by name, without counting a call.
func (s *Server) Tags(fullName string) []Tag {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		return nil
	}
	refs, err := rp.git.refs("refs/tags/")
	if err != nil {
		return nil
	}
	var out []Tag
	for _, r := range refs {
		t := Tag{Name: r.Name().Short(), Object: r.Hash().String()}
		if h, ok := rp.peel(r.Hash()); ok {
			t.Commit = h.String()
		}
		if to, err := object.GetTag(rp.git.st, r.Hash()); err == nil {
			t.Annotated = true
			t.Message = to.Message
			t.Tagger = Identity{Name: to.Tagger.Name, Email: to.Tagger.Email}
			t.TaggedAt = to.Tagger.When
		}
		out = append(out, t)
	}
	return out
}

// CreateTagAt makes a lightweight tag as a person pushing one would,
// without counting a call. It fails the test when the tag exists or the
// commit does not.
func (s *Server) CreateTagAt(fullName, name, sha string) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		s.tb.Fatalf("githubtest: no repository %q", fullName)
		return
	}
	if _, err := rp.git.commit(plumbing.NewHash(sha)); err != nil {
		s.tb.Fatalf("githubtest: tagging %q: no commit %s", name, sha)
	}
	if _, exists := rp.git.ref("refs/tags/" + name); exists {
		s.tb.Fatalf("githubtest: tag %q exists", name)
	}
	if err := rp.git.setRef("refs/tags/"+name, plumbing.NewHash(sha)); err != nil {
		s.tb.Fatalf("githubtest: tagging %q: %v", name, err)
	}
}
