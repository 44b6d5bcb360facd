// Package sharedtest gives tests the read-only material beside the
// checkout, ../shared (real config repos in corpora/, GitHub's API
// description and webhook payloads in github/), through the link .shared
// at the module root.
//
// Why a link: go test replays a package's cached result as long as the
// files its tests opened or stat'ed are unchanged, but it checks only files
// inside the module root (cmd/go/internal/test, computeTestInputsID). Read
// as ../shared, the material was invisible to the cache: after ../shared
// appeared, go test ./... replayed the earlier skips, and after a corpus
// changed, the earlier passes. Read through .shared, every path is inside
// the module, so a change is seen. TestCacheSeesShared runs go test on a
// small module laid out the same way and shows it.
package sharedtest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Link is the name of the link at the module root that points to ../shared.
const Link = ".shared"

// Path returns the path of elem (slash-free path elements, e.g. "corpora",
// "podinfo") under ../shared, reached through the module's .shared link, or
// skips the test when it is absent. For a directory, it lists every
// directory below it, so that a file added, removed or changed anywhere in
// it invalidates the cached test result.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(append([]string{root, Link}, elem...)...)
	info, err := os.Stat(p)
	if err != nil {
		t.Skipf("%s is absent (%v): this test reads ../shared, the material beside a full checkout", filepath.Join(append([]string{"..", "shared"}, elem...)...), err)
	}
	if info.IsDir() {
		// The trailing separator makes WalkDir descend even when p is
		// the link itself.
		err := filepath.WalkDir(p+string(filepath.Separator), func(string, fs.DirEntry, error) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// ModuleRoot returns the directory holding go.mod, at or above the working
// directory (a test runs in its package's directory; a generator run with
// go run, wherever it is started inside the module).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("sharedtest: no go.mod above the working directory")
		}
		dir = parent
	}
}
