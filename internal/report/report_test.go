package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// catalogue is a small rule catalogue, one rule per severity and one off
// by default.
var catalogue = []finding.Rule{
	{ID: "image-tag-latest", Severity: finding.Error, Description: "An image uses :latest or no tag.", Fix: "Pin a version tag or a digest.", Default: true},
	{ID: "image-digest-required", Severity: finding.Error, Description: "An image is not pinned by digest.", Default: false},
	{ID: "resources-missing", Severity: finding.Warning, Description: "A container has no CPU or memory requests and limits.", Default: true},
	{ID: "environment-drift", Severity: finding.Notice, Description: "Environments differ in resources or images.", Default: true},
}

// sample is the same set of findings every format is tested over, given
// out of order: writers sort. It holds every severity, a rule outside the
// catalogue (yaml-syntax), unknown lines and columns, characters that
// need escaping in annotations, XML and Markdown, and two environments.
var sample = []finding.Finding{
	{File: "environments/staging/app.yaml", Line: 12, Column: 16, Severity: finding.Error, Rule: "image-tag-latest", Message: `image "nginx:latest" uses the latest tag`, Resource: "Deployment/web/frontend", Environment: "environments/staging"},
	{File: "base/deploy.yaml", Line: 20, Column: 9, Severity: finding.Warning, Rule: "resources-missing", Message: `container "app" has no memory limit`, Resource: "Deployment/web/frontend", Environment: "environments/production"},
	{File: "base/deploy.yaml", Line: 20, Column: 9, Severity: finding.Warning, Rule: "resources-missing", Message: `container "app" has no memory limit`, Resource: "Deployment/web/frontend", Environment: "environments/staging"},
	{File: "broken.yaml", Line: 3, Column: 1, Severity: finding.Error, Rule: "yaml-syntax", Message: "did not find expected key\n100% sure: <a, b> & \"c\"\r\nsee | here"},
	{File: "dir,with:odd%name/app.yaml", Line: 4, Severity: finding.Error, Rule: "image-tag-latest", Message: "image has no tag, so: latest", Resource: "Pod/p"},
	{File: "environments", Severity: finding.Notice, Rule: "environment-drift", Message: `"environments/production" has Deployment/web/cache, "environments/staging" does not`},
	{File: "environments/production/app.yaml", Line: 7, Column: 3, Severity: finding.Error, Rule: "image-digest-required", Message: `image "ghcr.io/acme/api:1.2.3" is not pinned by digest`, Environment: "environments/production"},
}

var sampleOpts = Options{
	ToolVersion:  "1.2.3",
	Environments: []string{"environments/staging", "environments/production"},
	Getenv:       func(string) string { return "" },
}

// render runs one writer over findings.
func render(t *testing.T, format string, fs []finding.Finding, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := New(format, &buf, catalogue, opts)
	if err != nil {
		t.Fatalf("New(%q): %v", format, err)
	}
	for _, f := range fs {
		w.Write(f)
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("%s Flush: %v", format, err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update to accept)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func reversed(fs []finding.Finding) []finding.Finding {
	out := make([]finding.Finding, len(fs))
	for i, f := range fs {
		out[len(fs)-1-i] = f
	}
	return out
}

func TestFormatsGolden(t *testing.T) {
	tests := []struct {
		format string
		golden string
	}{
		{format: "text", golden: "sample.txt"},
		{format: "github", golden: "sample.github"},
		{format: "sarif", golden: "sample.sarif"},
		{format: "junit", golden: "sample.junit.xml"},
		{format: "json", golden: "sample.json"},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			got := render(t, tc.format, sample, sampleOpts)
			golden(t, tc.golden, got)
			// Output does not depend on the order findings arrived in.
			if again := render(t, tc.format, reversed(sample), sampleOpts); !bytes.Equal(got, again) {
				t.Errorf("output depends on the order of Write calls:\n%s\nvs\n%s", got, again)
			}
		})
	}
}

