package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the binary itself when asked (GITOPS_ACTIONS_TEST_MAIN=1),
// so that a test can send it signals as a runner would. With
// GITOPS_ACTIONS_TEST_READY_FRAME and _FILE set, the process also writes
// that file once a goroutine runs the named function: the readiness marker
// a test waits for before it signals.
func TestMain(m *testing.M) {
	if os.Getenv("GITOPS_ACTIONS_TEST_MAIN") == "1" {
		if frame, file := os.Getenv("GITOPS_ACTIONS_TEST_READY_FRAME"), os.Getenv("GITOPS_ACTIONS_TEST_READY_FILE"); frame != "" && file != "" {
			go markWhenRunning(frame, file)
		}
		main()
		return
	}
	code := m.Run()
	if builtContract.dir != "" {
		os.RemoveAll(builtContract.dir)
	}
	os.Exit(code)
}

// markWhenRunning writes file as soon as a goroutine's stack holds frame,
// a function's full name followed by its arguments.
func markWhenRunning(frame, file string) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if bytes.Contains(buf[:n], []byte(frame+"(")) {
			os.WriteFile(file, nil, 0o644)
			return
		}
		if n == len(buf) {
			buf = make([]byte, 2*len(buf))
		}
		time.Sleep(time.Millisecond)
	}
}

// binary starts `gitops-actions args...` in dir, as a process of its own.
func binary(t *testing.T, dir string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GITOPS_ACTIONS_TEST_MAIN=1", "GITHUB_ACTIONS=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// wait waits for cmd to end, killing it and failing the test if it has
// not long after it should have.
func wait(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer, what string) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s: the process did not end; output:\n%s", what, out)
	}
	return -1
}

// TestNoBlockingOpen: a FIFO named x.yaml and a link to /dev/stdin, with
// a standard input that never ends, do not stop the binary.
func TestNoBlockingOpen(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "x.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/stdin", filepath.Join(dir, "in.yaml")); err != nil {
		t.Fatal(err)
	}
	cmd, out := binary(t, dir, "verify-manifests")
	stdin, err := cmd.StdinPipe() // open, and never written
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if code := wait(t, cmd, out, "FIFO and /dev/stdin"); code != 0 {
		t.Errorf("exit code %d, want 0; output:\n%s", code, out)
	}
	for _, want := range []string{"x.yaml: warning: not read: a FIFO", `in.yaml: warning: not read: a symbolic link to "/dev/stdin"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}

// TestSIGTERMStopsARun: SIGTERM ends a run even in a kustomize build,
// which takes no context and, with 3,000 resources, minutes of CPU. The
// signal goes once the build has started (the process marks it), never on
// a guess of the time it takes to get there.
func TestSIGTERMStopsARun(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\ndata:\n  k: v\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "many.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n  - many.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ready := filepath.Join(t.TempDir(), "ready")
	cmd, out := binary(t, dir, "verify-manifests")
	cmd.Env = append(cmd.Env, "GITOPS_ACTIONS_TEST_READY_FRAME=sigs.k8s.io/kustomize/api/krusty.(*Kustomizer).Run", "GITOPS_ACTIONS_TEST_READY_FILE="+ready)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	limit := time.After(60 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("the run ended (exit code %d) before it was in the kustomize build; output:\n%s", cmd.ProcessState.ExitCode(), out)
		case <-limit:
			cmd.Process.Kill()
			<-exited
			t.Fatalf("the run was not in the kustomize build after a minute; output:\n%s", out)
		case <-time.After(2 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("the run did not end after SIGTERM; output:\n%s", out)
	}
	if code, want := cmd.ProcessState.ExitCode(), "stopped before the end"; code != 3 || !strings.Contains(out.String(), want) {
		t.Errorf("exit code %d, want 3 and a message saying %q; output:\n%s", code, want, out)
	}
}
