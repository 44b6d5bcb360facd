package promote

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/gate"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/promotion"
)

// windowContext is the commit status an open promotion pull request
// carries while windows and freezes keep it from merging: pending outside
// a window or inside a freeze, success otherwise. Branch protection can
// require it.
const windowContext = "gitops-actions/promotion-window"

// gates are the gate inputs: the rules the inputs set (the repository's
// freeze file adds to them when the promotion is built) and the reason
// force overrides them with.
type gates struct {
	Rules       gate.Rules
	ForceReason string
}

// readGates reads and checks the gate inputs; every error is a usage
// error that names the input.
func readGates(v cli.Values, p promotionInputs) (gates, error) {
	var g gates
	var err error
	g.Rules.Statuses = v.Lines("require-statuses")
	if err := gate.CheckPatterns(g.Rules.Statuses); err != nil {
		return g, cli.Usagef("input \"require-statuses\": %v", err)
	}
	if s := v.String("min-soak"); s != "" {
		if g.Rules.MinSoak, err = gate.ParseDuration(s); err != nil {
			return g, cli.Usagef("input \"min-soak\": %v", err)
		}
	}
	if g.Rules.Windows, err = gate.ParseWindows(v.Lines("windows")); err != nil {
		return g, cli.Usagef("input \"windows\": %v", err)
	}
	if g.Rules.Freezes, err = gate.ParseFreezes(v.Lines("freezes")); err != nil {
		return g, cli.Usagef("input \"freezes\": %v", err)
	}
	g.ForceReason = v.String("force-reason")
	switch {
	case g.ForceReason != "" && !p.Force:
		return g, cli.Usagef("input \"force-reason\" is set without force: set force: true to override the gates")
	case p.branches() && !g.Rules.Empty():
		return g, cli.Usagef("input %q gates directory promotion (from and to); a branch promotion's pull request is the people's branch, which merging promotes", firstGateInput(v))
	}
	return g, nil
}

// firstGateInput names the first gate input that is set, for messages.
func firstGateInput(v cli.Values) string {
	for _, name := range []string{"require-statuses", "min-soak", "windows", "freezes"} {
		if v.String(name) != "" {
			return name
		}
	}
	return "require-statuses"
}

// gatedError stops the machinery before it changes the pull request: a
// gate holds the promotion back.
type gatedError struct{ verdict gate.Verdict }

func (e *gatedError) Error() string { return "the promotion is gated: " + e.verdict.Reason() }

// gatedBy returns the gate that stopped the machinery, if one did.
func gatedBy(err error) *gatedError {
	var g *gatedError
	if errors.As(err, &g) {
		return g
	}
	return nil
}

// gate judges the gates of a promotion built on snap, before the
// machinery writes anything: content goes through unchanged when every
// gate passes, with the override recorded in its body when force overrode
// them, and a *gatedError stops the machinery when one holds.
func (x *promoter) gate(ctx context.Context, snap *forge.Snapshot, res *promotion.Result, content change.Content) (change.Content, error) {
	x.verdict = nil
	rules := x.in.Gates.Rules
	file, err := freezeFile(snap)
	if err != nil {
		return content, err
	}
	rules.Freezes = append(append([]gate.Freeze(nil), rules.Freezes...), file...)
	x.timed = rules.Timed()
	if rules.Empty() {
		return content, nil
	}
	facts, err := x.facts(ctx, rules, res)
	if err != nil {
		return content, err
	}
	v := gate.Evaluate(rules, facts)
	if x.in.Force && v.Gated() {
		if x.in.Gates.ForceReason == "" {
			return content, cli.Usagef("input \"force-reason\" is empty: force overrides the gates only with a reason, which the pull request records (they hold: %s)", v.Reason())
		}
		v.Forced = x.in.Gates.ForceReason
		content.Body = withSection(content.Body, gate.Markdown(v))
	}
	x.verdict = &v
	if v.Gated() {
		return content, &gatedError{verdict: v}
	}
	return content, nil
}

