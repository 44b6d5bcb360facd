package gate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/gate"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "2h", want: 2 * time.Hour},
		{in: "1d", want: 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: "1w", want: 7 * 24 * time.Hour},
		{in: " 1D 2H ", want: 26 * time.Hour},
		{in: "2 hours", wantErr: `"2 hours" is not a duration`},
		{in: "1.5h", wantErr: "not a duration"},
		{in: "-1h", wantErr: "not a duration"},
		{in: "400d", wantErr: "longer than a year"},
		{in: "99999999999999999999w", wantErr: "longer than a year"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := gate.ParseDuration(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	for d, want := range map[time.Duration]string{0: "0m", 30 * time.Second: "1m", 40 * time.Minute: "40m", 26*time.Hour + time.Minute: "1d2h1m", 2 * time.Hour: "2h"} {
		if got := gate.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestWindows(t *testing.T) {
	loc := berlin(t)
	ws, err := gate.ParseWindows([]string{
		"# office hours",
		"Mon-Thu 09:00-16:00 Europe/Berlin",
		"",
		"Fri 22:00-02:00 UTC",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 {
		t.Fatalf("%d windows, want 2", len(ws))
	}
	at := func(s string, l *time.Location) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, l)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		at   time.Time
		open bool
	}{
		{"Monday morning in Berlin", at("2026-05-04 09:00", loc), true},
		{"Monday 08:59 in Berlin, 06:59 UTC", at("2026-05-04 08:59", loc), false},
		{"Thursday 15:59", at("2026-05-07 15:59", loc), true},
		{"Thursday 16:00: the end is exclusive", at("2026-05-07 16:00", loc), false},
		{"Friday noon", at("2026-05-08 12:00", loc), false},
		{"Friday 23:00 UTC", at("2026-05-08 23:00", time.UTC), true},
		{"Saturday 01:59 UTC, past midnight", at("2026-05-09 01:59", time.UTC), true},
		{"Saturday 02:00 UTC", at("2026-05-09 02:00", time.UTC), false},
		{"Monday 09:30 in Berlin in winter (08:30 UTC)", at("2026-01-05 08:30", time.UTC), true},
		{"Monday 09:30 UTC in summer is 11:30 in Berlin", at("2026-07-06 09:30", time.UTC), true},
		{"Monday 14:30 UTC in summer is 16:30 in Berlin", at("2026-07-06 14:30", time.UTC), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := gate.OpenAny(ws, tc.at); got != tc.open {
				t.Errorf("open at %v: got %v, want %v", tc.at, got, tc.open)
			}
		})
	}
	next, ok := gate.NextOpening(ws, at("2026-05-08 12:00", loc))
	if want := at("2026-05-08 22:00", time.UTC); !ok || !next.Equal(want) {
		t.Errorf("next opening after Friday noon: %v, %v; want %v", next, ok, want)
	}
	next, ok = gate.NextOpening(ws, at("2026-05-09 03:00", time.UTC))
	if want := at("2026-05-11 09:00", loc); !ok || !next.Equal(want) {
		t.Errorf("next opening after Saturday: %v, %v; want Monday 09:00 Berlin", next, ok)
	}

	daily, err := gate.ParseWindows([]string{"daily 00:00-24:00 UTC", "Sat,Sun,Mon-Tue 10:00-11:00 America/New_York", "fri-mon 10:00-11:00 UTC"})
	if err != nil {
		t.Fatal(err)
	}
	if !daily[0].Open(at("2026-05-09 23:59", time.UTC)) || !daily[2].Days[time.Sunday] || daily[2].Days[time.Wednesday] {
		t.Errorf("daily and wrapping ranges: %+v", daily)
	}
}

func TestWindowErrors(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"Mon-Thu 09:00-16:00", "line 1, \"Mon-Thu 09:00-16:00\": no time zone: end the rule with one, e.g. Mon-Thu 09:00-16:00 Europe/Berlin"},
		{"Mon-Thu 09:00-16:00 Europe/Berln", `"Europe/Berln" is not a known time zone`},
		{"Mon-Thu 09:00-16:00 berlin", `"berlin" is not a time zone`},
		{"Mo-Th 09:00-16:00 UTC", `"Mo" is not a day`},
		{"Mon 9-16 UTC", `"9" is not a time of day`},
		{"Mon 09:00-24:30 UTC", `"24:30" is past midnight`},
		{"Mon 09:00 UTC", `"09:00" is not a span of time`},
		{"Mon 09:00-09:00 UTC", "starts when it ends"},
		{"Mon 24:00-09:00 UTC", "cannot start at 24:00"},
		{"Mon 09:00-16:00 UTC extra", "a window is DAYS HH:MM-HH:MM ZONE"},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			_, err := gate.ParseWindows([]string{tc.line})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestFreezes(t *testing.T) {
	fs, err := gate.ParseFreezes([]string{
		"2026-12-20..2027-01-04 end-of-year freeze",
		"2026-06-01T18:00..2026-06-02T06:00 Europe/Berlin database migration",
		"2026-07-01..2026-07-01",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[0].Reason != "end-of-year freeze" || fs[1].Reason != "database migration" || fs[2].Reason != "" || fs[1].Source != "freezes line 2" {
		t.Fatalf("freezes: %+v", fs)
	}
	loc := berlin(t)
	tests := []struct {
		name string
		f    gate.Freeze
		at   time.Time
		on   bool
	}{
		{"the first day", fs[0], time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC), true},
		{"the last day, an inclusive date", fs[0], time.Date(2027, 1, 4, 23, 59, 0, 0, time.UTC), true},
		{"the day after", fs[0], time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), false},
		{"the day before", fs[0], time.Date(2026, 12, 19, 23, 59, 0, 0, time.UTC), false},
		{"a time in its zone", fs[1], time.Date(2026, 6, 1, 18, 0, 0, 0, loc), true},
		{"16:30 UTC is 18:30 in Berlin", fs[1], time.Date(2026, 6, 1, 16, 30, 0, 0, time.UTC), true},
		{"an end with a time is exclusive", fs[1], time.Date(2026, 6, 2, 6, 0, 0, 0, loc), false},
		{"one day", fs[2], time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Holds(tc.at, nil); got != tc.on {
				t.Errorf("holds at %v: got %v, want %v", tc.at, got, tc.on)
			}
		})
	}
	for _, tc := range []struct{ line, want string }{
		{"2026-12-20 end-of-year", "a freeze is START..END"},
		{"2026-12-20..2026-12-19", "it ends (2026-12-19) before it starts"},
		{"2026-13-20..2027-01-04", `"2026-13-20" is not a date`},
		{"2026-12-20..2027-01-04 Europe/Nowhere year end", `"Europe/Nowhere" is not a known time zone`},
	} {
		if _, err := gate.ParseFreezes([]string{"# comment", tc.line}); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "line 2, ") {
			t.Errorf("%q: error %v, want one at line 2 saying %q", tc.line, err, tc.want)
		}
	}
}

