package githubtest

import (
	"sort"
	"strings"
)

// route is one endpoint the fake serves. Template is the path template of the
// operation in GitHub's OpenAPI description (without the /api/v3 prefix), so
// the same string names the route in call counts and finds the operation to
// validate against.
type route struct {
	Method   string
	Template string
	// Greedy is the name of the last path parameter when it may span several
	// segments (a ref such as heads/feature/x, a basehead such as main...a/b).
	Greedy string
	// OffSpec routes are not REST operations of api.github.com (GraphQL,
	// codeload); they are neither in the OpenAPI subset nor validated.
	OffSpec bool
	handle  func(s *Server, c *call) response
}

// Route templates of the operations the fake serves, as they appear in
// call counts (see Server.Calls).
const (
	RouteGetRepo              = "GET /repos/{owner}/{repo}"
	RouteGetRef               = "GET /repos/{owner}/{repo}/git/ref/{ref}"
	RouteMatchingRefs         = "GET /repos/{owner}/{repo}/git/matching-refs/{ref}"
	RouteCreateRef            = "POST /repos/{owner}/{repo}/git/refs"
	RouteUpdateRef            = "PATCH /repos/{owner}/{repo}/git/refs/{ref}"
	RouteDeleteRef            = "DELETE /repos/{owner}/{repo}/git/refs/{ref}"
	RouteGetGitCommit         = "GET /repos/{owner}/{repo}/git/commits/{commit_sha}"
	RouteCreateGitCommit      = "POST /repos/{owner}/{repo}/git/commits"
	RouteGetCommit            = "GET /repos/{owner}/{repo}/commits/{ref}"
	RouteListCommits          = "GET /repos/{owner}/{repo}/commits"
	RouteCommitPulls          = "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls"
	RouteCreateTag            = "POST /repos/{owner}/{repo}/git/tags"
	RouteGetTag               = "GET /repos/{owner}/{repo}/git/tags/{tag_sha}"
	RouteCreateRelease        = "POST /repos/{owner}/{repo}/releases"
	RouteListReleases         = "GET /repos/{owner}/{repo}/releases"
	RouteReleaseByTag         = "GET /repos/{owner}/{repo}/releases/tags/{tag}"
	RouteGetTree              = "GET /repos/{owner}/{repo}/git/trees/{tree_sha}"
	RouteCreateTree           = "POST /repos/{owner}/{repo}/git/trees"
	RouteGetBlob              = "GET /repos/{owner}/{repo}/git/blobs/{file_sha}"
	RouteCreateBlob           = "POST /repos/{owner}/{repo}/git/blobs"
	RouteTarball              = "GET /repos/{owner}/{repo}/tarball/{ref}"
	RouteZipball              = "GET /repos/{owner}/{repo}/zipball/{ref}"
	RouteCompare              = "GET /repos/{owner}/{repo}/compare/{basehead}"
	RouteListPulls            = "GET /repos/{owner}/{repo}/pulls"
	RouteCreatePull           = "POST /repos/{owner}/{repo}/pulls"
	RouteGetPull              = "GET /repos/{owner}/{repo}/pulls/{pull_number}"
	RouteUpdatePull           = "PATCH /repos/{owner}/{repo}/pulls/{pull_number}"
	RouteRequestReviewers     = "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"
	RouteGetIssue             = "GET /repos/{owner}/{repo}/issues/{issue_number}"
	RouteAddLabels            = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels"
	RouteAddAssignees         = "POST /repos/{owner}/{repo}/issues/{issue_number}/assignees"
	RouteCreateComment        = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
	RouteListComments         = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments"
	RouteUpdateComment        = "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"
	RouteDeleteComment        = "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}"
	RouteCreateStatus         = "POST /repos/{owner}/{repo}/statuses/{sha}"
	RouteListStatuses         = "GET /repos/{owner}/{repo}/commits/{ref}/statuses"
	RouteCombinedStatus       = "GET /repos/{owner}/{repo}/commits/{ref}/status"
	RouteListCheckRuns        = "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"
	RouteCreateDeployment     = "POST /repos/{owner}/{repo}/deployments"
	RouteListDeployments      = "GET /repos/{owner}/{repo}/deployments"
	RouteCreateDeployStatus   = "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
	RouteListDeployStatuses   = "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
	RouteGetRepoInstallation  = "GET /repos/{owner}/{repo}/installation"
	RouteCreateInstallToken   = "POST /app/installations/{installation_id}/access_tokens"
	RouteGraphQL              = "POST /graphql"
	RouteCodeload             = "GET /_codeload/{owner}/{repo}/{format}/{sha}"
	routeUnknown              = "unknown"
	documentationURL          = "https://docs.github.com/rest"
	secondaryRateLimitDocsURL = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)

