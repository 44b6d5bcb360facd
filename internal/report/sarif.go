package report

import (
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

//go:generate go run ./testdata/sarifschema

// sarifWriter writes one SARIF 2.1.0 log with one run, in the shape
// github/codeql-action/upload-sarif accepts:
// https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
type sarifWriter struct {
	collector
	w     io.Writer
	rules []finding.Rule
	opts  Options
}

const (
	toolName       = "gitops-actions"
	informationURI = "https://github.com/gitops-actions/gitops-actions"
	// srcRoot is the uriBaseId GitHub resolves against the checkout.
	srcRoot = "%SRCROOT%"
)

func (s *sarifWriter) Flush() error {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	driver := sarif.NewDriver(toolName).WithInformationURI(informationURI)
	if s.opts.ToolVersion != "" {
		driver.WithVersion(s.opts.ToolVersion)
	}
	run := sarif.NewRun(*sarif.NewTool(driver))
	// Columns come from the YAML parser, which counts characters, not the
	// UTF-16 code units SARIF assumes by default.
	run.WithColumnKind("unicodeCodePoints")
	if s.opts.sharded() {
		// Code scanning keeps the results of each category apart and
		// closes an alert when a later upload of its category lacks it:
		// each share is a category, so that one share's upload never
		// closes another's alerts. upload-sarif keeps an id the file has.
		run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID(Category(s.opts.Shard, s.opts.Shards) + "/"))
	}

	index := map[string]int{}
	addRule := func(r finding.Rule) {
		if _, ok := index[r.ID]; ok {
			return
		}
		full := r.Description
		if r.Fix != "" {
			full += " Fix: " + r.Fix
		}
		toggle := fmt.Sprintf("Turn it off with the rules input (rules: -%s), or for one object with the annotation gitops-actions.io/ignore: %s.", r.ID, r.ID)
		toggleMD := fmt.Sprintf("Turn it off with the `rules` input (`rules: -%s`), or for one object with the annotation `gitops-actions.io/ignore: %s`.", r.ID, r.ID)
		if !r.Default {
			full += " Off unless enabled with the rules input."
			toggle = fmt.Sprintf("Turn it on with the rules input (rules: +%s).", r.ID)
			toggleMD = fmt.Sprintf("Turn it on with the `rules` input (`rules: +%s`).", r.ID)
		}
		index[r.ID] = len(driver.Rules)
		// GitHub shows help on the alert page; it says how to silence the
		// rule, which is what the reader of a false positive wants.
		help := full + "\n\n" + toggle
		helpMD := full + "\n\n" + toggleMD
		driver.AddRule(sarif.NewRule(r.ID).
			WithName(r.ID).
			WithShortDescription(sarif.NewMultiformatMessageString(r.Description)).
			WithFullDescription(sarif.NewMultiformatMessageString(full)).
			WithHelp(sarif.NewMultiformatMessageString(help).WithMarkdown(helpMD)).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(r.Severity))))
	}
	for _, r := range s.rules {
		addRule(r)
	}

	workspace := s.opts.Getenv("GITHUB_WORKSPACE")
	run.Results = []*sarif.Result{} // GitHub rejects a run without "results".
	for _, f := range s.take() {
		if _, ok := index[f.Rule]; !ok {
			// A finding outside the catalogue still needs a rule for its
			// ruleIndex to point at.
			addRule(finding.Rule{ID: f.Rule, Severity: f.Severity, Description: "Findings of the rule " + f.Rule + ".", Default: true})
		}
		region := sarif.NewRegion().WithStartLine(max(f.Line, 1)) // GitHub rejects startLine 0.
		if f.Line > 0 && f.Column > 0 {
			region.WithStartColumn(f.Column)
		}
		loc := sarif.NewArtifactLocation()
		if uri, relative := sarifURI(f.File, workspace); relative {
			loc.WithUri(uri).WithUriBaseId(srcRoot)
		} else {
			loc.WithUri(uri)
		}
		result := sarif.NewRuleResult(f.Rule).
			WithRuleIndex(index[f.Rule]).
			WithLevel(sarifLevel(f.Severity)).
			WithMessage(sarif.NewTextMessage(withContext(f)))
		result.AddLocation(sarif.NewLocationWithPhysicalLocation(
			sarif.NewPhysicalLocation().WithArtifactLocation(loc).WithRegion(region)))
		run.AddResult(result)
	}
	log.AddRun(run)
	if err := log.PrettyWrite(s.w); err != nil {
		return err
	}
	_, err = io.WriteString(s.w, "\n")
	return err
}

func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Error:
		return "error"
	case finding.Warning:
		return "warning"
	}
	return "note"
}

// sarifURI turns a finding's file into a URI: relative to the repository
// root (with forward slashes, reported true) when it can be, which is what
// lets GitHub place the alert on a line; otherwise an absolute file URI.
func sarifURI(file, workspace string) (uri string, relative bool) {
	if filepath.IsAbs(file) {
		rel, err := "", error(nil)
		if workspace != "" {
			rel, err = filepath.Rel(workspace, file)
		}
		if workspace == "" || err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			u := url.URL{Scheme: "file", Path: filepath.ToSlash(file)}
			if !strings.HasPrefix(u.Path, "/") {
				u.Path = "/" + u.Path // a Windows drive: file:///C:/...
			}
			return u.String(), false
		}
		file = rel
	}
	p := path.Clean(filepath.ToSlash(file))
	p = strings.TrimPrefix(p, "./")
	u := url.URL{Path: p}
	return u.String(), true
}
