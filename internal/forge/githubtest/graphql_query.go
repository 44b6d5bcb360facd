package githubtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// This file serves GraphQL queries whose root field is repository. The query
// is parsed with gqlparser, without GitHub's schema, and executed against a
// small model of GitHub's types: the root field repository, and below it
// pullRequest (with its reviews), object(expression:) (blobs, trees,
// commits with their blame, history and pull requests, tags), ref and refs. Aliases, variables (with defaults), inline
// fragments, named fragments and __typename work as on GitHub; a field the
// model lacks is the error GitHub gives for a field its schema lacks, so a
// client asking for something the fake does not know fails loudly.

// gqlObject is a value of a GraphQL object type.
type gqlObject interface {
	// gqlType is the object's type name, e.g. "Blob".
	gqlType() string
	// gqlField resolves one field; ok is false for a field the type lacks.
	// The value is nil, a scalar, a gqlObject or a []gqlObject.
	gqlField(x *gqlExec, name string, args map[string]any) (v any, ok bool, err error)
}

// gqlInterfaces lists the interfaces each type implements, for fragments
// on an interface (... on GitObject).
var gqlInterfaces = map[string][]string{
	"Blob":              {"GitObject", "Node"},
	"Tree":              {"GitObject", "Node"},
	"Commit":            {"GitObject", "Node"},
	"Tag":               {"GitObject", "Node"},
	"Repository":        {"Node", "RepositoryInfo"},
	"PullRequest":       {"Node"},
	"PullRequestReview": {"Node"},
	"Ref":               {"Node"},
	"Label":             {"Node"},
	"GpgSignature":      {"GitSignature"},
	"User":              {"Actor", "Node"},
	"Bot":               {"Actor", "Node"},
}

// gqlResolveError is an error of one field (GitHub's type NOT_FOUND, ...):
// the field is null, the rest of the answer stands.
type gqlResolveError struct {
	typ, message string
}

func (e *gqlResolveError) Error() string { return e.message }

// gqlQueryError fails the whole request before any data, as GitHub's
// validation does.
type gqlQueryError struct {
	message string
	ext     map[string]any
}

func (e *gqlQueryError) Error() string { return e.message }

// gqlExec is one execution of a query document.
type gqlExec struct {
	s         *Server
	c         *call
	vars      map[string]any
	fragments ast.FragmentDefinitionList
	errors    []any
}

// gqlRepository serves the queries whose root field is repository (the
// dispatcher in graphql.go routes them here by their first root field).
func (s *Server) gqlRepository(c *call, q *gqlRequest) response {
	return s.gqlQuery(c, q.Query, q.Variables)
}

// gqlQuery runs a GraphQL query document.
func (s *Server) gqlQuery(c *call, query string, vars map[string]any) response {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return jsonResponse(http.StatusOK, map[string]any{"errors": []any{map[string]any{"message": "Parse error: " + err.Error()}}})
	}
	if len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
		return jsonResponse(http.StatusOK, map[string]any{"errors": []any{map[string]any{"message": "githubtest: send exactly one query"}}})
	}
	op := doc.Operations[0]
	if err := checkUsage(doc); err != nil {
		return gqlErrors(err)
	}
	x := &gqlExec{s: s, c: c, vars: map[string]any{}, fragments: doc.Fragments}
	for k, v := range vars {
		x.vars[k] = v
	}
	for _, vd := range op.VariableDefinitions {
		if _, set := x.vars[vd.Variable]; set {
			continue
		}
		if vd.DefaultValue != nil {
			v, err := vd.DefaultValue.Value(nil)
			if err != nil {
				return gqlErrors(err)
			}
			x.vars[vd.Variable] = v
		} else if vd.Type.NonNull {
			return jsonResponse(http.StatusOK, map[string]any{"errors": []any{map[string]any{
				"message":    fmt.Sprintf("Variable $%s of type %s was provided invalid value", vd.Variable, vd.Type.String()),
				"extensions": map[string]any{"value": nil, "problems": []any{map[string]any{"path": []any{}, "explanation": "Expected value to not be null"}}},
			}}})
		}
	}
	data, err := x.selectFields(gqlRoot{}, op.SelectionSet, nil)
	if err != nil {
		return gqlErrors(err)
	}
	body := map[string]any{"data": data}
	if len(x.errors) > 0 {
		body["errors"] = x.errors
	}
	return jsonResponse(http.StatusOK, body)
}

