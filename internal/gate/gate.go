// Package gate decides whether a promotion may open or update now: the
// commit statuses and check runs that must be green on the change that
// brought the source environment's versions (what Flux's
// notification-controller or Argo CD Notifications report when a cluster
// applied it), how long those versions must have been there, the weekly
// windows promotions may open in and the dated freezes they may not. It
// reads the rules (windows, freezes, durations) and judges them against
// the facts and the time it is given; it asks GitHub nothing and prints
// nothing: what it decided is a Verdict.
package gate

import (
	"fmt"
	"strings"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/mdtext"
)

// The gates, named as the inputs that set them.
const (
	Statuses = "require-statuses"
	Soak     = "min-soak"
	Windows  = "windows"
	Freezes  = "freezes"
)

// State is where a gate stands.
type State string

// The states of a gate.
const (
	Passed  State = "passed"
	Waiting State = "waiting" // it will pass with time or with reports: gated, no failure
	Failed  State = "failed"  // a report failed: the run fails
)

// Rules are the gates a promotion is held to; the zero value holds none.
type Rules struct {
	// Statuses are the contexts and check run names, globs, that must
	// succeed on the landing commit.
	Statuses []string
	// MinSoak is how long the versions must have been in the source.
	MinSoak time.Duration
	Windows []Window
	Freezes []Freeze
}

// Empty reports whether no gate is set.
func (r Rules) Empty() bool {
	return len(r.Statuses) == 0 && r.MinSoak == 0 && len(r.Windows) == 0 && len(r.Freezes) == 0
}

// NeedsLanding reports whether a gate looks at the landing commit.
func (r Rules) NeedsLanding() bool { return len(r.Statuses) > 0 || r.MinSoak > 0 }

// Timed reports whether a gate looks at the clock alone (windows or
// freezes).
func (r Rules) Timed() bool { return len(r.Windows) > 0 || len(r.Freezes) > 0 }

// Landing is the change that brought the source environment's current
// versions onto the base branch: the commit the reporters report on, and
// when it landed.
type Landing struct {
	SHA string
	At  time.Time
	// Pull is the pull request that merged it; 0 for a commit pushed
	// without one.
	Pull int
}

// name is the landing as messages name it: 1a2b3c4 (#12).
func (l *Landing) name() string {
	s := l.SHA
	if len(s) > 7 {
		s = s[:7]
	}
	if l.Pull > 0 {
		return fmt.Sprintf("%s (#%d)", s, l.Pull)
	}
	return s
}

// Facts are what the rules are judged against.
type Facts struct {
	Now time.Time
	// Source is the environment the versions come from, for messages;
	// Target names the one they go to, by directory and name, which a
	// freeze's environments may list.
	Source string
	Target []string
	// Landing is where the source's versions landed; it must be set when
	// the rules need it.
	Landing *Landing
	// Reports are the statuses and check runs on the landing commit.
	Reports []Report
}

// Check is one gate's state, and what it saw.
type Check struct {
	Gate  string
	State State
	// Detail says what the gate waits for, why it failed, or why it passed.
	Detail string
	// Failed are the reports that failed (require-statuses).
	Failed []Report
	// Left is how long the gate still waits, when it knows (min-soak, a
	// window that opens later).
	Left time.Duration
}

// Verdict is every gate's state.
type Verdict struct {
	Checks []Check
	// Forced is the reason the gates were overridden with; empty when
	// they were not.
	Forced string
}

// Gated reports whether the promotion must wait or stop: a gate did not
// pass, and force did not override it.
func (v Verdict) Gated() bool {
	if v.Forced != "" {
		return false
	}
	for _, c := range v.Checks {
		if c.State != Passed {
			return true
		}
	}
	return false
}

// Failures are the checks that failed.
func (v Verdict) Failures() []Check {
	var out []Check
	for _, c := range v.Checks {
		if c.State == Failed {
			out = append(out, c)
		}
	}
	return out
}

// TimeOpen reports whether windows and freezes let a promotion through
// now (true when neither is set).
func (v Verdict) TimeOpen() bool {
	for _, c := range v.Checks {
		if (c.Gate == Windows || c.Gate == Freezes) && c.State != Passed {
			return false
		}
	}
	return true
}

// Reason is what holds the promotion back, on one line: each gate that
// did not pass, with its detail. Empty when every gate passed.
func (v Verdict) Reason() string {
	var parts []string
	for _, c := range v.Checks {
		if c.State != Passed {
			parts = append(parts, c.Gate+": "+c.Detail)
		}
	}
	return strings.Join(parts, "; ")
}

