package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"github.com/sethvargo/go-githubactions"
	"io"
	"sort"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/workflowcmd"
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
//
// Everything a command prints to the log goes through Logf, Warning,
// Verbatim or the error it returns, so that no value (a file name, an image
// tag, a YAML error from a pull request) can start a workflow command: each
// value passes through workflowcmd.Escape.
type Run struct {
	*Env
	Inputs  Values
	spec    *Spec
	outputs []workflowcmd.Output
	summary strings.Builder
	// outputsFile is the --outputs-file flag: where the outputs go besides
	// (in Actions) or instead of (elsewhere) $GITHUB_OUTPUT.
	outputsFile string
}

// SetOutput records an output; it panics on a name the spec does not declare,
// which is a programming error a test catches.
func (r *Run) SetOutput(name, value string) {
	if !r.spec.hasOutput(name) {
		panic(fmt.Sprintf("cli: command %q declares no output %q", r.spec.Name, name))
	}
	for i := range r.outputs {
		if r.outputs[i].Name == name {
			r.outputs[i].Value = value
			return
		}
	}
	r.outputs = append(r.outputs, workflowcmd.Output{Name: name, Value: value})
}

// Summary appends Markdown to the step summary (Actions only).
func (r *Run) Summary(markdown string) { r.summary.WriteString(markdown) }

// SummaryLen returns the bytes of step summary recorded so far, for a
// command that must keep the whole within GitHub's 1 MiB.
func (r *Run) SummaryLen() int { return r.summary.Len() }

// Warning reports a problem that does not fail the run, pinned to a file and
// line when known: an annotation in Actions, a line on stderr locally.
func (r *Run) Warning(file string, line int, msg string) {
	if r.InActions() {
		fmt.Fprintln(r.Stdout, workflowcmd.Annotation("warning", file, line, 0, "", msg))
		return
	}
	fmt.Fprintf(r.Stderr, "warning: %s%s\n", position(file, line), plain(msg))
}

// Notice reports something the user should know that is no problem, such
// as why a run did nothing: a notice annotation in Actions, a line on
// stderr locally.
func (r *Run) Notice(msg string) {
	if r.InActions() {
		fmt.Fprintln(r.Stdout, workflowcmd.Annotation("notice", "", 0, 0, "", msg))
		return
	}
	fmt.Fprintf(r.Stderr, "notice: %s\n", plain(msg))
}

// position renders file and line for a message on a terminal.
func position(file string, line int) string {
	file = plainValue(file)
	switch {
	case file == "":
		return ""
	case line > 0:
		return fmt.Sprintf("%s:%d: ", file, line)
	default:
		return file + ": "
	}
}

// Logf prints one line to stderr, the log. Every argument but numbers and
// booleans is printed through workflowcmd.Escape in Actions (plainValue
// elsewhere), so a value cannot end the line or start a workflow command;
// format itself is ours.
func (r *Run) Logf(format string, args ...any) {
	escape := plainValue
	if r.InActions() {
		escape = workflowcmd.Escape
	}
	escaped := make([]any, len(args))
	for i, a := range args {
		switch a.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, bool:
			escaped[i] = a
		default:
			escaped[i] = escape(fmt.Sprint(a))
		}
	}
	fmt.Fprintf(r.Stderr, format+"\n", escaped...)
}

// Verbatim prints text that must reach the log as it is, such as a diff of
// a repository's files, to stdout. In Actions the runner is told to obey no
// workflow command until text ends (::stop-commands:: with a token drawn at
// random, the runner's way to print untrusted text), so nothing in text can
// be taken for one.
func (r *Run) Verbatim(write func(io.Writer) error) error {
	if !r.InActions() {
		return write(r.Stdout)
	}
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return fmt.Errorf("drawing a stop-commands token: %w", err)
	}
	token := "gitops-actions-" + hex.EncodeToString(buf[:])
	if _, err := fmt.Fprintln(r.Stdout, workflowcmd.Command("stop-commands", nil, token)); err != nil {
		return err
	}
	lw := &lineEnd{w: r.Stdout, last: '\n'}
	err := write(lw)
	if lw.last != '\n' {
		fmt.Fprintln(r.Stdout)
	}
	if _, werr := fmt.Fprintln(r.Stdout, workflowcmd.Command(token, nil, "")); err == nil {
		err = werr
	}
	return err
}

// lineEnd remembers the last byte written, so that the command that
// resumes the runner's commands starts a line of its own.
type lineEnd struct {
	w    io.Writer
	last byte
}

func (l *lineEnd) Write(p []byte) (int, error) {
	if len(p) > 0 {
		l.last = p[len(p)-1]
	}
	return l.w.Write(p)
}

