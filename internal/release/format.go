package release

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
)

// Names of the built-in tag formats.
const (
	FormatTimestamp = "timestamp"
	FormatSemver    = "semver"
)

// maxCandidates bounds the names tried for one merge: the -1, -2, ...
// suffixes of a time, or the versions after a taken one.
const maxCandidates = 100

// Format says how a tag is named: the merge time in UTC (timestamp, or a
// strftime-style pattern) or the next semantic version.
type Format struct {
	text   string // as the user wrote it, for messages
	semver bool
	prefix string  // semver: before the version
	pieces []piece // timestamp and patterns
	re     *regexp.Regexp
}

// piece is a literal or a directive (%Y, ...) of a time pattern.
type piece struct {
	literal   string
	directive byte
}

// directives are the strftime directives a pattern may use, with the
// regular expression that reads each back.
var directives = map[byte]string{
	'Y': `(\d{4})`, 'y': `(\d{2})`, 'm': `(\d{2})`, 'd': `(\d{2})`, 'j': `(\d{3})`,
	'H': `(\d{2})`, 'M': `(\d{2})`, 'S': `(\d{2})`, 's': `(\d+)`,
}

// ParseFormat reads a tag format: "timestamp" (prefix and the merge time
// as %Y%m%d%H%M%S), "semver" (prefix and the next version) or a pattern
// over the merge time such as "release-%Y.%m.%d-%H%M" (the prefix does not
// apply). It fails on an unknown directive, a pattern without one, and a
// prefix or pattern that cannot be part of a tag name.
func ParseFormat(text, prefix string) (Format, error) {
	if err := CheckPrefix(prefix); err != nil {
		return Format{}, err
	}
	switch text {
	case FormatSemver:
		return Format{text: text, semver: true, prefix: prefix}, nil
	case FormatTimestamp:
		f, err := parsePattern(prefix + "%Y%m%d%H%M%S")
		f.text = text
		return f, err
	}
	f, err := parsePattern(text)
	if err != nil {
		return Format{}, err
	}
	return f, nil
}

func parsePattern(text string) (Format, error) {
	f := Format{text: text}
	var lit strings.Builder
	hasTime := false
	re := "^"
	flush := func() {
		if lit.Len() > 0 {
			f.pieces = append(f.pieces, piece{literal: lit.String()})
			re += regexp.QuoteMeta(lit.String())
			lit.Reset()
		}
	}
	for i := 0; i < len(text); i++ {
		if text[i] != '%' {
			lit.WriteByte(text[i])
			continue
		}
		if i+1 == len(text) {
			return Format{}, fmt.Errorf("%q ends with a lone %%; write %%%% for a percent sign", text)
		}
		i++
		d := text[i]
		if d == '%' {
			lit.WriteByte('%')
			continue
		}
		expr, ok := directives[d]
		if !ok {
			return Format{}, fmt.Errorf("%q: unknown directive %q; use %%Y %%y %%m %%d %%j %%H %%M %%S %%s (or timestamp or semver)", text, "%"+string(d))
		}
		flush()
		f.pieces = append(f.pieces, piece{directive: d})
		re += expr
		hasTime = true
	}
	flush()
	if !hasTime {
		return Format{}, fmt.Errorf("%q is neither timestamp nor semver, and as a pattern it has no %%-directive of the merge time (e.g. release-%%Y%%m%%d-%%H%%M%%S)", text)
	}
	f.re = regexp.MustCompile(re + `(?:-(\d+))?$`)
	sample := f.render(time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC))
	if err := checkTagName(sample); err != nil {
		return Format{}, fmt.Errorf("%q gives tags such as %q: %w", text, sample, err)
	}
	return f, nil
}

// String returns the format as the user wrote it.
func (f Format) String() string { return f.text }

// Semver reports whether tags are semantic versions.
func (f Format) Semver() bool { return f.semver }

// ListPrefix is the fixed start of every tag name of the format, to list
// them with one request.
func (f Format) ListPrefix() string {
	if f.semver {
		return f.prefix
	}
	if len(f.pieces) > 0 && f.pieces[0].directive == 0 {
		return f.pieces[0].literal
	}
	return ""
}

// render writes the time pattern for t (UTC).
func (f Format) render(t time.Time) string {
	t = t.UTC()
	var b strings.Builder
	for _, p := range f.pieces {
		switch p.directive {
		case 0:
			b.WriteString(p.literal)
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		}
	}
	return b.String()
}

// timeName is a tag of a time format read back: its time and suffix.
type timeName struct {
	t      time.Time
	suffix int
}

func (a timeName) less(b timeName) bool {
	if !a.t.Equal(b.t) {
		return a.t.Before(b.t)
	}
	return a.suffix < b.suffix
}