func gqlErrors(err error) response {
	e := map[string]any{"message": err.Error(), "locations": []any{map[string]any{"line": 1, "column": 1}}}
	if qe, ok := err.(*gqlQueryError); ok && qe.ext != nil {
		e["extensions"] = qe.ext
	}
	return jsonResponse(http.StatusOK, map[string]any{"errors": []any{e}})
}

// matches reports whether a fragment on cond applies to an object of typ.
func matches(cond, typ string) bool {
	if cond == "" || cond == typ {
		return true
	}
	for _, i := range gqlInterfaces[typ] {
		if i == cond {
			return true
		}
	}
	return false
}

// selectFields resolves a selection set on obj into a JSON object.
func (x *gqlExec) selectFields(obj gqlObject, set ast.SelectionSet, path []any) (map[string]any, error) {
	out := map[string]any{}
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			key := sel.Alias
			if key == "" {
				key = sel.Name
			}
			if sel.Name == "__typename" {
				out[key] = obj.gqlType()
				continue
			}
			args := map[string]any{}
			for _, a := range sel.Arguments {
				v, err := a.Value.Value(x.vars)
				if err != nil {
					return nil, &gqlQueryError{message: fmt.Sprintf("Argument '%s' on Field '%s' has an invalid value (%s)", a.Name, sel.Name, a.Value.String())}
				}
				args[a.Name] = v
			}
			v, ok, err := obj.gqlField(x, sel.Name, args)
			if !ok {
				return nil, &gqlQueryError{
					message: fmt.Sprintf("Field '%s' doesn't exist on type '%s'", sel.Name, obj.gqlType()),
					ext:     map[string]any{"code": "undefinedField", "typeName": obj.gqlType(), "fieldName": sel.Name},
				}
			}
			fieldPath := append(append([]any(nil), path...), key)
			if err != nil {
				if re, isResolve := err.(*gqlResolveError); isResolve {
					e := map[string]any{"type": re.typ, "path": fieldPath, "message": re.message, "locations": []any{map[string]any{"line": sel.Position.Line, "column": sel.Position.Column}}}
					x.errors = append(x.errors, e)
					out[key] = nil
					continue
				}
				return nil, err
			}
			if out[key], err = x.complete(v, sel, fieldPath); err != nil {
				return nil, err
			}
		case *ast.InlineFragment:
			if !matches(sel.TypeCondition, obj.gqlType()) {
				continue
			}
			sub, err := x.selectFields(obj, sel.SelectionSet, path)
			if err != nil {
				return nil, err
			}
			for k, v := range sub {
				out[k] = v
			}
		case *ast.FragmentSpread:
			def := x.fragments.ForName(sel.Name)
			if def == nil {
				return nil, &gqlQueryError{message: fmt.Sprintf("Fragment %s was used, but not defined", sel.Name)}
			}
			if !matches(def.TypeCondition, obj.gqlType()) {
				continue
			}
			sub, err := x.selectFields(obj, def.SelectionSet, path)
			if err != nil {
				return nil, err
			}
			for k, v := range sub {
				out[k] = v
			}
		}
	}
	return out, nil
}

// complete turns a resolved value into JSON, selecting into objects.
func (x *gqlExec) complete(v any, f *ast.Field, path []any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case gqlObject:
		if len(f.SelectionSet) == 0 {
			return nil, &gqlQueryError{message: fmt.Sprintf("Field must have selections (field '%s' returns %s but has no selections. Did you mean '%s { ... }'?)", f.Name, v.gqlType(), f.Name)}
		}
		return x.selectFields(v, f.SelectionSet, path)
	case []gqlObject:
		out := []any{}
		for i, o := range v {
			sub, err := x.complete(o, f, append(append([]any(nil), path...), i))
			if err != nil {
				return nil, err
			}
			out = append(out, sub)
		}
		return out, nil
	default:
		if len(f.SelectionSet) > 0 {
			return nil, &gqlQueryError{message: fmt.Sprintf("Selections can't be made on scalars (field '%s' returns a scalar but has selections [%s])", f.Name, f.SelectionSet[0].(*ast.Field).Name)}
		}
		return v, nil
	}
}

func argString(args map[string]any, name string) string {
	s, _ := args[name].(string)
	return s
}

