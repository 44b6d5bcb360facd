// Package verifymanifests is the verify-manifests action: it turns the
// action's inputs into a call of the verify engine on the working tree, and
// the engine's findings into a report, outputs, a step summary and an exit
// code.
package verifymanifests

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/manifest"
	"github.com/gitops-actions/gitops-actions/internal/report"
	"github.com/gitops-actions/gitops-actions/internal/verify"
)

// Spec is the contract of verify-manifests: its flags, action.yml and README
// table.
var Spec = cli.Spec{
	Name:        "verify-manifests",
	Description: "Validate every manifest of a GitOps config repo offline: YAML, Kubernetes, Flux and Argo CD schemas, kustomize builds and policies, each finding pinned to its source file and line.",
	Inputs: []cli.Input{
		{Name: "path", Default: ".", Description: "The file or directory to verify, relative to the working directory."},
		{Name: "environments", Kind: cli.List, Description: "Environment directories (kustomizations or plain manifests), separated by commas or newlines, e.g. environments/staging,environments/production. Each pair is compared for environment-drift, and the summary counts findings per environment."},
		{Name: "kubernetes-version", Description: "The Kubernetes minor version to validate against: " + kubernetesVersions + ". Empty means the newest."},
		{Name: "crds", Kind: cli.Lines, Description: "Files or directories holding CustomResourceDefinitions to validate custom resources against, one per line. CRDs found under path are used too."},
		{Name: "rules", Kind: cli.List, Description: "Rules to turn on or off, e.g. -resources-missing,+image-digest-required. --list-rules prints the catalogue."},
		{Name: "format", Description: "The report format: text, github (annotations), sarif, junit or json. Empty means github in GitHub Actions, text elsewhere."},
		{Name: "output-file", Description: "Write the report to this file instead of standard output. With format sarif and no output-file, the SARIF goes to verify-manifests.sarif."},
		{Name: "fail-on", Default: "error", Description: "The lowest severity that fails the run (exit code 1): error, warning or never."},
		{Name: "list-rules", Default: "false", Kind: cli.Bool, Description: "Print every rule with its default severity and description, and exit."},
	},
	Outputs: []cli.Output{
		{Name: "errors", Description: "The number of error findings."},
		{Name: "warnings", Description: "The number of warning findings."},
		{Name: "resources", Description: "The number of resources validated (a resource rendered in two environments counts twice)."},
		{Name: "files", Description: "The number of YAML files read."},
		{Name: "sarif-file", Description: "The path of the SARIF file written, when format is sarif; empty otherwise."},
	},
}

// Command is the verify-manifests subcommand.
var Command = cli.Command{Spec: Spec, Run: run}

// kubernetesVersions lists the versions kubeschema embeds, newest first. It
// is written out rather than asked of kubeschema.Versions, which decodes the
// schema bundle: at package initialisation that would cost every command
// of the binary 30 ms and 6 MB. TestKubernetesVersions keeps it true.
const kubernetesVersions = "1.37, 1.36, 1.35"

// defaultSARIF is where a SARIF report goes when no output-file is given.
const defaultSARIF = "verify-manifests.sarif"

// Inputs are verify-manifests' inputs, parsed and checked.
type Inputs struct {
	Path              string
	Environments      []string
	KubernetesVersion string
	CRDs              []string
	Rules             verify.RuleSet
	// Format is text, github, sarif, junit or json (never empty).
	Format     string
	OutputFile string
	// FailOn is the lowest failing severity; Never is true for never.
	FailOn    finding.Severity
	Never     bool
	ListRules bool
}

