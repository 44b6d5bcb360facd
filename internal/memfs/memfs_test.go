package memfs

import (
	"errors"
	"io/fs"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

func tree() *FS {
	return New(map[string]*File{
		"a.yaml":              {Data: []byte("a: 1\n"), Mode: 0o644},
		"env/staging/app.yml": {Data: []byte("image: x:1\n"), Mode: 0o644},
		"env/run.sh":          {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"empty":               {Mode: fs.ModeDir | 0o700, ModTime: time.Unix(1, 0)},
	})
}

// TestFS runs the standard checks of an fs.FS (every name opens, reads,
// seeks, lists and stats consistently).
func TestFS(t *testing.T) {
	if err := fstest.TestFS(tree(), "a.yaml", "env/staging/app.yml", "env/run.sh", "empty"); err != nil {
		t.Fatal(err)
	}
}

// TestSameAsMapFS: memfs answers as testing/fstest.MapFS, whose place it
// takes in the binary, for every name and every kind of question.
func TestSameAsMapFS(t *testing.T) {
	m := tree()
	want := fstest.MapFS{}
	for p, f := range m.All() {
		want[p] = &fstest.MapFile{Data: f.Data, Mode: f.Mode, ModTime: f.ModTime}
	}
	for _, name := range []string{".", "a.yaml", "env", "env/staging", "env/staging/app.yml", "env/run.sh", "empty", "missing", "env/missing", "a.yaml/x", "/a.yaml", "env/../a.yaml", ""} {
		t.Run(name, func(t *testing.T) {
			gotInfo, gotErr := m.Stat(name)
			wantInfo, wantErr := want.Stat(name)
			if (gotErr == nil) != (wantErr == nil) || errors.Is(gotErr, fs.ErrNotExist) != errors.Is(wantErr, fs.ErrNotExist) {
				t.Fatalf("Stat: error %v, want %v", gotErr, wantErr)
			}
			if gotErr == nil && (gotInfo.Name() != wantInfo.Name() || gotInfo.Mode() != wantInfo.Mode() || gotInfo.Size() != wantInfo.Size()) {
				t.Errorf("Stat: %s %v %d, want %s %v %d", gotInfo.Name(), gotInfo.Mode(), gotInfo.Size(), wantInfo.Name(), wantInfo.Mode(), wantInfo.Size())
			}
			gotData, gotErr := m.ReadFile(name)
			wantData, wantErr := want.ReadFile(name)
			if (gotErr == nil) != (wantErr == nil) || string(gotData) != string(wantData) {
				t.Errorf("ReadFile: %q %v, want %q %v", gotData, gotErr, wantData, wantErr)
			}
			gotList, gotErr := m.ReadDir(name)
			wantList, wantErr := want.ReadDir(name)
			if (gotErr == nil) != (wantErr == nil) || !slices.Equal(names(gotList), names(wantList)) {
				t.Errorf("ReadDir: %q %v, want %q %v", names(gotList), gotErr, names(wantList), wantErr)
			}
		})
	}
}

func names(entries []fs.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name()+" "+e.Type().String())
	}
	return out
}

// TestReadFileCopies: what ReadFile returns is the caller's to change.
func TestReadFileCopies(t *testing.T) {
	m := tree()
	b, _ := m.ReadFile("a.yaml")
	b[0] = 'X'
	if again, _ := m.ReadFile("a.yaml"); string(again) != "a: 1\n" {
		t.Errorf("the file became %q after its reader changed the bytes", again)
	}
}

// TestIndexSameAsMapFS: on a tree of many directories, nested, with
// directories of their own (empty or not) beside implied ones, every
// directory lists and describes itself as testing/fstest.MapFS says.
func TestIndexSameAsMapFS(t *testing.T) {
	files := monorepo(30)
	files["apps/app-00003/base"] = &File{Mode: fs.ModeDir | 0o700, ModTime: time.Unix(7, 0)}
	files["apps/empty"] = &File{Mode: fs.ModeDir | 0o750}
	files["deep/a/b/c/d/e/f.yaml"] = &File{Data: []byte("f"), Mode: 0o644}
	files["top.yaml"] = &File{Data: []byte("t"), Mode: 0o755}
	m := New(files)
	want := fstest.MapFS{}
	for p, f := range files {
		want[p] = &fstest.MapFile{Data: f.Data, Mode: f.Mode, ModTime: f.ModTime}
	}
	dirs := 0
	err := fs.WalkDir(want, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		dirs++
		got, gotErr := m.ReadDir(p)
		wantList, wantErr := want.ReadDir(p)
		if gotErr != nil || wantErr != nil || !slices.Equal(names(got), names(wantList)) {
			t.Errorf("ReadDir(%q) = %q %v, want %q %v", p, names(got), gotErr, names(wantList), wantErr)
		}
		gi, gotErr := m.Stat(p)
		wi, wantErr := want.Stat(p)
		if gotErr != nil || wantErr != nil || gi.Mode() != wi.Mode() || !gi.ModTime().Equal(wi.ModTime()) || gi.Name() != wi.Name() {
			t.Errorf("Stat(%q) = %v %v, want %v %v", p, gi, gotErr, wi, wantErr)
		}
		return nil
	})
	if err != nil || dirs < 100 {
		t.Fatalf("walked %d directories: %v", dirs, err)
	}
	if err := fstest.TestFS(m, "top.yaml", "deep/a/b/c/d/e/f.yaml", "apps/empty", "apps/app-00003/base/service.yaml"); err != nil {
		t.Error(err)
	}
}

// TestConcurrentReaders: readers that start at once on a new tree, the
// first of them building its index, all see it whole (run with -race).
func TestConcurrentReaders(t *testing.T) {
	files := monorepo(50)
	m := New(files)
	start := make(chan struct{})
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 1 {
				if _, err := m.Stat("apps/app-00049/overlays/production"); err != nil {
					t.Error(err)
				}
			}
			fs.WalkDir(m, ".", func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					counts[i]++
				}
				return err
			})
		}()
	}
	close(start)
	wg.Wait()
	for i, n := range counts {
		if n != len(files) {
			t.Errorf("reader %d walked %d files, want %d", i, n, len(files))
		}
	}
}

// TestReadDirCopies: what ReadDir returns is the caller's to change.
func TestReadDirCopies(t *testing.T) {
	m := tree()
	list, _ := m.ReadDir("env")
	list[0] = nil
	if again, _ := m.ReadDir("env"); len(again) != 2 || again[0] == nil || again[0].Name() != "run.sh" {
		t.Errorf("ReadDir after its caller changed the list: %q", names(again))
	}
}

// TestNamesNoPathOpens: an entry whose name is not a valid path is listed
// nowhere (no name opens it), and the index still ends.
func TestNamesNoPathOpens(t *testing.T) {
	m := New(map[string]*File{"/abs": {Data: []byte("x")}, "a//b": {Data: []byte("x")}, "../up": {Data: []byte("x")}, "": {Data: []byte("x")}, "ok.yaml": {Data: []byte("x")}})
	list, err := m.ReadDir(".")
	if err != nil || len(list) != 1 || list[0].Name() != "ok.yaml" {
		t.Errorf("ReadDir(\".\") = %q %v, want ok.yaml alone", names(list), err)
	}
}
