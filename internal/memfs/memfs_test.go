package memfs

import (
	"errors"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"
	"time"
)

func tree() FS {
	return FS{
		"a.yaml":              {Data: []byte("a: 1\n"), Mode: 0o644},
		"env/staging/app.yml": {Data: []byte("image: x:1\n"), Mode: 0o644},
		"env/run.sh":          {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"empty":               {Mode: fs.ModeDir | 0o700, ModTime: time.Unix(1, 0)},
	}
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
	for p, f := range m {
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