// routes is the table of everything the fake serves; the order matters only
// where two templates could match the same path: commits/{commit_sha}/pulls
// comes before the greedy commits/{ref}.
var routes = []route{
	{Method: "GET", Template: "/repos/{owner}/{repo}", handle: (*Server).getRepo},
	{Method: "GET", Template: "/repos/{owner}/{repo}/git/ref/{ref}", Greedy: "ref", handle: (*Server).getRef},
	{Method: "GET", Template: "/repos/{owner}/{repo}/git/matching-refs/{ref}", Greedy: "ref", handle: (*Server).matchingRefs},
	{Method: "POST", Template: "/repos/{owner}/{repo}/git/refs", handle: (*Server).createRef},
	{Method: "PATCH", Template: "/repos/{owner}/{repo}/git/refs/{ref}", Greedy: "ref", handle: (*Server).updateRef},
	{Method: "DELETE", Template: "/repos/{owner}/{repo}/git/refs/{ref}", Greedy: "ref", handle: (*Server).deleteRef},
	{Method: "GET", Template: "/repos/{owner}/{repo}/git/commits/{commit_sha}", handle: (*Server).getGitCommit},
	{Method: "POST", Template: "/repos/{owner}/{repo}/git/commits", handle: (*Server).createGitCommit},
	{Method: "GET", Template: "/repos/{owner}/{repo}/commits", handle: (*Server).listCommits},
	{Method: "GET", Template: "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", handle: (*Server).commitPulls}, // before the greedy commits/{ref}
	{Method: "GET", Template: "/repos/{owner}/{repo}/commits/{ref}/statuses", handle: (*Server).listStatuses},    // likewise
	{Method: "GET", Template: "/repos/{owner}/{repo}/commits/{ref}/status", handle: (*Server).combinedStatus},    // likewise
	{Method: "GET", Template: "/repos/{owner}/{repo}/commits/{ref}/check-runs", handle: (*Server).listCheckRuns}, // likewise
	{Method: "GET", Template: "/repos/{owner}/{repo}/commits/{ref}", Greedy: "ref", handle: (*Server).getCommit},
	{Method: "POST", Template: "/repos/{owner}/{repo}/git/tags", handle: (*Server).createTag},
	{Method: "GET", Template: "/repos/{owner}/{repo}/git/tags/{tag_sha}", handle: (*Server).getTag},
	{Method: "POST", Template: "/repos/{owner}/{repo}/releases", handle: (*Server).createRelease},
	{Method: "GET", Template: "/repos/{owner}/{repo}/releases", handle: (*Server).listReleases},
	{Method: "GET", Template: "/repos/{owner}/{repo}/releases/tags/{tag}", Greedy: "tag", handle: (*Server).releaseByTag},
	{Method: "GET", Template: "/repos/{owner}/{repo}/git/trees/{tree_sha}", Greedy: "tree_sha", handle: (*Server).getTree},
	{Method: "POST", Template: "/repos/{owner}/{repo}/git/trees", handle: (*Server).createTree},
	{Method: "GET", Template: "/repos/{owner}/{repo}/git/blobs/{file_sha}", handle: (*Server).getBlob},
	{Method: "POST", Template: "/repos/{owner}/{repo}/git/blobs", handle: (*Server).createBlob},
	{Method: "GET", Template: "/repos/{owner}/{repo}/tarball/{ref}", Greedy: "ref", handle: (*Server).archive},
	{Method: "GET", Template: "/repos/{owner}/{repo}/zipball/{ref}", Greedy: "ref", handle: (*Server).archive},
	{Method: "GET", Template: "/repos/{owner}/{repo}/compare/{basehead}", Greedy: "basehead", handle: (*Server).compare},
	{Method: "GET", Template: "/repos/{owner}/{repo}/pulls", handle: (*Server).listPulls},
	{Method: "POST", Template: "/repos/{owner}/{repo}/pulls", handle: (*Server).createPull},
	{Method: "GET", Template: "/repos/{owner}/{repo}/pulls/{pull_number}", handle: (*Server).getPull},
	{Method: "PATCH", Template: "/repos/{owner}/{repo}/pulls/{pull_number}", handle: (*Server).updatePull},
	{Method: "POST", Template: "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", handle: (*Server).requestReviewers},
	{Method: "GET", Template: "/repos/{owner}/{repo}/issues/{issue_number}", handle: (*Server).getIssue},
	{Method: "POST", Template: "/repos/{owner}/{repo}/issues/{issue_number}/labels", handle: (*Server).addLabels},
	{Method: "POST", Template: "/repos/{owner}/{repo}/issues/{issue_number}/assignees", handle: (*Server).addAssignees},
	{Method: "POST", Template: "/repos/{owner}/{repo}/issues/{issue_number}/comments", handle: (*Server).createComment},
	{Method: "GET", Template: "/repos/{owner}/{repo}/issues/{issue_number}/comments", handle: (*Server).listComments},
	{Method: "PATCH", Template: "/repos/{owner}/{repo}/issues/comments/{comment_id}", handle: (*Server).updateComment},
	{Method: "DELETE", Template: "/repos/{owner}/{repo}/issues/comments/{comment_id}", handle: (*Server).deleteComment},
	{Method: "POST", Template: "/repos/{owner}/{repo}/statuses/{sha}", handle: (*Server).createStatus},
	{Method: "POST", Template: "/repos/{owner}/{repo}/deployments", handle: (*Server).createDeployment},
	{Method: "GET", Template: "/repos/{owner}/{repo}/deployments", handle: (*Server).listDeployments},
	{Method: "POST", Template: "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", handle: (*Server).createDeploymentStatus},
	{Method: "GET", Template: "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", handle: (*Server).listDeploymentStatuses},
	{Method: "GET", Template: "/repos/{owner}/{repo}/installation", handle: (*Server).getRepoInstallation},
	{Method: "POST", Template: "/app/installations/{installation_id}/access_tokens", handle: (*Server).createInstallationToken},
	{Method: "POST", Template: "/graphql", OffSpec: true, handle: (*Server).graphql},
	{Method: "GET", Template: "/_codeload/{owner}/{repo}/{format}/{sha}", OffSpec: true, handle: (*Server).codeload},
}

