package imageref

import "regexp"

// longDigest is a digest with more hex than a reader compares by eye.
var longDigest = regexp.MustCompile(`\b(sha256|sha384|sha512):([0-9a-f]{12})[0-9a-f]+`)

// Abbrev shortens every digest in a version (or a list of versions) to
// its first 12 hex digits and an ellipsis, for a table or a title, where
// 64 digits cannot wrap and push the other columns out of sight:
// "3.0.0@sha256:ababababab…". The full digest stays in files and commits.
func Abbrev(version string) string {
	return longDigest.ReplaceAllString(version, "$1:$2…")
}
