package cli

import (
	"encoding/json"
	"io"
	"os"
	"strings"
)

// maxEventBytes bounds the event payload read: GitHub caps webhook payloads
// at 25 MB.
const maxEventBytes = 25 << 20

// ReadEvent returns the name of the event that started the workflow
// (GITHUB_EVENT_NAME) and decodes its webhook payload (the file at
// GITHUB_EVENT_PATH) into v. Outside Actions there is no payload and v is
// left as it is. A payload that is not a regular file (a FIFO would block
// the run), exceeds 25 MiB or is not JSON is bad input (exit 2).
func ReadEvent(getenv func(string) string, v any) (string, error) {
	name := getenv("GITHUB_EVENT_NAME")
	p := getenv("GITHUB_EVENT_PATH")
	if p == "" {
		return name, nil
	}
	// Look before opening: opening a FIFO blocks until a writer comes.
	if st, err := os.Stat(p); err == nil && !st.Mode().IsRegular() {
		return name, Usagef("the event payload GITHUB_EVENT_PATH=%q is not a regular file", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return name, Usagef("reading the event payload GITHUB_EVENT_PATH=%q: %v", p, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return name, Usagef("the event payload GITHUB_EVENT_PATH=%q is not a regular file", p)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxEventBytes+1))
	if err != nil {
		return name, Usagef("reading the event payload %q: %v", p, err)
	}
	if len(data) > maxEventBytes {
		return name, Usagef("the event payload %q exceeds %d MiB", p, maxEventBytes>>20)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return name, Usagef("the event payload %q is not a webhook payload: %v", p, err)
	}
	return name, nil
}

// RunURL is the web address of the workflow run,
// GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID (the
// server github.com when unset), or "" outside Actions.
func RunURL(getenv func(string) string) string {
	server := strings.TrimSuffix(getenv("GITHUB_SERVER_URL"), "/")
	if server == "" {
		server = "https://github.com"
	}
	repo, id := getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if repo == "" || id == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + id
}
