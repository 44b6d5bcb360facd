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
//
// The one exception is the testing package itself, imported by Helm's own
// code (helm.sh/helm/v4/internal/version and pkg/chart/common call
// testing.Testing() to pick test defaults), which no use of Helm's engine
// avoids: it may be linked when Helm's packages are all that import it.
func TestNoTestingInTheBinary(t *testing.T) {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		goCmd = p
	}
	out, err := exec.Command(goCmd, "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list -deps .: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list -deps . listed %q: too few to be the binary's packages", lines)
	}
	for _, l := range lines {
		fields := strings.Fields(l)
		p, imports := fields[0], fields[1:]
		if strings.HasPrefix(p, "testing/") || strings.HasSuffix(p, "test") && strings.Contains(p, "gitops-actions/internal/") {
			t.Errorf("the binary links %s, a package for tests", p)
		}
		for _, imp := range imports {
			if imp == "testing" && !strings.HasPrefix(p, "helm.sh/helm/v4/") {
				t.Errorf("%s imports testing, a package for tests, into the binary", p)
			}
		}
	}
}
