package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const secret = "ghp_s3cr3tT0k3nValue"

// echo is a command that does what a careless command might: print its
// inputs, put them in outputs and the summary, and fail quoting them.
var echo = Command{
	Spec: Spec{
		Name: "echo",
		Inputs: []Input{
			{Name: "token", Secret: true, Description: "a token"},
			{Name: "names", Kind: List, Description: "names"},
			{Name: "paths", Kind: Lines, Default: ".", Description: "paths"},
			{Name: "fail", Kind: Bool, Default: "false", Description: "fail"},
		},
		Outputs: []Output{{Name: "seen", Description: "what was seen"}},
	},
	Run: func(_ context.Context, r *Run) error {
		tok := r.Inputs.String("token")
		fmt.Fprintf(r.Stdout, "token is %s\n", tok)
		fmt.Fprintf(r.Stderr, "names=%q paths=%q\n", r.Inputs.List("names"), r.Inputs.Lines("paths"))
		r.SetOutput("seen", "token="+tok)
		r.Summary("| token | " + tok + " |\n")
		r.Warning("f.yaml", 3, "token "+tok)
		fail, err := r.Inputs.Bool("fail")
		if err != nil {
			return err
		}
		if fail {
			return Failedf("request with %q failed", tok)
		}
		return nil
	},
}

type invocation struct {
	code            int
	stdout, stderr  string
	output, summary string
}

func invoke(t *testing.T, environ map[string]string, args ...string) invocation {
	t.Helper()
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	out, sum := filepath.Join(dir, "out"), filepath.Join(dir, "sum")
	if environ["GITHUB_ACTIONS"] == "true" {
		environ["GITHUB_OUTPUT"], environ["GITHUB_STEP_SUMMARY"] = out, sum
	}
	env := &Env{Getenv: func(k string) string { return environ[k] }, Stdout: &stdout, Stderr: &stderr, Dir: dir}
	code := Main(context.Background(), []Command{echo}, append([]string{"gitops-actions", "echo"}, args...), env)
	o, _ := os.ReadFile(out)
	s, _ := os.ReadFile(sum)
	return invocation{code, stdout.String(), stderr.String(), string(o), string(s)}
}

func TestSecretsNeverPrinted(t *testing.T) {
	for _, tc := range []struct {
		name     string
		environ  map[string]string
		args     []string
		wantCode int
	}{
		{name: "local success", environ: map[string]string{}, args: []string{"--token", secret}},
		{name: "local failure", environ: map[string]string{}, args: []string{"--token", secret, "--fail"}, wantCode: ExitFailed},
		{name: "actions success", environ: map[string]string{"GITHUB_ACTIONS": "true", "INPUT_TOKEN": secret}},
		{name: "actions failure", environ: map[string]string{"GITHUB_ACTIONS": "true", "INPUT_TOKEN": secret, "INPUT_FAIL": "true"}, wantCode: ExitFailed},
		{name: "actions bad boolean", environ: map[string]string{"GITHUB_ACTIONS": "true", "INPUT_TOKEN": secret, "INPUT_FAIL": secret}, wantCode: ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := invoke(t, tc.environ, tc.args...)
			if got.code != tc.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", got.code, tc.wantCode, got.stderr)
			}
			stdout := got.stdout
			if tc.environ["GITHUB_ACTIONS"] == "true" {
				// The mask command must come first, and is the only place
				// the runner may see the value.
				first, rest, _ := strings.Cut(stdout, "\n")
				if first != "::add-mask::"+secret {
					t.Errorf("first line of stdout = %q, want the add-mask command", first)
				}
				stdout = rest
			}
			for where, text := range map[string]string{"stdout": stdout, "stderr": got.stderr, "$GITHUB_OUTPUT": got.output, "summary": got.summary} {
				if strings.Contains(text, secret) {
					t.Errorf("%s holds the secret: %q", where, text)
				}
			}
			if !strings.Contains(got.stdout+got.stderr, "***") {
				t.Errorf("the redaction marker appears nowhere: stdout %q stderr %q", got.stdout, got.stderr)
			}
		})
	}
}

// TestSecretPartsNeverPrinted runs a command whose secret input holds
// HOST=PASSWORD lines and that prints one password alone: each part is
// masked before anything else and redacted everywhere, not only the
// input's whole value.
func TestSecretPartsNeverPrinted(t *testing.T) {
	const pass1, pass2 = "pw-0ne-s3cret", "pw-tw0-s3cret"
	parts := Command{
		Spec: Spec{Name: "parts", Inputs: []Input{{Name: "creds", Kind: Lines, Secret: true, Description: "HOST=PASSWORD lines", SecretParts: func(v string) []string {
			var out []string
			for _, line := range strings.Split(v, "\n") {
				if _, p, ok := strings.Cut(line, "="); ok {
					out = append(out, p)
				}
			}
			return out
		}}}, Outputs: []Output{{Name: "seen", Description: "what was seen"}}},
		Run: func(_ context.Context, r *Run) error {
			lines := r.Inputs.Lines("creds")
			_, p, _ := strings.Cut(lines[1], "=")
			fmt.Fprintf(r.Stdout, "second password %s\n", p)
			fmt.Fprintf(r.Stderr, "second password %s\n", p)
			r.SetOutput("seen", p)
			r.Summary(p)
			return Failedf("refused with %s", p)
		},
	}
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	out, sum := filepath.Join(dir, "out"), filepath.Join(dir, "sum")
	environ := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": sum, "INPUT_CREDS": "a.example=" + pass1 + "\nb.example=" + pass2}
	env := &Env{Getenv: func(k string) string { return environ[k] }, Stdout: &stdout, Stderr: &stderr, Dir: dir}
	if code := Main(context.Background(), []Command{parts}, []string{"gitops-actions", "parts"}, env); code != ExitFailed {
		t.Errorf("exit %d, want %d", code, ExitFailed)
	}
	lines := strings.Split(stdout.String(), "\n")
	if len(lines) < 3 || lines[1] != "::add-mask::"+pass1 || lines[2] != "::add-mask::"+pass2 {
		t.Errorf("stdout does not mask each password first:\n%s", stdout.String())
	}
	o, _ := os.ReadFile(out)
	sm, _ := os.ReadFile(sum)
	rest := strings.Join(lines[3:], "\n")
	for where, text := range map[string]string{"stdout": rest, "stderr": stderr.String(), "$GITHUB_OUTPUT": string(o), "summary": string(sm)} {
		if strings.Contains(text, pass2) {
			t.Errorf("%s holds the password: %q", where, text)
		}
	}
	if !strings.Contains(rest, "second password ***") {
		t.Errorf("stdout does not show the redaction: %q", rest)
	}
}

