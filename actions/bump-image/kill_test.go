//go:build unix

package bumpimage

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

func TestMain(m *testing.M) {
	// The tests that kill a run or race two start this test binary as
	// gitops-actions bump-image, in a process of its own.
	clitest.ActAsBinary(Command)
	os.Exit(m.Run())
}

// largeTree writes n files that reference the image at tag, eight to a
// directory, and returns their paths and the content each has at a tag.
func largeTree(t *testing.T, dir string, n int) (paths []string, at func(i int, tag string) string) {
	t.Helper()
	at = func(i int, tag string) string {
		return fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%d\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/app:%s\n", i, tag)
	}
	for i := range n {
		p := filepath.Join(fmt.Sprintf("d%04d", i/8), fmt.Sprintf("app-%d.yaml", i))
		mustDo(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		mustDo(t, os.WriteFile(filepath.Join(dir, p), []byte(at(i, "v1.0.0")), 0o644))
		paths = append(paths, p)
	}
	return paths, at
}

// startBump starts gitops-actions bump-image on dir, in a process of its
// own.
func startBump(t *testing.T, dir, image string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	cmd := clitest.Binary(dir, []string{"PATH=" + os.Getenv("PATH")}, "bump-image", "--images", image)
	cmd.Stdout, cmd.Stderr = &out, &out
	mustDo(t, cmd.Start())
	return cmd, &out
}

// waitFor polls cond until it holds or the process ends; it reports
// whether cond held.
func waitFor(exited <-chan struct{}, cond func() bool) bool {
	for {
		if cond() {
			return true
		}
		select {
		case <-exited:
			return cond()
		case <-time.After(200 * time.Microsecond):
		}
	}
}

// TestKillMidway kills a bump at several points, then runs it again:
// every file is whole at every moment (its old bytes or its new ones), the
// second run finishes the bump, and no stray file is left, least of all
// where `git add -A` would commit it. One tree serves every point, each
// bumping it to the next tag; it becomes a git work tree for the second
// round. The tree is large enough for each point to last milliseconds (the
// poll looks every 200 µs); a run that still ends before it was killed is
// run again, to a newer tag, and three such runs fail the test.
func TestKillMidway(t *testing.T) {
	const n = 800
	points := []struct {
		name string
		// reached says the run is at the point to kill it.
		reached func(scratch, repo, middle, tag string) bool
	}{
		{name: "holding the lock, reading", reached: func(scratch, _, _, _ string) bool {
			_, err := os.Lstat(filepath.Join(scratch, "lock"))
			return err == nil
		}},
		{name: "writing temporaries", reached: func(scratch, _, _, _ string) bool {
			m, _ := filepath.Glob(filepath.Join(scratch, "tmp-*"))
			return len(m) >= 100
		}},
		{name: "renaming", reached: func(_, repo, middle, tag string) bool {
			data, _ := os.ReadFile(filepath.Join(repo, middle))
			return bytes.Contains(data, []byte(tag))
		}},
	}
	repo := filepath.Join(t.TempDir(), "repo")
	paths, at := largeTree(t, repo, n)
	sorted := slices.Sorted(slices.Values(paths))
	old, round := "v1.0.0", 0
	for _, git := range []bool{false, true} {
		scratch := filepath.Join(repo, workspace.RootScratch)
		if git {
			gitInit(t, repo)
			scratch = filepath.Join(repo, ".git", workspace.GitScratch)
		}
		for _, pt := range points {
			name := pt.name + ", outside git"
			if git {
				name = pt.name + ", git work tree"
			}
			round++
			var tag string
			t.Run(name, func(t *testing.T) {
				for attempt := 0; ; attempt++ {
					tag = fmt.Sprintf("v2.%d.%d", round, attempt)
					cmd, out := startBump(t, repo, "ghcr.io/acme/app:"+tag)
					exited := make(chan struct{})
					waitErr := make(chan error, 1)
					go func() { waitErr <- cmd.Wait(); close(exited) }()
					// The engine replaces the files in the order of their
					// paths: when the middle one is new, half the files are.
					hit := waitFor(exited, func() bool { return pt.reached(scratch, repo, sorted[n/2], tag) })
					cmd.Process.Signal(syscall.SIGKILL)
					err := <-waitErr
					var ee *exec.ExitError
					if hit && errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
						break
					}
					// The run got to its end first: the tree is at tag.
					if got := checkWhole(t, repo, paths, at, old, tag, scratch); got != n || attempt == 2 {
						t.Fatalf("run %d ended before the point (reached %v): %v, %d of %d files at %s\n%s", attempt+1, hit, err, got, n, tag, out)
					}
					old = tag
				}
				got := checkWhole(t, repo, paths, at, old, tag, scratch)
				t.Logf("killed with %d of %d files at %s", got, n, tag)
				if git {
					if st := gitStrays(t, repo, paths); st != "" {
						t.Errorf("after the kill, git would add:\n%s", st)
					}
				}

				again, out2 := startBump(t, repo, "ghcr.io/acme/app:"+tag)
				if err := again.Wait(); err != nil {
					t.Fatalf("second run: %v\n%s", err, out2)
				}
				if got := checkWhole(t, repo, paths, at, old, tag, scratch); got != n {
					t.Errorf("after the second run %d of %d files are at %s", got, n, tag)
				}
				if _, err := os.Lstat(scratch); !errors.Is(err, fs.ErrNotExist) {
					left, _ := filepath.Glob(filepath.Join(scratch, "*"))
					t.Errorf("the scratch directory is left after the second run: %v", left)
				}
				if git {
					if st := gitStrays(t, repo, paths); st != "" {
						t.Errorf("after the second run, git would add:\n%s", st)
					}
				}
			})
			old = tag
		}
	}
}

