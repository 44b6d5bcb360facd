// Package chartref names a Helm chart that lives outside the repository,
// and what fetching one gives back: the contract between the renderers that
// need such a chart (a Flux HelmRelease, an Argo CD Application, a
// kustomize helmCharts entry, a chart's remote dependency) and the fetcher
// that brings it. It also parses the chart versions bump-image moves to
// (bump.go). It holds no network code.
package chartref

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Ref names one chart of a chart repository.
type Ref struct {
	// Repo is the repository: an https:// (or http://) Helm repository
	// that serves index.yaml, or an oci:// registry path the chart sits
	// under ("oci://ghcr.io/stefanprodan/charts"). It never carries
	// credentials.
	Repo string
	// Name is the chart's name in Repo ("podinfo").
	Name string
	// Version is an exact version or a semver constraint ("6.5.0", "6.x",
	// ">=1.0.0 <2.0.0"); empty means the newest.
	Version string
	// Digest, when the reference pins one, is the digest the fetched
	// content must have ("sha256:…"): an OCI manifest digest.
	Digest string
}

// IsOCI reports whether the chart is in an OCI registry.
func (r Ref) IsOCI() bool { return strings.HasPrefix(r.Repo, "oci://") }

// String names the chart for a message: "oci://ghcr.io/acme/charts/app@1.2.3",
// "https://charts.example.com podinfo@6.5.0". A chart with no version named
// says "@newest". Credentials a manifest wrote into Repo
// (https://user:password@host) are left out.
func (r Ref) String() string {
	v := r.Version
	if v == "" {
		v = "newest"
	}
	repo := r.Repo
	if u, err := url.Parse(repo); err == nil && u.User != nil {
		u.User = nil
		repo = u.String()
	}
	if r.IsOCI() {
		return strings.TrimSuffix(repo, "/") + "/" + r.Name + "@" + v
	}
	return repo + " " + r.Name + "@" + v
}

// Archive is a fetched chart: the packaged chart (.tgz) as the repository
// served it.
type Archive struct {
	// Ref is the reference that was asked for.
	Ref Ref
	// Version is the chart version fetched: Ref.Version resolved when it
	// was a constraint.
	Version string
	// Digest is "sha256:" and the hex SHA-256 of Data.
	Digest string
	// URL is where the archive came from, after any mirror, without
	// credentials: for messages.
	URL string
	// Data is the archive, bounded by the fetcher.
	Data []byte
}

// Fetcher brings remote charts. Implementations are safe for concurrent
// use and fetch each chart version at most once per run. A failure is an
// *Error, so that the caller can tell a chart that is unreachable from
// one it may not read and from one fetching is turned off for.
type Fetcher interface {
	Fetch(ctx context.Context, ref Ref) (*Archive, error)
}

// Kind says why a chart was not fetched.
type Kind int

const (
	// Disabled: fetching is turned off (fetch-charts: false).
	Disabled Kind = iota + 1
	// Unreachable: the network or the repository failed (no route, a
	// timeout, a 5xx): the pull request may well be fine.
	Unreachable
	// Unauthorized: the repository answered 401 or 403; credentials are
	// missing or wrong.
	Unauthorized
	// NotFound: the repository has no such chart or version.
	NotFound
	// Refused: the fetch was not attempted or its answer was rejected for
	// safety (a private address, an oversized or malformed archive, a
	// digest that does not match).
	Refused
)

// Error is why a chart could not be fetched.
type Error struct {
	Ref  Ref
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("fetching chart %s: %v", e.Ref, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// CredentialsHint says what to set for a chart whose repository answered
// 401 or 403, or "" when err already says it (the fetcher names the exact
// host to give credentials for): a message then says it once.
func CredentialsHint(err error) string {
	if err != nil && strings.Contains(err.Error(), "chart-credentials") {
		return ""
	}
	return "set chart-credentials (or a Docker config for an OCI registry) for its host"
}

// KindOf returns the Kind of a fetch error, or 0 when err is not one.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}