func TestInputs(t *testing.T) {
	got := invoke(t, map[string]string{"GITHUB_ACTIONS": "true", "INPUT_NAMES": "a, b\nc,,", "INPUT_PATHS": "x,y\n z \n", "INPUT_TOKEN": "tok-123"}, "--paths", "flag")
	if got.code != 0 {
		t.Fatalf("exit %d: %s", got.code, got.stderr)
	}
	if want := `names=["a" "b" "c"] paths=["flag"]`; !strings.Contains(got.stderr, want) {
		t.Errorf("stderr %q lacks %q (flags win over INPUT_*)", got.stderr, want)
	}
	got = invoke(t, map[string]string{"GITHUB_ACTIONS": "true", "INPUT_PATHS": "x,y\n z \n", "INPUT_TOKEN": "tok-123"})
	if want := `paths=["x,y" "z"]`; !strings.Contains(got.stderr, want) {
		t.Errorf("stderr %q lacks %q (Lines keeps commas)", got.stderr, want)
	}
	got = invoke(t, map[string]string{"INPUT_NAMES": "ignored"}, "--token", "tok-123")
	if want := `names=[] paths=["."]`; !strings.Contains(got.stderr, want) {
		t.Errorf("stderr %q lacks %q (INPUT_* is read only in Actions; defaults apply)", got.stderr, want)
	}
	if !strings.Contains(got.stderr, "warning: f.yaml:3: token") {
		t.Errorf("local warning missing: %q", got.stderr)
	}
	got = invoke(t, map[string]string{}, "--token", "tok-123", "--names", "a", "--names", "b")
	if want := `names=["a" "b"]`; !strings.Contains(got.stderr, want) {
		t.Errorf("stderr %q lacks %q (a repeated list flag adds)", got.stderr, want)
	}
	got = invoke(t, map[string]string{}, "stray")
	if got.code != ExitUsage || !strings.Contains(got.stderr, `unexpected argument "stray"`) {
		t.Errorf("exit %d stderr %q, want a usage error", got.code, got.stderr)
	}
}

func TestMainDispatch(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := &Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr, Version: "1.2.3"}
	cmds := []Command{echo, VersionCommand, NotImplemented("promote", "later")}
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
	}{
		{args: []string{"x"}, code: ExitUsage, contains: "Usage: gitops-actions <command>"},
		{args: []string{"x", "nope"}, code: ExitUsage, contains: `unknown command "nope"`},
		{args: []string{"x", "--help"}, code: ExitOK, contains: "Exit codes:"},
		{args: []string{"x", "version"}, code: ExitOK, contains: "gitops-actions 1.2.3"},
		{args: []string{"x", "promote"}, code: ExitUsage, contains: "promote is not implemented yet"},
	} {
		stdout.Reset()
		stderr.Reset()
		if code := Main(context.Background(), cmds, tc.args, env); code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.contains) {
			t.Errorf("%v: exit %d, output %q; want %d and %q", tc.args, code, stdout.String()+stderr.String(), tc.code, tc.contains)
		}
	}
}

func TestCodeOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("boom"), ExitInternal},
		{Usagef("bad"), ExitUsage},
		{fmt.Errorf("wrapped: %w", Failedf("job")), ExitFailed},
		{errors.Join(errors.New("x"), Failedf("job")), ExitFailed},
	} {
		if got := CodeOf(tc.err); got != tc.want {
			t.Errorf("CodeOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestUnion(t *testing.T) {
	a := Spec{Name: "a", Inputs: []Input{{Name: "path", Default: ".", Required: true}, {Name: "format", Default: "text"}}, Outputs: []Output{{Name: "x"}}}
	b := Spec{Name: "b", Inputs: []Input{{Name: "path", Default: "."}, {Name: "format", Default: "json"}, {Name: "token", Secret: true}}, Outputs: []Output{{Name: "x"}, {Name: "y"}}}
	u := Union("root", "d", []Spec{a, b})
	var names, defaults []string
	for _, in := range u.Inputs {
		names = append(names, in.Name)
		defaults = append(defaults, in.Default)
		if in.Name != "command" && in.Required {
			t.Errorf("input %q is required in the union", in.Name)
		}
	}
	if want := []string{"command", "path", "format", "token"}; !reflect.DeepEqual(names, want) {
		t.Errorf("inputs = %v, want %v", names, want)
	}
	if want := []string{"", ".", "", ""}; !reflect.DeepEqual(defaults, want) {
		t.Errorf("defaults = %v, want %v (kept only where the commands agree)", defaults, want)
	}
	if len(u.Outputs) != 2 {
		t.Errorf("outputs = %v, want x and y once each", u.Outputs)
	}
}
