package bumpimage_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bumpimage "github.com/gitops-actions/gitops-actions/actions/bump-image"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
)

const heldLine = "          image: ghcr.io/acme/app:v1.9.0 # gitops-actions: hold (rollback of v20260501120000)\n"

// heldDeployment is production's deployment after a rollback: the image
// held at v1.9.0.
var heldDeployment = strings.Replace(deployment("app", "ghcr.io/acme/app:v1.9.0"), "          image: ghcr.io/acme/app:v1.9.0 # keep this comment\n", heldLine, 1)

// TestHoldsLocal runs the local mode on a tree where production's
// reference is held: a notice names file, line and reason, the held output
// lists it, staging moves and the run succeeds; with only held references
// the run fails (exit 1) and changes nothing; force moves them.
func TestHoldsLocal(t *testing.T) {
	dir := clitest.WriteTree(t, map[string]string{
		"environments/staging/app.yaml":    deployment("app", "ghcr.io/acme/app:v2.0.0"),
		"environments/production/app.yaml": heldDeployment,
	})
	outFile := filepath.Join(t.TempDir(), "output")
	environ := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": outFile, "INPUT_IMAGES": "ghcr.io/acme/app:v2.1.0", "INPUT_PATH": "environments"}
	got := clitest.Run(t, bumpimage.Command, dir, environ)
	if got.Code != 0 {
		t.Fatalf("exit %d: %s %s", got.Code, got.Stdout, got.Stderr)
	}
	wantNotice := "::notice file=environments/production/app.yaml,line=10::ghcr.io/acme/app stays at ghcr.io/acme/app:v1.9.0, held by a hold comment (rollback of v20260501120000); not set to ghcr.io/acme/app:v2.1.0. Remove the comment to release it, or set force."
	if !strings.Contains(strings.ReplaceAll(got.Stdout, "%3A", ":"), wantNotice) {
		t.Errorf("stdout lacks the notice %q:\n%s", wantNotice, got.Stdout)
	}
	out, _ := os.ReadFile(outFile)
	outputs := clitest.ParseOutputs(t, string(out))
	var held []manifest.Hold
	if err := json.Unmarshal([]byte(outputs["held"]), &held); err != nil || len(held) != 1 ||
		held[0] != (manifest.Hold{File: "environments/production/app.yaml", Line: 10, Image: "ghcr.io/acme/app", Version: "ghcr.io/acme/app:v1.9.0", Wanted: "ghcr.io/acme/app:v2.1.0", Reason: "rollback of v20260501120000"}) {
		t.Errorf("output held = %s (%v)", outputs["held"], err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "environments/production/app.yaml")); string(data) != heldDeployment {
		t.Errorf("the held file changed:\n%s", data)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "environments/staging/app.yaml")); !strings.Contains(string(data), "ghcr.io/acme/app:v2.1.0") {
		t.Errorf("staging was not bumped:\n%s", data)
	}

	environ["INPUT_PATH"] = "environments/production"
	got = clitest.Run(t, bumpimage.Command, dir, environ)
	if got.Code != cli.ExitFailed || !strings.Contains(got.Stdout, "every reference of ghcr.io/acme/app is held") {
		t.Errorf("only held references: exit %d, want %d with a message:\n%s", got.Code, cli.ExitFailed, got.Stdout)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "environments/production/app.yaml")); string(data) != heldDeployment {
		t.Errorf("the held file changed:\n%s", data)
	}

	environ["INPUT_FORCE"] = "true"
	got = clitest.Run(t, bumpimage.Command, dir, environ)
	want := strings.Replace(heldDeployment, "app:v1.9.0 #", "app:v2.1.0 #", 1)
	if data, _ := os.ReadFile(filepath.Join(dir, "environments/production/app.yaml")); got.Code != 0 || string(data) != want {
		t.Errorf("force: exit %d, file:\n%s\nwant\n%s", got.Code, data, want)
	}
}

// TestHoldsRemote bumps through the API a repository whose production is
// held: the pull request carries staging only; a bump of production alone
// opens none and fails; removing the comment on main releases the hold.
func TestHoldsRemote(t *testing.T) {
	srv := newForge(t, githubtest.Options{}, githubtest.RepoOptions{Files: map[string]string{
		"environments/staging/app.yaml":    deployment("app", "ghcr.io/acme/app:v2.0.0"),
		"environments/production/app.yaml": heldDeployment,
	}})
	r := runAction(t, srv, map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "path": "environments"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "files": "environments/staging/app.yaml"})
	if !strings.Contains(r.Outputs["held"], `"reason":"rollback of v20260501120000"`) {
		t.Errorf("output held = %s", r.Outputs["held"])
	}
	if got := fileAt(t, srv, r.Outputs["branch"], "environments/production/app.yaml"); got != heldDeployment {
		t.Errorf("the pull request changes production:\n%s", got)
	}

	r = runAction(t, srv, map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "path": "environments/production", "branch": "bump-production"})
	r.WantCode(t, cli.ExitFailed)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "none", "changed": "false"})

	srv.PushCommit(configRepo, "main", map[string]string{"environments/production/app.yaml": deployment("app", "ghcr.io/acme/app:v1.9.0")}, "Release the hold", githubtest.Identity{Login: "ann", Name: "Ann", Email: "ann@example.com"})
	r = runAction(t, srv, map[string]string{"images": "ghcr.io/acme/app:v2.1.0", "path": "environments/production", "branch": "bump-production"})
	r.WantCode(t, 0)
	r.WantOutputs(t, map[string]string{"pull-request-operation": "created", "held": "[]"})
	if got := fileAt(t, srv, "bump-production", "environments/production/app.yaml"); !strings.Contains(got, "ghcr.io/acme/app:v2.1.0") {
		t.Errorf("released production was not bumped:\n%s", got)
	}
}
