package release

import (
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

func TestTagMessage(t *testing.T) {
	merged := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p := &Pull{Number: 12, Title: "Bump app\r\nto v2.1.0", URL: "https://github.com/acme/config/pull/12", Author: "ann", Labels: []string{"release:minor", "app"}, MergedAt: merged}
	changes := []ImageChange{{Environment: "staging", File: "environments/staging/app.yaml", Line: 8, Image: "ghcr.io/acme/app", Old: "v2.0.0", New: "v2.1.0"}}
	got := tagMessage(Merge{SHA: "abc123", Pull: p, Time: merged}, &Commit{}, []string{"bob", "carol"}, changes)
	want := `Bump app to v2.1.0 (#12)

Pull-Request: #12 Bump app to v2.1.0
URL: https://github.com/acme/config/pull/12
Author: ann
Approved-By: bob, carol
Labels: release:minor, app
Merged-At: 2026-05-01T12:00:00Z
Merge-Commit: abc123

Images:
- staging: ghcr.io/acme/app v2.0.0 -> v2.1.0 (environments/staging/app.yaml:8)
`
	if got != want {
		t.Errorf("message:\n%s\nwant\n%s", got, want)
	}
	c := &Commit{Message: "hotfix: pin nginx\n\nby hand", Author: "dave", CommittedAt: merged}
	got = tagMessage(Merge{SHA: "def456", Time: merged}, c, nil, nil)
	want = "hotfix: pin nginx\n\nCommit: def456\nAuthor: dave\nCommitted-At: 2026-05-01T12:00:00Z\nPull-Request: none\n"
	if got != want {
		t.Errorf("message without a pull request:\n%s\nwant\n%s", got, want)
	}
}

const digest = "sha256:abababababababababababababababababababababababababababababababab"

func TestReleaseNotes(t *testing.T) {
	merged := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	hostile := "Fix `x` | <img src=x> [link](http://evil)\n::error::forged for @acme/oncall, see #1"
	r := &Result{
		SHA: "0123456789abcdef0123456789abcdef01234567", Tag: "v20260501120000", Previous: "v20260430090000",
		Pull:      &Pull{Number: 7, Title: hostile, URL: "https://github.com/acme/config/pull/7", Author: "ann", Labels: []string{"a|b"}, MergedAt: merged},
		Approvers: []string{"bob"},
		Changes: []ImageChange{
			{Environment: "production", File: "environments/production/app.yaml", Line: 9, Image: "ghcr.io/acme/app", Old: "v1", New: "v2"},
			{Environment: "production", File: "environments/production/db.yaml", Line: 3, Image: "ghcr.io/acme/db", Old: "1.0.0@" + digest, New: "1.1.0@" + digest},
			{Environment: "production", File: "environments/production/kustomization.yaml", Line: 4, Image: "ghcr.io/acme/app", Old: "v1", New: "v2"},
			{Environment: "main", File: "odd`name|.yaml", Line: 1, Image: "nginx", New: "1.25"},
		},
	}
	got := releaseNotes(r, &Commit{}, Options{RepoURL: "https://github.com/acme/config"})
	for _, want := range []string{
		"## Fix \\`x\\` \\| \\<img src=x\\> \\[link\\]\\(http:\u200d//evil\\) ::error::forged for @\u200dacme/oncall, see \\#\u200d1 ([#7](https://github.com/acme/config/pull/7))\n",
		"- **Pull request:** [#7](https://github.com/acme/config/pull/7) by @ann\n",
		"- **Approved by:** @bob\n",
		"- **Labels:** `a\\|b`\n",
		"- **Merged:** 2026-05-01 12:00:00 UTC\n",
		"- **Commit:** [`0123456`](https://github.com/acme/config/commit/0123456789abcdef0123456789abcdef01234567)\n",
		"| `production` | `ghcr.io/acme/app` | `v1` | `v2` | `environments/production/app.yaml:9`<br>`environments/production/kustomization.yaml:4` |\n",
		"| `production` | `ghcr.io/acme/db` | `1.0.0@sha256:abababababab…` | `1.1.0@sha256:abababababab…` | `environments/production/db.yaml:3` |\n",
		"| `main` | `nginx` | `(none)` | `1.25` | ``odd`name\\|.yaml:1`` |\n",
		"**Full changelog:** [v20260430090000...v20260501120000](https://github.com/acme/config/compare/v20260430090000...v20260501120000)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("notes lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\n::error") {
		t.Errorf("a title's line break reached the notes:\n%s", got)
	}
	page := mdtexttest.Render(t, got)
	mdtexttest.CheckTables(t, page)
	live := mdtexttest.Inspect(page)
	for _, l := range live.Links {
		if !strings.HasPrefix(l, "https://github.com/acme/config/") {
			t.Errorf("a live link to %q", l)
		}
	}
	// The author and the approvers are mentioned on purpose; nothing
	// from a title is.
	if m := strings.Join(live.Mentions, " "); m != "@ann @bob" || len(live.References)+len(live.URLs) > 0 {
		t.Errorf("mentions %q, references %q, URLs %q: want the author and approver only", live.Mentions, live.References, live.URLs)
	}
	r.Changes, r.Previous, r.Approvers = nil, "", nil
	got = releaseNotes(r, &Commit{}, Options{})
	for _, want := range []string{"- **Approved by:** none\n", "No image reference changed.\n", "- **Commit:** `0123456789abcdef0123456789abcdef01234567`\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("notes lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Full changelog") {
		t.Errorf("a changelog link without a previous tag:\n%s", got)
	}
}
