package gate

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// The states of a report, as the status gate reads them.
const (
	Success = "success"
	Pending = "pending"
	Failure = "failure"
)

// Report is a commit status or a check run on the landing commit.
type Report struct {
	// Name is the status's context or the check run's name.
	Name string
	// State is Success, Pending or Failure (see StatusState and
	// CheckRunState).
	State string
	// URL is where the reporter says more: the target or details URL.
	URL string
}

// StatusState reads a commit status's state: error and failure fail,
// success passes, anything else is pending.
func StatusState(state string) string {
	switch state {
	case "success":
		return Success
	case "error", "failure":
		return Failure
	}
	return Pending
}

// CheckRunState reads a check run's status and conclusion as branch
// protection does: completed with success, neutral or skipped passes; any
// other conclusion (failure, cancelled, timed_out, action_required,
// stale, ...) fails; a run not completed is pending.
func CheckRunState(status, conclusion string) string {
	if status != "completed" {
		return Pending
	}
	switch conclusion {
	case "success", "neutral", "skipped":
		return Success
	}
	return Failure
}

// CheckPatterns checks the require-statuses patterns: globs as path.Match
// reads them, * not crossing /.
func CheckPatterns(patterns []string) error {
	for _, p := range patterns {
		if _, err := path.Match(strings.ToLower(p), ""); err != nil {
			return fmt.Errorf("%q is not a valid glob (use * and ?; [ ] must pair)", p)
		}
	}
	return nil
}

// matches reports whether a context or check run name matches a
// pattern; GitHub compares contexts without case.
func matches(pattern, name string) bool {
	ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(name))
	return ok
}

// patternState is what the reports say of one pattern.
type patternState struct {
	pattern string
	state   string // Success, Pending, Failure; "" when nothing matched
	failed  []Report
	pending []string
}

// judge reads each pattern against the reports: a pattern passes when at
// least one report matches it and every one that does succeeded.
func judge(patterns []string, reports []Report) []patternState {
	var out []patternState
	for _, p := range patterns {
		ps := patternState{pattern: p}
		for _, r := range reports {
			if !matches(p, r.Name) {
				continue
			}
			switch r.State {
			case Failure:
				ps.failed = append(ps.failed, r)
			case Pending:
				ps.pending = append(ps.pending, r.Name)
			}
			if ps.state == "" {
				ps.state = Success
			}
		}
		switch {
		case len(ps.failed) > 0:
			ps.state = Failure
		case len(ps.pending) > 0:
			ps.state = Pending
		}
		sort.Strings(ps.pending)
		out = append(out, ps)
	}
	return out
}
