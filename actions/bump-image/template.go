package bumpimage

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"text/template"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/forge/change"
	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
)

// Default templates of the remote mode. They see templateData.
const (
	defaultBranchTemplate = "gitops-actions/bump/{{.Scope}}/{{.ImageSlug}}"
	defaultTitleTemplate  = "chore({{.Scope}}): bump {{.ImageSummary}}"
	defaultCommitTemplate = `{{.Title}}

{{range .Changes}}- {{.File}}:{{.Line}}: {{.Old}} -> {{.New}}
{{end}}`
	defaultBodyTemplate = `Bumps {{text .ImageSummary}} in {{code .Repository}} ({{range $i, $p := .Paths}}{{if $i}}, {{end}}{{code $p}}{{end}}, base {{code .Base}}).

| environment | image | old | new | where |
|---|---|---|---|---|
{{range .Rows}}| {{code .Environment}} | {{code .Image}} | {{code (short .Old)}} | {{code (short .New)}} | {{range $i, $p := .Places}}{{if $i}}<br>{{end}}{{code $p}}{{end}} |
{{end}}
{{- with .Source}}{{if .CommitURL}}
Built from {{link (code (printf "%s@%.7s" .Repository .SHA)) .CommitURL}}{{with .CompareURL}} ({{link "what changed since the last bump" .}}){{end}}.
{{- end}}{{end}}
{{- if .Source.RunURL}}
Requested by [workflow run]({{.Source.RunURL}}){{with .Source.Repository}} of {{code .}}{{end}}{{with .Source.Actor}}, started by {{text .}}{{end}}.
{{- end}}

<sub>Made by gitops-actions bump-image, which updates this pull request on the next bump. A commit you push to this branch stays: the next bump goes on top of it, or, when it would change a line your commit wrote, stops with an error instead.</sub>
`
)

// templates are the parsed template inputs.
type templates struct {
	Branch, Title, Body, CommitMessage *template.Template
}

// parseTemplates parses the template inputs (empty means the default); a
// template that does not parse is a usage error naming its input.
func parseTemplates(v cli.Values) (templates, error) {
	var t templates
	for _, x := range []struct {
		input, def string
		dst        **template.Template
	}{
		{"branch", defaultBranchTemplate, &t.Branch},
		{"title", defaultTitleTemplate, &t.Title},
		{"body", defaultBodyTemplate, &t.Body},
		{"commit-message", defaultCommitTemplate, &t.CommitMessage},
	} {
		text := v.String(x.input)
		if text == "" {
			text = x.def
		}
		tp, err := template.New(x.input).Option("missingkey=error").Funcs(markdownFuncs).Parse(text)
		if err != nil {
			return t, cli.Usagef("input %q is not a valid Go template: %v", x.input, err)
		}
		*x.dst = tp
	}
	return t, nil
}

// source is the run that asked for the bump, from the runner's GITHUB_*
// variables; every field may be empty outside Actions.
type source struct {
	Repository string // GITHUB_REPOSITORY
	SHA        string // GITHUB_SHA
	Ref        string // GITHUB_REF
	Actor      string // GITHUB_ACTOR
	Workflow   string // GITHUB_WORKFLOW
	RunID      string // GITHUB_RUN_ID
	RunURL     string // GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID
	// CommitURL is the web page of SHA in Repository; CompareURL, once
	// the previous bump from Repository is known (its Source-Commit
	// trailer, Previous), the comparison of the two.
	CommitURL, Previous, CompareURL string
}

// sourceFrom reads the source run from the environment.
func sourceFrom(getenv func(string) string) source {
	s := source{
		Repository: getenv("GITHUB_REPOSITORY"), SHA: getenv("GITHUB_SHA"), Ref: getenv("GITHUB_REF"),
		Actor: getenv("GITHUB_ACTOR"), Workflow: getenv("GITHUB_WORKFLOW"), RunID: getenv("GITHUB_RUN_ID"),
	}
	s.RunURL = cli.RunURL(getenv)
	if s.Repository != "" && s.SHA != "" {
		s.CommitURL = serverURL(getenv) + "/" + s.Repository + "/commit/" + s.SHA
	}
	return s
}

// serverURL is GITHUB_SERVER_URL, else https://github.com.
func serverURL(getenv func(string) string) string {
	if s := strings.TrimSuffix(getenv("GITHUB_SERVER_URL"), "/"); s != "" {
		return s
	}
	return "https://github.com"
}

// withPrevious records the source commit of the previous bump from the
// same repository, and the comparison of the two.
func (s source) withPrevious(prev string) source {
	if prev == "" || prev == s.SHA || s.CommitURL == "" {
		return s
	}
	s.Previous = prev
	s.CompareURL = strings.TrimSuffix(s.CommitURL, "/commit/"+s.SHA) + "/compare/" + prev + "..." + s.SHA
	return s
}

// imageData is one image of the bump, as templates see it.
type imageData struct {
	Name    string // normalised repository, e.g. ghcr.io/acme/app
	Version string // the tag, else the digest
	Ref     string // as given, e.g. ghcr.io/acme/app:v2.1.0
}

