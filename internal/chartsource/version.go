package chartsource

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// exactVersion reports whether v names one version rather than a range:
// a semantic version with no operator and no wildcard ("6.5.0",
// "v1.2.3-rc.1"). Helm's own test (repo.isVersionRange) is the model:
// "1.x" and "^1" are ranges.
func exactVersion(v string) bool {
	if v == "" || strings.ContainsAny(v, "^~<>=!*, |") {
		return false
	}
	core := v
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		core = v[:i]
	}
	if strings.ContainsAny(core, "xX") {
		return false
	}
	_, err := semver.NewVersion(v)
	return err == nil
}

// pickVersion chooses among the versions a repository offers the one a
// reference asks for, as Helm does (repo.IndexFile.Get): an exact match
// of the text first; else the highest version the constraint allows,
// where an empty constraint is "*" (the newest that is no pre-release).
// Versions that are not semantic versions are ignored for a constraint.
// ok is false when none fits; err says a constraint cannot be read.
func pickVersion(want string, have []string) (got string, ok bool, err error) {
	if want != "" {
		for _, h := range have {
			if h == want {
				return h, true, nil
			}
		}
	}
	c := want
	if c == "" {
		c = "*"
	}
	cons, err := semver.NewConstraint(c)
	if err != nil {
		return "", false, fmt.Errorf("%q is neither a version nor a semver range (such as 1.2.3, 1.x or >=1.0.0 <2.0.0)", want)
	}
	type cand struct {
		text string
		v    *semver.Version
	}
	var cands []cand
	for _, h := range have {
		v, err := semver.NewVersion(h)
		if err != nil || !cons.Check(v) {
			continue
		}
		cands = append(cands, cand{h, v})
	}
	if len(cands) == 0 {
		return "", false, nil
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].v.GreaterThan(cands[j].v) })
	return cands[0].text, true, nil
}

// someVersions names up to n of the highest versions, for a message that
// says what a repository offers instead.
func someVersions(have []string, n int) string {
	type ver struct {
		text string
		v    *semver.Version
	}
	var vs []ver
	var other []string
	for _, h := range have {
		if v, err := semver.NewVersion(h); err == nil {
			vs = append(vs, ver{h, v})
		} else {
			other = append(other, h)
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].v.GreaterThan(vs[j].v) })
	var names []string
	for _, v := range vs {
		names = append(names, strconv.Quote(v.text))
	}
	for _, o := range other {
		names = append(names, strconv.Quote(o))
	}
	if len(names) == 0 {
		return "none"
	}
	more := ""
	if len(names) > n {
		more = fmt.Sprintf(" and %d more", len(names)-n)
		names = names[:n]
	}
	return strings.Join(names, ", ") + more
}
