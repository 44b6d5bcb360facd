package clitest

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/gitops-actions/gitops-actions/internal/cli"
)

// binaryEnv, set to 1, makes a test binary whose TestMain calls
// ActAsBinary run as gitops-actions instead of running its tests.
const binaryEnv = "GITOPS_ACTIONS_TEST_MAIN"

// ActAsBinary, called first in a package's TestMain, runs the test binary
// as `gitops-actions <command> [flags]` with commands, as main does, and
// exits, when Binary started it; otherwise it returns. A test then runs
// the binary as a process of its own (to kill it midway, or race two of
// them) without building one.
func ActAsBinary(commands ...cli.Command) {
	if os.Getenv(binaryEnv) != "1" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	dir, _ := os.Getwd()
	env := &cli.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Dir: dir, Version: "test"}
	code := cli.Main(ctx, commands, os.Args, env)
	stop()
	os.Exit(code)
}

// Binary returns the command that runs this test binary as
// `gitops-actions args...` in dir, with environ (KEY=value) as the rest of
// its environment; its TestMain must call ActAsBinary.
func Binary(dir string, environ []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(environ, binaryEnv+"=1")
	return cmd
}
