package promotion

import (
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
	"github.com/gitops-actions/gitops-actions/internal/resourcediff"
)

const digest = "sha256:abababababababababababababababababababababababababababababababab"

// TestTextRendered renders a promotion's body whose versions are 64-hex
// digests and whose titles and reasons come from a hostile repository,
// as GitHub would: every table keeps its columns, and nothing is live but
// the tool's own links.
func TestTextRendered(t *testing.T) {
	hostile := "see [docs](https://evil.example) @acme/oncall **now** #12 _x_"
	res := &Result{
		From: "environments/staging", To: "environments/production",
		Promoted: []Promotion{{
			Image: "ghcr.io/acme/app", FromVersion: "2.9.0@" + digest, ToVersion: "3.0.0@" + digest,
			Origin: &Origin{Pull: &PullRef{Number: 7, Title: hostile, URL: "https://github.com/acme/config/pull/7"}, SourceRepository: "acme/app", SourceCommit: "0123456789abcdef0123456789abcdef01234567", RunURL: "https://github.com/acme/app/actions/runs/9"},
		}},
		Held:     []manifest.Hold{{File: "environments/production/@acme.yaml", Line: 3, Image: "ghcr.io/acme/db", Version: "1.0.0@" + digest, Reason: hostile}},
		Skipped:  []Skipped{{Image: "ghcr.io/acme/x", Version: digest, Reason: hostile}},
		Warnings: []string{hostile},
		Drift: Drift{
			From: "environments/staging", To: "environments/production",
			Resources: resourcediff.Diff{Changed: []resourcediff.Changed{{
				A:      resourcediff.ID{Kind: "Secret", Name: "db"},
				Fields: []resourcediff.Field{{Path: "stringData.password", Hidden: true}, {Path: "stringData.token", Hidden: true, AbsentB: true}},
			}}},
			OnlyInTo: []Reference{{Image: "ghcr.io/acme/debug", Version: "0.1.0@" + digest, Location: Location{File: "environments/production/a.yaml", Line: 4}}},
		},
	}
	text := PromotionText(res, Images, "https://github.com/acme/config/actions/runs/1")
	page := mdtexttest.Render(t, text.Body)
	mdtexttest.CheckTables(t, page)
	mdtexttest.CheckInert(t, page, "https://github.com/acme/config/", "https://github.com/acme/app/")
	if strings.Contains(text.Title, "abababababababab") {
		t.Errorf("the title holds the whole digest: %q", text.Title)
	}
	var secretRows [][]string
	for _, tb := range mdtexttest.Tables(page) {
		for _, r := range tb.Rows {
			if r[0] == "Secret/db" {
				secretRows = append(secretRows, r)
			}
		}
	}
	if len(secretRows) != 2 || secretRows[0][2] != "hidden" || secretRows[0][3] != "hidden" || secretRows[1][2] != "hidden" || secretRows[1][3] != "(absent)" {
		t.Errorf("the Secret's rows: %q, want hidden in both columns (absent where absent)", secretRows)
	}
	if !strings.Contains(text.Body, "[`acme/app@0123456`](https://github.com/acme/app/commit/0123456789abcdef0123456789abcdef01234567)") {
		t.Errorf("the source commit is not linked to the app's commit:\n%s", text.Body)
	}
	if !strings.Contains(text.Message, digest) {
		t.Errorf("the commit message lost the full digest:\n%s", text.Message)
	}
}

// TestDriftBrokenOnce: an environment that does not build is said once.
func TestDriftBrokenOnce(t *testing.T) {
	err := `rendering "environments/production": kustomize build failed: missing.yaml`
	md := DriftMarkdown(Drift{From: "environments/staging", To: "environments/production", Errors: []string{err, err}})
	if n := strings.Count(md, "kustomize build failed"); n != 1 {
		t.Errorf("the build error is said %d times:\n%s", n, md)
	}
}

// TestRollbackTextLinksThePull: the change a revert undoes links to the
// pull request that made it.
func TestRollbackTextLinksThePull(t *testing.T) {
	rb := &Rollback{Files: []File{{Path: "environments/production/app.yaml"}}}
	text := RollbackText(rb, `revert v1 (#2 "Promote @acme")`, &Undone{Name: "v1", Pull: &PullRef{Number: 2, Title: "Promote @acme", URL: "https://github.com/acme/config/pull/2"}}, "environments/production", "main", "")
	page := mdtexttest.Render(t, text.Body)
	mdtexttest.CheckInert(t, page, "https://github.com/acme/config/pull/2")
	if l := mdtexttest.Inspect(page).Links; len(l) != 1 {
		t.Errorf("links %q, want the pull request's", l)
	}
}

// TestBranchAndFilesTextRendered renders a branch promotion and a files
// promotion whose subjects, reasons and names come from a hostile
// repository: nothing live, tables in their columns.
func TestBranchAndFilesTextRendered(t *testing.T) {
	hostile := "fix [it](https://evil.example) for @acme/oncall, see #12 | `x`"
	br := &Branches{
		From: "develop", To: "main",
		Ahead:    []Commit{{SHA: "0123456789", Subject: hostile}},
		Behind:   []Commit{{SHA: "abcdef0123", Subject: hostile}},
		Promoted: []Promotion{{Image: "ghcr.io/acme/app", FromVersion: "1.0.0@" + digest, ToVersion: "2.0.0@" + digest, Origin: &Origin{Commit: "0123456789", Subject: hostile}}},
		Held:     []manifest.Hold{{File: "a|b.yaml", Line: 1, Reason: hostile}},
		Warnings: []string{hostile},
	}
	files := &Result{
		From: "environments/staging", To: "environments/production",
		Files: []File{{Path: "environments/production/@acme #1.yaml"}, {Path: "environments/production/x`|y.yaml", Delete: true}},
		Held:  []manifest.Hold{{File: "environments/production/h.yaml", Line: 2, Reason: hostile}},
	}
	for name, body := range map[string]string{
		"branch": BranchText(br, "https://github.com/acme/config/actions/runs/1").Body,
		"files":  PromotionText(files, Files, "").Body,
	} {
		t.Run(name, func(t *testing.T) {
			page := mdtexttest.Render(t, body)
			mdtexttest.CheckInert(t, page, "https://github.com/acme/config/actions/runs/1")
			mdtexttest.CheckTables(t, page)
		})
	}
}
