package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/sethvargo/go-githubactions"
)

// Env is the process around one run: everything a command may read or write
// outside its inputs, injected so that tests can run commands in-process.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Dir is the working directory paths are relative to.
	Dir string
	// Version is the tool's version, for the version command and User-Agent.
	Version string
}

// InActions reports whether the command runs as a GitHub Action step.
func (e *Env) InActions() bool { return e.Getenv("GITHUB_ACTIONS") == "true" }

// Command is one subcommand of the binary.
type Command struct {
	Spec Spec
	// Run does the work. It must not print secrets and must not exit; it
	// returns an error whose exit code CodeOf tells.
	Run func(ctx context.Context, r *Run) error
}

// Run is what a command's Run function gets: its inputs, the environment and
// a sink for outputs, the step summary and annotations.
type Run struct {
	*Env
	Inputs  Values
	spec    *Spec
	action  *githubactions.Action
	outputs []output
	summary strings.Builder
}

type output struct{ name, value string }

// SetOutput records an output; it panics on a name the spec does not declare,
// which is a programming error a test catches.
func (r *Run) SetOutput(name, value string) {
	if !r.spec.hasOutput(name) {
		panic(fmt.Sprintf("cli: command %q declares no output %q", r.spec.Name, name))
	}
	for i := range r.outputs {
		if r.outputs[i].name == name {
			r.outputs[i].value = value
			return
		}
	}
	r.outputs = append(r.outputs, output{name, value})
}

// Summary appends Markdown to the step summary (Actions only).
func (r *Run) Summary(markdown string) { r.summary.WriteString(markdown) }

// Warning reports a problem that does not fail the run, pinned to a file and
// line when known: an annotation in Actions, a line on stderr locally.
func (r *Run) Warning(file string, line int, msg string) {
	if r.action != nil {
		f := map[string]string{}
		if file != "" {
			f["file"] = file
			if line > 0 {
				f["line"] = fmt.Sprint(line)
			}
		}
		r.action.WithFieldsMap(f).Warningf("%s", msg)
		return
	}
	fmt.Fprintf(r.Stderr, "warning: %s%s\n", position(file, line), msg)
}

func position(file string, line int) string {
	switch {
	case file == "":
		return ""
	case line > 0:
		return fmt.Sprintf("%s:%d: ", file, line)
	default:
		return file + ": "
	}
}

// redact replaces every secret input's value with ***: outputs and the
// summary go to files the runner does not mask.
func (r *Run) redact(s string) string {
	for _, sec := range r.Inputs.Secrets() {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

// flush writes the outputs and the summary: to $GITHUB_OUTPUT and
// $GITHUB_STEP_SUMMARY in Actions, to stdout locally.
func (r *Run) flush() (err error) {
	if r.action != nil {
		// go-githubactions panics when an environment file cannot be written.
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("writing outputs: %v", p)
			}
		}()
		for _, o := range r.outputs {
			r.action.SetOutput(o.name, r.redact(o.value))
		}
		if r.summary.Len() > 0 && r.Getenv("GITHUB_STEP_SUMMARY") != "" {
			r.action.AddStepSummary(r.redact(r.summary.String()))
		}
		return nil
	}
	for _, o := range r.outputs {
		if strings.Contains(o.value, "\n") {
			fmt.Fprintf(r.Stdout, "%s<<EOF\n%s\nEOF\n", o.name, strings.TrimSuffix(o.value, "\n"))
		} else {
			fmt.Fprintf(r.Stdout, "%s=%s\n", o.name, o.value)
		}
	}
	return nil
}

// Main runs the command named by args[1] and returns the exit code. It is
// everything main does besides wiring the process in.
func Main(ctx context.Context, commands []Command, args []string, env *Env) int {
	prog := "gitops-actions"
	if len(args) < 2 {
		usage(env.Stderr, prog, commands)
		return ExitUsage
	}
	name := args[1]
	if name == "-h" || name == "--help" || name == "help" {
		usage(env.Stdout, prog, commands)
		return ExitOK
	}
	for i := range commands {
		if commands[i].Spec.Name == name {
			return run(ctx, prog, &commands[i], args[2:], env)
		}
	}
	fmt.Fprintf(env.Stderr, "%s: unknown command %q\n\n", prog, name)
	usage(env.Stderr, prog, commands)
	return ExitUsage
}

func usage(w io.Writer, prog string, commands []Command) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\nCommands:\n", prog)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-18s %s\n", c.Spec.Name, c.Spec.Description)
	}
	fmt.Fprintf(w, "\nRun '%s <command> --help' for the flags of a command.\n\nExit codes:\n", prog)
	for _, e := range ExitCodes {
		fmt.Fprintf(w, "  %d  %s\n", e.Code, e.Meaning)
	}
}