// parseTime reads a tag name of a time format back, or reports false.
func (f Format) parseTime(name string) (timeName, bool) {
	m := f.re.FindStringSubmatch(name)
	if m == nil {
		return timeName{}, false
	}
	year, month, day, yday, hour, min, sec := 1970, 1, 1, 0, 0, 0, 0
	var unix int64 = -1
	i := 1
	for _, p := range f.pieces {
		if p.directive == 0 {
			continue
		}
		n, err := strconv.ParseInt(m[i], 10, 64)
		i++
		if err != nil {
			return timeName{}, false
		}
		switch p.directive {
		case 'Y':
			year = int(n)
		case 'y':
			year = 2000 + int(n)
		case 'm':
			month = int(n)
		case 'd':
			day = int(n)
		case 'j':
			yday = int(n)
		case 'H':
			hour = int(n)
		case 'M':
			min = int(n)
		case 'S':
			sec = int(n)
		case 's':
			unix = n
		}
	}
	var t time.Time
	switch {
	case unix >= 0:
		t = time.Unix(unix, 0).UTC()
	case yday > 0:
		t = time.Date(year, 1, 1, hour, min, sec, 0, time.UTC).AddDate(0, 0, yday-1)
	default:
		t = time.Date(year, time.Month(month), day, hour, min, sec, 0, time.UTC)
	}
	suffix := 0
	if m[len(m)-1] != "" {
		s, err := strconv.Atoi(m[len(m)-1])
		if err != nil || s <= 0 || strings.HasPrefix(m[len(m)-1], "0") {
			return timeName{}, false
		}
		suffix = s
	}
	return timeName{t: t, suffix: suffix}, true
}

// version reads a tag name of the semver format, or reports false. Only
// releases count: a pre-release or build suffix is not a release tag.
func (f Format) version(name string) (*semver.Version, bool) {
	s, ok := strings.CutPrefix(name, f.prefix)
	if !ok {
		return nil, false
	}
	v, err := semver.StrictNewVersion(s)
	if err != nil || v.Prerelease() != "" || v.Metadata() != "" {
		return nil, false
	}
	return v, true
}

// highest returns the highest release version among names, or nil.
func (f Format) highest(names []string) *semver.Version {
	var top *semver.Version
	for _, n := range names {
		if v, ok := f.version(n); ok && (top == nil || v.GreaterThan(top)) {
			top = v
		}
	}
	return top
}

// candidates lists the names to try for a merge at when, in order: the
// time's name then its -1, -2, ... suffixes; or the version after the
// highest existing one then the versions after that, each by the same
// bump.
func (f Format) candidates(when time.Time, existing []string, b Bump) []string {
	var out []string
	if f.semver {
		v := f.highest(existing)
		if v == nil {
			v = semver.New(0, 0, 0, "", "")
		}
		for range maxCandidates {
			next := b.apply(v)
			v = &next
			out = append(out, f.prefix+v.String())
		}
		return out
	}
	base := f.render(when)
	out = append(out, base)
	for i := 1; i < maxCandidates; i++ {
		out = append(out, base+"-"+strconv.Itoa(i))
	}
	return out
}

// matches reports whether name is a tag of the format: a release version
// for semver, else a name the pattern gives some time (with or without a
// -N suffix).
func (f Format) matches(name string) bool {
	if f.semver {
		_, ok := f.version(name)
		return ok
	}
	_, ok := f.parseTime(name)
	return ok
}

// owns reports whether name is a tag this format could have given the
// merge at when: for a commit that carries one, the merge is tagged
// already.
func (f Format) owns(name string, when time.Time) bool {
	if f.semver {
		_, ok := f.version(name)
		return ok
	}
	base := f.render(when)
	if name == base {
		return true
	}
	s, ok := strings.CutPrefix(name, base+"-")
	n, err := strconv.Atoi(s)
	return ok && err == nil && n > 0 && !strings.HasPrefix(s, "0")
}

// previous returns the tag of the format that comes before name among
// names: the highest lower version, or the latest earlier time.
func (f Format) previous(names []string, name string) string {
	var best string
	if f.semver {
		cur, ok := f.version(name)
		if !ok {
			return ""
		}
		var top *semver.Version
		for _, n := range names {
			if v, ok := f.version(n); ok && v.LessThan(cur) && (top == nil || v.GreaterThan(top)) {
				top, best = v, n
			}
		}
		return best
	}
	cur, ok := f.parseTime(name)
	if !ok {
		return ""
	}
	var top timeName
	for _, n := range names {
		if t, ok := f.parseTime(n); ok && t.less(cur) && (best == "" || top.less(t)) {
			top, best = t, n
		}
	}
	return best
}

// CheckPrefix checks that prefix can start a tag name (it may be empty).
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := checkTagName(prefix + "1"); err != nil {
		return fmt.Errorf("%q cannot start a tag name: %w", prefix, err)
	}
	return nil
}

// checkTagName applies git check-ref-format to refs/tags/<name>.
func checkTagName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a tag needs a name")
	case strings.HasPrefix(name, "-"):
		return fmt.Errorf("a tag name cannot start with '-'")
	case strings.Contains(name, ".."):
		return fmt.Errorf("a tag name cannot contain '..'")
	case strings.Contains(name, "@{"):
		return fmt.Errorf("a tag name cannot contain '@{'")
	case strings.Contains(name, "//"), strings.HasPrefix(name, "/"), strings.HasSuffix(name, "/"):
		return fmt.Errorf("a tag name cannot have an empty /-separated part")
	case strings.HasSuffix(name, "."), strings.HasSuffix(name, ".lock"):
		return fmt.Errorf("a tag name cannot end with '.' or '.lock'")
	case name == "@":
		return fmt.Errorf("a tag cannot be named '@'")
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return fmt.Errorf("a part of a tag name cannot start with '.' or end with '.lock'")
		}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return fmt.Errorf("a tag name cannot contain %q", r)
		}
	}
	return nil
}

// sortedNames returns the names of tags, sorted, for stable answers.
func sortedNames(tags []TagRef) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.Name)
	}
	sort.Strings(out)
	return out
}
