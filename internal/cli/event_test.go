package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadEvent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		path       string
		wantNumber int
		wantErr    string
	}{
		{name: "pull request", path: write("pr.json", `{"number": 7, "pull_request": {"number": 7}}`), wantNumber: 7},
		{name: "outside Actions", path: ""},
		{name: "missing", path: filepath.Join(dir, "none.json"), wantErr: "reading the event payload"},
		{name: "not JSON", path: write("bad.json", "{"), wantErr: "is not a webhook payload"},
		{name: "a FIFO, which would block", path: fifo, wantErr: "is not a regular file"},
		{name: "a directory", path: dir, wantErr: "is not a regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": tc.path}
			var ev struct {
				Number int `json:"number"`
			}
			name, err := ReadEvent(func(k string) string { return env[k] }, &ev)
			if name != "pull_request" {
				t.Errorf("name: got %q, want pull_request", name)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || CodeOf(err) != ExitUsage {
					t.Errorf("got %v, want a usage error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || ev.Number != tc.wantNumber {
				t.Errorf("got %d, %v; want %d", ev.Number, err, tc.wantNumber)
			}
		})
	}
}

func TestRunURL(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GITHUB_SERVER_URL": "https://github.com/", "GITHUB_REPOSITORY": "acme/config", "GITHUB_RUN_ID": "42"}, "https://github.com/acme/config/actions/runs/42"},
		{map[string]string{"GITHUB_SERVER_URL": "https://ghe.example", "GITHUB_REPOSITORY": "acme/config", "GITHUB_RUN_ID": "7"}, "https://ghe.example/acme/config/actions/runs/7"},
		{map[string]string{"GITHUB_REPOSITORY": "acme/config", "GITHUB_RUN_ID": "42"}, "https://github.com/acme/config/actions/runs/42"},
		{map[string]string{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/config"}, ""},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := RunURL(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("RunURL(%v): got %q, want %q", tc.env, got, tc.want)
		}
	}
}