func TestFreezeFile(t *testing.T) {
	fs, err := gate.ParseFreezeFile(gate.FreezeFile, []byte(`# Reviewed like any change.
freezes:
  - start: 2026-12-20
    end: 2027-01-04
    reason: end-of-year freeze
  - start: "2026-06-01T18:00"
    end: "2026-06-02T06:00"
    timezone: Europe/Berlin
    reason: database migration
    environments: [production, environments/eu-production]
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].Source != ".gitops-actions/freezes.yaml:3" || fs[1].Reason != "database migration" {
		t.Fatalf("freezes: %+v", fs)
	}
	during := time.Date(2026, 6, 1, 17, 0, 0, 0, time.UTC)
	if fs[1].Holds(during, []string{"environments/staging", "staging"}) {
		t.Error("a freeze of production holds staging")
	}
	if !fs[1].Holds(during, []string{"environments/production", "production"}) || !fs[1].Holds(during, []string{"environments/eu-production/", "eu"}) {
		t.Error("a freeze of production does not hold it")
	}
	for _, empty := range []string{"", "# nothing yet\n", "freezes:\n", "freezes: []\n"} {
		if fs, err := gate.ParseFreezeFile(gate.FreezeFile, []byte(empty)); err != nil || len(fs) != 0 {
			t.Errorf("%q: %v, %v; want no freeze", empty, fs, err)
		}
	}
	tests := []struct {
		name, file, want string
	}{
		{"unknown key", "freezes:\n  - start: 2026-12-20\n    ends: 2027-01-04\n", `.gitops-actions/freezes.yaml:3: unknown key "ends": a freeze has start, end, timezone, reason, environments`},
		{"no end", "freezes:\n  - start: 2026-12-20\n", ".gitops-actions/freezes.yaml:2: a freeze needs start and end"},
		{"unknown top key", "freeze:\n  - start: 2026-12-20\n", `.gitops-actions/freezes.yaml:1: unknown key "freeze": the file has one key, freezes`},
		{"not a list", "freezes: 2026-12-20\n", ".gitops-actions/freezes.yaml:1: freezes is a list of freezes"},
		{"a list as a date", "freezes:\n  - start: [2026-12-20]\n    end: 2027-01-04\n", ".gitops-actions/freezes.yaml:2: start is one value"},
		{"a bad date", "freezes:\n  - start: 20.12.2026\n    end: 2027-01-04\n", `.gitops-actions/freezes.yaml:2: "20.12.2026" is not a date`},
		{"a bad zone", "freezes:\n  - start: 2026-12-20\n    end: 2027-01-04\n    timezone: CET+1\n", `.gitops-actions/freezes.yaml:4: timezone: "CET+1" is not a`},
		{"backwards", "freezes:\n  - start: 2027-01-04\n    end: 2026-12-20\n", ".gitops-actions/freezes.yaml:2: it ends (2026-12-20) before it starts"},
		{"twice", "freezes:\n  - start: 2026-12-20\n    start: 2026-12-21\n    end: 2027-01-04\n", `.gitops-actions/freezes.yaml:3: "start" is given twice`},
		{"two documents", "freezes: []\n---\nfreezes: []\n", ".gitops-actions/freezes.yaml:2: a second YAML document"},
		{"not YAML", "freezes: [\n", ".gitops-actions/freezes.yaml:1: did not find expected node content"},
		{"a scalar", "end-of-year\n", ".gitops-actions/freezes.yaml:1: the file is a mapping"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gate.ParseFreezeFile(gate.FreezeFile, []byte(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestEvaluate judges every gate against a landing and reports, and
// against a clock the test moves.
func TestEvaluate(t *testing.T) {
	clock := githubtest.NewClock(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)) // a Monday, noon in Berlin
	windows, err := gate.ParseWindows([]string{"Mon-Thu 09:00-16:00 Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	freezes, err := gate.ParseFreezes([]string{"2026-05-08..2026-05-10 release weekend"})
	if err != nil {
		t.Fatal(err)
	}
	rules := gate.Rules{Statuses: []string{"kustomization/apps-staging/*", "health"}, MinSoak: 2 * time.Hour, Windows: windows, Freezes: freezes}
	landing := &gate.Landing{SHA: "1a2b3c4d5e6f", At: clock.Now().Add(-90 * time.Minute), Pull: 12}
	facts := func(reports ...gate.Report) gate.Facts {
		return gate.Facts{Now: clock.Now(), Source: "environments/staging", Target: []string{"environments/production", "production"}, Landing: landing, Reports: reports}
	}
	green := []gate.Report{
		{Name: "Kustomization/apps-staging/91ab", State: gate.Success},
		{Name: "kustomization/apps-staging/77cd", State: gate.Success},
		{Name: "health", State: gate.Success},
		{Name: "kustomization/apps-production/1", State: gate.Failure},
	}

	v := gate.Evaluate(rules, facts(green...))
	if !v.Gated() || len(v.Failures()) != 0 || !v.TimeOpen() {
		t.Fatalf("soak not elapsed: %+v", v)
	}
	if got, want := v.Reason(), "min-soak: in environments/staging for 1h30m of 2h, since 1a2b3c4 (#12) landed at 2026-05-04 08:30 UTC: 30m left"; got != want {
		t.Errorf("reason:\ngot  %s\nwant %s", got, want)
	}

	clock.Advance(30 * time.Minute)
	if v := gate.Evaluate(rules, facts(green...)); v.Gated() {
		t.Errorf("everything passes: %s", v.Reason())
	}

	v = gate.Evaluate(rules, facts(gate.Report{Name: "kustomization/apps-staging/91ab", State: gate.Success}, gate.Report{Name: "kustomization/apps-staging/77cd", State: gate.Pending}))
	if got, want := v.Reason(), "require-statuses: waiting on 1a2b3c4 (#12) for kustomization/apps-staging/* (pending: kustomization/apps-staging/77cd), health (no status or check run yet)"; got != want {
		t.Errorf("reason:\ngot  %s\nwant %s", got, want)
	}

	v = gate.Evaluate(rules, facts(append(green, gate.Report{Name: "kustomization/apps-staging/ee01", State: gate.Failure, URL: "https://flux.example.com/ee01"})...))
	if f := v.Failures(); len(f) != 1 || len(f[0].Failed) != 1 || !strings.Contains(f[0].Detail, "kustomization/apps-staging/ee01 (https://flux.example.com/ee01)") {
		t.Errorf("a failure: %+v", f)
	}

	clock.Set(time.Date(2026, 5, 7, 15, 0, 0, 0, time.UTC)) // Thursday 17:00 in Berlin
	v = gate.Evaluate(rules, facts(green...))
	if v.TimeOpen() || !strings.Contains(v.Reason(), "windows: outside every window (Mon-Thu 09:00-16:00 Europe/Berlin); the next opens Mon 2026-05-11 09:00 CEST, in 3d16h") {
		t.Errorf("closed window: %s", v.Reason())
	}
	if !strings.Contains(v.Reason(), "freezes: no freeze now") == strings.Contains(v.Reason(), "freezes") {
		t.Errorf("a freeze that is not on is in the reason: %s", v.Reason())
	}
	clock.Set(time.Date(2026, 5, 8, 12, 0, 0, 0, time.UTC))
	if v := gate.Evaluate(rules, facts(green...)); !strings.Contains(v.Reason(), "freezes: frozen: release weekend, 2026-05-08 00:00 UTC until 2026-05-11 00:00 UTC (freezes line 1)") {
		t.Errorf("in the freeze: %s", v.Reason())
	}

	v.Forced = "hotfix for CVE-2026-1234"
	if v.Gated() {
		t.Error("forced, yet gated")
	}
	md := gate.Markdown(gate.Evaluate(rules, facts(green...)))
	for _, want := range []string{"### Gates", "| `windows` | waiting | outside every window", "| `require-statuses` | passed | succeeded on 1a2b3c4 \\(\\#\u200d12\\)"} {
		if !strings.Contains(md, want) {
			t.Errorf("the table lacks %q:\n%s", want, md)
		}
	}
	v = gate.Evaluate(rules, facts(green...))
	v.Forced = "hotfix | <b>"
	if md := gate.Markdown(v); !strings.Contains(md, "| `freezes` | overridden (waiting) |") || !strings.Contains(md, "Forced: hotfix \\| \\<b\\>") {
		t.Errorf("forced table:\n%s", md)
	}
	if gate.Markdown(gate.Verdict{}) != "" {
		t.Error("a table without gates")
	}
}

func TestReportStates(t *testing.T) {
	for _, tc := range []struct{ status, conclusion, want string }{
		{"completed", "success", gate.Success},
		{"completed", "neutral", gate.Success},
		{"completed", "skipped", gate.Success},
		{"completed", "failure", gate.Failure},
		{"completed", "cancelled", gate.Failure},
		{"completed", "timed_out", gate.Failure},
		{"completed", "action_required", gate.Failure},
		{"in_progress", "", gate.Pending},
		{"queued", "", gate.Pending},
	} {
		if got := gate.CheckRunState(tc.status, tc.conclusion); got != tc.want {
			t.Errorf("check run %s/%s: got %s, want %s", tc.status, tc.conclusion, got, tc.want)
		}
	}
	for in, want := range map[string]string{"success": gate.Success, "failure": gate.Failure, "error": gate.Failure, "pending": gate.Pending} {
		if got := gate.StatusState(in); got != want {
			t.Errorf("status %s: got %s, want %s", in, got, want)
		}
	}
	if err := gate.CheckPatterns([]string{"kustomization/[apps"}); err == nil || !strings.Contains(err.Error(), "not a valid glob") {
		t.Errorf("bad glob: %v", err)
	}
}
