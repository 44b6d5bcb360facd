package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/cli"
)

// ownAction names this suite's actions in a step's uses.
var ownAction = regexp.MustCompile(`^gitops-actions/gitops-actions/([a-z-]+)@`)

// exampleJob is a job of an example workflow that runs one of our actions.
type exampleJob struct {
	file        string
	events      map[string][]string // event → its branches filter
	concurrency string              // the job's concurrency group
}

// TestREADMESnippetsAgreeWithExamples keeps the workflows the READMEs show
// in step with examples/workflows, which the tests run: a snippet that
// runs one of our actions triggers on events an example running it
// triggers on (schedule aside, which the examples invite adding), with the
// same branches, the same concurrency group when it sets one, and no
// condition on an event it does not run on; every input it gives one of
// our actions is declared; a third-party action is pinned as the examples
// pin theirs (TestActionsPinned), to a commit with its version beside it.
// Versions may differ: Dependabot moves the examples' pins, and no tool
// moves a README's.
func TestREADMESnippetsAgreeWithExamples(t *testing.T) {
	specs := map[string]cli.Spec{}
	for _, c := range actionCommands() {
		specs[c.Spec.Name] = c.Spec
	}
	examples := exampleJobs(t)
	readmes, _ := filepath.Glob("*/README.md")
	readmes = append([]string{"README.md"}, readmes...)
	workflows := 0
	for _, p := range readmes {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, blk := range yamlBlocks(string(b)) {
			at := fmt.Sprintf("%s:%d", p, blk.line)
			for _, ref := range thirdPartyUses(blk.text) {
				if !pinned.MatchString(ref) {
					t.Errorf("%s: uses: %s is not pinned as the examples pin actions: owner/repo@<full commit SHA> # vX.Y.Z", at, ref)
				}
			}
			var doc any
			if yaml.Unmarshal([]byte(blk.text), &doc) != nil {
				continue // a fragment of a file, not a workflow or steps
			}
			checkInputs(t, at, doc, specs)
			wf, ok := doc.(map[string]any)
			if !ok || wf["on"] == nil || wf["jobs"] == nil {
				continue
			}
			workflows++
			checkWorkflow(t, at, wf, examples)
		}
	}
	if workflows < 3 {
		t.Errorf("found %d workflows in the READMEs; the check reads none of them", workflows)
	}
}

// checkWorkflow holds one README workflow to the examples that run the
// same action.
func checkWorkflow(t *testing.T, at string, wf map[string]any, examples map[string][]exampleJob) {
	t.Helper()
	events := workflowEvents(wf["on"])
	jobs, _ := wf["jobs"].(map[string]any)
	for name, j := range jobs {
		job, _ := j.(map[string]any)
		for _, action := range jobActions(job) {
			var best *exampleJob
			shared := 0
			for i, ex := range examples[action] {
				n := 0
				for e := range events {
					if _, ok := ex.events[e]; ok {
						n++
					}
				}
				if n > shared {
					best, shared = &examples[action][i], n
				}
			}
			if best == nil {
				var runs []string
				for _, ex := range examples[action] {
					runs = append(runs, fmt.Sprintf("%s on %s", ex.file, strings.Join(sortedKeys(ex.events), ", ")))
				}
				t.Errorf("%s: job %s runs %s on %s; the examples run it as %s", at, name, action, strings.Join(sortedKeys(events), ", "), strings.Join(runs, "; "))
				continue
			}
			for e, branches := range events {
				want, ok := best.events[e]
				switch {
				case e == "schedule":
				case !ok:
					t.Errorf("%s: job %s runs %s on %s too; %s runs it on %s", at, name, action, e, best.file, strings.Join(sortedKeys(best.events), ", "))
				case !slices.Equal(branches, want):
					t.Errorf("%s: job %s runs on %s of branches %q; %s on %q", at, name, e, branches, best.file, want)
				}
			}
			if group := concurrencyGroup(job); group != "" && best.concurrency != "" && group != best.concurrency {
				t.Errorf("%s: job %s's concurrency group is %q; %s's is %q", at, name, group, best.file, best.concurrency)
			}
			if cond, _ := job["if"].(string); strings.Contains(cond, "github.event.pull_request") {
				if _, ok := events["pull_request"]; !ok {
					t.Errorf("%s: job %s's if: %q reads a pull_request event the workflow does not run on", at, name, cond)
				}
			}
		}
	}
}

