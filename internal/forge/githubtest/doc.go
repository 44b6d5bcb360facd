// Package githubtest is a stateful fake of the GitHub REST API, plus the
// GraphQL queries and mutations the GitHub client uses, for its tests.
//
// The fake keeps real git objects in a bare repository per GitHub
// repository (go-git filesystem storage under t.TempDir(); GitDir gives the
// path), so blob, tree and commit SHAs are the ones git computes and a test
// can run `git log` or `git fsck` on what the API built.
//
// # Starting it
//
//	srv := githubtest.NewServer(t, githubtest.Options{
//		Token: "ghp_test",
//		App:   &githubtest.App{ID: 42, PublicKey: &key.PublicKey, InstallationID: 7},
//	})
//	srv.CreateRepo("acme/config", githubtest.RepoOptions{
//		DefaultBranch:  "main",
//		AllowAutoMerge: true,
//		Files:          map[string]string{"environments/staging/app.yaml": "image: app:1\n"},
//	})
//	gh, err := github.NewClient(nil).WithAuthToken("ghp_test").WithEnterpriseURLs(srv.URL, srv.URL)
//	srv.SetFaults(githubtest.Faults{Transient: 0.3, RateLimit: 0.05, SecondaryRateLimit: 0.05, ResetAfterWrite: 0.1, Seed: 1})
//
// # URL scheme
//
// The server answers in GitHub Enterprise style: REST under srv.APIURL
// (srv.URL + "/api/v3/", which go-github's WithEnterpriseURLs(srv.URL,
// srv.URL) produces) and GraphQL at srv.GraphQLURL (srv.URL +
// "/api/graphql"). REST paths without the /api/v3 prefix are accepted too.
// tarball and zipball links redirect (302) to srv.URL +
// "/_codeload/{owner}/{repo}/legacy.tar.gz/{sha}" (or legacy.zip), which
// needs no Authorization, like codeload.github.com; for a private
// repository the redirect carries ?token=... (see CodeloadTokenPrefix),
// which codeload requires. HTML URLs in responses point to
// srv.URL + "/{owner}/{repo}/..." but are not served.
//
// # Authentication
//
// With Options.Token set, REST and GraphQL calls need "Authorization: token
// X" or "Bearer X" with that token or an installation token the server
// issued; otherwise they get 401 "Requires authentication" or "Bad
// credentials". With Options.App set, GET /repos/{owner}/{repo}/installation
// and POST /app/installations/{id}/access_tokens need an RS256 JWT signed
// with the app's key (iss = app ID, exp at most ten minutes after iat), and
// the latter issues "ghs_" tokens valid for App.TokenTTL (default an hour),
// by the server's clock (Options.Now), so a test expires them by moving it.
// With neither, no authentication is required.
//
// # Validation against GitHub's description
//
// Every request to a REST route is validated (path and query parameters,
// JSON body) against its operation in GitHub's OpenAPI description, and
// every response (status, headers, JSON body) likewise, with kin-openapi's
// openapi3filter. The description is testdata/openapi-subset.json, the
// operations listed by Operations and the components they reference,
// extracted from api.github.com.json of the npm package @octokit/openapi
// (version and SHA-256 recorded under info.x-source) by
//
//	go run ./internal/forge/githubtest/gen
//
// A request that does not match fails the test (tb.Errorf) and is answered
// 400; a response that does not match fails the test and is replaced by a
// 500; a request for a route the fake does not serve fails the test and is
// answered 404. Required response fields the fake does not model (counts,
// URLs of other resources) are filled with the zero value of their schema
// (null where nullable) before the response is validated. Two request shapes
// GitHub accepts but the schema omits are normalised before validation: a
// JSON null body counts as none, and a bare array of labels counts as
// {"labels": [...]}. Raw media types (Accept: application/vnd.github.raw)
// are answered raw and only their status is validated. GraphQL and codeload
// are not in the REST description and are not validated.
//
// # GraphQL
//
// POST /graphql finds the operation's type and first root field and hands
// it to that field's handler, listed in gqlFields (graphql.go), one
// function per field in its own file (graphql_*.go). A field the fake does
// not serve is answered as GitHub answers an unknown field. Errors come
// with HTTP 200 and an "errors" list, as on GitHub.
//
// Queries of the root field repository (graphql_query.go) are parsed with
// gqlparser and run against a small model of GitHub's schema: below
// repository, pullRequest (with reviews and latestOpinionatedReviews),
// object(expression: "rev:path"), ref and refs (ordered by name or
// TAG_COMMIT_DATE); a Commit answers blame(path:), history and
// associatedPullRequests (the pull requests GET /commits/{sha}/pulls
// lists, in orderBy's order; graphql_blame.go), tree, parents, file(path:)
// and signature; a PullRequest its mergeCommit and baseRefName; a Tree its entries; a Ref compare(headRef:) and
// associatedPullRequests, with the pull requests' headRefOid, labels,
// assignees and autoMergeRequest (graphql_branch.go). Aliases, variables,
// fragments and __typename work; a field the model lacks fails the request
// as a field GitHub's schema lacks would. The mutations are updateRefs,
// createCommitOnBranch and enablePullRequestAutoMerge.
//
// # Pull request heads
//
// As on GitHub, every pull request's head is kept under refs/pull/N/head:
// set when it is opened, following its branch while it is open, and left
// where it was once it is merged or closed. Merging keeps the head branch
// unless RepoOptions.DeleteBranchOnMerge says otherwise.
//
// # Faults
//
// SetFaults (or Options.Faults) makes a seeded, deterministic fraction of
// requests fail before anything is applied: 500/502/503, 429 with
// x-ratelimit-remaining: 0, or 403 "You have exceeded a secondary rate
// limit..." with Retry-After; and makes a fraction of successful writes
// (POST, PATCH, PUT, DELETE) drop the connection after they were applied,
// so clients must check before retrying a POST. Faults.Routes limits the
// faults to some routes.
//
// # Call counts
//
// Calls(route) counts requests by method and OpenAPI path template, e.g.
// Calls("POST /repos/{owner}/{repo}/git/commits") (see the Route constants);
// TotalCalls, AllCalls and ResetCalls complete it; Writes lists the
// requests that may change something (GraphQL mutations by field, not
// queries).
//
// # Acting as a person
//
// PushCommit adds a commit to a branch as a push would; OpenPR opens a pull
// request and Review reviews it; MergePR merges a pull request with a merge
// commit, MergePRWith with any of the three methods, ClosePR closes one;
// CreateTagAt and CreateRelease tag and release as a person would;
// CreateStatus and CreateCheckRun report on a commit as Flux or a CI would;
// File, Ref, Tags, Releases, PullRequests, Statuses and Deployments read
// the state without counting calls.
//
// # Statuses, check runs and deployments
//
// Commit statuses are a log per commit; the combined status holds the
// latest of each context (compared without case) and GitHub's derived
// state; check runs list the latest of each name unless filter=all.
// Creating a deployment checks the commit's status contexts as GitHub does
// (409 unless required_contexts says otherwise), and a success deployment
// status marks the environment's earlier deployments inactive
// (statuses.go, deployments.go).
//
//go:generate go run ./gen
package githubtest
