package promote_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// This file tests the gates of a directory promotion: require-statuses,
// min-soak, windows and freezes, force, and rollbacks, which are never
// gated. The runs read the time from the fixture's clock, as the fake
// does.

const windowCtx = "gitops-actions/promotion-window"

// newGateFixture is newEnvFixture whose runs read the fixture's clock.
func newGateFixture(t *testing.T) *fixture {
	t.Helper()
	f := newEnvFixture(t, githubtest.Options{})
	f.clocked = true
	return f
}

// scheduled runs promote on a schedule event, whose payload names only
// the schedule, with the fixture's clock.
func (f *fixture) scheduled(inputs map[string]string) result {
	f.t.Helper()
	return f.run("schedule", writePayload(f.t, map[string]any{"schedule": "*/30 * * * *"}), inputs)
}

// wantGated checks a run that a gate held back: exit 0, gated, the reason
// in the output and in a notice, and the pull requests as they were.
func (f *fixture) wantGated(r result, pulls int, reason ...string) {
	f.t.Helper()
	r.WantCode(f.t, 0)
	r.WantOutputs(f.t, map[string]string{"gated": "true"})
	wantContains(f.t, "gate-reason", r.Outputs["gate-reason"], reason...)
	wantContains(f.t, "the log", commands(r.Stdout), append([]string{"::notice::the promotion of environments/staging to environments/production is gated, no pull request changed: "}, reason...)...)
	wantContains(f.t, "the job summary", r.Summary, "### Gates", "| gate | state | detail |")
	if got := len(f.srv.PullRequests(f.repo)); got != pulls {
		f.t.Errorf("%d pull requests, want %d: a gated run changed them", got, pulls)
	}
}

// TestGateStatuses: the promotion waits for the statuses the cluster
// posts on the merge that brought staging's versions: missing and
// pending hold it, a success on a later, unrelated merge does not count,
// success opens the pull request, and a failure on a newer bump fails the
// run naming the context and its link.
func TestGateStatuses(t *testing.T) {
	f := newGateFixture(t)
	in := promoteInputs(map[string]string{"require-statuses": "kustomization/apps-staging/*\nhealth"})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	pulls := len(f.srv.PullRequests(f.repo))
	r := f.afterMerge(m, in)
	f.wantGated(r, pulls, "require-statuses: waiting on "+m.sha[:7]+fmt.Sprintf(" (#%d)", m.number)+" for kustomization/apps-staging/* (no status or check run yet), health (no status or check run yet)")
	wantContains(t, "the job summary", r.Summary, "| `require-statuses` | waiting |")
	r.WantOutputs(t, map[string]string{"promotion-pull-request-operation": "none", "tag": "v20260501120000"})

	// Flux applied it and is still checking; the health check run passed.
	f.srv.CreateStatus(f.repo, m.sha, githubtest.Status{Context: "kustomization/apps-staging/9f8e", State: "pending"})
	f.srv.CreateCheckRun(f.repo, m.sha, githubtest.CheckRun{Name: "health", Conclusion: "success"})
	f.wantGated(f.afterMerge(m, in), pulls, "kustomization/apps-staging/* (pending: kustomization/apps-staging/9f8e)")

	// A later merge that touches nothing of staging is healthy: it says
	// nothing of the versions staging got in m.
	docs := f.merge(change{title: "Docs", files: map[string]string{"README.md": "# config, documented\n"}, at: start.Add(time.Minute)})
	f.srv.CreateStatus(f.repo, docs.sha, githubtest.Status{Context: "kustomization/apps-staging/9f8e", State: "success"})
	f.srv.CreateCheckRun(f.repo, docs.sha, githubtest.CheckRun{Name: "health", Conclusion: "success"})
	f.wantGated(f.afterMerge(docs, in), pulls+1, "waiting on "+m.sha[:7])

	f.srv.CreateStatus(f.repo, m.sha, githubtest.Status{Context: "kustomization/apps-staging/9f8e", State: "success", TargetURL: "https://flux.example.com/9f8e"})
	r = f.afterMerge(docs, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "false", "gate-reason": "", "promotion-pull-request-operation": "created"})
	n := r.Outputs["promotion-pull-request-number"]
	wantContains(t, "the job summary", r.Summary, "| `require-statuses` | passed | succeeded on "+m.sha[:7])
	if got := f.file(promoteBr, production+"/app.yaml"); !strings.Contains(got, "ghcr.io/acme/app:v2.1.0") {
		t.Errorf("the pull request does not promote v2.1.0:\n%s", got)
	}
	// No window or freeze is set: the pull request carries no status of
	// theirs.
	if sts := f.srv.Statuses(f.repo, f.pull(n).HeadSHA); len(sts) != 0 {
		t.Errorf("statuses on the pull request: %+v", sts)
	}

	// A newer bump whose rollout failed: the run fails, naming the
	// context and its link, and the pull request keeps v2.1.0.
	m3 := f.bumpStaging("v2.2.0", "1.1.0", start.Add(time.Hour))
	f.srv.CreateStatus(f.repo, m3.sha, githubtest.Status{Context: "kustomization/apps-staging/9f8e", State: "failure", TargetURL: "https://flux.example.com/9f8e/failed"})
	f.srv.CreateCheckRun(f.repo, m3.sha, githubtest.CheckRun{Name: "health", Conclusion: "success"})
	r = f.afterMerge(m3, in)
	r.WantCode(t, cli.ExitFailed)
	r.WantOutputs(t, map[string]string{"gated": "true", "promotion-pull-request-operation": "unchanged", "promotion-pull-request-number": n})
	wantContains(t, "the error", commands(r.Stdout), "the promotion of environments/staging to environments/production stopped: a required status failed: failed on "+m3.sha[:7]+fmt.Sprintf(" (#%d)", m3.number)+": kustomization/apps-staging/9f8e (https://flux.example.com/9f8e/failed)")
	wantContains(t, "the job summary", r.Summary, "| `require-statuses` | failed |")
	if got := f.file(promoteBr, production+"/app.yaml"); !strings.Contains(got, "ghcr.io/acme/app:v2.1.0") {
		t.Errorf("a failed gate changed the pull request:\n%s", got)
	}
}