// facts gathers what the rules are judged against: the time, where the
// versions of from landed, and what is reported on that commit.
func (x *promoter) facts(ctx context.Context, rules gate.Rules, res *promotion.Result) (gate.Facts, error) {
	f := gate.Facts{Now: x.now(), Source: x.in.From, Target: []string{x.in.To, x.in.Deploy.nameOf(x.in.To)}}
	if !rules.NeedsLanding() {
		return f, nil
	}
	var err error
	if f.Landing, err = x.landing(ctx, res.Promoted); err != nil || len(rules.Statuses) == 0 {
		return f, err
	}
	f.Reports, err = x.repo.reports(ctx, f.Landing.SHA)
	return f, err
}

// withSection puts a section into a pull request's body, before its
// footer (the rule and the line that names the run) when it has one.
func withSection(body, section string) string {
	if i := strings.LastIndex(body, "\n---\n"); i >= 0 {
		return body[:i] + "\n" + section + body[i:]
	}
	return body + "\n\n" + section
}

// freezeFile reads the repository's freeze file from the snapshot; a
// repository without one has none. A file that does not read is a usage
// error naming its line: a freeze must not be ignored.
func freezeFile(snap *forge.Snapshot) ([]gate.Freeze, error) {
	for _, sk := range snap.Skipped {
		if sk.Name == gate.FreezeFile {
			return nil, cli.Usagef("%s is not a file the tool reads (%s): keep the freezes in the file itself", gate.FreezeFile, sk.Reason)
		}
	}
	info, err := fs.Stat(snap.FS, gate.FreezeFile)
	if err != nil {
		return nil, nil
	}
	if !info.Mode().IsRegular() {
		return nil, cli.Usagef("%s is not a file", gate.FreezeFile)
	}
	data, err := fs.ReadFile(snap.FS, gate.FreezeFile)
	if err != nil {
		return nil, err
	}
	freezes, err := gate.ParseFreezeFile(gate.FreezeFile, data)
	if err != nil {
		return nil, cli.UsageError(err)
	}
	return freezes, nil
}

// landing finds where the versions of from landed on base: the newest of
// the merges that brought them (the blame of their lines, which the
// promotion read already), else the newest change under from.
func (x *promoter) landing(ctx context.Context, ps []promotion.Promotion) (*gate.Landing, error) {
	if l := landingOf(ps, x.base); l != nil {
		return l, nil
	}
	// No version's origin is known (promotion: files moving no image, or
	// the blame failed): the last change under from, through its pull
	// request.
	return x.repo.lastLanding(ctx, x.base, x.in.From)
}

// landingOf is the newest landing of the versions' origins on base: the
// merge commit of the pull request that brought each, or the commit
// itself when it was pushed (bump-image's push, whose trailers mark it);
// nil when an origin is unknown.
func landingOf(ps []promotion.Promotion, base string) *gate.Landing {
	var newest *gate.Landing
	for _, p := range ps {
		o := p.Origin
		if o == nil {
			return nil
		}
		l := &gate.Landing{SHA: o.Commit, At: o.CommittedAt}
		if pr := o.Pull; pr != nil && pr.MergeCommit != "" && !pr.MergedAt.IsZero() && (pr.Base == "" || pr.Base == base) {
			l = &gate.Landing{SHA: pr.MergeCommit, At: pr.MergedAt, Pull: pr.Number}
		}
		if newest == nil || l.At.After(newest.At) {
			newest = l
		}
	}
	return newest
}

// gatedRun ends a run a gate held back: no pull request changed. An open
// promotion pull request keeps its content and, when windows or freezes
// apply, gets their state as its commit status. A failed status fails
// the run; anything else waits, with a notice.
func (x *promoter) gatedRun(ctx context.Context, g *gatedError, res *promotion.Result) error {
	v := g.verdict
	x.setGated(v, res)
	pr, err := x.gh.OpenPull(ctx, branchFor("promote", x.in.To), x.base)
	if err != nil {
		return x.fail(err)
	}
	if pr != nil {
		x.setPull(change.Result{Op: change.Unchanged, Pull: pr}, "Held back by the gates below: the pull request keeps its content until they pass.\n")
		if x.timed {
			if err := x.setWindowStatus(ctx, pr.HeadSHA, v); err != nil {
				return x.fail(err)
			}
		}
	}
	return x.gatedEnd(v, "no pull request changed")
}

