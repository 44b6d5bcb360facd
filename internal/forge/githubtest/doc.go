// Package githubtest is a stateful fake of the GitHub REST API, plus the
// GraphQL mutation enablePullRequestAutoMerge, for the GitHub client's tests.
//
// The fake keeps real git objects in a bare repository per GitHub
// repository (go-git filesystem storage under t.TempDir(), path from
// GitDir), so blob, tree and commit SHAs are the ones git computes and a
// test can run `git log` or `git fsck` on what the API built.
//
// # Starting it
//
//	srv := githubtest.NewServer(t, githubtest.Options{Token: "ghp_test"})
//	srv.CreateRepo("acme/config", githubtest.RepoOptions{
//		DefaultBranch: "main",
//		Files:         map[string]string{"environments/staging/app.yaml": "image: app:1\n"},
//	})
//	gh, _ := github.NewClient(nil).WithAuthToken("ghp_test").WithEnterpriseURLs(srv.URL, srv.URL)
//
// # URL scheme
//
// The server answers in GitHub Enterprise style: REST under srv.APIURL
// (srv.URL + "/api/v3/", which go-github's WithEnterpriseURLs(srv.URL,
// srv.URL) produces) and GraphQL at srv.GraphQLURL (srv.URL +
// "/api/graphql"). REST paths without the /api/v3 prefix are accepted too.
// Archive links redirect (302) to srv.URL + "/_codeload/{owner}/{repo}/
// legacy.tar.gz/{sha}" (or legacy.zip), which needs no token, like codeload.
//
// # Validation against GitHub's description
//
// Every request to a REST route is validated (parameters and JSON body)
// against the operation of GitHub's OpenAPI description, and every response
// (status, headers, JSON body) likewise, with kin-openapi's openapi3filter.
// The description is the subset in testdata/openapi-subset.json, extracted
// from @octokit/openapi's api.github.com.json by
//
//	go run ./internal/forge/githubtest/gen
//
// A request that does not match fails the test (tb.Errorf) and is answered
// 400; a response that does not match fails the test and is replaced by a
// 500. A request for a route the fake does not serve fails the test and is
// answered 404. Required response fields the fake does not model are filled
// with the zero value of their schema (null where nullable) before the
// response is validated.
//
// # Faults
//
// SetFaults makes a seeded, deterministic fraction of requests fail with
// 500/502/503, 429 (primary rate limit) or 403 (secondary rate limit, with
// Retry-After), and makes successful writes drop the connection after they
// were applied, so clients must check before retrying a POST.
//
// # Call counts
//
// Calls(route) counts requests by method and OpenAPI path template, e.g.
// Calls("POST /repos/{owner}/{repo}/git/commits") (see the Route constants).
//
//go:generate go run ./gen
package githubtest