// TestGateSoak: the versions must have been in staging two hours; the
// run says how long is left, and promotes once they have.
func TestGateSoak(t *testing.T) {
	f := newGateFixture(t)
	in := promoteInputs(map[string]string{"min-soak": "2h"})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	pulls := len(f.srv.PullRequests(f.repo))
	f.clock.Advance(80 * time.Minute)
	r := f.afterMerge(m, in)
	f.wantGated(r, pulls, fmt.Sprintf("min-soak: in environments/staging for 1h20m of 2h, since %s (#%d) landed at 2026-05-01 12:00 UTC: 40m left", m.sha[:7], m.number))
	f.clock.Advance(40 * time.Minute)
	r = f.afterMerge(m, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "false", "promotion-pull-request-operation": "created"})
	wantContains(t, "the job summary", r.Summary, "| `min-soak` | passed | in environments/staging for 2h since")
}

// TestGateWindows: outside the window nothing opens; a pull request
// opened inside one gets success, and pending once the window closes, so
// that branch protection keeps it from merging; the next run inside a
// window flips it back. A freeze in the repository's file holds it too.
func TestGateWindows(t *testing.T) {
	f := newGateFixture(t)
	in := promoteInputs(map[string]string{"windows": "# office hours\nMon-Thu 09:00-16:00 Europe/Berlin"})
	thursday := time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC) // 12:00 in Berlin
	friday := start                                           // Friday 14:00 in Berlin
	monday := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)     // 10:00 in Berlin

	// Friday: closed.
	m := f.bumpStaging("v2.1.0", "1.1.0", friday)
	pulls := len(f.srv.PullRequests(f.repo))
	f.wantGated(f.afterMerge(m, in), pulls, "windows: outside every window (Mon-Thu 09:00-16:00 Europe/Berlin); the next opens Mon 2026-05-04 09:00 CEST, in 2d19h")

	// Thursday, a week later in the test's history but inside a window:
	// the pull request opens, with success.
	f.clock.Set(thursday.AddDate(0, 0, 7))
	r := f.dispatch(in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "false", "promotion-pull-request-operation": "created"})
	n := r.Outputs["promotion-pull-request-number"]
	head := f.pull(n).HeadSHA
	if sts := f.srv.Statuses(f.repo, head); len(sts) != 1 || sts[0].Context != windowCtx || sts[0].State != "success" {
		t.Fatalf("statuses of the pull request's head: %+v", sts)
	}

	// Friday: the window is closed; the pull request stays as it is, and
	// its head goes pending.
	f.clock.Set(friday.AddDate(0, 0, 7))
	f.wantGated(f.dispatch(in), pulls+1, "windows: outside every window")
	sts := f.srv.Statuses(f.repo, head)
	if len(sts) != 2 || sts[0].State != "pending" || !strings.Contains(sts[0].Description, "outside every window") || sts[0].TargetURL != f.srv.URL+"/acme/config/actions/runs/4242" {
		t.Fatalf("statuses after the window closed: %+v", sts)
	}
	if f.pull(n).HeadSHA != head {
		t.Error("the gated run moved the pull request")
	}

	// Monday inside the window, a scheduled run: nothing to tag, the
	// pull request unchanged, and success again.
	f.clock.Set(monday.AddDate(0, 0, 7))
	tags := len(f.srv.Tags(f.repo))
	r = f.scheduled(in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "false", "promotion-pull-request-operation": "unchanged", "tag": ""})
	if len(f.srv.Tags(f.repo)) != tags {
		t.Error("a scheduled run tagged")
	}
	if sts := f.srv.Statuses(f.repo, head); len(sts) != 3 || sts[0].State != "success" {
		t.Fatalf("statuses after the window opened: %+v", sts)
	}

	// A freeze, reviewed into the repository, covers the next Tuesday.
	f.srv.PushCommit(f.repo, "main", map[string]string{".gitops-actions/freezes.yaml": `freezes:
  - start: 2026-05-12
    end: 2026-05-12
    reason: release review
    environments: [production]
  - start: 2026-05-12
    end: 2026-05-20
    environments: [environments/staging]
`}, "Freeze production on Tuesday", githubtest.Identity{Login: "ann", Name: "ann", Email: "ann@example.com"})
	f.clock.Set(time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC))
	f.wantGated(f.dispatch(in), pulls+1, "freezes: frozen: release review, 2026-05-12 00:00 UTC until 2026-05-13 00:00 UTC (.gitops-actions/freezes.yaml:2)")
	if sts := f.srv.Statuses(f.repo, head); sts[0].State != "pending" || !strings.Contains(sts[0].Description, "release review") {
		t.Errorf("statuses in the freeze: %+v", sts)
	}
	// The next day the freeze of production is over; staging's does not
	// hold a promotion into production.
	f.clock.Set(time.Date(2026, 5, 13, 9, 0, 0, 0, time.UTC))
	r = f.dispatch(in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "false"})
	wantContains(t, "the job summary", r.Summary, "| `freezes` | passed | no freeze now |", "| `windows` | passed | inside Mon-Thu 09:00-16:00 Europe/Berlin |")

	// A broken freeze file stops promotions with its line named.
	f.srv.PushCommit(f.repo, "main", map[string]string{".gitops-actions/freezes.yaml": "freezes:\n  - start: 2026-05-12\n    until: 2026-05-20\n"}, "Break the freeze file", githubtest.Identity{})
	r = f.dispatch(in)
	r.WantCode(t, cli.ExitUsage)
	wantContains(t, "the error", commands(r.Stdout), `.gitops-actions/freezes.yaml:3: unknown key "until": a freeze has start, end, timezone, reason, environments`)
}

