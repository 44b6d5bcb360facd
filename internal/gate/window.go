package gate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Window is a weekly time span when promotions may open or update, in a
// time zone: "Mon-Thu 09:00-16:00 Europe/Berlin".
type Window struct {
	// Days are the weekdays the span starts on.
	Days [7]bool
	// Start and End are minutes after midnight, End exclusive and at most
	// 24:00. An End before Start runs past midnight into the next day.
	Start, End int
	Zone       *time.Location
	// Rule is the line as written, for messages.
	Rule string
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

var clockForm = regexp.MustCompile(`^([01]?[0-9]|2[0-4]):([0-5][0-9])$`)

// ParseWindows reads the rules of the windows input, one a line:
//
//	DAYS HH:MM-HH:MM ZONE
//
// DAYS is a day (Mon), a range (Mon-Fri; Fri-Mon wraps), a list of either
// (Mon-Wed,Fri) or daily; HH:MM-HH:MM the span, its end exclusive, 24:00
// for midnight, an end before the start running into the next day
// (Fri 22:00-02:00); ZONE an IANA time zone (Europe/Berlin) or UTC.
// Empty lines and lines starting with # are skipped. An error names the
// line and says how to write it.
func ParseWindows(lines []string) ([]Window, error) {
	return parseRules(lines, func(line string, _ int) (Window, error) { return parseWindow(line) })
}

// parseRules reads an input of one rule a line with parse, which gets the
// line and its number; empty lines and comments (#) are skipped, and an
// error names the line.
func parseRules[T any](lines []string, parse func(line string, n int) (T, error)) ([]T, error) {
	var out []T
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parse(line, i+1)
		if err != nil {
			return nil, fmt.Errorf("line %d, %q: %w", i+1, line, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseWindow(line string) (Window, error) {
	w := Window{Rule: line}
	f := strings.Fields(line)
	switch {
	case len(f) == 2:
		return w, fmt.Errorf("no time zone: end the rule with one, e.g. %s Europe/Berlin or %s UTC", line, line)
	case len(f) != 3:
		return w, fmt.Errorf("a window is DAYS HH:MM-HH:MM ZONE, e.g. Mon-Thu 09:00-16:00 Europe/Berlin")
	}
	days, err := parseDays(f[0])
	if err != nil {
		return w, err
	}
	w.Days = days
	from, to, ok := strings.Cut(f[1], "-")
	if !ok {
		return w, fmt.Errorf("%q is not a span of time: write HH:MM-HH:MM, e.g. 09:00-16:00", f[1])
	}
	if w.Start, err = parseClock(from); err != nil {
		return w, err
	}
	if w.End, err = parseClock(to); err != nil {
		return w, err
	}
	switch {
	case w.Start == 24*60:
		return w, fmt.Errorf("a window cannot start at 24:00; start it at 00:00 of the next day")
	case w.Start == w.End:
		return w, fmt.Errorf("%q starts when it ends; for a whole day write 00:00-24:00", f[1])
	}
	if w.Zone, err = loadZone(f[2]); err != nil {
		return w, err
	}
	return w, nil
}

func parseDays(s string) ([7]bool, error) {
	var days [7]bool
	if strings.EqualFold(s, "daily") || s == "*" {
		for i := range days {
			days[i] = true
		}
		return days, nil
	}
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayNames[strings.ToLower(from)]
		if !ok {
			return days, fmt.Errorf("%q is not a day: write Mon, Tue, Wed, Thu, Fri, Sat or Sun, a range (Mon-Fri), a list (Mon,Wed) or daily", from)
		}
		b := a
		if isRange {
			if b, ok = dayNames[strings.ToLower(to)]; !ok {
				return days, fmt.Errorf("%q is not a day: write Mon, Tue, Wed, Thu, Fri, Sat or Sun", to)
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			days[d] = true
			if d == b {
				break
			}
		}
	}
	return days, nil
}

func parseClock(s string) (int, error) {
	m := clockForm.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a time of day: write HH:MM, from 00:00 to 24:00", s)
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	if h == 24 && mi != 0 {
		return 0, fmt.Errorf("%q is past midnight: the latest time is 24:00", s)
	}
	return h*60 + mi, nil
}

// zoneForm is what a time zone looks like: UTC, or Area/Location.
var zoneForm = regexp.MustCompile(`^(UTC|[A-Z][A-Za-z_+-]*(/[A-Za-z0-9_+-]+)+)$`)

// loadZone loads an IANA time zone; the tool carries the database (see
// tzdata.go), so a zone does not depend on the machine.
func loadZone(name string) (*time.Location, error) {
	if !zoneForm.MatchString(name) {
		return nil, fmt.Errorf("%q is not a time zone: give an IANA name such as Europe/Berlin, America/New_York, or UTC", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a known time zone: give an IANA name such as Europe/Berlin, America/New_York, or UTC", name)
	}
	return loc, nil
}

// Open reports whether t falls in the window.
func (w Window) Open(t time.Time) bool {
	l := t.In(w.Zone)
	m := l.Hour()*60 + l.Minute()
	day := l.Weekday()
	if w.Start < w.End {
		return w.Days[day] && w.Start <= m && m < w.End
	}
	// Past midnight: the evening of a window day, or the early hours of
	// the day after one.
	return w.Days[day] && m >= w.Start || w.Days[(day+6)%7] && m < w.End
}

// OpenAny reports whether t falls in any of the windows.
func OpenAny(ws []Window, t time.Time) bool {
	for _, w := range ws {
		if w.Open(t) {
			return true
		}
	}
	return false
}

// NextOpening is the first time after t when one of the windows opens,
// within the next eight days; ok is false when none does.
func NextOpening(ws []Window, t time.Time) (next time.Time, ok bool) {
	for _, w := range ws {
		l := t.In(w.Zone)
		for d := 0; d <= 8; d++ {
			day := time.Date(l.Year(), l.Month(), l.Day()+d, 0, 0, 0, 0, w.Zone)
			if !w.Days[day.Weekday()] {
				continue
			}
			// time.Date moves a start that a clock change skips to when
			// the clock shows it.
			start := time.Date(day.Year(), day.Month(), day.Day(), w.Start/60, w.Start%60, 0, 0, w.Zone)
			if start.After(t) && (!ok || start.Before(next)) {
				next, ok = start, true
			}
		}
	}
	return next, ok
}