// ReadInputs parses and checks the inputs; every error is a usage error
// that quotes the offending text.
func ReadInputs(v cli.Values, inActions bool) (Inputs, error) {
	in := Inputs{Path: v.String("path"), Environments: v.List("environments"), CRDs: v.Lines("crds"), OutputFile: v.String("output-file")}
	var err error
	if in.ListRules, err = v.Bool("list-rules"); err != nil {
		return in, err
	}
	if in.Path == "" {
		in.Path = "."
	}
	versions := kubeschema.Versions()
	in.KubernetesVersion = strings.TrimPrefix(v.String("kubernetes-version"), "v")
	switch {
	case in.KubernetesVersion == "" && len(versions) > 0:
		in.KubernetesVersion = versions[0]
	case !contains(versions, in.KubernetesVersion):
		return in, cli.Usagef("input \"kubernetes-version\": %q has no embedded schemas (use one of %s)", v.String("kubernetes-version"), strings.Join(versions, ", "))
	}
	if in.Rules, err = verify.ParseRules(v.List("rules")); err != nil {
		return in, cli.Usagef("input \"rules\": %w", err)
	}
	in.Format = v.String("format")
	switch {
	case in.Format == "" && inActions:
		in.Format = "github"
	case in.Format == "":
		in.Format = "text"
	case !contains(report.Formats, in.Format):
		return in, cli.Usagef("input \"format\": %q is not a format (use %s)", in.Format, strings.Join(report.Formats, ", "))
	}
	if in.Format == "sarif" && in.OutputFile == "" {
		in.OutputFile = defaultSARIF
	}
	switch f := strings.ToLower(v.String("fail-on")); f {
	case "never":
		in.Never = true
	case "error", "warning":
		in.FailOn, _ = finding.ParseSeverity(f)
	default:
		return in, cli.Usagef("input \"fail-on\": %q is not error, warning or never", v.String("fail-on"))
	}
	return in, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func run(ctx context.Context, r *cli.Run) error {
	in, err := ReadInputs(r.Inputs, r.InActions())
	if err != nil {
		return err
	}
	if in.ListRules {
		return ListRules(r.Stdout)
	}
	fsys, opts, err := Resolve(r.Dir, in)
	if err != nil {
		return err
	}
	schemas, err := kubeschema.New(in.KubernetesVersion)
	if err != nil {
		return fmt.Errorf("loading the schemas of Kubernetes %s: %w", in.KubernetesVersion, err)
	}
	opts.Schemas = verify.KubeSchemas(schemas)
	res, err := verify.Run(ctx, fsys, opts)
	if err != nil {
		return err
	}
	if err := Report(r, in, res); err != nil {
		return err
	}
	fmt.Fprintf(r.Stderr, "verify-manifests: %d file(s), %d resource(s): %d error(s), %d warning(s), %d notice(s)\n", res.Files, res.Resources, res.Errors, res.Warnings, res.Notices)
	if !in.Never && res.Count(in.FailOn) > 0 {
		return cli.Failedf("%d finding(s) at or above %s: %d error(s), %d warning(s)", res.Count(in.FailOn), in.FailOn, res.Errors, res.Warnings)
	}
	return nil
}

// Resolve turns the path inputs into a file system and engine options.
// Paths inside the working directory are read through it (so findings name
// files relative to it, as GitHub annotations need); an absolute path
// elsewhere becomes the root itself.
func Resolve(dir string, in Inputs) (fs.FS, verify.Options, error) {
	opts := verify.Options{KubernetesVersion: in.KubernetesVersion, Rules: in.Rules}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, opts, fmt.Errorf("working directory: %w", err)
	}
	root := dir
	rel := func(p string) (string, error) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		rp, err := filepath.Rel(root, p)
		if err != nil || rp == ".." || strings.HasPrefix(rp, ".."+string(filepath.Separator)) {
			return "", fmt.Errorf("outside %q", root)
		}
		return filepath.ToSlash(rp), nil
	}
	p, err := rel(in.Path)
	if err != nil {
		// A corpus elsewhere on disk (a benchmark, a local check of another
		// checkout): verify it in place.
		root = in.Path
		if !filepath.IsAbs(root) {
			root = filepath.Join(dir, root)
		}
		p = "."
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
		return nil, opts, cli.Usagef("input \"path\": %q does not exist", in.Path)
	}
	opts.Path = p
	// Environments and CRD paths are relative to the working directory, or
	// else to path.
	find := func(input, q string) (string, error) {
		for _, cand := range []string{q, filepath.Join(root, filepath.FromSlash(p), q)} {
			if filepath.IsAbs(q) && cand != q {
				continue
			}
			c := cand
			if !filepath.IsAbs(c) {
				c = filepath.Join(dir, c)
			}
			rp, err := filepath.Rel(root, c)
			if err != nil || rp == ".." || strings.HasPrefix(rp, ".."+string(filepath.Separator)) {
				continue
			}
			if _, err := os.Stat(c); err == nil {
				return filepath.ToSlash(rp), nil
			}
		}
		return "", cli.Usagef("input %q: %q does not exist under the working directory or under %q", input, q, in.Path)
	}
	for _, e := range in.Environments {
		ep, err := find("environments", e)
		if err != nil {
			return nil, opts, err
		}
		opts.Environments = append(opts.Environments, ep)
	}
	for _, c := range in.CRDs {
		cp, err := find("crds", c)
		if err != nil {
			return nil, opts, err
		}
		opts.CRDs = append(opts.CRDs, cp)
	}
	return manifest.DirFS(root), opts, nil
}

