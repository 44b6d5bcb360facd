package chartref

// This file parses the chart versions bump-image moves to and matches them
// against the charts a config repository names.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Chart is a chart version to bump to: the input of a bump.
type Chart struct {
	// Text is the chart as the user gave it.
	Text string
	// Name is the chart's name, the last element before @.
	Name string
	// Repository is where the chart comes from, normalised (see
	// NormalizeRepo), or "" when any repository will do.
	Repository string
	// Alias is set instead of Repository when the repository is given
	// by name (bitnami/redis@…): the name of a Flux HelmRepository, or
	// the alias of a Chart.yaml dependency (@bitnami).
	Alias string
	// Version is the version to bump to.
	Version string
}

// Key names the chart in messages and maps: "chart NAME".
func (c Chart) Key() string { return Key(c.Name) }

// Key names the chart called name in messages and maps: "chart NAME".
// Image repositories never hold a space, so a key never names an image.
func Key(name string) string { return "chart " + name }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Parse parses NAME@VERSION, REPOSITORY/NAME@VERSION (a repository URL,
// an OCI registry path, or a repository's name) or
// oci://REGISTRY/PATH/NAME@VERSION. The version must be a semantic
// version, as Helm requires of every chart.
func Parse(s string) (Chart, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return Chart{}, fmt.Errorf("empty chart")
	}
	ref, ver, ok := cutLast(text, "@")
	if !ok || ver == "" {
		return Chart{}, fmt.Errorf("chart %q has no version: give it as NAME@VERSION, e.g. %q", text, text+"@1.2.3")
	}
	if _, err := semver.StrictNewVersion(strings.TrimPrefix(ver, "v")); err != nil {
		return Chart{}, fmt.Errorf("chart %q: version %q is not a semantic version (MAJOR.MINOR.PATCH), which Helm requires of a chart", text, ver)
	}
	c := Chart{Text: text, Version: ver}
	repo, name, hasRepo := cutLast(ref, "/")
	if !hasRepo {
		name, repo = ref, ""
	}
	if !nameRE.MatchString(name) {
		return Chart{}, fmt.Errorf("chart %q: %q is not a chart name", text, name)
	}
	c.Name = name
	switch {
	case !hasRepo:
	case strings.Contains(repo, "://") || isRegistry(repo):
		if scheme, _, _ := strings.Cut(repo, "://"); strings.Contains(repo, "://") && scheme != "oci" && scheme != "https" && scheme != "http" {
			return Chart{}, fmt.Errorf("chart %q: repository %q is neither https://, http:// nor oci://", text, repo)
		}
		c.Repository = NormalizeRepo(repo)
		if c.Repository == "" {
			return Chart{}, fmt.Errorf("chart %q: repository %q is empty", text, repo)
		}
	case strings.Contains(repo, "/"):
		return Chart{}, fmt.Errorf("chart %q: %q is neither a repository URL (https://…, oci://…, REGISTRY/PATH) nor a repository's name", text, repo)
	default:
		c.Alias = repo
	}
	return c, nil
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// isRegistry reports whether the first element of a path is a registry's
// host (it has a dot or a port, or is localhost), as Docker decides.
func isRegistry(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return strings.ContainsAny(first, ".:") || first == "localhost"
}

// NormalizeRepo turns a repository URL as a file or an input writes it
// into the form repositories are compared in: without scheme (oci://,
// https://, http://), without trailing slashes, the host in lower case.
// Argo CD writes an OCI registry without its scheme (ghcr.io/org/charts),
// Flux with it (oci://ghcr.io/org/charts): both are ghcr.io/org/charts.
func NormalizeRepo(u string) string {
	u = strings.TrimSpace(u)
	for _, scheme := range []string{"oci://", "https://", "http://"} {
		if len(u) >= len(scheme) && strings.EqualFold(u[:len(scheme)], scheme) {
			u = u[len(scheme):]
			break
		}
	}
	u = strings.TrimRight(u, "/")
	host, rest, _ := strings.Cut(u, "/")
	if rest == "" {
		return strings.ToLower(host)
	}
	return strings.ToLower(host) + "/" + rest
}

// Source is what a place says of where its chart comes from: a
// repository URL (normalised) when it is known, and the repository's name
// (a HelmRepository's, a Chart.yaml alias) when there is one.
type Source struct {
	URL   string
	Alias string
}

// Matches reports whether the chart named name from src is c: the names
// are equal, and so is the repository when c gives one (by URL or by
// name). A place whose repository is not known matches only a chart given
// without one.
func (c Chart) Matches(name string, src Source) bool {
	if name != c.Name {
		return false
	}
	switch {
	case c.Repository != "":
		return src.URL != "" && src.URL == c.Repository
	case c.Alias != "":
		return src.Alias == c.Alias
	}
	return true
}

// Exact reports whether v names one version (1.2.3, v1.2.3-rc.1) rather
// than a range (6.x, >=1.0.0, ~1.2, *), which the tool that reads it
// resolves to the newest match.
func Exact(v string) bool {
	_, err := semver.StrictNewVersion(strings.TrimPrefix(strings.TrimSpace(v), "v"))
	return err == nil
}