// checkWhole checks that every file of the tree holds its old content or
// its new one, and that no other file is there but in the scratch
// directory or .git; it returns how many are new.
func checkWhole(t *testing.T, repo string, paths []string, at func(int, string) string, old, tag, scratch string) int {
	t.Helper()
	want := map[string]int{}
	for i, p := range paths {
		want[p] = i
	}
	newCount := 0
	err := filepath.WalkDir(repo, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == scratch || d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(repo, p)
		i, ok := want[rel]
		if !ok {
			t.Errorf("stray file %q in the tree", rel)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch string(data) {
		case at(i, tag):
			newCount++
		case at(i, old):
		default:
			t.Errorf("%s is neither old nor new: %q", rel, data)
		}
		return nil
	})
	mustDo(t, err)
	return newCount
}

// gitInit makes dir a git work tree, or fakes its git directory where
// there is no git. Nothing is committed: the tree's own files are then
// untracked, and gitStrays tells them from anything else.
func gitInit(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		mustDo(t, os.MkdirAll(filepath.Join(dir, ".git"), 0o755))
		mustDo(t, os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("ref: refs/heads/main\n"), 0o644))
		return
	}
	cmd := exec.Command("git", "init", "-q")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
}

// gitStrays lists what `git add -A` would add besides the tree's files.
func gitStrays(t *testing.T, dir string, paths []string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		return ""
	}
	cmd := exec.Command("git", "status", "--porcelain", "--untracked-files=all")
	cmd.Dir = dir
	out, err := cmd.Output()
	mustDo(t, err)
	known := map[string]bool{}
	for _, p := range paths {
		known[filepath.ToSlash(p)] = true
	}
	var strays []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && !known[strings.TrimSpace(line[2:])] {
			strays = append(strays, line)
		}
	}
	return strings.Join(strays, "\n")
}

// TestTwoRunsAtOnce starts a bump to v2.1.0 while a bump to v2.2.0 of a
// large tree holds it: the later run must not silently undo the earlier
// one. It waits, then refuses the downgrade (or, started after the
// first finished, refuses it straight away); every file ends at v2.2.0.
func TestTwoRunsAtOnce(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	paths, at := largeTree(t, repo, 800)
	first, out1 := startBump(t, repo, "ghcr.io/acme/app:v2.2.0")
	exited := make(chan struct{})
	err1 := make(chan error, 1)
	go func() { err1 <- first.Wait(); close(exited) }()
	waitFor(exited, func() bool {
		m, _ := filepath.Glob(filepath.Join(repo, workspace.RootScratch, "tmp-*"))
		return len(m) > 0
	})
	second, out2 := startBump(t, repo, "ghcr.io/acme/app:v2.1.0")
	err2 := second.Wait()
	if err := <-err1; err != nil {
		t.Fatalf("the v2.2.0 run: %v\n%s", err, out1)
	}
	var ee *exec.ExitError
	if !errors.As(err2, &ee) || ee.ExitCode() != 1 || !strings.Contains(out2.String(), `refusing to downgrade ghcr.io/acme/app from "v2.2.0" to "v2.1.0"`) {
		t.Errorf("the v2.1.0 run: %v, want exit 1 and a refused downgrade\n%s", err2, out2)
	}
	t.Logf("the v2.1.0 run waited: %v", strings.Contains(out2.String(), "waiting for another run"))
	for i, p := range paths {
		data, err := os.ReadFile(filepath.Join(repo, p))
		mustDo(t, err)
		if string(data) != at(i, "v2.2.0") {
			t.Fatalf("%s = %q, want v2.2.0", p, data)
		}
	}
}