// TestGateForce: force overrides a closed window only with a reason,
// which the pull request, its status and the log record.
func TestGateForce(t *testing.T) {
	f := newGateFixture(t)
	in := promoteInputs(map[string]string{"windows": "Mon-Thu 09:00-16:00 Europe/Berlin", "freezes": "2026-05-01..2026-05-03 long weekend", "force": "true"})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	r := f.afterMerge(m, in)
	r.WantCode(t, cli.ExitUsage)
	wantContains(t, "the error", commands(r.Stdout), `input "force-reason" is empty: force overrides the gates only with a reason`)
	if len(f.srv.PullRequests(f.repo)) != 1 {
		t.Fatalf("pull requests: %+v", f.srv.PullRequests(f.repo))
	}

	in["force-reason"] = "hotfix for CVE-2026-1234, approved by the on-call lead"
	r = f.afterMerge(m, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "false", "promotion-pull-request-operation": "created"})
	p := f.pull(r.Outputs["promotion-pull-request-number"])
	wantContains(t, "the body", p.Body, "### Gates", "| `windows` | overridden (waiting) | outside every window", "| `freezes` | overridden (waiting) | frozen: long weekend", "Forced: hotfix for CVE-2026-1234, approved by the on-call lead\n\n---\n<sub>Opened by gitops-actions promote")
	wantContains(t, "the job summary", r.Summary, "| `windows` | overridden (waiting) |")
	wantContains(t, "the log", commands(r.Stdout), "::warning::force overrode the gates (hotfix for CVE-2026-1234, approved by the on-call lead): windows: outside every window")
	if sts := f.srv.Statuses(f.repo, p.HeadSHA); len(sts) != 1 || sts[0].State != "success" || sts[0].Description != "forced: hotfix for CVE-2026-1234, approved by the on-call lead" {
		t.Errorf("statuses: %+v", sts)
	}

	delete(in, "force")
	r = f.afterMerge(m, in)
	r.WantCode(t, cli.ExitUsage)
	wantContains(t, "the error", commands(r.Stdout), `input "force-reason" is set without force`)
}

