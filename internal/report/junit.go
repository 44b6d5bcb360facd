package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// junitWriter writes JUnit XML for CI systems that show test reports: one
// test suite per environment (findings with none go to the suite named
// "verify-manifests"), one test case per file, and one <failure> in a case
// when its file has error findings, listing every finding of the file.
// Every file checked is a case: one without findings passes, in the suite
// "verify-manifests", so that the report counts what was checked, not
// only what failed.
// Warnings and notices alone do not fail a case: they are listed in its
// <system-out>. One <failure> per case, rather than one per finding,
// keeps to the Ant JUnit schema most readers follow, and keeps "failures"
// a count of failed cases.
type junitWriter struct {
	collector
	w    io.Writer
	opts Options
}

// junitDefaultSuite names the suite for findings outside any environment
// and the passing case of a run with no findings.
const junitDefaultSuite = "verify-manifests"

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func (j *junitWriter) Flush() error {
	byEnv := map[string][]finding.Finding{}
	withFindings := map[string]bool{}
	for _, f := range j.take() {
		byEnv[f.Environment] = append(byEnv[f.Environment], f)
		withFindings[f.File] = true
	}
	var passing []string
	for _, f := range j.opts.Files {
		if !withFindings[f] {
			passing = append(passing, f)
		}
	}
	slices.Sort(passing)
	if len(passing) > 0 && byEnv[""] == nil {
		byEnv[""] = []finding.Finding{}
	}

	doc := junitSuites{Name: "gitops-actions verify-manifests", Time: "0"}
	if j.opts.sharded() {
		doc.Name += fmt.Sprintf(" (shard %d of %d)", j.opts.Shard, j.opts.Shards)
	}
	for _, env := range junitSuiteOrder(byEnv, j.opts.Environments) {
		name := env
		if name == "" {
			name = junitDefaultSuite
		}
		suite := junitSuite{Name: name, Time: "0"}
		if j.opts.ToolVersion != "" {
			suite.Properties = []junitProperty{{Name: "gitops-actions.version", Value: j.opts.ToolVersion}}
		}
		if j.opts.sharded() {
			suite.Properties = append(suite.Properties, junitProperty{Name: "gitops-actions.shard", Value: fmt.Sprintf("%d/%d", j.opts.Shard, j.opts.Shards)})
		}
		for _, file := range groupByFile(byEnv[env]) {
			suite.Cases = append(suite.Cases, junitFileCase(name, file))
		}
		if env == "" {
			for _, f := range passing {
				suite.Cases = append(suite.Cases, junitCase{Name: f, Classname: name, Time: "0"})
			}
			slices.SortStableFunc(suite.Cases, func(a, b junitCase) int { return strings.Compare(a.Name, b.Name) })
		}
		if len(suite.Cases) == 0 {
			suite.Cases = []junitCase{{Name: "no findings", Classname: name, Time: "0"}}
		}
		for _, c := range suite.Cases {
			suite.Tests++
			if c.Failure != nil {
				suite.Failures++
			}
		}
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Suites = append(doc.Suites, suite)
	}

	if _, err := io.WriteString(j.w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(j.w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(j.w, "\n")
	return err
}

// junitSuiteOrder puts the suite without an environment first, then the
// environments in the order given, then any others by name. With no
// findings at all it still returns one suite, so the report has a case.
func junitSuiteOrder(byEnv map[string][]finding.Finding, order []string) []string {
	var out []string
	if _, ok := byEnv[""]; ok || len(byEnv) == 0 {
		out = append(out, "")
	}
	for _, env := range order {
		if _, ok := byEnv[env]; ok && env != "" && !slices.Contains(out, env) {
			out = append(out, env)
		}
	}
	var rest []string
	for env := range byEnv {
		if env != "" && !slices.Contains(out, env) {
			rest = append(rest, env)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// groupByFile splits sorted findings into runs of the same file.
func groupByFile(fs []finding.Finding) [][]finding.Finding {
	var out [][]finding.Finding
	for i, f := range fs {
		if i == 0 || f.File != fs[i-1].File {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], f)
	}
	return out
}

func junitFileCase(suite string, fs []finding.Finding) junitCase {
	c := junitCase{Name: fs[0].File, Classname: suite, Time: "0"}
	var lines []string
	var n counts
	for _, f := range fs {
		n.add(f.Severity)
		lines = append(lines, f.String())
	}
	text := strings.Join(lines, "\n") + "\n"
	if n.Errors == 0 {
		c.SystemOut = text
		return c
	}
	c.Failure = &junitFailure{
		Message: fmt.Sprintf("%d %s", n.Errors, plural(n.Errors, "error", "errors")),
		Type:    "error",
		Text:    text,
	}
	return c
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
