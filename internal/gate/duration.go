package gate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxDuration bounds min-soak: a year is longer than any version waits.
const maxDuration = 366 * 24 * time.Hour

var (
	durationForm = regexp.MustCompile(`^([0-9]+(w|d|h|m|s))+$`)
	durationPart = regexp.MustCompile(`([0-9]+)(w|d|h|m|s)`)
	unitOf       = map[string]time.Duration{"w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second}
)

// ParseDuration reads a duration as users write one: whole numbers with a
// unit each, w (weeks), d (days), h, m or s, largest first or not:
// 30m, 2h, 1d, 1d12h, 1w. A day is 24 hours.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if !durationForm.MatchString(t) {
		return 0, fmt.Errorf("%q is not a duration: write whole numbers with a unit each, w, d, h, m or s (30m, 2h, 1d, 1d12h)", s)
	}
	var d time.Duration
	for _, m := range durationPart.FindAllStringSubmatch(t, -1) {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > int64(maxDuration/unitOf[m[2]]) {
			return 0, fmt.Errorf("%q is longer than a year", s)
		}
		d += time.Duration(n) * unitOf[m[2]]
	}
	if d > maxDuration {
		return 0, fmt.Errorf("%q is longer than a year", s)
	}
	return d, nil
}

// FormatDuration writes d the way ParseDuration reads it, to the minute,
// rounded up (a wait of 30 seconds is 1m): 1d2h, 40m. Less than a minute
// that is not zero is 1m; zero is 0m.
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0m"
	}
	mins := int64((d + time.Minute - 1) / time.Minute)
	var b strings.Builder
	for _, u := range []struct {
		n    int64
		unit string
	}{{24 * 60, "d"}, {60, "h"}, {1, "m"}} {
		if q := mins / u.n; q > 0 {
			fmt.Fprintf(&b, "%d%s", q, u.unit)
			mins -= q * u.n
		}
	}
	return b.String()
}
