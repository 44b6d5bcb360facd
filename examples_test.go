package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/cli"
)

// TestExamplesMatchTheSpecs keeps the example workflows in step with the
// actions they use: every input a step gives a gitops-actions action, and
// every output of it the workflow reads, is one its spec declares.
func TestExamplesMatchTheSpecs(t *testing.T) {
	specs := map[string]cli.Spec{}
	for _, c := range actionCommands() {
		specs[c.Spec.Name] = c.Spec
	}
	uses := regexp.MustCompile(`^gitops-actions/gitops-actions/([a-z-]+)@`)
	reads := regexp.MustCompile(`steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)`)
	files, _ := filepath.Glob("examples/workflows/*.yml")
	checked := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			Jobs map[string]struct {
				Steps []struct {
					ID   string            `yaml:"id"`
					Uses string            `yaml:"uses"`
					With map[string]string `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		if err := yaml.Unmarshal(b, &wf); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for job, j := range wf.Jobs {
			actionOf := map[string]cli.Spec{}
			for _, st := range j.Steps {
				m := uses.FindStringSubmatch(st.Uses)
				if m == nil {
					continue
				}
				spec, ok := specs[m[1]]
				if !ok {
					t.Errorf("%s: job %s uses %q, which is no action", p, job, st.Uses)
					continue
				}
				checked++
				for name := range st.With {
					if _, ok := spec.Input(name); !ok {
						t.Errorf("%s: job %s gives %s the input %q, which it does not declare", p, job, spec.Name, name)
					}
				}
				if st.ID != "" {
					actionOf[st.ID] = spec
				}
			}
			text := string(b)
			for _, m := range reads.FindAllStringSubmatch(text, -1) {
				spec, ok := actionOf[m[1]]
				if !ok {
					continue
				}
				found := false
				for _, o := range spec.Outputs {
					found = found || o.Name == m[2]
				}
				if !found && strings.Contains(text, m[0]) {
					t.Errorf("%s: job %s reads the output %q of %s, which it does not declare", p, job, m[2], spec.Name)
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no example uses a gitops-actions action")
	}
}
