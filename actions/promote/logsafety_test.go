package promote_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

// TestValuesCannotCommandTheRunner merges a pull request whose title, file
// names and a broken file hold workflow commands, into a tag another merge
// holds (so the log names tags and the title), and a second one labelled
// to skip with a hostile reason. The runner must obey only our own
// commands: the mask, the warning about the broken file, the notice.
func TestValuesCannotCommandTheRunner(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	title := "Fix\n::error file=x::forged ##[warning]old %0A::set-output name=tag::v0"
	first := f.merge(change{title: "First", files: map[string]string{"environments/staging/a.yaml": deployment("a", "ghcr.io/acme/a:1")}})
	m := f.merge(change{branch: "hostile", title: title, files: map[string]string{
		"environments/staging/::warning::named.yaml": deployment("app", "ghcr.io/acme/app:v2.1.0"),
		"environments/staging/broken.yaml":           "image: [\n::error::inside\n",
	}})
	f.run("pull_request", f.prEvent("pull_request.closed.json", first), nil).WantCode(t, 0)
	r := f.run("pull_request", f.prEvent("pull_request.closed.json", m), nil)
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"tag": "v20260501120000-1", "created": "true"})
	var obeyed []string
	for _, c := range runnertest.Commands(r.Stdout + "\n" + r.Stderr) {
		obeyed = append(obeyed, c.Name)
	}
	if want := []string{"add-mask", "warning"}; !reflect.DeepEqual(obeyed, want) {
		t.Errorf("the runner obeys %q, want %q\nstdout:\n%s\nstderr:\n%s", obeyed, want, r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "v20260501120000") || !strings.Contains(r.Stderr, "forged") {
		t.Errorf("the log does not name the tag and the title:\n%s", r.Stderr)
	}
	for _, l := range strings.Split(r.Stderr, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "::") || strings.Contains(l, "##[") {
			t.Errorf("stderr has a raw command: %q", l)
		}
	}
	outputs, err := runnertest.ReadOutputs(r.RawOut)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outputs {
		if o.Name == "tag" && o.Value != "v20260501120000-1" {
			t.Errorf("output tag forged: %q", o.Value)
		}
	}
	// The title reaches the tag and the notes as text, on one line.
	if msg := f.tag("v20260501120000-1").Message; !strings.HasPrefix(msg, "Fix ::error file=x::forged ##[warning]old %0A::set-output name=tag::v0 (#2)\n") {
		t.Errorf("message:\n%s", msg)
	}

	// A skip's notice carries a hostile reason safely too.
	skip := f.merge(change{branch: "skip", title: "Skip\n::error::x", labels: []string{"release:none"}, files: map[string]string{"environments/staging/c.yaml": deployment("c", "ghcr.io/acme/c:1")}, at: start.Add(3 * time.Second)})
	r = f.run("pull_request", f.prEvent("pull_request.closed.json", skip), map[string]string{"tag-format": "semver"})
	r.WantCode(t, 0)
	obeyed = nil
	for _, c := range runnertest.Commands(r.Stdout + "\n" + r.Stderr) {
		obeyed = append(obeyed, c.Name)
	}
	if want := []string{"add-mask", "notice"}; !reflect.DeepEqual(obeyed, want) {
		t.Errorf("the runner obeys %q, want %q\nstdout:\n%s", obeyed, want, r.Stdout)
	}
}
