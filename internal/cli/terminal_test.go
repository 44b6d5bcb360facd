package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

func TestPlain(t *testing.T) {
	tests := []struct {
		name, in, want, wantValue string
	}{
		{name: "plain text", in: "refusing to downgrade (set allow-downgrade)", want: "refusing to downgrade (set allow-downgrade)"},
		{name: "line breaks", in: "a\nb\r\nc", want: "a\n  b\n  c", wantValue: `a\nb\r\nc`},
		{name: "tab kept", in: "a\tb", want: "a\tb"},
		{name: "ANSI escape", in: "x\x1b[2Jy\x1b]0;title\x07", want: `x\x1b[2Jy\x1b]0;title\a`},
		{name: "carriage return alone", in: "ok\rFAIL", want: `ok\rFAIL`},
		{name: "C1 control and DEL", in: "a\u009bb\x7f", want: `a\u009bb\x7f`},
		{name: "bidi override", in: "file\u202egpj.yaml", want: `file\u202egpj.yaml`},
		{name: "invalid UTF-8", in: "a\xffb", want: `a\xffb`},
		{name: "workflow command text is left alone", in: "::error::x %0A", want: "::error::x %0A"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := plain(tc.in); got != tc.want {
				t.Errorf("plain(%q) = %q, want %q", tc.in, got, tc.want)
			}
			wantValue := tc.wantValue
			if wantValue == "" {
				wantValue = tc.want
			}
			if got := plainValue(tc.in); got != wantValue {
				t.Errorf("plainValue(%q) = %q, want %q", tc.in, got, wantValue)
			}
		})
	}
}

// lister sets outputs of every shape, and warns with a message of two
// lines.
var lister = Command{
	Spec: Spec{
		Name:    "lister",
		Outputs: []Output{{Name: "changed"}, {Name: "files"}, {Name: "long"}, {Name: "empty"}},
	},
	Run: func(_ context.Context, r *Run) error {
		if err := r.CheckOutputs(); err != nil {
			return err
		}
		r.Warning("a.yaml", 3, "first line\nsecond line")
		r.SetOutput("changed", "true")
		r.SetOutput("files", "a.yaml\nb.yaml")
		r.SetOutput("long", strings.Repeat("x", 500))
		r.SetOutput("empty", "")
		return nil
	},
}

func TestOutputsOutsideActions(t *testing.T) {
	dir := t.TempDir()
	ghOut := filepath.Join(dir, "gh-output")
	tests := []struct {
		name    string
		environ map[string]string
		args    []string
		// file is where the outputs must be, relative to dir ("" for none).
		file     string
		wantList bool
		wantCode int
	}{
		{name: "a list on stderr", environ: map[string]string{}, wantList: true},
		{name: "--outputs-file, relative to the working directory", environ: map[string]string{}, args: []string{"--outputs-file", "out/o.txt"}, file: "out/o.txt"},
		{name: "$GITHUB_OUTPUT when set", environ: map[string]string{"GITHUB_OUTPUT": ghOut}, file: "gh-output"},
		{name: "the flag wins over $GITHUB_OUTPUT", environ: map[string]string{"GITHUB_OUTPUT": ghOut}, args: []string{"--outputs-file=" + filepath.Join(dir, "flag.txt")}, file: "flag.txt"},
		{name: "an outputs file that cannot be written", environ: map[string]string{}, args: []string{"--outputs-file", "missing/dir/o.txt"}, wantCode: ExitInternal},
	}
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(ghOut)
			var stdout, stderr bytes.Buffer
			env := &Env{Getenv: func(k string) string { return tc.environ[k] }, Stdout: &stdout, Stderr: &stderr, Dir: dir}
			code := Main(context.Background(), []Command{lister}, append([]string{"gitops-actions", "lister"}, tc.args...), env)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.wantCode, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing: outputs never go there", stdout.String())
			}
			if want := "warning: a.yaml:3: first line\n  second line\n"; code == 0 && !strings.HasPrefix(stderr.String(), want) {
				t.Errorf("stderr = %q, want it to start with %q", stderr.String(), want)
			}
			list := "outputs:\n  changed: true\n  files:\n    a.yaml\n    b.yaml\n  long: " + strings.Repeat("x", 199) + "…\n  empty: \n  (values cut short; --outputs-file FILE writes them whole)\n"
			if got := strings.Contains(stderr.String(), list); got != tc.wantList {
				t.Errorf("the list on stderr: %t, want %t\n%s", got, tc.wantList, stderr.String())
			}
			if tc.file == "" {
				return
			}
			raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := runnertest.ReadOutputs(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			want := []runnertest.Output{{Name: "changed", Value: "true"}, {Name: "files", Value: "a.yaml\nb.yaml"}, {Name: "long", Value: strings.Repeat("x", 500)}, {Name: "empty", Value: ""}}
			if len(got) != len(want) {
				t.Fatalf("outputs %q, want %q", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("output %d = %q, want %q", i, got[i], want[i])
				}
			}
		})
	}
}

// TestOutputsFileInActions: in Actions the outputs go to $GITHUB_OUTPUT as
// they always did, and to --outputs-file too when it is given.
func TestOutputsFileInActions(t *testing.T) {
	dir := t.TempDir()
	ghOut, flagOut := filepath.Join(dir, "gh"), filepath.Join(dir, "flag")
	var stdout, stderr bytes.Buffer
	environ := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": ghOut}
	env := &Env{Getenv: func(k string) string { return environ[k] }, Stdout: &stdout, Stderr: &stderr, Dir: dir}
	if code := Main(context.Background(), []Command{lister}, []string{"x", "lister", "--outputs-file", flagOut}, env); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, p := range []string{ghOut, flagOut} {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if outs, err := runnertest.ReadOutputs(string(raw)); err != nil || len(outs) != 4 {
			t.Errorf("%s: outputs %q (%v), want 4", p, outs, err)
		}
	}
	if strings.Contains(stderr.String(), "outputs:") {
		t.Errorf("in Actions the list is printed:\n%s", stderr.String())
	}
	cs := runnertest.Commands(stdout.String())
	if len(cs) != 1 || cs[0].Name != "warning" || runnertest.DecodeData(cs[0].Data) != "first line\nsecond line" {
		t.Errorf("commands %+v, want one warning annotation whose message has two lines", cs)
	}
}

func TestHelpNamesOutputsFile(t *testing.T) {
	var stdout bytes.Buffer
	env := &Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stdout}
	if code := Main(context.Background(), []Command{lister}, []string{"x", "lister", "--help"}, env); code != 0 || !strings.Contains(stdout.String(), "--outputs-file file") {
		t.Errorf("exit %d, help lacks --outputs-file:\n%s", code, stdout.String())
	}
}