// Report writes the findings in the chosen format, sets the outputs and
// adds the step summary.
func Report(r *cli.Run, in Inputs, res *verify.Result) (err error) {
	var envs []string
	for _, e := range res.Environments {
		envs = append(envs, e.Name)
	}
	write := func(w io.Writer) error {
		rw, err := report.New(in.Format, w, verify.Rules, report.Options{ToolVersion: r.Version, Environments: envs, Getenv: r.Getenv})
		if err != nil {
			return cli.UsageError(err)
		}
		for _, f := range res.Findings {
			rw.Write(f)
		}
		if err := rw.Flush(); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		return nil
	}
	switch {
	case in.OutputFile != "":
		name := in.OutputFile
		if !filepath.IsAbs(name) {
			name = filepath.Join(r.Dir, name)
		}
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("writing the report: %w", cerr)
			}
		}()
		if err := write(f); err != nil {
			return err
		}
	case in.Format == "github":
		// Annotations are workflow commands the runner must obey; the
		// writer escapes every value in them.
		if err := write(r.Stdout); err != nil {
			return err
		}
	default:
		// A report in another format quotes file names and YAML errors
		// from the pull request: in the log, it is text, never commands.
		if err := r.Verbatim(write); err != nil {
			return err
		}
	}
	// Locally, a machine-readable report on standard output must stay
	// parseable: the outputs (which the report holds anyway) are left out.
	if r.InActions() || in.OutputFile != "" || in.Format == "text" {
		r.SetOutput("errors", strconv.Itoa(res.Errors))
		r.SetOutput("warnings", strconv.Itoa(res.Warnings))
		r.SetOutput("resources", strconv.Itoa(res.Resources))
		r.SetOutput("files", strconv.Itoa(res.Files))
		sarif := ""
		if in.Format == "sarif" {
			sarif = in.OutputFile
		}
		r.SetOutput("sarif-file", sarif)
	}
	stats := report.Stats{Files: res.Files, Resources: res.Resources, ByEnvironment: map[string]int{}}
	for _, f := range res.Findings {
		if f.Rule == verify.RuleNoSchema {
			stats.NoSchema++
		}
	}
	for _, e := range res.Environments {
		stats.ByEnvironment[e.Name] = e.Resources
	}
	r.Summary(report.Summary(res.Findings, stats))
	return nil
}

// ListRules prints the rule catalogue: id, default severity, whether it is
// on by default, and a description.
func ListRules(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tDEFAULT\tDESCRIPTION")
	for _, rule := range verify.Rules {
		on := "on"
		if !rule.Default {
			on = "off"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rule.ID, rule.Severity, on, rule.Description)
	}
	return tw.Flush()
}
