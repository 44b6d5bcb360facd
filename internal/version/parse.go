package version

import (
	"regexp"
	"strings"
)

// Version is a tag read by the auto order:
//
//	v1.43.3.10896-rc.1-alpine-r5
//	 ╰─ Numbers ─╯ ╰Pre╯ ╰Variant╯ ╰Revision
//
// A leading v and build metadata (+…) are left out of the order.
type Version struct {
	// Numbers are the numeric parts, without leading zeros: 2026.01.15 is
	// 2026, 1, 15.
	Numbers []string
	// Pre is the pre-release, split into identifiers ("rc", "1"); empty
	// for a release, which orders after its pre-releases.
	Pre []string
	// Variant is what the tag is built on or for ("alpine", "debian-12"):
	// not part of the order; a bump that changes it changes what runs.
	Variant string
	// Revision is a trailing build counter ("5" of -r5, of -ls5, of -5),
	// ordered after the rest; "" for none.
	Revision string
}

var (
	coreRE = regexp.MustCompile(`^\d+(\.\d+)*`)
	// preRE is a pre-release field: the words tools publish pre-releases
	// under, with optional numbers (rc.1, beta2, M3), and nothing else, so
	// that a variant that starts like one (-management, -previewer) stays
	// a variant.
	preRE = regexp.MustCompile(`(?i)^((alpha|beta|rc|pre|preview|dev|snapshot|canary|nightly|next|milestone)(\.?\d+)*|m\d+)$`)
	// revisionRE is a trailing build counter: Bitnami's -r5, LinuxServer's
	// -ls294, k3s's -k3s1, RKE2's -rke2r1, or a bare number (-1, Debian's
	// package revision) when it is the only field.
	revisionRE = regexp.MustCompile(`^(r|ls|k3s|rke2r|build)(\d+)$`)
	digitsRE   = regexp.MustCompile(`^\d+$`)
)

// Parse reads tag as auto does. A tag of one number is a version only
// when it is written with a v (v2) or when bare is true (a pattern's
// group picked it): otherwise a short commit SHA of digits alone would
// pass for one.
func Parse(tag string, bare bool) (Version, bool) {
	s := tag
	hasV := false
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && s[1] >= '0' && s[1] <= '9' {
		s, hasV = s[1:], true
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i] // build metadata does not order
	}
	core := coreRE.FindString(s)
	if core == "" {
		return Version{}, false
	}
	var v Version
	for _, n := range strings.Split(core, ".") {
		v.Numbers = append(v.Numbers, trimZeros(n))
	}
	if len(v.Numbers) == 1 && !hasV && !bare {
		return Version{}, false
	}
	rest := s[len(core):]
	if rest == "" {
		return v, true
	}
	if rest[0] != '-' || len(rest) == 1 {
		return Version{}, false // 1.2.3a, 1.2.3.x, 1.2.3_1: not a version we can order
	}
	fields := strings.Split(rest[1:], "-")
	for _, f := range fields {
		if f == "" {
			return Version{}, false
		}
	}
	if preRE.MatchString(fields[0]) {
		v.Pre = identifiers(fields[0])
		fields = fields[1:]
	}
	if n := len(fields); n > 0 {
		if m := revisionRE.FindStringSubmatch(fields[n-1]); m != nil {
			v.Revision = trimZeros(m[2])
			fields = fields[:n-1]
		} else if n == 1 && digitsRE.MatchString(fields[0]) {
			v.Revision = trimZeros(fields[0])
			fields = nil
		}
	}
	v.Variant = strings.Join(fields, "-")
	return v, true
}

// identifiers splits a pre-release into what orders: at dots, and between
// letters and digits (rc10 is "rc", "10", so that it follows rc9).
func identifiers(pre string) []string {
	var out []string
	for _, part := range strings.Split(strings.ToLower(pre), ".") {
		start := 0
		for i := 1; i < len(part); i++ {
			if isDigit(part[i]) != isDigit(part[i-1]) {
				out = append(out, part[start:i])
				start = i
			}
		}
		out = append(out, part[start:])
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func trimZeros(n string) string {
	t := strings.TrimLeft(n, "0")
	if t == "" {
		return "0"
	}
	return t
}

// cmpNumber compares two numbers written in digits without leading zeros,
// of any length.
func cmpNumber(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// Compare orders v against w: -1, 0 or 1. The numbers first (a missing
// part is 0: 1.2 is 1.2.0), then a release after its pre-releases, then
// the revision. The variant is not compared.
func (v Version) Compare(w Version) int {
	for i := 0; i < max(len(v.Numbers), len(w.Numbers)); i++ {
		a, b := "0", "0"
		if i < len(v.Numbers) {
			a = v.Numbers[i]
		}
		if i < len(w.Numbers) {
			b = w.Numbers[i]
		}
		if c := cmpNumber(a, b); c != 0 {
			return c
		}
	}
	if c := comparePre(v.Pre, w.Pre); c != 0 {
		return c
	}
	return cmpNumber(orZero(v.Revision), orZero(w.Revision))
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// comparePre orders pre-releases as semver does: none is highest; then
// identifier by identifier, numbers numerically and below words, words
// as text; a longer list after its prefix.
func comparePre(a, b []string) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return 1
	case len(b) == 0:
		return -1
	}
	for i := 0; i < min(len(a), len(b)); i++ {
		x, y := a[i], b[i]
		xn, yn := digitsRE.MatchString(x), digitsRE.MatchString(y)
		var c int
		switch {
		case xn && yn:
			c = cmpNumber(trimZeros(x), trimZeros(y))
		case xn:
			c = -1
		case yn:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}