func run(ctx context.Context, prog string, c *Command, args []string, env *Env) int {
	// Secrets first: find them before anything can be printed, so that the
	// runner masks them and our own writers redact them.
	raw, set, err := parseFlags(prog, &c.Spec, args, env)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s %s: %v\nRun '%s %s --help' for usage.\n", prog, c.Spec.Name, err, prog, c.Spec.Name)
		return ExitUsage
	}
	in := resolve(&c.Spec, raw, set, env)
	secrets := in.Secrets()
	stdout := &redactor{w: env.Stdout, secrets: secrets}
	stderr := &redactor{w: env.Stderr, secrets: secrets}
	renv := *env
	renv.Stdout, renv.Stderr = stdout, stderr

	r := &Run{Env: &renv, Inputs: in, spec: &c.Spec}
	if env.InActions() {
		r.action = githubactions.New(githubactions.WithGetenv(env.Getenv), githubactions.WithWriter(env.Stdout))
		for _, s := range secrets {
			// add-mask must reach the runner unredacted, and before anything else.
			r.action.AddMask(s)
		}
		r.action = githubactions.New(githubactions.WithGetenv(env.Getenv), githubactions.WithWriter(stdout))
	}
	for _, input := range c.Spec.Inputs {
		if input.Required && in.m[input.Name] == "" {
			return report(r, prog, c, Usagef("input %q is required (flag --%s)", input.Name, input.Name))
		}
	}
	runErr := c.Run(ctx, r)
	if err := r.flush(); err != nil && runErr == nil {
		runErr = err
	}
	return report(r, prog, c, runErr)
}

// report prints err (if any) the way the environment expects and returns its
// exit code.
func report(r *Run, prog string, c *Command, err error) int {
	if err == nil {
		return ExitOK
	}
	code := CodeOf(err)
	msg := err.Error()
	if code == ExitInternal {
		msg = "internal error: " + msg
	}
	if r.action != nil {
		r.action.Errorf("%s", msg)
	} else {
		fmt.Fprintf(r.Stderr, "%s %s: %s\n", prog, c.Spec.Name, msg)
	}
	return code
}

// stringFlag records whether a flag was given, so that an explicit flag wins
// over the runner's INPUT_* variable and the default.
type stringFlag struct {
	name string
	vals map[string]string
	set  map[string]bool
	kind Kind
}

func (f *stringFlag) String() string { return "" }
func (f *stringFlag) Set(s string) error {
	if f.kind == List || f.kind == Lines {
		if f.set[f.name] && f.vals[f.name] != "" {
			s = f.vals[f.name] + "\n" + s // a repeated list flag adds to the list
		}
	}
	f.vals[f.name] = s
	f.set[f.name] = true
	return nil
}
func (f *stringFlag) IsBoolFlag() bool { return f.kind == Bool }

func parseFlags(prog string, spec *Spec, args []string, env *Env) (map[string]string, map[string]bool, error) {
	fs := flag.NewFlagSet(prog+" "+spec.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	vals, set := map[string]string{}, map[string]bool{}
	for _, in := range spec.Inputs {
		fs.Var(&stringFlag{name: in.Name, vals: vals, set: set, kind: in.Kind}, in.Name, in.Description)
	}
	help := false
	fs.BoolVar(&help, "help", false, "show this help")
	fs.BoolVar(&help, "h", false, "show this help")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if help {
		PrintHelp(env.Stdout, prog, spec)
		return nil, nil, flag.ErrHelp
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q (every input is a --flag)", fs.Arg(0))
	}
	return vals, set, nil
}

// resolve picks each input's value: an explicit flag, else (in Actions) the
// runner's INPUT_<NAME>, else the default.
func resolve(spec *Spec, vals map[string]string, set map[string]bool, env *Env) Values {
	m := map[string]string{}
	var a *githubactions.Action
	if env.InActions() {
		a = githubactions.New(githubactions.WithGetenv(env.Getenv), githubactions.WithWriter(io.Discard))
	}
	for _, in := range spec.Inputs {
		switch {
		case set[in.Name]:
			m[in.Name] = vals[in.Name]
			if in.Kind == Bool && m[in.Name] == "" {
				m[in.Name] = "true"
			}
		case a != nil:
			m[in.Name] = a.GetInput(in.Name)
		}
	}
	return NewValues(spec, m)
}

// PrintHelp lists every flag of spec with its description and default.
func PrintHelp(w io.Writer, prog string, spec *Spec) {
	fmt.Fprintf(w, "Usage: %s %s [flags]\n\n%s\n\nFlags (each is also the action input of the same name, INPUT_<NAME> in Actions):\n", prog, spec.Name, spec.Description)
	ins := append([]Input(nil), spec.Inputs...)
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].Required && !ins[j].Required })
	for _, in := range ins {
		arg := " value"
		if in.Kind == Bool {
			arg = ""
		}
		fmt.Fprintf(w, "  --%s%s\n", in.Name, arg)
		fmt.Fprintf(w, "        %s\n", strings.ReplaceAll(in.Description, "\n", "\n        "))
		switch {
		case in.Required:
			fmt.Fprintf(w, "        (required)\n")
		case in.Default != "":
			fmt.Fprintf(w, "        (default %q)\n", in.Default)
		}
	}
	if len(spec.Outputs) > 0 {
		fmt.Fprintf(w, "\nOutputs:\n")
		for _, o := range spec.Outputs {
			fmt.Fprintf(w, "  %-24s %s\n", o.Name, o.Description)
		}
	}
	fmt.Fprintf(w, "\nExit codes:\n")
	for _, e := range ExitCodes {
		fmt.Fprintf(w, "  %d  %s\n", e.Code, e.Meaning)
	}
}

// redactor replaces every secret with *** in what passes through it, so that
// an error message quoting an input can never leak a token.
type redactor struct {
	w       io.Writer
	secrets []string
}

func (r *redactor) Write(p []byte) (int, error) {
	if len(r.secrets) == 0 {
		return r.w.Write(p)
	}
	s := string(p)
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	if _, err := io.WriteString(r.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}