// Operation is one REST operation of GitHub's OpenAPI description that the
// fake serves.
type Operation struct {
	Method string // upper case, e.g. "POST"
	Path   string // OpenAPI path template, e.g. "/repos/{owner}/{repo}/git/refs"
}

// Operations lists the REST operations the fake serves, sorted by path then
// method; the generator extracts exactly these from GitHub's description.
func Operations() []Operation {
	var ops []Operation
	for _, rt := range routes {
		if rt.OffSpec {
			continue
		}
		ops = append(ops, Operation{Method: rt.Method, Path: rt.Template})
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}

// match finds the route for a method and an unprefixed, unescaped path and
// returns its path parameters, or nil when the fake serves no such route.
func match(method, path string) (*route, map[string]string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range routes {
		rt := &routes[i]
		if rt.Method != method {
			continue
		}
		if params, ok := matchTemplate(rt, segs); ok {
			return rt, params
		}
	}
	return nil, nil
}

func matchTemplate(rt *route, segs []string) (map[string]string, bool) {
	tsegs := strings.Split(strings.Trim(rt.Template, "/"), "/")
	params := map[string]string{}
	for i, ts := range tsegs {
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
			name := ts[1 : len(ts)-1]
			if name == rt.Greedy && i == len(tsegs)-1 {
				v := strings.Join(segs[i:], "/")
				if v == "" {
					return nil, false
				}
				params[name] = v
				return params, true
			}
			if segs[i] == "" {
				return nil, false
			}
			params[name] = segs[i]
			continue
		}
		if ts != segs[i] {
			return nil, false
		}
	}
	if len(segs) != len(tsegs) {
		return nil, false
	}
	return params, true
}

func routeName(rt *route) string {
	if rt == nil {
		return routeUnknown
	}
	return rt.Method + " " + rt.Template
}
