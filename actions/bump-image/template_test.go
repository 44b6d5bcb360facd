package bumpimage

import (
	"strings"
	"testing"
	"text/template"
)

func TestIsBotCommit(t *testing.T) {
	tests := []struct {
		name    string
		message string
		want    bool
	}{
		{name: "the tool's", message: "chore: bump\n\nSource-Repository: acme/app\nBumped-By: gitops-actions\n", want: true},
		{name: "trailer only", message: "bump\n\nBumped-By: gitops-actions", want: true},
		{name: "CRLF", message: "bump\r\n\r\nBumped-By: gitops-actions\r\n", want: true},
		{name: "a person's", message: "Use the hotfix build\n", want: false},
		{name: "trailer quoted in the body, not in the last paragraph", message: "revert\n\nBumped-By: gitops-actions\n\nSigned-off-by: Alice <a@example.com>\n", want: false},
		{name: "another tool", message: "bump\n\nBumped-By: renovate\n", want: false},
		{name: "empty", message: "", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isBotCommit(tc.message); got != tc.want {
				t.Errorf("IsBotCommit(%q) = %t, want %t", tc.message, got, tc.want)
			}
		})
	}
}

func TestCommitMessageAlwaysEndsWithTrailers(t *testing.T) {
	tests := []struct {
		name, template string
		source         source
		want           string
	}{
		{
			name: "full provenance", template: "chore: bump\n\n- a\n\n\n",
			source: source{Repository: "acme/app", SHA: "abc", RunURL: "https://github.com/acme/app/actions/runs/1"},
			want:   "chore: bump\n\n- a\n\nSource-Repository: acme/app\nSource-Commit: abc\nWorkflow-Run: https://github.com/acme/app/actions/runs/1\nBumped-By: gitops-actions\n",
		},
		{name: "outside Actions", template: "bump", want: "bump\n\nBumped-By: gitops-actions\n"},
		{name: "a template that renders nothing", template: "{{if false}}x{{end}}", want: "Bump images\n\nBumped-By: gitops-actions\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp := template.Must(template.New("commit-message").Parse(tc.template))
			got, err := commitMessage(tp, templateData{Source: tc.source})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			if !isBotCommit(got) {
				t.Errorf("the tool does not recognise its own message:\n%s", got)
			}
		})
	}
}

func TestImageSlugAndSummary(t *testing.T) {
	d := templateData{Images: []imageData{{Name: "ghcr.io/acme/app", Version: "v2.1.0"}, {Name: "registry:5000/acme/worker", Version: "1.1.0"}}}
	if got, want := d.ImageSlug(), "ghcr.io-acme-app+registry-5000-acme-worker"; got != want {
		t.Errorf("ImageSlug = %q, want %q", got, want)
	}
	if got, want := d.ImageSummary(), "ghcr.io/acme/app to v2.1.0, registry:5000/acme/worker to 1.1.0"; got != want {
		t.Errorf("ImageSummary = %q, want %q", got, want)
	}
	d.Images = append(d.Images, d.Images...)
	if got := d.ImageSummary(); !strings.HasPrefix(got, "4 images") {
		t.Errorf("ImageSummary of four = %q", got)
	}
}

func TestSourceFrom(t *testing.T) {
	env := map[string]string{"GITHUB_REPOSITORY": "acme/app", "GITHUB_RUN_ID": "7", "GITHUB_SERVER_URL": "https://ghe.example.com/", "GITHUB_SHA": "abc"}
	s := sourceFrom(func(k string) string { return env[k] })
	if s.RunURL != "https://ghe.example.com/acme/app/actions/runs/7" || s.SHA != "abc" {
		t.Errorf("SourceFrom = %+v", s)
	}
	if s := sourceFrom(func(string) string { return "" }); s.RunURL != "" {
		t.Errorf("a run URL outside Actions: %q", s.RunURL)
	}
}