func argInt(args map[string]any, name string) (int, bool) {
	switch n := args[name].(type) {
	case int64:
		return int(n), true
	case float64: // from JSON variables
		return int(n), true
	case int:
		return n, true
	}
	return 0, false
}

// --- Query ---

type gqlRoot struct{}

func (gqlRoot) gqlType() string { return "Query" }

func (gqlRoot) gqlField(x *gqlExec, name string, args map[string]any) (any, bool, error) {
	switch name {
	case "repository":
		owner, repoName := argString(args, "owner"), argString(args, "name")
		for full, rp := range x.s.repos {
			if strings.EqualFold(full, owner+"/"+repoName) {
				return gqlRepo{rp}, true, nil
			}
		}
		return nil, true, &gqlResolveError{typ: "NOT_FOUND", message: fmt.Sprintf("Could not resolve to a Repository with the name '%s/%s'.", owner, repoName)}
	case "viewer":
		return gqlActor{x.c.actor.Login}, true, nil
	}
	return nil, false, nil
}

// --- Repository ---

type gqlRepo struct{ rp *repo }

func (gqlRepo) gqlType() string { return "Repository" }

func (r gqlRepo) gqlField(x *gqlExec, name string, args map[string]any) (any, bool, error) {
	rp := r.rp
	switch name {
	case "id":
		return nodeID("R", rp.fullName()), true, nil
	case "name":
		return rp.name, true, nil
	case "nameWithOwner":
		return rp.fullName(), true, nil
	case "url":
		return x.s.htmlURL(rp), true, nil
	case "defaultBranchRef":
		h, ok := rp.git.ref("refs/heads/" + rp.opts.DefaultBranch)
		if !ok {
			return nil, true, nil
		}
		return gqlRef{rp: rp, prefix: "refs/heads/", name: rp.opts.DefaultBranch, hash: h}, true, nil
	case "pullRequest":
		n, _ := argInt(args, "number")
		if p, ok := rp.pulls[n]; ok {
			return gqlPull{rp: rp, p: p}, true, nil
		}
		return nil, true, &gqlResolveError{typ: "NOT_FOUND", message: fmt.Sprintf("Could not resolve to a PullRequest with the number of %d.", n)}
	case "object":
		return r.object(args), true, nil
	case "ref":
		q := argString(args, "qualifiedName")
		if !strings.HasPrefix(q, "refs/") {
			q = "refs/heads/" + q
		}
		h, ok := rp.git.ref(q)
		if !ok {
			return nil, true, nil
		}
		prefix := q[:strings.LastIndex(q, "/")+1]
		for _, p := range []string{"refs/heads/", "refs/tags/"} {
			if strings.HasPrefix(q, p) {
				prefix = p
			}
		}
		return gqlRef{rp: rp, prefix: prefix, name: strings.TrimPrefix(q, prefix), hash: h}, true, nil
	case "refs":
		c, err := r.refs(args)
		return c, true, err
	}
	return nil, false, nil
}

// object resolves object(expression: "rev:path") or object(oid:); a path
// or revision that does not exist is null.
func (r gqlRepo) object(args map[string]any) any {
	rp := r.rp
	if oid := argString(args, "oid"); oid != "" {
		if !isHex(oid) || len(oid) != 40 {
			return nil
		}
		return gitObject(rp, plumbing.NewHash(oid))
	}
	expr := argString(args, "expression")
	rev, p, hasPath := strings.Cut(expr, ":")
	h, ok := rp.resolve(rev)
	if !ok {
		return nil
	}
	if !hasPath {
		return gitObject(rp, h)
	}
	cm, err := rp.git.commit(h)
	if err != nil {
		return nil
	}
	if p == "" {
		return gitObject(rp, cm.TreeHash)
	}
	t, err := rp.git.tree(cm.TreeHash)
	if err != nil {
		return nil
	}
	e, err := t.FindEntry(p)
	if err != nil || e.Mode == filemode.Submodule {
		return nil
	}
	if tr, ok := gitObject(rp, e.Hash).(gqlTree); ok {
		tr.path = strings.Trim(p, "/")
		return tr
	}
	return gitObject(rp, e.Hash)
}

