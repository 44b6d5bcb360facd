package gate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/gate"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

// hostileGate is text a reporter, a freeze file or a workflow may write
// into a gate's detail: links, mentions, references, bare URLs, markup,
// HTML and a pipe that would split the table's cell.
const hostileGate = `see [docs](https://evil.example) @acme/oncall **now** #12 GH-7 acme/config#3 https://evil.example/x www.evil.example <img src=x onerror=alert(1)> a|b`

// hostileContext is a status context a glob of require-statuses matches
// (no slash after its first: * does not cross one).
const hostileContext = `kustomization/[docs](https:evil.example) @acme **now** #12 GH-7 www.evil.example <img src=x onerror=alert(1)> a|b`

// TestMarkdownRendersInert renders the gate table as GitHub renders a job
// summary, for every state a gate can show, with status contexts, a
// reporter's URL, a freeze's reason, a window's rule and the force reason
// all hostile: the table keeps its columns, nothing in it is live (no
// link, mention, reference or bare URL), and the text is there to read.
func TestMarkdownRendersInert(t *testing.T) {
	now := time.Date(2026, 5, 8, 12, 0, 0, 0, time.UTC) // a Friday
	freezes, err := gate.ParseFreezes([]string{"2026-05-08..2026-05-10 " + hostileGate})
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := gate.ParseFreezeFile(".gitops-actions/freezes.yaml", []byte("freezes:\n  - start: 2026-05-01\n    end: 2026-05-31\n    reason: \""+strings.ReplaceAll(hostileGate, `"`, `\"`)+"\"\n    environments: [production]\n"))
	if err != nil {
		t.Fatal(err)
	}
	// A window's rule as written; the parser bounds what a rule may say,
	// the table must not rely on it.
	closed := gate.Window{Days: [7]bool{time.Monday: true}, Start: 9 * 60, End: 16 * 60, Zone: time.UTC, Rule: "Mon 09:00-16:00 UTC " + hostileGate}
	landing := &gate.Landing{SHA: "1a2b3c4d5e6f", At: now.Add(-time.Hour), Pull: 12}
	rules := gate.Rules{
		Statuses: []string{"kustomization/*", "@acme/oncall #12 https://evil.example/pattern"},
		MinSoak:  2 * time.Hour,
		Windows:  []gate.Window{closed},
		Freezes:  append(freezes, fromFile...),
	}
	for _, tc := range []struct {
		name    string
		reports []gate.Report
		forced  string
	}{
		{name: "failed", reports: []gate.Report{
			{Name: hostileContext, State: gate.Failure, URL: "https://evil.example/details?a=1|2"},
			{Name: "@acme/oncall #12 https://evil.example/pattern", State: gate.Failure, URL: "javascript:alert(1)"},
		}},
		{name: "waiting", reports: []gate.Report{{Name: hostileContext, State: gate.Pending}}},
		{name: "passed", reports: []gate.Report{
			{Name: hostileContext, State: gate.Success},
			{Name: "@acme/oncall #12 https://evil.example/pattern", State: gate.Success},
		}},
		{name: "forced", reports: []gate.Report{{Name: "kustomization/x", State: gate.Pending}}, forced: hostileGate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := gate.Evaluate(rules, gate.Facts{Now: now, Source: "environments/staging", Target: []string{"environments/production", "production"}, Landing: landing, Reports: tc.reports})
			v.Forced = tc.forced
			md := gate.Markdown(v)
			page := mdtexttest.Render(t, md)
			mdtexttest.CheckInert(t, page)
			mdtexttest.CheckTables(t, page)
			tables := mdtexttest.Tables(page)
			if len(tables) != 1 || len(tables[0].Rows) != 4 {
				t.Fatalf("tables %q, want one of four gates:\n%s", tables, md)
			}
			text := strings.ReplaceAll(mdtexttest.Text(page), "\u200d", "")
			for _, want := range []string{"@acme/oncall **now** #12", "https://evil.example/x", "<img src=x onerror=alert(1)> a|b"} {
				if !strings.Contains(text, want) {
					t.Errorf("the page does not show %q as text:\n%s", want, text)
				}
			}
			if (tc.name == "failed" || tc.name == "waiting") && !strings.Contains(text, hostileContext) {
				t.Errorf("the page does not show the status context %q as text:\n%s", hostileContext, text)
			}
			if tc.name == "failed" && !strings.Contains(text, "(https://evil.example/details?a=1|2)") {
				t.Errorf("the failed status's URL is not shown as text:\n%s", text)
			}
			if tc.forced != "" && !strings.Contains(text, "Forced: "+hostileGate) {
				t.Errorf("the force reason is not shown as text:\n%s", text)
			}
		})
	}
}