// Evaluate judges every gate rules sets against the facts, in the order
// windows, freezes, min-soak, require-statuses.
func Evaluate(rules Rules, f Facts) Verdict {
	var v Verdict
	if len(rules.Windows) > 0 {
		v.Checks = append(v.Checks, checkWindows(rules.Windows, f.Now))
	}
	if len(rules.Freezes) > 0 {
		v.Checks = append(v.Checks, checkFreezes(rules.Freezes, f))
	}
	if rules.MinSoak > 0 {
		v.Checks = append(v.Checks, checkSoak(rules.MinSoak, f))
	}
	if len(rules.Statuses) > 0 {
		v.Checks = append(v.Checks, checkStatuses(rules.Statuses, f))
	}
	// Details hold what the repository and the reporters wrote (a
	// freeze's reason, a context's name): each stays on one line.
	for i := range v.Checks {
		v.Checks[i].Detail = mdtext.OneLine(v.Checks[i].Detail, maxDetail)
	}
	return v
}

func checkWindows(ws []Window, now time.Time) Check {
	c := Check{Gate: Windows}
	for _, w := range ws {
		if w.Open(now) {
			c.State, c.Detail = Passed, "inside "+w.Rule
			return c
		}
	}
	var rules []string
	for _, w := range ws {
		rules = append(rules, w.Rule)
	}
	c.State = Waiting
	c.Detail = "outside every window (" + strings.Join(rules, "; ") + ")"
	if next, ok := NextOpening(ws, now); ok {
		c.Left = next.Sub(now)
		c.Detail += fmt.Sprintf("; the next opens %s, in %s", next.Format("Mon 2006-01-02 15:04 MST"), FormatDuration(c.Left))
	}
	return c
}

func checkFreezes(fs []Freeze, f Facts) Check {
	c := Check{Gate: Freezes, State: Passed, Detail: "no freeze now"}
	var on []string
	var end time.Time
	for _, fr := range fs {
		if fr.Holds(f.Now, f.Target) {
			on = append(on, fr.describe())
			if fr.End.After(end) {
				end = fr.End
			}
		}
	}
	if len(on) > 0 {
		c.State, c.Left = Waiting, end.Sub(f.Now)
		c.Detail = "frozen: " + strings.Join(on, "; ")
	}
	return c
}

func checkSoak(min time.Duration, f Facts) Check {
	c := Check{Gate: Soak}
	l := f.Landing
	if l == nil {
		c.State, c.Detail = Waiting, "where the versions of "+f.Source+" landed is unknown"
		return c
	}
	in := f.Now.Sub(l.At)
	since := fmt.Sprintf("since %s landed at %s", l.name(), l.At.UTC().Format("2006-01-02 15:04 UTC"))
	if in >= min {
		c.State = Passed
		c.Detail = fmt.Sprintf("in %s for %s %s (at least %s)", f.Source, FormatDuration(in), since, FormatDuration(min))
		return c
	}
	c.State, c.Left = Waiting, min-in
	c.Detail = fmt.Sprintf("in %s for %s of %s, %s: %s left", f.Source, FormatDuration(max(in, 0)), FormatDuration(min), since, FormatDuration(c.Left))
	return c
}

func checkStatuses(patterns []string, f Facts) Check {
	c := Check{Gate: Statuses}
	if f.Landing == nil {
		c.State, c.Detail = Waiting, "where the versions of "+f.Source+" landed is unknown"
		return c
	}
	var failed, waiting, passed []string
	for _, ps := range judge(patterns, f.Reports) {
		switch ps.state {
		case Failure:
			for _, r := range ps.failed {
				c.Failed = append(c.Failed, r)
				msg := r.Name
				if r.URL != "" {
					msg += " (" + r.URL + ")"
				}
				failed = append(failed, msg)
			}
		case Pending:
			waiting = append(waiting, fmt.Sprintf("%s (pending: %s)", ps.pattern, strings.Join(ps.pending, ", ")))
		case Success:
			passed = append(passed, ps.pattern)
		default:
			waiting = append(waiting, ps.pattern+" (no status or check run yet)")
		}
	}
	on := f.Landing.name()
	switch {
	case len(failed) > 0:
		c.State, c.Detail = Failed, fmt.Sprintf("failed on %s: %s", on, strings.Join(failed, ", "))
	case len(waiting) > 0:
		c.State, c.Detail = Waiting, fmt.Sprintf("waiting on %s for %s", on, strings.Join(waiting, ", "))
	default:
		c.State, c.Detail = Passed, fmt.Sprintf("succeeded on %s: %s", on, strings.Join(passed, ", "))
	}
	return c
}