func TestFormatsEmpty(t *testing.T) {
	tests := []struct {
		format string
		golden string
	}{
		{format: "text", golden: "empty.txt"},
		{format: "github", golden: "empty.github"},
		{format: "sarif", golden: "empty.sarif"},
		{format: "junit", golden: "empty.junit.xml"},
		{format: "json", golden: "empty.json"},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			golden(t, tc.golden, render(t, tc.format, nil, sampleOpts))
		})
	}
}

func TestFormatsListsEveryFormat(t *testing.T) {
	for _, format := range Formats {
		if _, err := New(format, &bytes.Buffer{}, nil, Options{}); err != nil {
			t.Errorf("New(%q): %v", format, err)
		}
	}
}

func TestNewUnknownFormat(t *testing.T) {
	_, err := New("xml", &bytes.Buffer{}, nil, Options{})
	if err == nil {
		t.Fatal("New(\"xml\") returned no error")
	}
	got, want := err.Error(), `unknown format "xml" (use text, github, sarif, junit, json)`
	if got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestText(t *testing.T) {
	got := string(render(t, "text", []finding.Finding{
		{File: "b.yaml", Line: 2, Column: 1, Severity: finding.Warning, Rule: "r", Message: "m"},
		{File: "a.yaml", Line: 10, Column: 3, Severity: finding.Error, Rule: "r", Message: "m"},
		{File: "a.yaml", Line: 9, Severity: finding.Notice, Rule: "r", Message: "m"},
	}, Options{}))
	want := "a.yaml:9: notice: m [r]\na.yaml:10:3: error: m [r]\nb.yaml:2:1: warning: m [r]\n"
	if got != want {
		t.Errorf("text output:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestAnnotation(t *testing.T) {
	tests := []struct {
		name string
		in   finding.Finding
		want string
	}{
		{
			name: "error with position",
			in:   finding.Finding{File: "a.yaml", Line: 3, Column: 5, Severity: finding.Error, Rule: "image-tag-latest", Message: "uses latest"},
			want: "::error file=a.yaml,line=3,col=5,title=image-tag-latest::uses latest",
		},
		{
			name: "warning without column",
			in:   finding.Finding{File: "a.yaml", Line: 3, Severity: finding.Warning, Rule: "r", Message: "m"},
			want: "::warning file=a.yaml,line=3,title=r::m",
		},
		{
			name: "notice without line or column",
			in:   finding.Finding{File: "environments", Severity: finding.Notice, Rule: "environment-drift", Message: "m"},
			want: "::notice file=environments,title=environment-drift::m",
		},
		{
			name: "column without line is left out",
			in:   finding.Finding{File: "a.yaml", Column: 4, Severity: finding.Error, Rule: "r", Message: "m"},
			want: "::error file=a.yaml,title=r::m",
		},
		{
			name: "message escapes percent, CR and LF but not colon or comma",
			in:   finding.Finding{File: "a.yaml", Line: 1, Severity: finding.Error, Rule: "r", Message: "100% done\r\nnext: a, b"},
			want: "::error file=a.yaml,line=1,title=r::100%25 done%0D%0Anext: a, b",
		},
		{
			name: "file escapes percent, CR, LF, colon and comma",
			in:   finding.Finding{File: "d,x:y%z\r\n.yaml", Line: 1, Severity: finding.Error, Rule: "r", Message: "m"},
			want: "::error file=d%2Cx%3Ay%25z%0D%0A.yaml,line=1,title=r::m",
		},
		{
			name: "title escapes percent, CR, LF, colon and comma",
			in:   finding.Finding{File: "a.yaml", Severity: finding.Error, Rule: "a:b,c%d\re\nf", Message: "m"},
			want: "::error file=a.yaml,title=a%3Ab%2Cc%25d%0De%0Af::m",
		},
		{
			name: "an escape sequence in the input is escaped, not kept",
			in:   finding.Finding{File: "%3A.yaml", Severity: finding.Error, Rule: "r", Message: "%0A"},
			want: "::error file=%253A.yaml,title=r::%250A",
		},
		{
			name: "no file",
			in:   finding.Finding{Severity: finding.Error, Rule: "r", Message: "m"},
			want: "::error title=r::m",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := annotation(tc.in)
			if got != tc.want {
				t.Errorf("annotation:\ngot  %s\nwant %s", got, tc.want)
			}
			if strings.ContainsAny(got, "\r\n") {
				t.Errorf("annotation spans lines: %q", got)
			}
		})
	}
}

// TestAnnotationRoundTrip reads each annotation the way the runner does
// (actions/runner ActionCommand.cs, ported in runnertest): one command, with
// the finding's file, line, title and message back, whatever they hold.
func TestAnnotationRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name          string
		file, message string
		// shown is the message as the runner shows it, when not message:
		// Escape breaks a leading "::" even inside a command's data.
		shown string
	}{
		{name: "plain", file: "a.yaml", message: "plain"},
		{name: "percent", file: "100%.yaml", message: "100%"},
		{name: "CR LF", file: "a\r\nb.yaml", message: "a\r\nb"},
		{name: "colon comma", file: "a:b,c.yaml", message: "a:b,c"},
		{name: "escape-like", file: "%3A%2C%0A%25", message: "%3A%2C%0A%25"},
		{name: "a command after a line break", file: "x\n::error file=y::owned", message: "v1\n::error file=x::owned\n::add-mask::z"},
		{name: "a command at the start", file: "::warning::x", message: "::warning::x", shown: "%3A:warning::x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := annotation(finding.Finding{File: tc.file, Line: 4, Column: 2, Severity: finding.Warning, Rule: "some-rule", Message: tc.message})
			cs := runnertest.Commands(line + "\n")
			if len(cs) != 1 || cs[0].Name != "warning" {
				t.Fatalf("%q is read as %+v, want one warning", line, cs)
			}
			props := cs[0].Props()
			want := map[string]string{"file": tc.file, "line": "4", "col": "2", "title": "some-rule"}
			if !reflect.DeepEqual(props, want) {
				t.Errorf("properties %q, want %q", props, want)
			}
			shown := tc.message
			if tc.shown != "" {
				shown = tc.shown
			}
			if got := runnertest.DecodeData(cs[0].Data); got != shown {
				t.Errorf("message %q, want %q", got, shown)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	var got struct {
		Findings []map[string]any `json:"findings"`
		Summary  map[string]int   `json:"summary"`
	}
	if err := json.Unmarshal(render(t, "json", sample, sampleOpts), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != len(sample) {
		t.Errorf("findings = %d, want %d", len(got.Findings), len(sample))
	}
	want := map[string]int{"errors": 4, "warnings": 2, "notices": 1}
	for k, n := range want {
		if got.Summary[k] != n {
			t.Errorf("summary[%q] = %d, want %d", k, got.Summary[k], n)
		}
	}
	for _, f := range got.Findings {
		if s, _ := f["severity"].(string); s != "error" && s != "warning" && s != "notice" {
			t.Errorf("finding %v: severity %v is not a severity name", f, f["severity"])
		}
	}
}

// sarifSchema compiles the SARIF 2.1.0 schema committed next to the tests
// (see testdata/sarifschema for where it comes from).
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	const id = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri and uri-reference formats are checked too
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sarifLog is the part of a SARIF log the tests check beyond the schema:
// what GitHub's code scanning needs.
type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID                   string `json:"id"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					FullDescription struct {
						Text string `json:"text"`
					} `json:"fullDescription"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIF(t *testing.T) {
	schema := sarifSchema(t)
	tests := []struct {
		name     string
		findings []finding.Finding
		opts     Options
	}{
		{name: "sample", findings: sample, opts: sampleOpts},
		{name: "empty", findings: nil, opts: Options{}},
		{
			name: "absolute paths in and out of the workspace",
			findings: []finding.Finding{
				{File: "/home/runner/work/repo/repo/apps/a b.yaml", Line: 2, Column: 1, Severity: finding.Error, Rule: "image-tag-latest", Message: "m"},
				{File: "/etc/outside.yaml", Severity: finding.Warning, Rule: "resources-missing", Message: "m"},
			},
			opts: Options{Getenv: func(k string) string {
				if k == "GITHUB_WORKSPACE" {
					return "/home/runner/work/repo/repo"
				}
				return ""
			}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, "sarif", tc.findings, tc.opts)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("SARIF does not match the 2.1.0 schema: %v\n%s", err, out)
			}
			var log sarifLog
			if err := json.Unmarshal(out, &log); err != nil {
				t.Fatal(err)
			}
			if got, want := log.Version, "2.1.0"; got != want {
				t.Errorf("version = %q, want %q", got, want)
			}
			if got, want := len(log.Runs), 1; got != want {
				t.Fatalf("runs = %d, want %d", got, want)
			}
			run := log.Runs[0]
			if got, want := run.Tool.Driver.Name, "gitops-actions"; got != want {
				t.Errorf("driver name = %q, want %q", got, want)
			}
			if got, want := run.Tool.Driver.Version, tc.opts.ToolVersion; got != want {
				t.Errorf("driver version = %q, want %q", got, want)
			}
			if got, want := len(run.Results), len(tc.findings); got != want {
				t.Errorf("results = %d, want %d", got, want)
			}
			rules := run.Tool.Driver.Rules
			for i, r := range run.Results {
				if r.RuleIndex < 0 || r.RuleIndex >= len(rules) || rules[r.RuleIndex].ID != r.RuleID {
					t.Errorf("result %d: ruleIndex %d does not point at rule %q", i, r.RuleIndex, r.RuleID)
				}
				if r.Level != "error" && r.Level != "warning" && r.Level != "note" {
					t.Errorf("result %d: level %q", i, r.Level)
				}
				for _, l := range r.Locations {
					p := l.PhysicalLocation
					if p.Region.StartLine < 1 {
						t.Errorf("result %d: startLine %d; GitHub rejects lines below 1", i, p.Region.StartLine)
					}
					if strings.Contains(p.ArtifactLocation.URI, `\`) {
						t.Errorf("result %d: uri %q has a backslash", i, p.ArtifactLocation.URI)
					}
					relative := !strings.HasPrefix(p.ArtifactLocation.URI, "file:")
					if relative && (p.ArtifactLocation.URIBaseID != "%SRCROOT%" || strings.HasPrefix(p.ArtifactLocation.URI, "/")) {
						t.Errorf("result %d: relative uri %q with base %q", i, p.ArtifactLocation.URI, p.ArtifactLocation.URIBaseID)
					}
				}
			}
			for _, r := range catalogue {
				found := false
				for _, d := range rules {
					found = found || d.ID == r.ID
					// The alert page says how to fix what the rule reports.
					if d.ID == r.ID && r.Fix != "" && !strings.Contains(d.FullDescription.Text, "Fix: "+r.Fix) {
						t.Errorf("rule %q: fullDescription %q lacks its fix", r.ID, d.FullDescription.Text)
					}
				}
				if !found {
					t.Errorf("rule %q of the catalogue is not in the driver's rules", r.ID)
				}
			}
		})
	}
}

func TestSARIFURI(t *testing.T) {
	tests := []struct {
		name         string
		file         string
		workspace    string
		wantURI      string
		wantRelative bool
	}{
		{name: "relative", file: "apps/web.yaml", wantURI: "apps/web.yaml", wantRelative: true},
		// GitHub needs a location on every result; no file means the
		// repository itself.
		{name: "no file", file: "", wantURI: ".", wantRelative: true},
		{name: "dot slash", file: "./apps/../apps/web.yaml", wantURI: "apps/web.yaml", wantRelative: true},
		{name: "space and percent", file: "a b/100%.yaml", wantURI: "a%20b/100%25.yaml", wantRelative: true},
		{name: "colon in first segment", file: "a:b.yaml", wantURI: "./a:b.yaml", wantRelative: true},
		{name: "absolute in workspace", file: "/w/repo/apps/web.yaml", workspace: "/w/repo", wantURI: "apps/web.yaml", wantRelative: true},
		{name: "absolute outside workspace", file: "/etc/x.yaml", workspace: "/w/repo", wantURI: "file:///etc/x.yaml"},
		{name: "absolute without workspace", file: "/w/repo/x.yaml", wantURI: "file:///w/repo/x.yaml"},
		{name: "sibling with a common prefix", file: "/w/repo2/x.yaml", workspace: "/w/repo", wantURI: "file:///w/repo2/x.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gotURI, gotRelative := sarifURI(tc.file, tc.workspace)
			if gotURI != tc.wantURI || gotRelative != tc.wantRelative {
				t.Errorf("sarifURI(%q, %q) = %q, %v; want %q, %v", tc.file, tc.workspace, gotURI, gotRelative, tc.wantURI, tc.wantRelative)
			}
		})
	}
}

// junitDoc is the JUnit shape CI readers expect, decoded independently of
// the writer's own types.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failures  []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	tests := []struct {
		name         string
		findings     []finding.Finding
		files        []string // Options.Files
		wantSuites   []string
		wantTests    int
		wantFailures int
		wantPassing  []string // cases of the suite verify-manifests with no failure
	}{
		{
			name:     "sample",
			findings: sample,
			// The suite without an environment first, then the order
			// of Options.Environments.
			wantSuites: []string{"verify-manifests", "environments/staging", "environments/production"},
			// verify-manifests: broken.yaml, dir,with..., environments;
			// staging: base/deploy.yaml, environments/staging/app.yaml;
			// production: base/deploy.yaml, environments/production/app.yaml.
			wantTests:    7,
			wantFailures: 4,
		},
		{name: "empty", wantSuites: []string{"verify-manifests"}, wantTests: 1, wantFailures: 0},
		{
			name: "warnings only do not fail",
			findings: []finding.Finding{
				{File: "a.yaml", Line: 1, Severity: finding.Warning, Rule: "resources-missing", Message: "m"},
				{File: "a.yaml", Line: 2, Severity: finding.Notice, Rule: "environment-drift", Message: "m"},
			},
			wantSuites: []string{"verify-manifests"}, wantTests: 1, wantFailures: 0,
		},
		{
			// Every file checked is a case: those without findings pass,
			// in the default suite, in name order with the others.
			name:     "every file checked",
			findings: sample,
			files:    []string{"z.yaml", "broken.yaml", "a.yaml", "base/deploy.yaml", "environments/staging/app.yaml"},
			// sample's 7, and a.yaml and z.yaml.
			wantSuites: []string{"verify-manifests", "environments/staging", "environments/production"}, wantTests: 9, wantFailures: 4,
			wantPassing: []string{"a.yaml", "environments", "z.yaml"},
		},
		{
			name: "no findings, files checked", files: []string{"b.yaml", "a.yaml"},
			wantSuites: []string{"verify-manifests"}, wantTests: 2, wantFailures: 0, wantPassing: []string{"a.yaml", "b.yaml"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := sampleOpts
			opts.Files = tc.files
			out := render(t, "junit", tc.findings, opts)
			var doc junitDoc
			if err := xml.Unmarshal(out, &doc); err != nil {
				t.Fatalf("JUnit does not parse: %v\n%s", err, out)
			}
			var gotSuites []string
			tests, failures := 0, 0
			for _, s := range doc.Suites {
				gotSuites = append(gotSuites, s.Name)
				sf := 0
				for _, c := range s.Cases {
					if len(c.Failures) > 1 {
						t.Errorf("case %q has %d failures; the Ant schema allows one", c.Name, len(c.Failures))
					}
					if len(c.Failures) > 0 {
						sf++
					}
				}
				if s.Tests != len(s.Cases) || s.Failures != sf || s.Errors != 0 {
					t.Errorf("suite %q: tests=%d failures=%d errors=%d; counted %d cases, %d failed", s.Name, s.Tests, s.Failures, s.Errors, len(s.Cases), sf)
				}
				tests += len(s.Cases)
				failures += sf
			}
			if strings.Join(gotSuites, " ") != strings.Join(tc.wantSuites, " ") {
				t.Errorf("suites = %q, want %q", gotSuites, tc.wantSuites)
			}
			if doc.Tests != tests || doc.Failures != failures {
				t.Errorf("testsuites: tests=%d failures=%d; counted %d, %d", doc.Tests, doc.Failures, tests, failures)
			}
			if tests != tc.wantTests || failures != tc.wantFailures {
				t.Errorf("tests=%d failures=%d, want %d, %d", tests, failures, tc.wantTests, tc.wantFailures)
			}
			if tc.wantPassing != nil {
				var passing []string
				for _, c := range doc.Suites[0].Cases {
					if len(c.Failures) == 0 {
						passing = append(passing, c.Name)
					}
				}
				if strings.Join(passing, " ") != strings.Join(tc.wantPassing, " ") {
					t.Errorf("passing cases of %s = %q, want %q", doc.Suites[0].Name, passing, tc.wantPassing)
				}
			}
		})
	}
}

// TestSummaryErrorsFirst: a warning on every file does not push the one
// error out of the 50 findings the summary lists.
func TestSummaryErrorsFirst(t *testing.T) {
	var fs []finding.Finding
	for i := 0; i < 60; i++ {
		fs = append(fs, finding.Finding{File: fmt.Sprintf("a%02d.yaml", i), Line: 1, Column: 1, Severity: finding.Warning, Rule: "resources-missing", Message: "no limits"})
	}
	fs = append(fs, finding.Finding{File: "z.yaml", Line: 3, Column: 5, Severity: finding.Error, Rule: "schema", Message: "unknown field"},
		finding.Finding{File: "m.yaml", Line: 2, Column: 1, Severity: finding.Error, Rule: "schema", Message: "bad"})
	got := Summary(fs, Stats{Files: 62})
	rows := strings.Split(got[strings.Index(got, "| position |"):], "\n")
	want := []string{
		"| `m.yaml:2:1` | error | `schema` | bad |",
		"| `z.yaml:3:5` | error | `schema` | unknown field |",
		"| `a00.yaml:1:1` | warning | `resources-missing` | no limits |",
	}
	if len(rows) < 5 || strings.Join(rows[2:5], "\n") != strings.Join(want, "\n") {
		t.Errorf("the findings table does not open with the errors, in file order, then the rest:\n%s", got)
	}
	if !strings.Contains(got, "…and 12 more findings.") {
		t.Errorf("summary does not count the 12 findings left out:\n%s", got)
	}
}

func TestSummary(t *testing.T) {
	stats := Stats{
		Files:         12,
		Resources:     40,
		NoSchema:      2,
		ByEnvironment: map[string]int{"environments/staging": 18, "environments/production": 20},
	}
	got := Summary(reversed(sample), stats)
	golden(t, "sample.summary.md", []byte(got))

	for _, want := range []string{
		"4 errors, 2 warnings, 1 notice in 12 files, 40 resources (2 with no schema)",
		"| `image-tag-latest` | error | 2 |",
		"| `image-digest-required` | error | 1 |",
		"| `yaml-syntax` | error | 1 |",
		"| `resources-missing` | warning | 2 |",
		"| `environment-drift` | notice | 1 |",
		"| `environments/production` | 20 | 1 | 1 | 0 |",
		"| `environments/staging` | 18 | 1 | 1 | 0 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	page := mdtexttest.Render(t, got)
	mdtexttest.CheckInert(t, page)
	mdtexttest.CheckTables(t, page)
	if !strings.Contains(mdtexttest.Text(page), `100% sure: <a, b> & "c" see | here`) {
		t.Errorf("the message does not render as its text:\n%s", page)
	}
}

// TestSummaryRendered renders the summary of hostile findings on a
// repository of 90 environments as GitHub would: nothing from the
// repository is live, each position links to its file and line at the
// head commit, the verdict comes first, and only the environments with
// findings have a row.
func TestSummaryRendered(t *testing.T) {
	const source = "https://github.com/acme/config/blob/0123456789abcdef0123456789abcdef01234567"
	hostile := `expected integer, got string "see [docs](https://evil.example) @acme/oncall **now** #12 _x_"`
	fs := []finding.Finding{
		{File: "environments/env-07/app.yaml", Line: 4, Column: 3, Severity: finding.Error, Rule: "schema", Message: hostile, Environment: "environments/env-07"},
		{File: "environments/@acme/#1 [x](y).yaml", Line: 1, Severity: finding.Warning, Rule: "resources-missing", Message: "see GH-1 and www.evil.example", Environment: "environments/env-42"},
		{File: "environments", Severity: finding.Notice, Rule: "environment-drift", Message: "drift"},
	}
	byEnv := map[string]int{}
	for i := range 90 {
		byEnv[fmt.Sprintf("environments/env-%02d", i)] = 3
	}
	got := Summary(fs, Stats{Files: 270, Resources: 270, ByEnvironment: byEnv, SourceURL: source})
	page := mdtexttest.Render(t, got)
	mdtexttest.CheckInert(t, page, source+"/")
	mdtexttest.CheckTables(t, page)
	text := mdtexttest.Text(page)
	if first := strings.TrimSpace(strings.TrimPrefix(text, "verify-manifests")); !strings.HasPrefix(first, "❌ 1 error, 1 warning, 1 notice") {
		t.Errorf("the verdict is not first: %q", first)
	}
	links := mdtexttest.Inspect(page).Links
	want := []string{
		source + "/environments/env-07/app.yaml#L4",
		source + "/environments",
		source + "/environments/@acme/%231%20%5Bx%5D%28y%29.yaml#L1",
	}
	if strings.Join(links, "\n") != strings.Join(want, "\n") {
		t.Errorf("links = %q, want %q", links, want)
	}
	var envRows int
	for _, tb := range mdtexttest.Tables(page) {
		if tb.Header[0] == "environment" {
			envRows = len(tb.Rows)
		}
	}
	if envRows != 2 || !strings.Contains(text, "No findings in the other 88 environments.") {
		t.Errorf("%d environment rows, want the 2 with findings and a count of the rest:\n%s", envRows, got)
	}
}

func TestSummaryClean(t *testing.T) {
	got := Summary(nil, Stats{Files: 3, Resources: 5})
	want := "### verify-manifests\n\n✅ No findings in 3 files, 5 resources.\n"
	if got != want {
		t.Errorf("Summary:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestSummaryListsFirstFindings(t *testing.T) {
	var fs []finding.Finding
	for i := range summaryFindings + 5 {
		fs = append(fs, finding.Finding{File: "a.yaml", Line: i + 1, Severity: finding.Warning, Rule: "r", Message: "m"})
	}
	got := Summary(fs, Stats{})
	if n := strings.Count(got, "| `a.yaml:"); n != summaryFindings {
		t.Errorf("summary lists %d findings, want %d", n, summaryFindings)
	}
	if want := "…and 5 more findings."; !strings.Contains(got, want) {
		t.Errorf("summary lacks %q:\n%s", want, got)
	}
}

// TestSARIFSchemaRejects makes sure the schema check in TestSARIF can fail:
// logs GitHub would reject are rejected by the committed schema too.
func TestSARIFSchemaRejects(t *testing.T) {
	schema := sarifSchema(t)
	tests := []struct {
		name   string
		mutate func(log map[string]any)
	}{
		{name: "startLine 0", mutate: func(log map[string]any) {
			region(log)["startLine"] = 0
		}},
		{name: "unknown level", mutate: func(log map[string]any) {
			log["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)["level"] = "fatal"
		}},
		{name: "no version", mutate: func(log map[string]any) { delete(log, "version") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(render(t, "sarif", sample, sampleOpts)))
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(doc.(map[string]any))
			if err := schema.Validate(doc); err == nil {
				t.Error("schema accepted a broken log")
			}
		})
	}
}

func region(log map[string]any) map[string]any {
	r := log["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	l := r["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	return l["region"].(map[string]any)
}

// TestSARIFSchemaSource checks the committed schema is the one its
// generator recorded, so a hand edit does not go unnoticed.
func TestSARIFSchemaSource(t *testing.T) {
	schema, err := os.ReadFile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	source, err := os.ReadFile(filepath.Join("testdata", "sarif-schema-2.1.0.json.source"))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("sha256: %x\n", sha256.Sum256(schema))
	if !strings.Contains(string(source), got) {
		t.Errorf("testdata/sarif-schema-2.1.0.json has %q, not the sum in its .source file:\n%s\n(run go generate ./internal/report)", strings.TrimSpace(got), source)
	}
}

// TestConcurrentWrite is for the race detector: the engine's workers may
// write findings as they find them.
func TestConcurrentWrite(t *testing.T) {
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := New(format, &buf, catalogue, sampleOpts)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, f := range sample {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w.Write(f)
				}()
			}
			wg.Wait()
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got, want := buf.Bytes(), render(t, format, sample, sampleOpts); !bytes.Equal(got, want) {
				t.Errorf("concurrent writes changed the output:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestSARIFWithoutCatalogue covers an engine that passes no rules: every
// result still gets a rule to point at, and an empty log is still valid.
func TestSARIFWithoutCatalogue(t *testing.T) {
	schema := sarifSchema(t)
	tests := []struct {
		name     string
		findings []finding.Finding
		wantIDs  []string
	}{
		{name: "no findings", wantIDs: nil},
		{name: "findings", findings: sample, wantIDs: []string{"resources-missing", "yaml-syntax", "image-tag-latest", "environment-drift", "image-digest-required"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := New("sarif", &buf, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.findings {
				w.Write(f)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("SARIF does not match the 2.1.0 schema: %v\n%s", err, buf.Bytes())
			}
			var log sarifLog
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range log.Runs[0].Tool.Driver.Rules {
				got = append(got, r.ID)
			}
			if strings.Join(got, " ") != strings.Join(tc.wantIDs, " ") {
				t.Errorf("rules = %q, want %q (in order of first finding)", got, tc.wantIDs)
			}
		})
	}
}

// TestSummaryEnvironmentCounts: a finding at a base that two environments
// render is reported once, without an environment, and the environment
// table counts it in both, from the engine's tallies.
func TestSummaryEnvironmentCounts(t *testing.T) {
	fs := []finding.Finding{{File: "base/deploy.yaml", Line: 5, Column: 1, Severity: finding.Error, Rule: "schema", Message: `missing required field "selector" (in envs/production and envs/staging)`}}
	got := Summary(fs, Stats{Files: 3, Resources: 2,
		ByEnvironment:         map[string]int{"envs/staging": 1, "envs/production": 1},
		FindingsByEnvironment: map[string]Counts{"envs/staging": {Errors: 1}, "envs/production": {Errors: 1}}})
	for _, want := range []string{"| `envs/production` | 1 | 1 | 0 | 0 |", "| `envs/staging` | 1 | 1 | 0 | 0 |"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}
