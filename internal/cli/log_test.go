package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

// hostile is a value a pull request can put in a file name or a tag: a
// line break, then a command; a command in the old syntax; the delimiter
// go-githubactions closed every output with.
const hostile = "v1\n::error file=x::owned\n##[warning]old syntax\n_GitHubActionsFileCommandDelimeter_\nchanged<<EOF\nfalse\nEOF"

// loud prints the hostile value every way a command can: a warning pinned
// to it, a log line, verbatim text, an output, and the error it fails with.
var loud = Command{
	Spec: Spec{
		Name:    "loud",
		Inputs:  []Input{{Name: "fail", Kind: Bool, Default: "false", Description: "fail"}},
		Outputs: []Output{{Name: "files", Description: "files"}, {Name: "changed", Description: "changed"}},
	},
	Run: func(_ context.Context, r *Run) error {
		r.Warning(hostile, 3, "bad tag "+hostile)
		r.Logf("%s:%d: %s → %s (%s)", hostile, 3, hostile, "v2", errors.New(hostile))
		if err := r.Verbatim(func(w io.Writer) error {
			_, err := io.WriteString(w, verbatim)
			return err
		}); err != nil {
			return err
		}
		r.SetOutput("files", hostile)
		r.SetOutput("changed", "true")
		if fail, _ := r.Inputs.Bool("fail"); fail {
			return Failedf("refusing %q: %s", hostile, hostile)
		}
		return nil
	},
}

func TestNoValueStartsAWorkflowCommand(t *testing.T) {
	for _, tc := range []struct {
		name    string
		actions bool
		fail    bool
		want    []string // the commands the runner may see, in order
	}{
		{name: "actions", actions: true, want: []string{"warning", "stop-commands"}},
		{name: "actions failing", actions: true, fail: true, want: []string{"warning", "stop-commands", "error"}},
		{name: "local"},
		{name: "local failing", fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "output")
			environ := map[string]string{}
			if tc.actions {
				environ = map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out}
			}
			args := []string{"gitops-actions", "loud"}
			if tc.fail {
				args = append(args, "--fail")
			}
			var stdout, stderr bytes.Buffer
			env := &Env{Getenv: func(k string) string { return environ[k] }, Stdout: &stdout, Stderr: &stderr, Dir: dir}
			code := Main(context.Background(), []Command{loud}, args, env)
			if want := map[bool]int{false: ExitOK, true: ExitFailed}[tc.fail]; code != want {
				t.Fatalf("exit %d, want %d; stderr %q", code, want, stderr.String())
			}
			// The runner reads stdout and stderr alike, line by line; between
			// stop-commands and its token it obeys nothing. Outside Actions
			// no runner reads either: a person does, on a terminal.
			if !tc.actions {
				checkTerminal(t, stdout.String(), stderr.String())
				return
			}
			log := stdout.String() + "\n" + stderr.String()
			var got []string
			for _, c := range runnertest.Commands(log) {
				got = append(got, c.Name)
				if c.Name == "warning" || c.Name == "error" {
					// The runner shows the value whole, but for the "##[" that
					// Escape breaks.
					if d := runnertest.DecodeData(c.Data); !strings.Contains(d, strings.ReplaceAll(hostile, "#[", "#%5B")) {
						t.Errorf("%s: the message %q lost the value", c.Name, d)
					}
				}
			}
			if len(got) > 1 && got[1] == "stop-commands" {
				if len(got) < 3 || got[2] == "stop-commands" || !strings.HasPrefix(got[2], "gitops-actions-") {
					t.Errorf("commands stay stopped after the verbatim text: %q", got)
				}
				got = append(got[:2], got[3:]...)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("the runner obeys %q, want %q\nstdout:\n%s\nstderr:\n%s", got, tc.want, stdout.String(), stderr.String())
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			outputs, err := runnertest.ReadOutputs(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			if want := []runnertest.Output{{Name: "files", Value: hostile}, {Name: "changed", Value: "true"}}; !reflect.DeepEqual(outputs, want) {
				t.Errorf("the runner reads the outputs %q, want %q", outputs, want)
			}
		})
	}
}

func TestWarningAnnotation(t *testing.T) {
	got := invoke(t, map[string]string{"GITHUB_ACTIONS": "true", "INPUT_TOKEN": "tok-1234567"})
	cs := runnertest.Commands(got.stdout)
	if len(cs) != 2 || cs[1].Name != "warning" {
		t.Fatalf("commands %+v, want add-mask and one warning", cs)
	}
	if p := cs[1].Props(); p["file"] != "f.yaml" || p["line"] != "3" {
		t.Errorf("warning properties %v, want file f.yaml and line 3", p)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"x", "version"}, {"x", "--version"}} {
		var stdout, stderr bytes.Buffer
		env := &Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr, Version: "1.2.3"}
		if code := Main(context.Background(), []Command{echo, VersionCommand}, args, env); code != ExitOK || stdout.String() != "gitops-actions 1.2.3\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want gitops-actions 1.2.3", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestInputVariables reads inputs the way the runner passes them: upper
// case, hyphens kept, spaces made underscores.
func TestInputVariables(t *testing.T) {
	spec := Spec{Name: "names", Inputs: []Input{{Name: "path"}, {Name: "dry-run", Kind: Bool}, {Name: "github-api-url"}, {Name: "my input"}}}
	environ := map[string]string{"GITHUB_ACTIONS": "true", "INPUT_PATH": "p", "INPUT_DRY-RUN": "true", "INPUT_GITHUB-API-URL": "https://x", "INPUT_MY_INPUT": " spaced "}
	v := resolve(&spec, nil, nil, &Env{Getenv: func(k string) string { return environ[k] }})
	for name, want := range map[string]string{"path": "p", "dry-run": "true", "github-api-url": "https://x", "my input": "spaced"} {
		if got := v.String(name); got != want {
			t.Errorf("input %q = %q, want %q", name, got, want)
		}
	}
}

// verbatim is what loud prints through Verbatim.
const verbatim = "-image: " + hostile + "\n  ::error::context line\n+x ##[error]y"

// checkTerminal checks what loud printed outside Actions: standard output
// holds the verbatim text and nothing else (no outputs), and standard
// error shows the hostile value with real line breaks, each indented, so
// that no line of the value starts where a line of ours does.
func checkTerminal(t *testing.T, stdout, stderr string) {
	t.Helper()
	if stdout != verbatim {
		t.Errorf("stdout = %q, want the verbatim text alone", stdout)
	}
	for i, line := range strings.Split(stderr, "\n") {
		for _, r := range line {
			if r < 0x20 && r != '\t' {
				t.Errorf("stderr line %d holds the control character %q: %q", i+1, r, line)
			}
		}
		for _, forged := range []string{"::", "##[", "_GitHub", "changed<<", "false", "EOF"} {
			if strings.HasPrefix(line, forged) {
				t.Errorf("stderr line %d starts as a line of the value would: %q", i+1, line)
			}
		}
	}
	for _, want := range []string{
		"warning: v1\\n::error file=x::owned",                            // a file name stays on its line
		"bad tag v1\n  ::error file=x::owned\n  ##[warning]old syntax\n", // a message keeps its line breaks
		"outputs:\n  files:\n    v1\n    ::error file=x::owned\n",
		"  changed: true\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