// setGated records the outputs of a run a gate held back.
func (x *promoter) setGated(v gate.Verdict, res *promotion.Result) {
	x.r.SetOutput("gated", "true")
	x.r.SetOutput("gate-reason", v.Reason())
	x.setNone()
	if res != nil {
		x.r.SetOutput("drift", fmt.Sprint(res.Drift.Count()))
	}
}

// gatedEnd reports the gates that held a promotion back, where nothing
// (what) changed: a failed status fails the run, anything else waits,
// with a notice.
func (x *promoter) gatedEnd(v gate.Verdict, what string) error {
	x.r.Summary("\n" + gate.Markdown(v))
	promotion := fmt.Sprintf("the promotion of %s to %s", x.in.From, x.in.To)
	if f := v.Failures(); len(f) > 0 {
		var msgs []string
		for _, c := range f {
			msgs = append(msgs, c.Detail)
		}
		return cli.Failedf("%s stopped: a required status failed: %s", promotion, strings.Join(msgs, "; "))
	}
	x.r.Notice(fmt.Sprintf("%s is gated, %s: %s", promotion, what, v.Reason()))
	return nil
}

// settleGates reports the gates of a promotion that went through, and
// gives its pull request the windows' commit status.
func (x *promoter) settleGates(ctx context.Context, out change.Result) error {
	if x.verdict == nil {
		return nil
	}
	v := x.reportVerdict()
	if x.timed && out.Pull != nil && out.Commit != nil {
		if err := x.setWindowStatus(ctx, out.Commit.SHA, v); err != nil {
			return x.fail(err)
		}
	}
	return nil
}

// reportVerdict puts the gates' verdict on a promotion that went through
// in the job summary, with a warning when force overrode them.
func (x *promoter) reportVerdict() gate.Verdict {
	v := *x.verdict
	x.r.Summary("\n" + gate.Markdown(v))
	if v.Forced != "" {
		x.r.Warning("", 0, fmt.Sprintf("force overrode the gates (%s): %s", v.Forced, v.Reason()))
	}
	return v
}

// setWindowStatus sets the windows' commit status on a pull request's
// head: success when windows and freezes let it through (or force
// overrode them), else pending with what holds it.
func (x *promoter) setWindowStatus(ctx context.Context, sha string, v gate.Verdict) error {
	st := forge.NewStatus{Context: windowContext, State: "success", Description: "inside a promotion window, no freeze", TargetURL: x.prov.RunURL}
	switch {
	case !v.TimeOpen() && v.Forced != "":
		st.Description = "forced: " + v.Forced
	case !v.TimeOpen():
		st.State = "pending"
		var why []string
		for _, c := range v.Checks {
			if (c.Gate == gate.Windows || c.Gate == gate.Freezes) && c.State != gate.Passed {
				why = append(why, c.Detail)
			}
		}
		st.Description = mdtext.OneLine(strings.Join(why, "; "), 1000)
	}
	x.r.Logf("%s on %s: %s (%s)", windowContext, short(sha), st.State, st.Description)
	return x.gh.SetStatus(ctx, sha, st)
}

// rollbackStatus gives a rollback's pull request the windows' success
// status when windows or freezes are set: rollbacks are never gated, and
// a branch protection that requires the status must let them merge.
func (x *promoter) rollbackStatus(ctx context.Context, out change.Result) error {
	if !x.in.Gates.Rules.Timed() || out.Pull == nil || out.Commit == nil {
		return nil
	}
	st := forge.NewStatus{Context: windowContext, State: "success", Description: "a rollback: never gated", TargetURL: x.prov.RunURL}
	if err := x.gh.SetStatus(ctx, out.Commit.SHA, st); err != nil {
		return x.fail(err)
	}
	return nil
}

// nameOf is the environment name of a directory: the environments
// input's, else its last path element.
func (d deploy) nameOf(dir string) string {
	for _, e := range d.Environments {
		if e.Dir == dir {
			return e.Name
		}
	}
	return path.Base(dir)
}
