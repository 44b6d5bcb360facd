//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "output")
	if err := os.WriteFile(good, []byte("before=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	_, fullErr := os.Stat("/dev/full")
	tests := []struct {
		name    string
		env     map[string]string
		file    string // --outputs-file
		wantErr string
		skip    bool
	}{
		{name: "files that can be written", env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": good, "GITHUB_STEP_SUMMARY": good}},
		{name: "outside Actions, no outputs file", env: map[string]string{}},
		{name: "outside Actions, $GITHUB_OUTPUT is where the outputs go", env: map[string]string{"GITHUB_OUTPUT": dir},
			wantErr: `the outputs file "` + dir + `" cannot be written: open ` + dir + `: is a directory`},
		{name: "outside Actions, the flag wins", env: map[string]string{"GITHUB_OUTPUT": dir}, file: good},
		{name: "outputs file in a missing directory", env: map[string]string{}, file: filepath.Join(dir, "nope", "out"),
			wantErr: `the outputs file "` + filepath.Join(dir, "nope", "out") + `" cannot be written: open`},
		{name: "in Actions the outputs file is checked too", env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": good}, file: dir,
			wantErr: `the outputs file "` + dir + `" cannot be written`},
		{name: "no summary set", env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": good}},
		{name: "no output file set", env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": good},
			wantErr: "GITHUB_OUTPUT is not set: the runner sets it for every step"},
		{name: "output is a directory", env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": dir},
			wantErr: `GITHUB_OUTPUT "` + dir + `" cannot be written: open ` + dir + `: is a directory`},
		{name: "output is a full device", env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": "/dev/full"}, skip: fullErr != nil,
			wantErr: `GITHUB_OUTPUT "/dev/full" cannot be written: write /dev/full: no space left on device`},
		{name: "summary in a missing directory", env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": good, "GITHUB_STEP_SUMMARY": filepath.Join(dir, "nope", "summary")},
			wantErr: `GITHUB_STEP_SUMMARY "` + filepath.Join(dir, "nope", "summary") + `" cannot be written: open`},
		{name: "a FIFO nobody reads does not block", env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": fifo},
			wantErr: `GITHUB_OUTPUT "` + fifo + `" cannot be written: open ` + fifo + `: no such device or address`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				t.Skip("no /dev/full here")
			}
			r := &Run{Env: &Env{Getenv: func(k string) string { return tc.env[k] }}, outputsFile: tc.file}
			done := make(chan error, 1)
			go func() { done <- r.CheckOutputs() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("CheckOutputs blocked")
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckOutputs = %v, want nil", err)
				}
			} else if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Fatalf("CheckOutputs = %v, want %q", err, tc.wantErr)
			}
			if data, _ := os.ReadFile(good); string(data) != "before=1\n" {
				t.Errorf("the output file was written: %q", data)
			}
		})
	}
}