// templateData is what the branch, title, body and commit-message templates
// see.
type templateData struct {
	Repository string   // the config repository, OWNER/NAME
	Base       string   // the base branch
	BaseSHA    string   // the commit the files were read at
	Paths      []string // the path input
	// Scope is the last element of the path (of each path, joined by "+"):
	// "staging" for environments/staging.
	Scope  string
	Images []imageData // every image of the input, sorted by name
	// Charts are the charts of the input, sorted by name (Name is the
	// chart's).
	Charts  []imageData
	Changes []manifest.Change
	// Rows are the changes by environment and image, each with its
	// places: what the default body's table shows.
	Rows   []changeRow
	Files  []string // the changed files
	Title  string   // the rendered title (empty while the title renders)
	Source source
}

// ImageSlug joins the image names, then the chart names, sorted, made
// safe for a branch name: ghcr.io/acme/app becomes ghcr.io-acme-app, chart
// podinfo chart-podinfo.
func (d templateData) ImageSlug() string {
	var parts []string
	for _, im := range d.Images {
		parts = append(parts, strings.NewReplacer("/", "-", ":", "-").Replace(im.Name))
	}
	for _, c := range d.Charts {
		parts = append(parts, "chart-"+c.Name)
	}
	return strings.Join(parts, "+")
}

// ImageSummary says what is bumped, for titles: "ghcr.io/acme/app to
// v2.1.0", "a to v1, chart b to v2", or "4 images" (or "2 images and 2
// charts") past three.
func (d templateData) ImageSummary() string {
	if n := len(d.Images) + len(d.Charts); n > 3 {
		switch {
		case len(d.Charts) == 0:
			return fmt.Sprintf("%d images", n)
		case len(d.Images) == 0:
			return fmt.Sprintf("%d charts", n)
		}
		return fmt.Sprintf("%d images and %d charts", len(d.Images), len(d.Charts))
	}
	var parts []string
	for _, im := range d.Images {
		parts = append(parts, im.Name+" to "+im.Version)
	}
	for _, c := range d.Charts {
		parts = append(parts, "chart "+c.Name+" to "+c.Version)
	}
	return strings.Join(parts, ", ")
}

// newTemplateData builds the data of one run.
func newTemplateData(repo, base, baseSHA string, paths []string, images []imageref.Image, charts []chartref.Chart, src source) templateData {
	d := templateData{Repository: repo, Base: base, BaseSHA: baseSHA, Paths: paths, Source: src}
	var scopes []string
	for _, p := range paths {
		s := path.Base(path.Clean(p))
		if s == "." || s == "/" {
			_, s, _ = strings.Cut(repo, "/")
		}
		scopes = append(scopes, s)
	}
	d.Scope = strings.Join(scopes, "+")
	for _, im := range images {
		d.Images = append(d.Images, imageData{Name: im.Repository, Version: im.Short(), Ref: im.Text})
	}
	sort.Slice(d.Images, func(i, j int) bool { return d.Images[i].Name < d.Images[j].Name })
	for _, c := range charts {
		d.Charts = append(d.Charts, imageData{Name: c.Name, Version: c.Version, Ref: c.Text})
	}
	sort.Slice(d.Charts, func(i, j int) bool { return d.Charts[i].Name < d.Charts[j].Name })
	return d
}

// withResult adds the engine's result to the data.
func (d templateData) withResult(baseSHA string, res *manifest.Result) templateData {
	d.BaseSHA = baseSHA
	d.Changes = res.Changes
	d.Rows = rows(res.Changes)
	d.Files = nil
	for _, f := range res.Files {
		d.Files = append(d.Files, f.Path)
	}
	return d
}

// render executes a template; a failure is a usage error naming the input.
func render(t *template.Template, d templateData) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", cli.Usagef("input %q: %v", t.Name(), err)
	}
	return b.String(), nil
}

// botTrailer marks the commits bump-image makes as the tool's: only a
// branch whose commits all carry the tool's mark is ever moved (see
// change.IsToolCommit).
const botTrailer = "Bumped-By: " + change.Tool

// commitMessage renders the commit-message template and appends the
// provenance trailers and botTrailer (change.WithTrailers), which a custom
// template cannot drop.
func commitMessage(t *template.Template, d templateData) (string, error) {
	msg, err := render(t, d)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(msg) == "" {
		msg = "Bump images"
	}
	p := change.Provenance{Repository: d.Source.Repository, Commit: d.Source.SHA, RunURL: d.Source.RunURL}
	return change.WithTrailers(msg, p, "Bumped-By"), nil
}

// isBotCommit reports whether a commit message carries the tool's mark in
// its last paragraph, where git keeps trailers.
func isBotCommit(message string) bool { return change.IsToolCommit(message) }

// checkBranchName rejects what git does not take as a branch name
// (git check-ref-format).
func checkBranchName(b string) error {
	if !forge.ValidBranchName(b) {
		return cli.Usagef("input \"branch\": %q is not a valid branch name", b)
	}
	return nil
}
