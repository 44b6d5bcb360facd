package clitest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
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