// gitObject wraps a stored object in its GraphQL type.
func gitObject(rp *repo, h plumbing.Hash) gqlObject {
	typ, err := rp.git.objectType(h)
	if err != nil {
		return nil
	}
	switch typ {
	case plumbing.BlobObject:
		return gqlBlob{rp: rp, h: h}
	case plumbing.TreeObject:
		return gqlTree{rp: rp, h: h}
	case plumbing.CommitObject:
		if c, err := rp.git.commit(h); err == nil {
			return gqlCommit{rp: rp, c: c}
		}
	case plumbing.TagObject:
		if t, err := object.GetTag(rp.git.st, h); err == nil {
			return gqlTag{rp: rp, t: t}
		}
	}
	return nil
}

// connection is a page of a GraphQL connection: nodes, totalCount,
// pageInfo, with cursors that are positions.
type connection struct {
	typ   string
	nodes []gqlObject
	total int
	start int // index of nodes[0] in the whole list
}

// page cuts a list as first/last/after/before ask; like GitHub it insists
// on first or last, at most 100.
func page(kind string, all []gqlObject, args map[string]any, typ string) (*connection, error) {
	first, hasFirst := argInt(args, "first")
	last, hasLast := argInt(args, "last")
	if !hasFirst && !hasLast {
		return nil, &gqlQueryError{message: fmt.Sprintf("You must provide a `first` or `last` value to properly paginate the `%s` connection.", kind)}
	}
	for _, n := range []struct {
		arg  string
		v    int
		have bool
	}{{"first", first, hasFirst}, {"last", last, hasLast}} {
		if n.have && (n.v < 0 || n.v > 100) {
			return nil, &gqlQueryError{message: fmt.Sprintf("Requesting %d records on the `%s` connection exceeds the `%s` limit of 100 records.", n.v, kind, n.arg)}
		}
	}
	lo, hi := 0, len(all)
	if a := argString(args, "after"); a != "" {
		if i, ok := decodeCursor(a); ok && i+1 > lo {
			lo = min(i+1, hi)
		}
	}
	if b := argString(args, "before"); b != "" {
		if i, ok := decodeCursor(b); ok && i < hi {
			hi = max(i, lo)
		}
	}
	if hasFirst && hi-lo > first {
		hi = lo + first
	}
	if hasLast && hi-lo > last {
		lo = hi - last
	}
	return &connection{typ: typ, nodes: all[lo:hi], total: len(all), start: lo}, nil
}

func cursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("cursor:" + strconv.Itoa(i)))
}

func decodeCursor(s string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "cursor:"))
	return n, err == nil
}

func (c *connection) gqlType() string { return c.typ }

func (c *connection) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "nodes":
		return c.nodes, true, nil
	case "totalCount":
		return c.total, true, nil
	case "pageInfo":
		return pageInfo{c}, true, nil
	}
	return nil, false, nil
}

type pageInfo struct{ c *connection }

func (pageInfo) gqlType() string { return "PageInfo" }

func (p pageInfo) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	c := p.c
	end := c.start + len(c.nodes)
	switch name {
	case "hasNextPage":
		return end < c.total, true, nil
	case "hasPreviousPage":
		return c.start > 0, true, nil
	case "startCursor":
		if len(c.nodes) == 0 {
			return nil, true, nil
		}
		return cursor(c.start), true, nil
	case "endCursor":
		if len(c.nodes) == 0 {
			return nil, true, nil
		}
		return cursor(end - 1), true, nil
	}
	return nil, false, nil
}

// refs lists the refs under refPrefix (which GitHub wants to end in "/"),
// named without it, alphabetically or by the date of the commit they point
// to (TAG_COMMIT_DATE, annotated tags peeled).
func (r gqlRepo) refs(args map[string]any) (*connection, error) {
	rp := r.rp
	prefix := argString(args, "refPrefix")
	if !strings.HasPrefix(prefix, "refs/") || !strings.HasSuffix(prefix, "/") {
		return nil, &gqlResolveError{typ: "INVALID_ARGUMENT", message: "refPrefix must start with refs/ and end with /"}
	}
	list, err := rp.git.refs(prefix)
	if err != nil {
		return nil, err
	}
	query := argString(args, "query")
	var refs []gqlRef
	for _, ref := range list {
		name := strings.TrimPrefix(ref.Name().String(), prefix)
		if query != "" && !strings.Contains(name, query) {
			continue
		}
		refs = append(refs, gqlRef{rp: rp, prefix: prefix, name: name, hash: ref.Hash()})
	}
	order, _ := args["orderBy"].(map[string]any)
	field, _ := order["field"].(string)
	desc := order["direction"] == "DESC"
	dates := map[string]time.Time{}
	if field == "TAG_COMMIT_DATE" {
		for _, g := range refs {
			if h, ok := rp.peel(g.hash); ok {
				if c, err := rp.git.commit(h); err == nil {
					dates[g.name] = c.Committer.When
				}
			}
		}
	}
	sort.SliceStable(refs, func(i, j int) bool {
		a, b := refs[i], refs[j]
		if desc {
			a, b = b, a
		}
		if da, db := dates[a.name], dates[b.name]; !da.Equal(db) {
			return da.Before(db)
		}
		return a.name < b.name
	})
	nodes := make([]gqlObject, len(refs))
	for i := range refs {
		nodes[i] = refs[i]
	}
	return page("refs", nodes, args, "RefConnection")
}

