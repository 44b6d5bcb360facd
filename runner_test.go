package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/imagetest"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/memfs"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

// The runner's contract with a container action, as actions/runner (at
// 258d6c8) implements it; TestRunnerContract runs every action that way.
//
// src/Runner.Worker/Handlers/ContainerActionHandler.cs:
//   - runs.image docker://IMAGE is pulled and run with the image's
//     ENTRYPOINT; runs.args are evaluated (${{ inputs.command }}) and
//     passed as the container's command;
//   - it mounts the runner's temp directory at /github/runner_temp, its
//     _github_home at /github/home (also HOME), _github_workflow (the event
//     payload) at /github/workflow, _runner_file_commands at
//     /github/file_commands, and the workspace at /github/workspace, and
//     translates every environment value from those host paths into the
//     container's (AddPathTranslateMapping, TranslateToContainerPath);
//   - the working directory is /github/workspace.
//
// src/Runner.Worker/Handlers/Handler.cs, AddInputsToEnvironment: each input
// is the variable INPUT_ + its name with spaces made underscores,
// upper-cased (ToUpperInvariant): hyphens stay, INPUT_DRY-RUN.
//
// src/Runner.Worker/Container/DockerCommandManager.cs, DockerRun: docker run
// --workdir /github/workspace --rm -e NAME ... -e GITHUB_ACTIONS=true -e
// CI=true -v host:container ...; no --user, so the image's user runs.
//
// src/Runner.Worker/FileCommandManager.cs, InitializeFiles: before each
// step, an empty file per file command, created by the runner (so owned by
// its user, 0644 under its umask) in _runner_file_commands: set_output_<guid>
// in GITHUB_OUTPUT, step_summary_<guid> in GITHUB_STEP_SUMMARY, set_env_,
// add_path_, save_state_ likewise.
const (
	containerWorkspace    = "/github/workspace"
	containerHome         = "/github/home"
	containerWorkflow     = "/github/workflow"
	containerFileCommands = "/github/file_commands"
	containerRunnerTemp   = "/github/runner_temp"
	// runnerUID and runnerGID are the runner's user on GitHub-hosted
	// runners (runner, group docker), who owns every mount.
	runnerUID, runnerGID = 1001, 118
	// nonrootUID is distroless's nonroot user, which the image once ran as.
	nonrootUID = 65532
)

// dockerPath is the PATH docker sets in a container whose image sets none.
const dockerPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// step is one step of a workflow that uses an action.
type step struct {
	action string            // the directory of its action.yml: ".", "bump-image"
	with   map[string]string // the step's with:
	env    map[string]string // more of the runner's environment
	uid    int               // the container's user; 0, the image's, unless set
	noCAs  bool              // lay out the image without its CA certificates
}

// stepResult is what the runner sees of a step.
type stepResult struct {
	code           int
	stdout, stderr string
	outputs        map[string]string
	summary        string
	workspace      string // the host path mounted at /github/workspace
}

// container runs steps in the image's root filesystem, laid out from the
// Dockerfile with the binary built as the Dockerfile builds it.
type container struct {
	im     *imagetest.Image
	binary string
	caPEM  []byte // the image's CA bundle
}

// contractBinaryEnv names the binary TestRunnerContract runs when
// TestREADMEFirstCommandThenTests runs it in its copy of the checkout:
// the outer test process's, built from the same sources.
const contractBinaryEnv = "GITOPS_ACTIONS_TEST_CONTRACT_BINARY"

// builtContract is the binary built as the Dockerfile builds it, once per
// test process (TestMain removes its directory).
var builtContract struct {
	once      sync.Once
	dir, path string
	err       error
}

// contractBinary returns the binary built as the Dockerfile builds it:
// the one contractBinaryEnv names, or one built on the first call.
func contractBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(contractBinaryEnv); p != "" {
		return p
	}
	builtContract.once.Do(func() {
		dir, err := os.MkdirTemp("", "gitops-actions-contract-")
		if err != nil {
			builtContract.err = err
			return
		}
		builtContract.dir, builtContract.path = dir, filepath.Join(dir, "gitops-actions")
		vars := map[string]string{"VERSION": "contract-test", "TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH}
		builtContract.err = image(t).BuildBinary(".", builtContract.path, vars)
	})
	if builtContract.err != nil {
		t.Fatalf("building the binary as the Dockerfile does: %v", builtContract.err)
	}
	return builtContract.path
}