// TestRollbackInFreeze: a rollback during a freeze is what freezes are
// for: it is never gated, and its pull request gets the success status
// that lets it merge.
func TestRollbackInFreeze(t *testing.T) {
	f := newGateFixture(t)
	f.promoted("v2.1.0", "1.1.0", start)
	f.srv.PushCommit(f.repo, "main", map[string]string{".gitops-actions/freezes.yaml": "freezes:\n  - start: 2026-05-01\n    end: 2026-05-31\n    reason: May freeze\n"}, "Freeze May", githubtest.Identity{})
	f.clock.Set(start.Add(2 * time.Hour))
	r := f.dispatch(map[string]string{"to": production, "rollback": "last", "freezes": "2026-05-01..2026-05-31 May freeze", "require-statuses": "kustomization/*", "min-soak": "1w"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "false", "gate-reason": "", "promotion-pull-request-operation": "created"})
	p := f.pull(r.Outputs["promotion-pull-request-number"])
	if p.Head != rollbackBr {
		t.Fatalf("pull request %+v", p)
	}
	if sts := f.srv.Statuses(f.repo, p.HeadSHA); len(sts) != 1 || sts[0].Context != windowCtx || sts[0].State != "success" || sts[0].Description != "a rollback: never gated" {
		t.Errorf("statuses: %+v", sts)
	}
	// A promotion in the same freeze is held.
	m := f.bumpStaging("v2.2.0", "1.1.0", start.Add(3*time.Hour))
	f.wantGated(f.afterMerge(m, promoteInputs(nil)), len(f.srv.PullRequests(f.repo)), "freezes: frozen: May freeze")
}

