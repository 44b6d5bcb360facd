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

// TestGitLabExample keeps the GitLab CI example in step with the commands:
// every gitops-actions command a job runs exists, a job runs each of the
// three, and every flag it passes is one of the command's inputs; it installs a release of the major
// version VERSION names, into an image pinned by digest.
func TestGitLabExample(t *testing.T) {
	b, err := os.ReadFile("examples/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	specs := map[string]cli.Spec{}
	for _, c := range actionCommands() {
		specs[c.Spec.Name] = c.Spec
	}
	vars, _ := doc["variables"].(map[string]any)
	release, _ := vars["GITOPS_ACTIONS_VERSION"].(string)
	major := "v" + strings.SplitN(releaseVersion(t), ".", 2)[0]
	if !regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(release) || !strings.HasPrefix(release, major+".") {
		t.Errorf("GITOPS_ACTIONS_VERSION is %q, want a release %s.x.y", release, major)
	}
	base, _ := doc[".gitops-actions"].(map[string]any)
	if image, _ := base["image"].(string); !regexp.MustCompile(`@sha256:[0-9a-f]{64}$`).MatchString(image) {
		t.Errorf("the jobs' image %q is not pinned by digest", image)
	}
	ran := map[string]bool{}
	for job, v := range doc {
		j, ok := v.(map[string]any)
		if !ok {
			continue
		}
		script, _ := j["script"].([]any)
		for _, line := range script {
			s, _ := line.(string)
			words := strings.Fields(s)
			if len(words) < 2 || words[0] != "gitops-actions" {
				continue
			}
			spec, ok := specs[words[1]]
			if !ok {
				t.Errorf("job %s runs gitops-actions %s, which is no command", job, words[1])
				continue
			}
			ran[spec.Name] = true
			for _, w := range words[2:] {
				name, _, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
				if strings.HasPrefix(w, "--") {
					if _, ok := spec.Input(name); !ok {
						t.Errorf("job %s passes %s the flag --%s, which is none of its inputs", job, spec.Name, name)
					}
				}
			}
		}
	}
	for _, want := range []string{"bump-image", "verify-manifests", "promote"} {
		if !ran[want] {
			t.Errorf("no job runs gitops-actions %s", want)
		}
	}
}

// TestMatrixExample keeps config-pr-check-matrix.yml wired as its
// comments say: the shard jobs of a matrix each check their share
// (shard: the matrix's entry of the job total, 1 to N) and upload their
// result files, even when their check failed; the merge job waits for
// them, runs unless the workflow was cancelled, downloads every result
// into the directory it merges, and alone may comment; no job asks for a
// permission it does not use.
func TestMatrixExample(t *testing.T) {
	b, err := os.ReadFile("examples/workflows/config-pr-check-matrix.yml")
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		ID   string            `yaml:"id"`
		If   string            `yaml:"if"`
		Uses string            `yaml:"uses"`
		With map[string]string `yaml:"with"`
	}
	var wf struct {
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Needs       string            `yaml:"needs"`
			If          string            `yaml:"if"`
			Permissions map[string]string `yaml:"permissions"`
			Strategy    struct {
				FailFast *bool            `yaml:"fail-fast"`
				Matrix   map[string][]int `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []step `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	if len(wf.Permissions) != 0 {
		t.Errorf("the workflow grants %v by default; each job asks for what it needs", wf.Permissions)
	}
	find := func(job, uses string) (step, bool) {
		for _, s := range wf.Jobs[job].Steps {
			if strings.HasPrefix(s.Uses, uses) {
				return s, true
			}
		}
		return step{}, false
	}
	verify, merge := wf.Jobs["verify"], wf.Jobs["merge"]
	shards := verify.Strategy.Matrix["shard"]
	for i, n := range shards {
		if n != i+1 {
			t.Errorf("the matrix's shards are %v, want 1 to N", shards)
			break
		}
	}
	if len(shards) < 2 || verify.Strategy.FailFast == nil || *verify.Strategy.FailFast {
		t.Errorf("the verify job is no matrix of shards that run to the end: %v, fail-fast %v", shards, verify.Strategy.FailFast)
	}
	vm, ok := find("verify", "gitops-actions/gitops-actions/verify-manifests@")
	if !ok || vm.With["shard"] != "${{ matrix.shard }}/${{ strategy.job-total }}" || vm.With["merge-results"] != "" || vm.ID == "" {
		t.Errorf("the shard job's verify-manifests step: %+v", vm)
	}
	up, ok := find("verify", "actions/upload-artifact@")
	if !ok || !strings.Contains(up.If, "always()") || up.With["path"] != "${{ steps."+vm.ID+".outputs.result-file }}" || !strings.Contains(up.With["name"], "${{ matrix.shard }}") {
		t.Errorf("the shard job does not upload its result file under a name of its own, whatever its check: %+v", up)
	}
	sarif, ok := find("verify", "github/codeql-action/upload-sarif@")
	if !ok || sarif.With["category"] != "" {
		t.Errorf("the shard job's SARIF upload sets a category, which would replace the share's own: %+v", sarif)
	}
	if merge.Needs != "verify" || merge.If != "${{ !cancelled() }}" {
		t.Errorf("the merge job needs %q if %q; want the shard jobs, unless cancelled", merge.Needs, merge.If)
	}
	down, ok := find("merge", "actions/download-artifact@")
	mm, ok2 := find("merge", "gitops-actions/gitops-actions/verify-manifests@")
	if !ok || !ok2 || down.With["merge-multiple"] != "true" || !strings.HasSuffix(strings.TrimSuffix(up.With["name"], "${{ matrix.shard }}"), strings.TrimSuffix(down.With["pattern"], "*")) ||
		mm.With["merge-results"] != down.With["path"] || mm.With["shard"] != "" || mm.With["diff-base"] != "" {
		t.Errorf("the merge job does not merge what the shards uploaded: download %+v, merge %+v", down, mm)
	}
	wantPerms := map[string]map[string]string{
		"verify": {"contents": "read", "security-events": "write"},
		"merge":  {"pull-requests": "write"},
	}
	for job, want := range wantPerms {
		got := wf.Jobs[job].Permissions
		if len(got) != len(want) {
			t.Errorf("job %s asks for %v, want %v", job, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("job %s: permission %s is %q, want %q", job, k, got[k], v)
			}
		}
	}
	if _, ok := find("merge", "actions/checkout@"); ok {
		t.Error("the merge job checks the repository out; it verifies nothing")
	}
}
