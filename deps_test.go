package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestNoTestingInTheBinary: what only tests use stays out of the binary.
// testing/fstest, for one, links testing/iotest and a test's flags.
func TestNoTestingInTheBinary(t *testing.T) {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		goCmd = p
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps .: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps . listed %q: too few to be the binary's packages", deps)
	}
	for _, p := range deps {
		if p == "testing" || strings.HasPrefix(p, "testing/") || strings.HasSuffix(p, "test") && strings.Contains(p, "gitops-actions/internal/") {
			t.Errorf("the binary links %s, a package for tests", p)
		}
	}
}
