package clitest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd"
)

// Result is what one in-process run of a command gave.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs `gitops-actions <cmd> args...` in dir, in-process, with environ
// as the whole environment (nil: empty).
func Run(t *testing.T, cmd cli.Command, dir string, environ map[string]string, args ...string) Result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &cli.Env{
		Getenv:  func(k string) string { return environ[k] },
		Stdout:  &stdout,
		Stderr:  &stderr,
		Dir:     dir,
		Version: "test",
	}
	code := cli.Main(context.Background(), []cli.Command{cmd}, append([]string{"gitops-actions", cmd.Spec.Name}, args...), env)
	return Result{code, stdout.String(), stderr.String()}
}

// RunOutputs runs the command as Run does, outside Actions, with
// --outputs-file naming a file of its own, and returns the outputs the run
// wrote there, parsed (an empty map when it wrote none).
func RunOutputs(t *testing.T, cmd cli.Command, dir string, environ map[string]string, args ...string) (Result, map[string]string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "outputs")
	r := Run(t, cmd, dir, environ, append([]string{"--" + cli.OutputsFileFlag, out}, args...)...)
	raw, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		t.Error(err)
	}
	return r, ParseOutputs(t, string(raw))
}

// OutputLines renders outputs as name=value lines, one each (a value of
// several lines spans them), in the order spec declares them: what a test
// looks for beside the log.
func OutputLines(spec *cli.Spec, outputs map[string]string) string {
	var b strings.Builder
	for _, o := range spec.Outputs {
		if v, ok := outputs[o.Name]; ok {
			b.WriteString(o.Name + "=" + v + "\n")
		}
	}
	return b.String()
}

// WriteTree writes files (slash-separated path → content) into a new
// temporary directory and returns it.
func WriteTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	Write(t, dir, files)
	return dir
}

// Write writes files (slash-separated path → content) under dir, making
// the directories they need.
func Write(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ParseOutputs reads the name<<DELIMITER blocks a run wrote to
// $GITHUB_OUTPUT, and fails on any other line: an output a value could
// forge would show up here.
func ParseOutputs(t *testing.T, raw string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(raw, "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			if lines[i] != "" {
				t.Errorf("unexpected line in $GITHUB_OUTPUT: %q", lines[i])
			}
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

// CheckNotPrinted fails when secret appears in stdout or in any of others
// (name → text), but for the one line that asks the runner to mask it,
// which must open stdout when masked is true.
func CheckNotPrinted(t *testing.T, secret string, masked bool, stdout string, others map[string]string) {
	t.Helper()
	mask := workflowcmd.Mask(secret) + "\n"
	if masked && !strings.HasPrefix(stdout, mask) {
		t.Errorf("stdout does not start by masking the secret:\n%s", stdout)
	}
	texts := map[string]string{"stdout": strings.Replace(stdout, mask, "", 1)}
	for name, text := range others {
		texts[name] = text
	}
	for name, text := range texts {
		if strings.Contains(text, secret) {
			t.Errorf("the secret appears in %s:\n%s", name, text)
		}
	}
}

// ActionResult is what one run of a command as the runner makes it left
// behind: its Result, and the files of its outputs and job summary.
type ActionResult struct {
	Result
	Outputs map[string]string // $GITHUB_OUTPUT, parsed
	RawOut  string            // $GITHUB_OUTPUT as written
	Summary string            // $GITHUB_STEP_SUMMARY as written
}

// RunAction runs cmd in dir as the runner would: GITHUB_ACTIONS=true, the
// outputs and the job summary in files of their own, environ besides, and
// each input that is not empty as its INPUT_ variable.
func RunAction(t *testing.T, cmd cli.Command, dir string, environ, inputs map[string]string) ActionResult {
	t.Helper()
	files := t.TempDir()
	outFile, sumFile := filepath.Join(files, "output"), filepath.Join(files, "summary")
	for _, p := range []string{outFile, sumFile} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Error(err) // not Fatal: tests run actions on goroutines of their own
		}
	}
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": outFile, "GITHUB_STEP_SUMMARY": sumFile}
	for k, v := range environ {
		env[k] = v
	}
	for k, v := range inputs {
		if v != "" {
			env["INPUT_"+strings.ToUpper(k)] = v
		}
	}
	r := ActionResult{Result: Run(t, cmd, dir, env)}
	raw, err := os.ReadFile(outFile)
	if err != nil {
		t.Error(err)
	}
	sum, err := os.ReadFile(sumFile)
	if err != nil {
		t.Error(err)
	}
	r.RawOut, r.Summary, r.Outputs = string(raw), string(sum), ParseOutputs(t, string(raw))
	return r
}

// WantCode stops the test when the run did not exit with code, showing
// what it printed.
func (r ActionResult) WantCode(t *testing.T, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.Code, code, r.Stdout, r.Stderr)
	}
}

// WantOutputs fails the test for each output of want the run did not set
// to its value.
func (r ActionResult) WantOutputs(t *testing.T, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.Outputs[k]; got != v {
			t.Errorf("output %s = %q, want %q", k, got, v)
		}
	}
}
