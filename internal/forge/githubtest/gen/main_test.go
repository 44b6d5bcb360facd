package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"openapi":"3.0.3","info":{"version":"1"},"paths":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "unknown flag", args: []string{"-nope"}, wantCode: 2, wantStderr: "flag provided but not defined"},
		{name: "missing source", args: []string{"-src", filepath.Join(dir, "missing.json"), "-out", filepath.Join(dir, "out.json")}, wantCode: 1, wantStderr: "reading description"},
		{name: "operation missing from the source", args: []string{"-src", bad, "-out", filepath.Join(dir, "out.json")}, wantCode: 1, wantStderr: "not in the description"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got, want := run(tc.args, &stderr), tc.wantCode; got != want {
				t.Errorf("exit code: got %d, want %d (stderr %q)", got, want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}