// --- refs and git objects ---

type gqlRef struct {
	rp           *repo
	prefix, name string
	hash         plumbing.Hash
}

func (gqlRef) gqlType() string { return "Ref" }

func (r gqlRef) gqlField(x *gqlExec, name string, args map[string]any) (any, bool, error) {
	switch name {
	case "id":
		return nodeID("REF", r.rp.fullName()+r.prefix+r.name), true, nil
	case "name":
		return r.name, true, nil
	case "prefix":
		return r.prefix, true, nil
	case "target":
		return gitObject(r.rp, r.hash), true, nil
	}
	return r.branchField(x, name, args) // graphql_branch.go
}

type gqlBlob struct {
	rp *repo
	h  plumbing.Hash
}

func (gqlBlob) gqlType() string { return "Blob" }

func (b gqlBlob) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "oid":
		return b.h.String(), true, nil
	case "abbreviatedOid":
		return shortHash(b.h), true, nil
	}
	data, err := b.rp.git.readBlob(b.h)
	if err != nil {
		return nil, true, err
	}
	binary := !utf8.Valid(data) || strings.IndexByte(string(data), 0) >= 0
	switch name {
	case "byteSize":
		return len(data), true, nil
	case "isBinary":
		return binary, true, nil
	case "isTruncated":
		return false, true, nil
	case "text":
		if binary {
			return nil, true, nil
		}
		return string(data), true, nil
	}
	return nil, false, nil
}

// gqlTree is a tree; path is where it stands in the commit it was reached
// from ("" for the root, or when reached by its oid), for its entries'
// paths.
type gqlTree struct {
	rp   *repo
	h    plumbing.Hash
	path string
}

func (gqlTree) gqlType() string { return "Tree" }

func (t gqlTree) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "oid":
		return t.h.String(), true, nil
	case "abbreviatedOid":
		return shortHash(t.h), true, nil
	case "entries":
		return t.entries()
	}
	return nil, false, nil
}

type gqlCommit struct {
	rp *repo
	c  *object.Commit
}

func (gqlCommit) gqlType() string { return "Commit" }

func (c gqlCommit) gqlField(x *gqlExec, name string, args map[string]any) (any, bool, error) {
	switch name {
	case "oid":
		return c.c.Hash.String(), true, nil
	case "abbreviatedOid":
		return shortHash(c.c.Hash), true, nil
	case "message":
		return c.c.Message, true, nil
	case "committedDate":
		return c.c.Committer.When.UTC().Format(time.RFC3339), true, nil
	case "authoredDate":
		return c.c.Author.When.UTC().Format(time.RFC3339), true, nil
	}
	if v, ok, err := c.content(name, args); ok { // graphql_branch.go
		return v, ok, err
	}
	return c.history(x, name, args) // graphql_blame.go
}

type gqlTag struct {
	rp *repo
	t  *object.Tag
}

func (gqlTag) gqlType() string { return "Tag" }

func (t gqlTag) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "oid":
		return t.t.Hash.String(), true, nil
	case "name":
		return t.t.Name, true, nil
	case "message":
		return t.t.Message, true, nil
	case "target":
		return gitObject(t.rp, t.t.Target), true, nil
	}
	return nil, false, nil
}

// --- pull requests and reviews ---

type gqlPull struct {
	rp *repo
	p  *pull
}

func (gqlPull) gqlType() string { return "PullRequest" }

