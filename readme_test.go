package main

import (
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// examplesTests are the tests of this package that read examples/.
var examplesTests = []string{"TestFlow", "TestRunnerContract", "TestExamplesMatchTheSpecs", "TestREADMESnippetsAgreeWithExamples"}

// TestREADMEFirstCommandThenTests does what the README invites: on a copy
// of the checkout, it runs the README's first command without --dry-run,
// which edits the example config repo in place, and then the tests that
// read examples/, which must still pass: no test depends on the versions
// the example holds.
func TestREADMEFirstCommandThenTests(t *testing.T) {
	words := strings.Fields(readmeCommands(t)[0])
	if len(words) < 3 || words[0] != "go" || words[1] != "run" || words[2] != "." || !slices.Contains(words, "--dry-run") {
		t.Fatalf("the README's first command is %q, want go run . ... --dry-run", words)
	}
	args := slices.DeleteFunc(words[3:], func(w string) bool { return w == "--dry-run" })
	checkout := copyCheckout(t)

	staging := filepath.Join(checkout, "examples", "config-repo", "environments", "staging")
	before := readTree(t, staging)
	cmd, out := binary(t, checkout, args...)
	if err := cmd.Run(); err != nil {
		t.Fatalf("gitops-actions %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if after := readTree(t, staging); maps.Equal(before, after) {
		t.Fatalf("gitops-actions %s changed nothing in the copy's example; output:\n%s", strings.Join(args, " "), out)
	}

	// The same test binary, run in the copy, runs the tests that read
	// examples/.
	run := exec.Command(os.Args[0], "-test.run", "^("+strings.Join(examplesTests, "|")+")$", "-test.v", "-test.count=1")
	run.Dir = checkout
	run.Env = append(os.Environ(), "GITOPS_ACTIONS_TEST_MAIN=")
	if os.Geteuid() == 0 && runtime.GOOS == "linux" {
		// TestRunnerContract runs there: it runs the binary this process
		// builds from the same sources for its own run, built once.
		run.Env = append(run.Env, contractBinaryEnv+"="+contractBinary(t))
	}
	got, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("after the README's first command, the tests that read examples/ fail: %v\n%s", err, got)
	}
	for _, name := range examplesTests {
		pass := strings.Contains(string(got), "--- PASS: "+name+" ")
		// TestRunnerContract needs root; it skips without, here as in
		// the outer run.
		skippedAsHere := name == "TestRunnerContract" && os.Geteuid() != 0 && strings.Contains(string(got), "--- SKIP: "+name+" ")
		if !pass && !skippedAsHere {
			t.Errorf("%s did not pass in the copy:\n%s", name, got)
		}
	}
}

// copyCheckout copies the module's files (not .git, nor the .shared link)
// into a temporary directory and returns it.
func copyCheckout(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == ".git" || p == ".shared" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// readTree reads every file under dir.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