// TestGateBadInput: each gate input that cannot be read exits 2 naming
// it, before anything is written.
func TestGateBadInput(t *testing.T) {
	f := newGateFixture(t)
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	event := f.prEvent("pull_request.closed.json", m)
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"min-soak", promoteInputs(map[string]string{"min-soak": "two hours"}), `input "min-soak": "two hours" is not a duration`},
		{"windows without a zone", promoteInputs(map[string]string{"windows": "Mon-Fri 09:00-17:00"}), `input "windows": line 1, "Mon-Fri 09:00-17:00": no time zone`},
		{"windows with a bad day", promoteInputs(map[string]string{"windows": "# ok\nMonday-Fri 09:00-17:00 UTC\nWeekdays 09:00-17:00 UTC"}), `input "windows": line 3, "Weekdays 09:00-17:00 UTC": "Weekdays" is not a day`},
		{"freezes", promoteInputs(map[string]string{"freezes": "20.12.2026..04.01.2027 year end"}), `input "freezes": line 1, "20.12.2026..04.01.2027 year end": "20.12.2026" is not a date`},
		{"require-statuses", promoteInputs(map[string]string{"require-statuses": "kustomization/[apps"}), `input "require-statuses": "kustomization/[apps" is not a valid glob`},
		{"force-reason alone", promoteInputs(map[string]string{"force-reason": "because"}), `input "force-reason" is set without force`},
		{"gates on branches", map[string]string{"from-branch": "develop", "to-branch": "main", "min-soak": "1h"}, `input "min-soak" gates directory promotion`},
		{"environments alone", promoteInputs(map[string]string{"environments": "environments/production=prod"}), `input "environments" names the environments deployments records: set deployments: true`},
		{"environments outside", promoteInputs(map[string]string{"deployments": "true", "environments": "../prod=prod"}), `input "environments": "../prod" is outside the repository`},
		{"environments twice", promoteInputs(map[string]string{"deployments": "true", "environments": "environments/production=prod\nenvironments/production/=production"}), `input "environments": "environments/production" is listed twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pulls, tags := len(f.srv.PullRequests(f.repo)), len(f.srv.Tags(f.repo))
			r := f.run("pull_request", event, tc.inputs)
			r.WantCode(t, cli.ExitUsage)
			wantContains(t, "the error", commands(r.Stdout), tc.want)
			if len(f.srv.PullRequests(f.repo)) != pulls || len(f.srv.Tags(f.repo)) != tags {
				t.Error("a bad input wrote something")
			}
		})
	}
}

// TestGateBudget counts what the gates add to a run: the same merge
// promoted without gates and with every gate set (all passing, a window
// open), on two identical repositories. The gates cost the statuses and
// check runs of the landing commit and the window's status on the pull
// request: 3 requests; a gated run writes nothing and costs no more.
func TestGateBudget(t *testing.T) {
	gates := map[string]string{
		"require-statuses": "kustomization/apps-staging/*", "min-soak": "1h",
		"windows": "Mon-Fri 09:00-17:00 UTC", "freezes": "2026-12-20..2027-01-04 end-of-year freeze",
	}
	type counts struct{ opened, unchanged, gated int }
	measure := func(in map[string]string) (counts, map[string]int) {
		f := newGateFixture(t)
		m := f.bumpStaging("v2.1.0", "1.1.0", start)
		f.srv.CreateStatus(f.repo, m.sha, githubtest.Status{Context: "kustomization/apps-staging/9f8e", State: "success"})
		f.clock.Advance(2 * time.Hour)
		var c counts
		f.srv.ResetCalls()
		f.afterMerge(m, in).WantOutputs(t, map[string]string{"promotion-pull-request-operation": "created", "gated": "false"})
		c.opened = f.srv.TotalCalls()
		calls := f.srv.AllCalls()
		f.srv.ResetCalls()
		f.afterMerge(m, in).WantOutputs(t, map[string]string{"promotion-pull-request-operation": "unchanged"})
		c.unchanged = f.srv.TotalCalls()
		// Saturday: the window is closed (and for the run without gates,
		// the same re-run).
		f.clock.Set(time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC))
		f.srv.ResetCalls()
		f.afterMerge(m, in).WantCode(t, 0)
		c.gated = f.srv.TotalCalls()
		if in["windows"] != "" && writes(f.srv) != 1 {
			t.Errorf("the gated run wrote %d times, want once (the pending status): %v", writes(f.srv), f.srv.AllCalls())
		}
		return c, calls
	}
	without, _ := measure(promoteInputs(nil))
	with, calls := measure(promoteInputs(gates))
	t.Logf("requests without gates: opened %d, unchanged %d, re-run %d", without.opened, without.unchanged, without.gated)
	t.Logf("requests with every gate: opened %d, unchanged %d, gated (window closed) %d; the opening run: %v", with.opened, with.unchanged, with.gated, calls)
	for _, d := range []struct {
		what      string
		with, was int
	}{{"opening the pull request", with.opened, without.opened}, {"finding it unchanged", with.unchanged, without.unchanged}, {"a gated run", with.gated, without.gated}} {
		if extra := d.with - d.was; extra > 3 {
			t.Errorf("%s: the gates cost %d more requests (%d, without gates %d), want at most 3", d.what, extra, d.with, d.was)
		}
	}
	if n := calls[githubtest.RouteCombinedStatus] + calls[githubtest.RouteListCheckRuns] + calls[githubtest.RouteCreateStatus]; n != 3 {
		t.Errorf("the gates' own requests: %d, want 3 (combined status, check runs, the window's status): %v", n, calls)
	}
}

// TestFreezeFileHostile: a freeze file that is a link is refused, not
// ignored; a reason that holds a workflow command or a line break forges
// nothing in the log, the outputs or the status.
func TestFreezeFileHostile(t *testing.T) {
	f := newGateFixture(t)
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	f.srv.PushCommit(f.repo, "main", map[string]string{".gitops-actions/freezes.yaml": githubtest.Symlink("../../etc/passwd")}, "Link the freezes", githubtest.Identity{})
	r := f.dispatch(promoteInputs(nil))
	r.WantCode(t, cli.ExitUsage)
	wantContains(t, "the error", commands(r.Stdout), ".gitops-actions/freezes.yaml is not a file the tool reads (symbolic link)")

	f.srv.PushCommit(f.repo, "main", map[string]string{".gitops-actions/freezes.yaml": "freezes:\n  - start: 2026-05-01\n    end: 2026-05-01\n    reason: |\n      audit\n      ::error::forged\n"}, "A freeze", githubtest.Identity{})
	r = f.afterMerge(m, promoteInputs(map[string]string{"windows": "daily 00:00-24:00 UTC"}))
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "true"})
	for _, line := range strings.Split(r.Stdout, "\n") {
		if strings.HasPrefix(line, "::error::forged") {
			t.Errorf("the reason forged a workflow command:\n%s", r.Stdout)
		}
	}
	if strings.Contains(r.Outputs["gate-reason"], "\n") {
		t.Errorf("gate-reason spans lines: %q", r.Outputs["gate-reason"])
	}
}

// TestGateStatusesOfAPushedBump: a version bump-image pushed to main
// without a pull request (its push mode) landed with its own commit: the
// statuses are read there, not on the older merge that brought the other
// image, and min-soak counts from that commit's time.
func TestGateStatusesOfAPushedBump(t *testing.T) {
	f := newGateFixture(t)
	in := promoteInputs(map[string]string{"require-statuses": "kustomization/apps-staging/*", "min-soak": "30m"})
	m := f.bumpStaging("v2.1.0", "1.1.0", start)
	f.srv.CreateStatus(f.repo, m.sha, githubtest.Status{Context: "kustomization/apps-staging/9f8e", State: "success"})

	f.clock.Set(start.Add(time.Hour))
	before := f.srv.Ref(f.repo, f.branch)
	pushed := f.srv.PushCommit(f.repo, f.branch, map[string]string{staging + "/app.yaml": appDeployment(2, "v2.2.0", "1.1.0", "1.0.0")},
		bumpMessage("Bump app to v2.2.0"), githubtest.Identity{Login: "gitops-bot", Name: "gitops-bot", Email: "bot@example.com"})
	event := f.pushEvent("push.json", before, pushed)
	pulls := len(f.srv.PullRequests(f.repo))

	f.clock.Advance(10 * time.Minute)
	r := f.run("push", event, in)
	f.wantGated(r, pulls, "require-statuses: waiting on "+pushed[:7]+" for kustomization/apps-staging/* (no status or check run yet)",
		"min-soak: in environments/staging for 10m of 30m, since "+pushed[:7]+" landed at 2026-05-01 13:00 UTC: 20m left")

	f.srv.CreateStatus(f.repo, pushed, githubtest.Status{Context: "kustomization/apps-staging/9f8e", State: "success"})
	f.clock.Advance(20 * time.Minute)
	r = f.run("push", event, in)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"gated": "false", "promotion-pull-request-operation": "created"})
	wantContains(t, "the job summary", r.Summary, "| `require-statuses` | passed | succeeded on "+pushed[:7])
	if got := f.file(promoteBr, production+"/app.yaml"); !strings.Contains(got, "ghcr.io/acme/app:v2.2.0") {
		t.Errorf("the pull request does not promote v2.2.0:\n%s", got)
	}
}
