package bumpimage

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

// TestTagsCannotCommandTheRunner bumps tags that a pull request made
// hostile: a double-quoted tag with an escaped line break and an ::error
// after it, a tag next to a block scalar holding commands (the diff then
// shows them on lines of their own), and a file whose name is a command. The runner, which
// reads stdout and stderr line by line, must obey nothing but the
// stop-commands pair around a dry run's diff, and read exactly the outputs
// written.
func TestTagsCannotCommandTheRunner(t *testing.T) {
	files := map[string]string{
		"env/kustomization.yaml":   "resources: []\nimages:\n  - name: ghcr.io/acme/app\n    newTag: \"v1\\n::error file=x::quoted\"\n",
		"block/kustomization.yaml": "resources: []\nimages:\n  - name: ghcr.io/acme/app\n    newTag: v1.0.0\ncommonAnnotations:\n  note: |-\n    ::error file=x::block\n    ##[warning]old syntax\n",
		"::warning::named.yaml":    strings.Replace(deployment, "app:v2.0.0", "app:v2.0.0 # ::error::comment", 1),
	}
	for _, dryRun := range []string{"true", "false"} {
		t.Run("dry-run="+dryRun, func(t *testing.T) {
			dir := clitest.WriteTree(t, files)
			out := filepath.Join(t.TempDir(), "output")
			environ := map[string]string{
				"GITHUB_ACTIONS": "true",
				"GITHUB_OUTPUT":  out,
				"INPUT_IMAGES":   "ghcr.io/acme/app:v2.1.0",
				"INPUT_DRY-RUN":  dryRun,
			}
			got := clitest.Run(t, Command, dir, environ)
			if got.Code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
			}
			var obeyed []string
			for _, c := range runnertest.Commands(got.Stdout + "\n" + got.Stderr) {
				obeyed = append(obeyed, c.Name)
			}
			// One warning of ours: the hostile tag is no version, so the
			// downgrade guard could not order it.
			want := []string{"warning"}
			if dryRun == "true" {
				if len(obeyed) == 3 && strings.HasPrefix(obeyed[2], "gitops-actions-") {
					obeyed[2] = "<token>"
				}
				want = []string{"warning", "stop-commands", "<token>"}
			}
			if !reflect.DeepEqual(obeyed, want) {
				t.Errorf("the runner obeys %q, want %q\nstdout:\n%s\nstderr:\n%s", obeyed, want, got.Stdout, got.Stderr)
			}
			// Outside the dry run's diff, no line starts like a command but
			// our own; the quoted tag never puts one on a line of its own.
			for _, l := range runnertest.Lines(got.Stdout + "\n" + got.Stderr) {
				l = strings.TrimLeftFunc(l, unicode.IsSpace)
				if strings.HasPrefix(l, "::") && !strings.HasPrefix(l, "::stop-commands::gitops-actions-") && !strings.HasPrefix(l, "::gitops-actions-") &&
					!strings.HasPrefix(l, "::warning file=env/kustomization.yaml,line=4::") &&
					!strings.Contains(l, "block") && !strings.Contains(l, "comment") {
					t.Errorf("a raw command line reaches the log: %q", l)
				}
			}
			for _, l := range strings.Split(got.Stderr, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "::") || strings.Contains(l, "##[") {
					t.Errorf("stderr has a raw command: %q", l)
				}
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			outputs, err := runnertest.ReadOutputs(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, o := range outputs {
				names = append(names, o.Name)
			}
			if want := []string{"changed", "files", "changes", "held", "refused"}; !reflect.DeepEqual(names, want) {
				t.Errorf("the runner reads the outputs %q, want %q", names, want)
			}
			if !strings.Contains(got.Stderr, `v1%0A::error file=x::quoted → ghcr.io/acme/app:v2.1.0`) && !strings.Contains(got.Stderr, `v1%0A::error file=x::quoted → v2.1.0`) {
				t.Errorf("the change line does not show the old tag escaped:\n%s", got.Stderr)
			}
		})
	}
}
