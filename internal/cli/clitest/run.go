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

// WriteTree writes files (slash-separated path → content) into a new
// temporary directory and returns it.
func WriteTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
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
