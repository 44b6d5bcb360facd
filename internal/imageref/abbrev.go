package imageref

import (
	"regexp"
	"strings"
)

// longDigest is a digest with more hex than a reader compares by eye.
var longDigest = regexp.MustCompile(`\b(sha256|sha384|sha512):([0-9a-f]{12})[0-9a-f]+`)

// Abbrev shortens every digest in a version (or a list of versions) to
// its first 12 hex digits and an ellipsis, for a table or a title, where
// 64 digits cannot wrap and push the other columns out of sight:
// "3.0.0@sha256:ababababab…". The full digest stays in files and commits.
func Abbrev(version string) string {
	return longDigest.ReplaceAllString(version, "$1:$2…")
}

// VersionOf is the version part of text, a reference to repository as a
// file holds it ("ghcr.io/acme/app:v2@sha256:…" is "v2@sha256:…", a
// digest alone "@sha256:…"), or text as it is when it is a version
// already (a kustomization's newTag, a values file's tag).
func VersionOf(repository, text string) string {
	if f, err := ParseFound(text); err == nil && f.Repository == repository {
		switch {
		case f.Tag != "" && f.Digest != "":
			return f.Tag + "@" + f.Digest
		case f.Digest != "":
			return "@" + f.Digest
		}
		return f.Tag
	}
	if strings.HasPrefix(text, "sha256:") {
		return "@" + text
	}
	return text
}
