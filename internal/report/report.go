// Package report turns verify-manifests findings into bytes: one file per
// output format (text, github, sarif, junit, json) behind the two-method
// Writer interface, and the Markdown step summary.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// Writer turns findings into one output format. Write only collects, and
// is safe to call from several goroutines; Flush writes everything
// collected so far, in a stable order, and returns the first write error.
type Writer interface {
	Write(finding.Finding)
	Flush() error
}

// Options carries what some formats need besides the findings.
type Options struct {
	// ToolVersion is the SARIF driver version and the JUnit suite's
	// version property.
	ToolVersion string
	// Environments orders the JUnit test suites (one per environment);
	// environments not listed follow in name order.
	Environments []string
	// Files lists every file checked: a JUnit report has a test case for
	// each, passing when it has no finding.
	Files []string
	// Getenv reads the runner's environment (GITHUB_WORKSPACE makes
	// absolute SARIF URIs relative to the repository); nil reads nothing.
	Getenv func(string) string
	// Shard of Shards, when Shards is above 1, is the share of the tree
	// the run checked: the SARIF run's automationDetails.id is
	// verify-manifests/shard-2-of-4/ (code scanning's category, so that
	// each share's alerts are kept and closed apart), the JUnit report's
	// name and the JSON report say it.
	Shard, Shards int
}

// sharded reports whether the run checked a share of the tree.
func (o Options) sharded() bool { return o.Shards > 1 }

// Category is the code scanning category of a run's SARIF: the
// automationDetails.id up to its last slash. A share of a sharded run has
// one of its own, verify-manifests/shard-2-of-4.
func Category(shard, shards int) string {
	if shards > 1 {
		return fmt.Sprintf("verify-manifests/shard-%d-of-%d", shard, shards)
	}
	return "verify-manifests"
}

// Formats lists the accepted names: text, github, sarif, junit, json.
var Formats = []string{"text", "github", "sarif", "junit", "json"}

// New returns the writer for format; an unknown format is an error naming
// the accepted ones.
func New(format string, w io.Writer, rules []finding.Rule, opts Options) (Writer, error) {
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	switch format {
	case "text":
		return &textWriter{w: w}, nil
	case "github":
		return &githubWriter{w: w}, nil
	case "sarif":
		return &sarifWriter{w: w, rules: rules, opts: opts}, nil
	case "junit":
		return &junitWriter{w: w, opts: opts}, nil
	case "json":
		return &jsonWriter{w: w, opts: opts}, nil
	}
	return nil, fmt.Errorf("unknown format %q (use %s)", format, strings.Join(Formats, ", "))
}

// collector holds findings until Flush; every writer embeds one.
type collector struct {
	mu       sync.Mutex
	findings []finding.Finding
}

func (c *collector) Write(f finding.Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.findings = append(c.findings, f)
}

// take returns the findings collected so far, sorted, and forgets them.
func (c *collector) take() []finding.Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	fs := sorted(c.findings)
	c.findings = nil
	return fs
}

// sorted returns a sorted copy, so that a writer's output does not depend
// on the order the engine's workers finished in. finding.Sort would leave
// findings that differ only in environment, resource or severity in
// arrival order, so those are ordered first.
func sorted(fs []finding.Finding) []finding.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b finding.Finding) int {
		if c := strings.Compare(a.Environment, b.Environment); c != 0 {
			return c
		}
		if c := strings.Compare(a.Resource, b.Resource); c != 0 {
			return c
		}
		return int(b.Severity) - int(a.Severity)
	})
	finding.Sort(out)
	return out
}

// counts tallies findings by severity.
type counts struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Notices  int `json:"notices"`
}

func (c *counts) add(s finding.Severity) {
	switch s {
	case finding.Error:
		c.Errors++
	case finding.Warning:
		c.Warnings++
	default:
		c.Notices++
	}
}

// withContext adds the resource and environment to the message, for the
// formats whose readers see nothing else of a finding (GitHub annotations
// and code scanning alerts): a base file rendered into two environments
// otherwise shows two identical messages on one line.
func withContext(f finding.Finding) string {
	var ctx []string
	if f.Resource != "" {
		ctx = append(ctx, f.Resource)
	}
	if f.Environment != "" {
		ctx = append(ctx, "in "+f.Environment)
	}
	if len(ctx) == 0 {
		return f.Message
	}
	return f.Message + " (" + strings.Join(ctx, " ") + ")"
}
