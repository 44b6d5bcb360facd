package release

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Bump is how far a semantic version moves.
type Bump int

// Bumps, from none to major.
const (
	BumpNone Bump = iota
	BumpPatch
	BumpMinor
	BumpMajor
)

func (b Bump) String() string {
	return [...]string{"none", "patch", "minor", "major"}[b]
}

// ParseBump reads "none", "patch", "minor" or "major".
func ParseBump(s string) (Bump, error) {
	for b := BumpNone; b <= BumpMajor; b++ {
		if strings.EqualFold(strings.TrimSpace(s), b.String()) {
			return b, nil
		}
	}
	return BumpNone, fmt.Errorf("%q is not one of major, minor, patch, none", s)
}

func (b Bump) apply(v *semver.Version) semver.Version {
	switch b {
	case BumpMajor:
		return v.IncMajor()
	case BumpMinor:
		return v.IncMinor()
	}
	return v.IncPatch()
}

// Labels that choose the bump of a pull request.
const (
	LabelMajor = "release:major"
	LabelMinor = "release:minor"
	LabelPatch = "release:patch"
	LabelNone  = "release:none"
)

// conventional matches a Conventional Commits subject: type(scope)!: text.
var conventional = regexp.MustCompile(`^([A-Za-z]+)(\([^()]*\))?(!)?: \S`)

// breaking matches the footer that marks a breaking change.
var breaking = regexp.MustCompile(`(?m)^BREAKING[ -]CHANGE: `)

// BumpFor decides the bump of a change: the pull request's release:*
// labels first (release:none wins, then the largest), else its title (or a
// commit's subject) read as a Conventional Commit (a "!" or a BREAKING
// CHANGE is major, feat minor, any other type patch), else def. It returns
// the bump and why, for the log.
func BumpFor(labels []string, title, body string, def Bump) (Bump, string) {
	found, best := false, BumpNone
	for _, l := range labels {
		var b Bump
		switch strings.ToLower(strings.TrimSpace(l)) {
		case LabelNone:
			return BumpNone, "label " + LabelNone
		case LabelMajor:
			b = BumpMajor
		case LabelMinor:
			b = BumpMinor
		case LabelPatch:
			b = BumpPatch
		default:
			continue
		}
		found = true
		best = max(best, b)
	}
	if found {
		return best, "label release:" + best.String()
	}
	title = strings.TrimSpace(title)
	if strings.Contains(title, "BREAKING CHANGE") || breaking.MatchString(body) {
		return BumpMajor, "BREAKING CHANGE"
	}
	if m := conventional.FindStringSubmatch(title); m != nil {
		switch {
		case m[3] == "!":
			return BumpMajor, fmt.Sprintf("Conventional Commits %q", m[1]+m[2]+"!")
		case strings.EqualFold(m[1], "feat"):
			return BumpMinor, fmt.Sprintf("Conventional Commits %q", m[1])
		}
		return BumpPatch, fmt.Sprintf("Conventional Commits %q", m[1])
	}
	return def, "default-bump"
}
