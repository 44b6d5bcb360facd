package promote_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
)

// TestEventPathFIFO: a FIFO at GITHUB_EVENT_PATH would block a run that
// opens it until a writer comes; the run stops at once with exit 2.
func TestEventPathFIFO(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	fifo := filepath.Join(t.TempDir(), "event.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	done := make(chan result, 1)
	go func() { done <- f.run("pull_request", fifo, nil) }()
	select {
	case r := <-done:
		r.WantCode(t, 2)
		if !strings.Contains(r.Stdout+r.Stderr, "is not a regular file") {
			t.Errorf("the run does not say what is wrong with the payload:\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the run blocks on a FIFO at GITHUB_EVENT_PATH")
	}
}