// redact replaces every secret input's value with ***: outputs and the
// summary go to files the runner does not mask.
func (r *Run) redact(s string) string {
	for _, sec := range r.Inputs.Secrets() {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

// flush writes the outputs and the summary. In Actions: to $GITHUB_OUTPUT
// and $GITHUB_STEP_SUMMARY, and the outputs to --outputs-file too when it
// is given. Elsewhere standard output is left to the command's own text (a
// diff, a report): the outputs go to the file --outputs-file names, else
// to $GITHUB_OUTPUT when it is set, else to standard error as a short
// list; there is no summary.
func (r *Run) flush() error {
	outputs := make([]workflowcmd.Output, len(r.outputs))
	for i, o := range r.outputs {
		outputs[i] = workflowcmd.Output{Name: o.Name, Value: r.redact(o.Value)}
	}
	files := r.outputFiles()
	if len(outputs) > 0 {
		for _, f := range files {
			if err := workflowcmd.AppendOutputs(f, outputs); err != nil {
				return fmt.Errorf("writing outputs: %w", err)
			}
		}
	}
	if !r.InActions() {
		if len(files) > 0 {
			return nil
		}
		list := make([]outputValue, len(outputs))
		for i, o := range outputs {
			list[i] = outputValue{name: o.Name, value: o.Value}
		}
		return writeOutputList(r.Stderr, list)
	}
	if path := r.Getenv("GITHUB_STEP_SUMMARY"); r.summary.Len() > 0 && path != "" {
		if err := workflowcmd.AppendSummary(path, r.redact(r.summary.String())); err != nil {
			return fmt.Errorf("writing the step summary: %w", err)
		}
	}
	return nil
}

// outputFiles lists the files the outputs are appended to: $GITHUB_OUTPUT
// in Actions (which must be set), and --outputs-file; elsewhere the flag's
// file, else $GITHUB_OUTPUT when it is set, else none.
func (r *Run) outputFiles() []string {
	if r.InActions() {
		files := []string{r.Getenv("GITHUB_OUTPUT")}
		if r.outputsFile != "" {
			files = append(files, r.outputsFile)
		}
		return files
	}
	if r.outputsFile != "" {
		return []string{r.outputsFile}
	}
	if p := r.Getenv("GITHUB_OUTPUT"); p != "" {
		return []string{p}
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
	switch name {
	case "-h", "--help", "help":
		usage(env.Stdout, prog, commands)
		return ExitOK
	case "--version":
		return run(ctx, prog, &VersionCommand, args[2:], env)
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
		msg := plain(err.Error())
		if env.InActions() {
			msg = workflowcmd.Escape(err.Error())
		}
		fmt.Fprintf(env.Stderr, "%s %s: %s\nRun '%s %s --help' for usage.\n", prog, c.Spec.Name, msg, prog, c.Spec.Name)
		return ExitUsage
	}
	outputsFile := raw[OutputsFileFlag]
	delete(raw, OutputsFileFlag)
	in := resolve(&c.Spec, raw, set, env)
	secrets := in.Secrets()
	stdout := &redactor{w: env.Stdout, secrets: secrets}
	stderr := &redactor{w: env.Stderr, secrets: secrets}
	renv := *env
	renv.Stdout, renv.Stderr = stdout, stderr

	r := &Run{Env: &renv, Inputs: in, spec: &c.Spec, outputsFile: resolvePath(env.Dir, outputsFile)}
	if env.InActions() {
		for _, s := range secrets {
			// add-mask must reach the runner unredacted, and before anything else.
			fmt.Fprintln(env.Stdout, workflowcmd.Mask(s))
		}
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
	if r.InActions() {
		fmt.Fprintln(r.Stdout, workflowcmd.Annotation("error", "", 0, 0, "", msg))
	} else {
		fmt.Fprintf(r.Stderr, "%s %s: %s\n", prog, c.Spec.Name, plain(msg))
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
	fs.Var(&stringFlag{name: OutputsFileFlag, vals: vals, set: set}, OutputsFileFlag, "the file to append the outputs to")
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
// runner's INPUT_<NAME>, else the default. go-githubactions reads the
// variable: INPUT_ and the name upper-cased, spaces made underscores and
// hyphens kept, as the runner sets it (actions/runner,
// src/Runner.Worker/Handlers/Handler.cs, AddInputsToEnvironment): path is
// INPUT_PATH, dry-run INPUT_DRY-RUN. Only its reading is used: it writes
// multi-line outputs with a fixed delimiter, which a value could forge, so
// outputs go through workflowcmd.
func resolve(spec *Spec, vals map[string]string, set map[string]bool, env *Env) Values {
	m := map[string]string{}
	var action *githubactions.Action
	if env.InActions() {
		action = githubactions.New(githubactions.WithGetenv(env.Getenv), githubactions.WithWriter(io.Discard))
	}
	for _, in := range spec.Inputs {
		switch {
		case set[in.Name]:
			m[in.Name] = vals[in.Name]
			if in.Kind == Bool && m[in.Name] == "" {
				m[in.Name] = "true"
			}
		case action != nil:
			m[in.Name] = action.GetInput(in.Name)
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
	fmt.Fprintf(w, "  --%s file\n        Append the outputs to file, as GitHub Actions writes $GITHUB_OUTPUT (NAME<<DELIMITER lines). Without it, outside GitHub Actions, they go to $GITHUB_OUTPUT when it is set, else to standard error as a short list.\n", OutputsFileFlag)
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
