package verifymanifests

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

// TestFindingsCannotCommandTheRunner verifies a tree whose file names and
// YAML errors hold workflow commands. In the github format the runner must
// see only our annotations, each pinned to the hostile file name as it is;
// in the other formats, the report is printed between stop-commands and
// its token.
func TestFindingsCannotCommandTheRunner(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{
		"::error::named.yaml": pod("a", "nginx:latest", true),
		"bad.yaml":            "a: \"x\n::warning::quoted\n##[error]y\n  b: [\n",
	})
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{format: "github", want: []string{"error", "error", "error"}},
		{format: "text", want: []string{"stop-commands", "<token>", "error"}},
		{format: "json", want: []string{"stop-commands", "<token>", "error"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			environ := map[string]string{
				"GITHUB_ACTIONS": "true",
				"GITHUB_OUTPUT":  filepath.Join(t.TempDir(), "out"),
				"INPUT_FORMAT":   tc.format,
			}
			got := clitest.Run(t, Command, dir, environ)
			if got.Code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
			}
			var obeyed []string
			files := map[string]bool{}
			for _, c := range runnertest.Commands(got.Stdout + "\n" + got.Stderr) {
				name := c.Name
				if strings.HasPrefix(name, "gitops-actions-") {
					name = "<token>"
				}
				obeyed = append(obeyed, name)
				if f := c.Props()["file"]; f != "" {
					files[f] = true
				}
			}
			if !reflect.DeepEqual(obeyed, tc.want) {
				t.Errorf("the runner obeys %q, want %q\nstdout:\n%s\nstderr:\n%s", obeyed, tc.want, got.Stdout, got.Stderr)
			}
			if tc.format == "github" && !files["::error::named.yaml"] {
				t.Errorf("no annotation on the file %q: %v", "::error::named.yaml", files)
			}
		})
	}
}