func TestRunnerContract(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: the runner-contract test runs each action in a chroot as the image's user, root, and as the runner's user; run it as root (CI does: sudo go test -run TestRunnerContract .)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("skipping: container actions run on Linux only")
	}
	c := &container{im: image(t), binary: contractBinary(t)}
	if info, err := os.Stat(c.binary); err == nil {
		t.Logf("the binary, built as the Dockerfile builds it: %d bytes (scripts/image/build.sh measures the whole image)", info.Size())
	}

	// The fake GitHub, behind TLS with a certificate only the image's CA
	// bundle trusts: the remote runs prove the binary reads the
	// certificates the image ships.
	const token = "ghp_runnerContractToken0123456789abcdef"
	srv := githubtest.NewServer(t, githubtest.Options{Token: token})
	srv.CreateRepo("acme/config", githubtest.RepoOptions{Files: exampleRepo(t)})
	target, _ := url.Parse(srv.URL)
	proxy := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(target))
	proxy.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes the no-CA case fails
	proxy.StartTLS()
	t.Cleanup(proxy.Close)
	c.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: proxy.Certificate().Raw})
	apiURL := proxy.URL + "/api/v3/"

	t.Run("version", func(t *testing.T) {
		r := c.run(t, step{action: "bump-image"}, "--version")
		if r.code != 0 || r.stdout != "gitops-actions contract-test\n" {
			t.Errorf("exit %d, stdout %q: want the version stamped by the Dockerfile's -ldflags", r.code, r.stdout)
		}
	})

	t.Run("bump-image local", func(t *testing.T) {
		r := c.run(t, step{action: "bump-image", with: map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"}})
		wantRun(t, r, 0)
		wantOutputs(t, r, map[string]string{
			"changed": "true",
			"files":   "environments/staging/app-deployment.yaml\nenvironments/staging/kustomization.yaml",
		})
		wantSummary(t, r, "| `environments/staging` | `ghcr.io/acme/app` | `v2.0.0` | `v2.1.0` | `environments/staging/app-deployment.yaml:19`<br>`environments/staging/kustomization.yaml:10` |")
		b, err := os.ReadFile(filepath.Join(r.workspace, "environments/staging/kustomization.yaml"))
		if err != nil || !strings.Contains(string(b), "newTag: v2.1.0") {
			t.Errorf("the workspace file was not bumped: %v\n%s", err, b)
		}
		// The action runs as root in a workspace the runner's user owns:
		// a replaced file keeps its owner, so the job's later steps can
		// still write it.
		wantOwner(t, r.workspace, "environments/staging/kustomization.yaml", "environments/staging/app-deployment.yaml")
	})

	t.Run("bump-image remote", func(t *testing.T) {
		r := c.run(t, step{action: "bump-image", with: map[string]string{
			"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0",
			"token": token, "repository": "acme/config", "github-api-url": apiURL,
		}})
		wantRun(t, r, 0)
		wantOutputs(t, r, map[string]string{
			"changed":                "true",
			"pull-request-operation": "created",
			"pull-request-number":    "1",
			"branch":                 "gitops-actions/bump/staging/ghcr.io-acme-app",
		})
		if r.outputs["commit-sha"] == "" || r.outputs["commit-sha"] != srv.Ref("acme/config", r.outputs["branch"]) {
			t.Errorf("commit-sha %q is not the head of %q", r.outputs["commit-sha"], r.outputs["branch"])
		}
		wantSummary(t, r, "Opened pull request [#1](")
		mask := workflowcmd.Mask(token) + "\n"
		if !strings.HasPrefix(r.stdout, mask) {
			t.Errorf("stdout does not start by masking the token:\n%s", r.stdout)
		}
		if strings.Contains(strings.TrimPrefix(r.stdout, mask)+r.stderr+r.summary, token) {
			t.Error("the token appears in the log or the summary")
		}
	})

	t.Run("promote", func(t *testing.T) {
		// A workflow_dispatch tags the head of the default branch; the
		// payload the runner mounts is another repository's, which a
		// dispatch may be.
		r := c.run(t, step{action: "promote", with: map[string]string{
			"token": token, "repository": "acme/config", "github-api-url": apiURL,
		}, env: map[string]string{"GITHUB_EVENT_NAME": "workflow_dispatch"}})
		wantRun(t, r, 0)
		head := srv.Ref("acme/config", "main")
		wantOutputs(t, r, map[string]string{"sha": head, "created": "true"})
		if tag := r.outputs["tag"]; tag == "" || srv.Ref("acme/config", "tags/"+tag) != head || r.outputs["release-url"] == "" {
			t.Errorf("tag %q, release %q: want a tag on %s and its release", tag, r.outputs["release-url"], head)
		}
		wantSummary(t, r, "### promote")
		mask := workflowcmd.Mask(token) + "\n"
		if !strings.HasPrefix(r.stdout, mask) || strings.Contains(strings.TrimPrefix(r.stdout, mask)+r.stderr+r.summary, token) {
			t.Errorf("the token is not masked first, or appears in the log or the summary:\n%s", r.stdout)
		}
	})

	t.Run("verify-manifests", func(t *testing.T) {
		r := c.run(t, step{action: "verify-manifests", with: map[string]string{"environments": "environments/staging,environments/production", "format": "sarif"}})
		wantRun(t, r, 0)
		// 3 resources in each environment: shared/ is rendered by both and
		// not checked on its own.
		wantOutputs(t, r, map[string]string{"errors": "0", "warnings": "0", "resources": "6", "files": "9", "sarif-file": "verify-manifests.sarif"})
		wantSummary(t, r, "### verify-manifests")
		if _, err := os.Stat(filepath.Join(r.workspace, "verify-manifests.sarif")); err != nil {
			t.Errorf("no SARIF file in the workspace: %v", err)
		}
		wantOwner(t, r.workspace, "verify-manifests.sarif")
	})

	t.Run("root action with command", func(t *testing.T) {
		r := c.run(t, step{action: ".", with: map[string]string{"command": "bump-image", "path": "environments/production", "images": "ghcr.io/acme/app:v2.1.0", "dry-run": "true"}})
		wantRun(t, r, 0)
		wantOutputs(t, r, map[string]string{"changed": "true", "files": "environments/production/app-deployment.yaml\nenvironments/production/kustomization.yaml"})
		if !strings.Contains(r.stdout, "+    newTag: v2.1.0") {
			t.Errorf("no diff on stdout:\n%s", r.stdout)
		}
		b, _ := os.ReadFile(filepath.Join(r.workspace, "environments/production/kustomization.yaml"))
		if strings.Contains(string(b), "v2.1.0") {
			t.Error("a dry run changed the workspace")
		}
	})

	t.Run("no CA certificates", func(t *testing.T) {
		// Without the bundle the image ships, the API cannot be reached:
		// the image needs its certificates, and nothing else from a base.
		r := c.run(t, step{action: "bump-image", noCAs: true, with: map[string]string{
			"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0",
			"token": token, "repository": "acme/config", "github-api-url": apiURL,
		}})
		if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "certificate signed by unknown authority") {
			t.Errorf("exit %d, want a certificate error\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})

	// The image once ran as distroless's nonroot user: nothing it must
	// write is writable then. These cases keep that failure in view.
	t.Run("nonroot", func(t *testing.T) {
		r := c.run(t, step{action: "bump-image", uid: nonrootUID, with: map[string]string{"path": "environments/staging", "images": "ghcr.io/acme/app:v2.1.0"}})
		if r.code != 3 || !strings.Contains(r.stdout+r.stderr, "permission denied") {
			t.Errorf("bump-image as uid %d: exit %d, want 3 and permission denied\nstdout:\n%s\nstderr:\n%s", nonrootUID, r.code, r.stdout, r.stderr)
		}
		r = c.run(t, step{action: "verify-manifests", uid: nonrootUID, with: map[string]string{"environments": "environments/staging"}})
		if r.code != 3 || !strings.Contains(r.stdout+r.stderr, "writing outputs") || !strings.Contains(r.stdout+r.stderr, "permission denied") {
			t.Errorf("a clean verify-manifests as uid %d: exit %d, want 3 and writing outputs: permission denied\nstdout:\n%s\nstderr:\n%s", nonrootUID, r.code, r.stdout, r.stderr)
		}
	})
}

func wantRun(t *testing.T, r stepResult, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	// The log holds no command but ours.
	for _, cmd := range runnertest.Commands(r.stdout + "\n" + r.stderr) {
		if cmd.Name != "add-mask" && cmd.Name != "stop-commands" && !strings.HasPrefix(cmd.Name, "gitops-actions-") {
			t.Errorf("the runner would obey %q", cmd.Line)
		}
	}
}

func wantOutputs(t *testing.T, r stepResult, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := r.outputs[k]; !ok || got != v {
			t.Errorf("output %s = %q, want %q", k, got, v)
		}
	}
}

func wantSummary(t *testing.T, r stepResult, want string) {
	t.Helper()
	if !strings.Contains(r.summary, want) {
		t.Errorf("the step summary lacks %q:\n%s", want, r.summary)
	}
}

// exampleBaseline is the version of ghcr.io/acme/app the tests start the
// example config repo at, in every environment: the version it is
// committed with.
const exampleBaseline = "ghcr.io/acme/app:v2.0.0"

// exampleRepo is the bundled example config repo, as files, with every
// reference to ghcr.io/acme/app set to exampleBaseline. The tests take the
// example's layout, never the versions a reader left in it: the README's
// first command, run without --dry-run as the README invites, moves
// staging to v2.1.0 in place (TestREADMEFirstCommandThenTests).
func exampleRepo(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]*memfs.File{}
	root := filepath.Join("examples", "config-repo")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = &memfs.File{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	baseline, err := imageref.Parse(exampleBaseline)
	if err != nil {
		t.Fatal(err)
	}
	res, err := manifest.Bump(context.Background(), memfs.New(files), []string{"."}, manifest.Options{Images: []imageref.Image{baseline}, AllowDowngrade: true, IgnoreHolds: true})
	if err != nil {
		t.Fatalf("setting the example to %s: %v", exampleBaseline, err)
	}
	out := map[string]string{}
	for p, f := range files {
		out[p] = string(f.Data)
	}
	for _, e := range res.Files {
		out[e.Path] = string(e.New)
	}
	return out
}

// actionFile is what the runner reads of an action.yml.
type actionFile struct {
	Inputs map[string]struct {
		Default *string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string   `yaml:"using"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
	} `yaml:"runs"`
}

var inputExpr = regexp.MustCompile(`\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}`)

// run lays out a fresh image root filesystem with the runner's mounts and
// runs s in it the way the runner would; extra arguments replace the
// action's (for the version check).
func (c *container) run(t *testing.T, s step, extra ...string) stepResult {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.action, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	// The Dockerfile (an unreleased commit) or the release's image: either
	// way the image laid out here.
	if want := actionImage(t, s.action); a.Runs.Using != "docker" || a.Runs.Image != want {
		t.Fatalf("%s/action.yml runs %s %q, want docker %q, the image laid out here", s.action, a.Runs.Using, a.Runs.Image, want)
	}
	for k := range s.with {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("%s/action.yml has no input %q", s.action, k)
		}
	}

	// Inputs: the step's with:, else the action's defaults (ActionRunner
	// merges them); an input without either is not set.
	inputs := map[string]string{}
	for name, in := range a.Inputs {
		if v, ok := s.with[name]; ok {
			inputs[name] = v
		} else if in.Default != nil {
			inputs[name] = *in.Default
		}
	}
	args := extra
	if args == nil {
		for _, arg := range a.Runs.Args {
			args = append(args, inputExpr.ReplaceAllStringFunc(arg, func(m string) string {
				return inputs[inputExpr.FindStringSubmatch(m)[1]]
			}))
		}
	}

	root := t.TempDir()
	if _, err := c.im.LayOut(root, c.binary, func(src string) ([]byte, error) {
		if s.noCAs {
			return nil, nil
		}
		if !strings.HasSuffix(src, ".crt") {
			return nil, fmt.Errorf("the test does not know what %s holds", src)
		}
		return c.caPEM, nil
	}); err != nil {
		t.Fatal(err)
	}
	if s.noCAs {
		os.Remove(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
	}
	guid := "3e4f1a2b-5c6d-4e7f-8a9b-0c1d2e3f4a5b"
	files := map[string]string{
		"GITHUB_OUTPUT":       "set_output_" + guid,
		"GITHUB_STEP_SUMMARY": "step_summary_" + guid,
		"GITHUB_ENV":          "set_env_" + guid,
		"GITHUB_PATH":         "add_path_" + guid,
		"GITHUB_STATE":        "save_state_" + guid,
	}
	host := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	mounts := map[string]map[string]string{
		containerWorkspace:    exampleRepo(t),
		containerHome:         nil,
		containerWorkflow:     {"event.json": `{"ref": "refs/heads/main", "repository": {"full_name": "acme/app"}}`},
		containerFileCommands: {},
		containerRunnerTemp:   nil,
	}
	for _, f := range files {
		mounts[containerFileCommands][f] = ""
	}
	for m, content := range mounts {
		writeOwned(t, host(m), content)
	}

	env := []string{
		"PATH=" + dockerPath,
		"HOME=" + containerHome,
		"GITHUB_ACTIONS=true",
		"CI=true",
		"GITHUB_WORKSPACE=" + containerWorkspace,
		"GITHUB_EVENT_PATH=" + containerWorkflow + "/event.json",
		"GITHUB_EVENT_NAME=push",
		"GITHUB_REF=refs/heads/main",
		"GITHUB_REPOSITORY=acme/app",
		"GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
		"GITHUB_RUN_ID=4242",
		"GITHUB_ACTOR=octocat",
		"GITHUB_SERVER_URL=https://github.com",
		"GITHUB_API_URL=https://api.github.com",
		"RUNNER_TEMP=" + containerRunnerTemp,
	}
	for k, f := range files {
		env = append(env, k+"="+containerFileCommands+"/"+f)
	}
	for k, v := range s.env {
		env = append(env, k+"="+v)
	}
	for name, v := range inputs {
		env = append(env, "INPUT_"+strings.ToUpper(strings.ReplaceAll(name, " ", "_"))+"="+v)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.im.Entrypoint[0], append(c.im.Entrypoint[1:], args...)...)
	cmd.Env = env
	cmd.Dir = containerWorkspace
	uid := uint32(s.uid)
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	r := stepResult{stdout: stdout.String(), stderr: stderr.String(), workspace: host(containerWorkspace)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case errors.Is(err, syscall.EPERM):
		t.Skipf("skipping: chroot is not permitted here: %v", err)
	case err != nil:
		t.Fatalf("running %s in the image: %v", c.im.Entrypoint[0], err)
	}
	raw, err := os.ReadFile(host(containerFileCommands + "/" + files["GITHUB_OUTPUT"]))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := runnertest.ReadOutputs(string(raw))
	if err != nil {
		t.Errorf("the runner fails the step reading $GITHUB_OUTPUT: %v\n%s", err, raw)
	}
	r.outputs = map[string]string{}
	for _, o := range outs {
		r.outputs[o.Name] = o.Value
	}
	sum, err := os.ReadFile(host(containerFileCommands + "/" + files["GITHUB_STEP_SUMMARY"]))
	if err != nil {
		t.Fatal(err)
	}
	r.summary = string(sum)
	return r
}

// writeOwned creates dir with files in it, all owned by the runner's user
// with the modes its umask (022) gives: directories 0755, files 0644.
func writeOwned(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		if err := os.Chmod(p, mode); err != nil {
			return err
		}
		return os.Lchown(p, runnerUID, runnerGID)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wantOwner checks that files of the workspace belong to the runner's
// user, as the workspace does, and not to root, the action's user.
func wantOwner(t *testing.T, workspace string, names ...string) {
	t.Helper()
	for _, name := range names {
		info, err := os.Lstat(filepath.Join(workspace, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		st := info.Sys().(*syscall.Stat_t)
		if st.Uid != runnerUID || st.Gid != runnerGID {
			t.Errorf("%s belongs to %d:%d after the run, want the runner's %d:%d", name, st.Uid, st.Gid, runnerUID, runnerGID)
		}
	}
}