// exampleJobs reads the example workflows: the jobs that run each of our
// actions.
func exampleJobs(t *testing.T) map[string][]exampleJob {
	t.Helper()
	files, _ := filepath.Glob("examples/workflows/*.yml")
	jobs := map[string][]exampleJob{}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var wf map[string]any
		if err := yaml.Unmarshal(b, &wf); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		events := workflowEvents(wf["on"])
		all, _ := wf["jobs"].(map[string]any)
		for _, j := range all {
			job, _ := j.(map[string]any)
			for _, action := range jobActions(job) {
				jobs[action] = append(jobs[action], exampleJob{file: p, events: events, concurrency: concurrencyGroup(job)})
			}
		}
	}
	if len(jobs) == 0 {
		t.Fatal("the example workflows run none of our actions")
	}
	return jobs
}

// workflowEvents reads a workflow's on: a name, a list of names, or a map
// of events to their filters; each event with its branches filter.
func workflowEvents(on any) map[string][]string {
	out := map[string][]string{}
	switch v := on.(type) {
	case string:
		out[v] = nil
	case []any:
		for _, e := range v {
			out[fmt.Sprint(e)] = nil
		}
	case map[string]any:
		for e, f := range v {
			out[e] = nil
			if filter, ok := f.(map[string]any); ok {
				if bs, ok := filter["branches"].([]any); ok {
					for _, b := range bs {
						out[e] = append(out[e], fmt.Sprint(b))
					}
				}
			}
		}
	}
	return out
}

// jobActions lists the actions of ours a job's steps use.
func jobActions(job map[string]any) []string {
	var out []string
	steps, _ := job["steps"].([]any)
	for _, s := range steps {
		step, _ := s.(map[string]any)
		uses, _ := step["uses"].(string)
		if m := ownAction.FindStringSubmatch(uses); m != nil && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

func concurrencyGroup(job map[string]any) string {
	switch c := job["concurrency"].(type) {
	case string:
		return c
	case map[string]any:
		g, _ := c["group"].(string)
		return g
	}
	return ""
}

// checkInputs walks a parsed snippet: every step that uses one of our
// actions gives it only inputs it declares.
func checkInputs(t *testing.T, at string, doc any, specs map[string]cli.Spec) {
	t.Helper()
	switch v := doc.(type) {
	case []any:
		for _, e := range v {
			checkInputs(t, at, e, specs)
		}
	case map[string]any:
		uses, _ := v["uses"].(string)
		if m := ownAction.FindStringSubmatch(uses); m != nil {
			spec, ok := specs[m[1]]
			if !ok {
				t.Errorf("%s: uses %q, which is no action", at, uses)
			}
			with, _ := v["with"].(map[string]any)
			for name := range with {
				if _, declared := spec.Input(name); ok && !declared {
					t.Errorf("%s: gives %s the input %q, which it does not declare", at, spec.Name, name)
				}
			}
		}
		for _, e := range v {
			checkInputs(t, at, e, specs)
		}
	}
}

// yamlBlock is a fenced YAML block of a README.
type yamlBlock struct {
	line int
	text string
}

var yamlFence = regexp.MustCompile("(?s)```ya?ml\n(.*?)```")

func yamlBlocks(md string) []yamlBlock {
	var out []yamlBlock
	for _, m := range yamlFence.FindAllStringSubmatchIndex(md, -1) {
		out = append(out, yamlBlock{line: strings.Count(md[:m[0]], "\n") + 1, text: md[m[2]:m[3]]})
	}
	return out
}

var usesLine = regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(.*)$`)

// thirdPartyUses lists what each uses: of a third-party action says, its
// comment included.
func thirdPartyUses(text string) []string {
	var out []string
	for _, m := range usesLine.FindAllStringSubmatch(text, -1) {
		ref := strings.TrimSpace(m[1])
		if !strings.HasPrefix(ref, "gitops-actions/gitops-actions") && !strings.HasPrefix(ref, "./") && !strings.HasPrefix(ref, "docker://") {
			out = append(out, ref)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