func (g gqlPull) gqlField(x *gqlExec, name string, args map[string]any) (any, bool, error) {
	p := g.p
	switch name {
	case "id":
		return p.nodeID, true, nil
	case "number":
		return p.number, true, nil
	case "title":
		return p.title, true, nil
	case "body":
		return p.body, true, nil
	case "url":
		return x.s.htmlURL(g.rp, "pull", strconv.Itoa(p.number)), true, nil
	case "state":
		switch {
		case p.merged:
			return "MERGED", true, nil
		case p.state == "closed":
			return "CLOSED", true, nil
		}
		return "OPEN", true, nil
	case "merged":
		return p.merged, true, nil
	case "mergedAt":
		return timeOrNil(p.mergedAt), true, nil
	case "mergeCommit":
		if p.mergeCommit.IsZero() {
			return nil, true, nil
		}
		return gitObject(g.rp, p.mergeCommit), true, nil
	case "author":
		return gqlActor{p.user}, true, nil
	case "headRefName", "headRefOid", "baseRefName", "isDraft", "closed", "labels", "assignees", "autoMergeRequest", "createdAt":
		return g.branchField(name, args) // graphql_branch.go
	case "reviews":
		var nodes []gqlObject
		states, _ := args["states"].([]any)
		for _, r := range p.reviews {
			keep := len(states) == 0
			for _, s := range states {
				keep = keep || s == r.state
			}
			if keep {
				nodes = append(nodes, gqlReview{r})
			}
		}
		c, err := page("reviews", nodes, args, "PullRequestReviewConnection")
		return c, true, err
	case "latestOpinionatedReviews", "latestReviews":
		// Per author, the latest review that says yes or no (a dismissed
		// approval counts as the author's latest opinion, now void);
		// latestReviews counts comments too.
		latest := map[string]*review{}
		var order []string
		for _, r := range p.reviews {
			if name == "latestOpinionatedReviews" && r.state == "COMMENTED" {
				continue
			}
			if _, seen := latest[r.author]; !seen {
				order = append(order, r.author)
			}
			latest[r.author] = r
		}
		var nodes []gqlObject
		for _, a := range order {
			nodes = append(nodes, gqlReview{latest[a]})
		}
		c, err := page(name, nodes, args, "PullRequestReviewConnection")
		return c, true, err
	}
	return nil, false, nil
}

type gqlReview struct{ r *review }

func (gqlReview) gqlType() string { return "PullRequestReview" }

func (g gqlReview) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	switch name {
	case "state":
		return g.r.state, true, nil
	case "author":
		return gqlActor{g.r.author}, true, nil
	case "submittedAt":
		return g.r.submittedAt.UTC().Format(time.RFC3339), true, nil
	}
	return nil, false, nil
}

type gqlActor struct{ login string }

func (a gqlActor) gqlType() string {
	if strings.HasSuffix(a.login, "[bot]") {
		return "Bot"
	}
	return "User"
}

func (a gqlActor) gqlField(_ *gqlExec, name string, _ map[string]any) (any, bool, error) {
	if name == "login" {
		// GitHub's Bot.login has no [bot] suffix.
		return strings.TrimSuffix(a.login, "[bot]"), true, nil
	}
	return nil, false, nil
}

// checkUsage refuses, as GitHub's validation does, a document that defines
// a fragment no selection spreads or declares a variable nothing uses.
func checkUsage(doc *ast.QueryDocument) error {
	spread, vars := map[string]bool{}, map[string]bool{}
	var value func(v *ast.Value)
	value = func(v *ast.Value) {
		if v == nil {
			return
		}
		if v.Kind == ast.Variable {
			vars[v.Raw] = true
		}
		for _, c := range v.Children {
			value(c.Value)
		}
	}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				for _, a := range sel.Arguments {
					value(a.Value)
				}
				walk(sel.SelectionSet)
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				if !spread[sel.Name] {
					spread[sel.Name] = true
					if def := doc.Fragments.ForName(sel.Name); def != nil {
						walk(def.SelectionSet)
					}
				}
			}
		}
	}
	op := doc.Operations[0]
	walk(op.SelectionSet)
	for _, f := range doc.Fragments {
		if !spread[f.Name] {
			return &gqlQueryError{message: fmt.Sprintf("Fragment %s was defined, but not used", f.Name)}
		}
	}
	for _, vd := range op.VariableDefinitions {
		if !vars[vd.Variable] {
			return &gqlQueryError{message: fmt.Sprintf("Variable $%s is declared by %s but not used", vd.Variable, op.Name)}
		}
	}
	return nil
}
