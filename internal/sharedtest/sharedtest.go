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
//
// The link is not committed (a fresh clone would hold a link to nothing):
// Path makes it the first time a test asks, and .gitignore leaves it out
// of git. It is made even when ../shared is absent, for the cache's sake:
// a test that skipped then has stat'ed a path through the link, so when
// ../shared appears the path resolves, and go test runs the test again
// instead of replaying the skip.
package sharedtest

import (
	"errors"
	"fmt"
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
	p, why, err := find(elem)
	if err != nil {
		t.Fatal(err)
	}
	if why != nil {
		t.Skipf("%s is absent (%v): this test reads ../shared, the material beside a full checkout", filepath.Join(append([]string{"..", "shared"}, elem...)...), why)
	}
	return p
}

// Find is Path for material a test can do without: the path and true when
// it is there, false (and no skip) when it is not. Either way the test
// cache sees it appear or go.
func Find(t testing.TB, elem ...string) (string, bool) {
	t.Helper()
	p, why, err := find(elem)
	if err != nil {
		t.Fatal(err)
	}
	return p, why == nil
}

// find returns the path of elem through the link, or why it cannot be
// read (the link cannot be made, nothing is there); err is for a failure
// of the test's own.
func find(elem []string) (p string, why, err error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", nil, err
	}
	if why := ensureLink(root); why != nil {
		return "", why, nil
	}
	p = filepath.Join(append([]string{root, Link}, elem...)...)
	info, why := os.Stat(p)
	if why != nil {
		return "", why, nil
	}
	if info.IsDir() {
		// The trailing separator makes WalkDir descend even when p is
		// the link itself.
		err := filepath.WalkDir(p+string(filepath.Separator), func(string, fs.DirEntry, error) error { return nil })
		if err != nil {
			return "", nil, err
		}
	}
	return p, nil, nil
}

// target is where the link points: the directory beside the checkout.
const target = "../shared"

// ensureLink makes the link .shared → ../shared at the module root unless
// something by that name is there. Test processes of several packages may
// race to make it; the one that loses finds it made.
func ensureLink(root string) error {
	link := filepath.Join(root, Link)
	if _, err := os.Lstat(link); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Symlink(filepath.FromSlash(target), link); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("making the link %s to %s: %w", link, target, err)
	}
	return nil
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
