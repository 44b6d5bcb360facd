// Package verifymanifests is the verify-manifests action: it turns the
// action's inputs into a call of the verify engine on the working tree, and
// the engine's findings into a report, outputs, a step summary and an exit
// code.
package verifymanifests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/diffpreview"
	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/render"
	"github.com/gitops-actions/gitops-actions/internal/report"
	"github.com/gitops-actions/gitops-actions/internal/verify"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// spec is the contract of verify-manifests: its flags, action.yml and README
// table.
var spec = cli.Spec{
	Name:        "verify-manifests",
	Description: "Validate every manifest of a GitOps config repo offline: YAML, Kubernetes, Flux and Argo CD schemas, kustomize builds and policies, each finding pinned to its source file and line.",
	Inputs: append([]cli.Input{
		{Name: "path", Default: ".", Description: "The file or directory to verify, relative to the working directory. Paths outside it are refused."},
		{Name: "environments", Kind: cli.List, Description: "Environment directories (kustomizations or plain manifests), separated by commas or newlines, e.g. environments/staging,environments/production. Each pair is compared for environment-drift, and the summary counts findings per environment. Paths outside the working directory are refused."},
		{Name: "kubernetes-version", Description: "The Kubernetes minor version of your cluster, which schemas and the removed-api and deprecated-api rules judge by: one of " + kubernetesVersions + ". A whole version as kubectl version prints it (v1.31.2, v1.30.14-eks-931bdca) stands for its minor. Managed clusters (EKS, AKS, GKE) often run several minors behind the newest. Empty means the newest."},
		{Name: "crds", Kind: cli.Lines, Description: "Files or directories holding CustomResourceDefinitions to validate custom resources against, one per line, inside the working directory. CRDs found under path are used too."},
		{Name: "api-versions", Kind: cli.List, Description: "API versions the cluster serves beyond the built-in ones of kubernetes-version and the CRDs found under path and crds, for Helm charts that render an object only when its API exists (.Capabilities.APIVersions.Has), separated by commas or newlines: a group/version or a group/version/kind, e.g. monitoring.coreos.com/v1,cert-manager.io/v1/Certificate."},
		{Name: "rules", Kind: cli.List, Description: "Rules to turn on or off, e.g. -resources-missing,+image-digest-required, applied over the config file's. --list-rules prints the catalogue."},
		{Name: "config", Description: "The repository's configuration file, inside the working directory: rules on and off, their severities, the pod-security level (see the reference). Empty: .gitops-actions.yaml when the working directory has one. A file that does not match its schema, or names an unknown rule, is bad input (exit 2)."},
		{Name: "pod-security", Description: "The Pod Security Standard level (privileged, baseline or restricted) that pods are judged at, as warnings, in namespaces the repository does not label with pod-security.kubernetes.io/enforce, warn or audit. Empty: the config file's, else baseline."},
		{Name: "format", Description: "The report format: text, github (annotations), sarif, junit or json. Empty means github in GitHub Actions, text elsewhere."},
		{Name: "output-file", Description: "Write the report to this file, inside the working directory, instead of standard output. In GitHub Actions, format sarif with no output-file writes verify-manifests.sarif (the sarif-file output names it, for upload-sarif); elsewhere the SARIF goes to standard output, and nothing is written into the repository being checked. The file is replaced, never written through a symbolic link."},
		{Name: "max-file-size", Default: "5242880", Description: "The size in bytes above which a file is not read: a file-skipped warning instead. The default is 5 MiB."},
		{Name: "fail-on", Default: "error", Description: "The lowest severity that fails the run (exit code 1): error, warning or never."},
		{Name: "list-rules", Default: "false", Kind: cli.Bool, Description: "Print every rule with its default severity and description, and exit: a table, or JSON with format json."},
		{Name: "diff-base", Description: "The revision of the repository to compare with, a git ref or commit SHA (in a pull_request workflow: github.event.pull_request.base.sha): every environment under path is rendered at it and in the working tree, and the resources added, removed and changed (a diff of each) go to the job summary, one pull-request comment (created once, then updated) and diff-file. With token (or app-id), the base is read through the GitHub API archive, without a second checkout; without, from the git repository the working directory is in, with the git command (git archive), and then any revision git understands works: HEAD~1, origin/main, a tag. Empty: no diff."},
		{Name: "diff-base-path", Description: "Instead of diff-base: a directory inside the working directory that holds the base (a second checkout of the repository), compared with the working directory as a whole. Make it a hidden directory, such as .base: verify and the head's side of the diff skip hidden directories. For local runs and workflows that check out both."},
		{Name: "diff-ignore", Kind: cli.List, Description: "Field paths left out of the comparison, separated by commas or newlines, e.g. spec.template.metadata.annotations[kubectl.kubernetes.io/restartedAt]; * matches any key. checksum/* annotations are always left out; nothing else is."},
		{Name: "diff-file", Description: "Write the whole diff (every resource, nothing cut) as text to this file, inside the working directory. The file is replaced, never written through a symbolic link."},
		{Name: "token", Secret: true, Description: "With diff-base: a token that may read the repository's contents and write pull requests (the comment): secrets.GITHUB_TOKEN with permissions contents: read and pull-requests: write. Without pull-requests: write (a fork's pull request), the diff is in the job summary only, with a warning."},
		{Name: "app-id", Description: "With diff-base, instead of token: a GitHub App's ID, with app-private-key; the action mints an installation token for the repository."},
		{Name: "app-private-key", Secret: true, Description: "The GitHub App's private key (PEM), with app-id."},
		{Name: "repository", Description: "The repository verified, OWNER/NAME: a Flux GitRepository or an Argo CD application source whose URL names it renders its charts from the working tree (the GitRepository your Flux bootstrap syncs from counts without it). With diff-base, also the repository to read the base of and comment in. Default: the repository running the workflow (GITHUB_REPOSITORY)."},
		{Name: "github-api-url", Description: "With diff-base: the REST API root, e.g. https://HOST/api/v3 for GitHub Enterprise Server. Default: GITHUB_API_URL, else https://api.github.com."},
		{Name: "shard", Description: "This job's share of the repository, I/N (e.g. 2/4), in a job matrix of N jobs (N at most 256, the most jobs a matrix makes): it checks only its share of the render units (every environment of one application, and what is compared or rendered together, in one share; files outside every unit in share 1), and writes its result to result-file for a job with merge-results to report on the whole. Its SARIF has a code scanning category of its own (verify-manifests/shard-2-of-4), and with diff-base it compares its share of the environments, leaving the pull-request comment to the merge. Empty: the whole repository."},
		{Name: "result-file", Description: "With shard: the file this share's result is written to (its findings, counts and part of the diff), inside the working directory, for merge-results. The file is replaced, never written through a symbolic link. Default: verify-manifests-shard-I-of-N.json."},
		{Name: "merge-results", Description: "A directory inside the working directory holding the result files of every shard of one run (the artifacts the shard jobs uploaded): nothing is verified; the shards' results are put together into one report, step summary, exit code, diff-file and pull-request comment, as one job over the whole repository would make them. Every shard 1 to N of one commit, partition and settings must be there exactly once; a missing, duplicated or foreign shard fails the run, naming it."},
	}, chartSpecInputs...),
	Outputs: []cli.Output{
		{Name: "errors", Description: "The number of error findings."},
		{Name: "warnings", Description: "The number of warning findings."},
		{Name: "resources", Description: "The number of resources validated (a resource rendered in two environments counts twice)."},
		{Name: "files", Description: "The number of YAML and JSON files read."},
		{Name: "sarif-file", Description: "The path of the SARIF file written, when format is sarif; empty otherwise."},
		{Name: "diff-added", Description: "With a base: the number of resources the change adds, over every environment."},
		{Name: "diff-removed", Description: "With a base: the number of resources it removes."},
		{Name: "diff-changed", Description: "With a base: the number of resources it changes."},
		{Name: "result-file", Description: "With shard: the path of the result file written, for merge-results."},
	},
}

// Command is the verify-manifests subcommand.
var Command = NewCommand(Deps{})

// Deps are what the command depends on besides its inputs and environment.
type Deps = cli.Deps

// NewCommand returns the verify-manifests command with its dependencies.
func NewCommand(d Deps) cli.Command {
	return cli.Command{Spec: spec, Run: func(ctx context.Context, r *cli.Run) error { return run(ctx, r, d) }}
}

// kubernetesVersions lists the versions kubeschema embeds, newest first. It
// is written out rather than asked of kubeschema.Versions, which decodes the
// schema bundle: at package initialisation that would cost every command
// of the binary 30 ms and 6 MB. TestKubernetesVersions keeps it true.
const kubernetesVersions = "1.37, 1.36, 1.35, 1.34, 1.33, 1.32, 1.31, 1.30"

// apiVersionRE is a group/version ("v1", "apps/v1",
// "monitoring.coreos.com/v1") with an optional kind after it.
var apiVersionRE = regexp.MustCompile(`^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?(?:/[A-Za-z][A-Za-z0-9]*)?$`)

// defaultSARIF is where a SARIF report goes in GitHub Actions when no
// output-file is given: a file the next step (upload-sarif) can read. On a
// laptop the same default would leave an untracked file in the repository
// being checked, so there the report goes to standard output.
const defaultSARIF = "verify-manifests.sarif"

// inputs are verify-manifests' inputs, parsed and checked.
type inputs struct {
	Path              string
	Environments      []string
	KubernetesVersion string
	CRDs              []string
	// APIVersions are the api-versions input: group/versions and
	// group/version/kinds.
	APIVersions []string
	Rules       verify.RuleSet
	// RuleSpecs are the rules input's items, applied over the config
	// file's rules by Resolve.
	RuleSpecs []string
	// Config is the config input ("" for the default file, if any);
	// PodSecurity the pod-security input.
	Config, PodSecurity string
	// Format is text, github, sarif, junit or json (never empty).
	Format     string
	OutputFile string
	// FailOn is the lowest failing severity; Never is true for never.
	FailOn    finding.Severity
	Never     bool
	ListRules bool
	// MaxFileSize is the size in bytes above which a file is not read.
	MaxFileSize int64
	// Diff are the inputs of the diff preview.
	Diff diffInputs
	// Charts say where remote Helm charts come from.
	Charts chartInputs
	// Repository is the repository verified (OWNER/NAME), whose charts a
	// release naming it renders from the tree.
	Repository string
	// Shard is this job's share (zero for the whole repository), and
	// ResultFile where its result goes; MergeResults the directory of the
	// shards' results to put together instead of verifying.
	Shard        render.Shard
	ResultFile   string
	MergeResults string
}

// sharded reports whether the run is a shard of a job matrix, whose
// result a merge reports (1/1 included).
func (in inputs) sharded() bool { return in.Shard.Total > 0 }

// readInputs parses and checks the inputs; every error is a usage error
// that quotes the offending text. getenv gives the repository and API
// defaults (GITHUB_REPOSITORY, GITHUB_API_URL) and whether the run is in
// Actions.
func readInputs(v cli.Values, getenv func(string) string) (inputs, error) {
	inActions := getenv("GITHUB_ACTIONS") == "true"
	in := inputs{Path: v.String("path"), Environments: v.List("environments"), CRDs: v.Lines("crds"), APIVersions: v.List("api-versions"), OutputFile: v.String("output-file")}
	var err error
	if in.ListRules, err = v.Bool("list-rules"); err != nil {
		return in, err
	}
	if in.Path == "" {
		in.Path = "."
	}
	if in.KubernetesVersion, err = readKubernetesVersion(v.String("kubernetes-version")); err != nil {
		return in, err
	}
	for _, a := range in.APIVersions {
		if !apiVersionRE.MatchString(a) {
			return in, cli.Usagef("input \"api-versions\": %q is not a group/version or group/version/kind (e.g. monitoring.coreos.com/v1, or v1 for the core group)", a)
		}
	}
	in.RuleSpecs = v.List("rules")
	if in.Rules, err = verify.ParseRules(in.RuleSpecs); err != nil {
		return in, cli.Usagef("input \"rules\": %w", err)
	}
	in.Config, in.PodSecurity = v.String("config"), v.String("pod-security")
	switch in.PodSecurity {
	case "", "privileged", "baseline", "restricted":
	default:
		return in, cli.Usagef("input \"pod-security\": %q is not a Pod Security Standard level (use privileged, baseline or restricted)", in.PodSecurity)
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
	if in.Format == "sarif" && in.OutputFile == "" && inActions {
		in.OutputFile = defaultSARIF
	}
	if in.MaxFileSize, err = strconv.ParseInt(v.String("max-file-size"), 10, 64); err != nil || in.MaxFileSize <= 0 {
		return in, cli.Usagef("input \"max-file-size\": %q is not a size in bytes (a whole number above 0, e.g. 10485760 for 10 MiB)", v.String("max-file-size"))
	}
	switch f := strings.ToLower(v.String("fail-on")); f {
	case "never":
		in.Never = true
	case "error", "warning":
		in.FailOn, _ = finding.ParseSeverity(f)
	default:
		return in, cli.Usagef("input \"fail-on\": %q is not error, warning or never", v.String("fail-on"))
	}
	if in.Charts, err = readChartInputs(v); err != nil {
		return in, err
	}
	if in.Repository = v.String("repository"); in.Repository == "" {
		in.Repository = getenv("GITHUB_REPOSITORY")
	}
	if in.Diff, err = readDiffInputs(v, getenv); err != nil {
		return in, err
	}
	return in, readShardInputs(v, &in)
}

// kubernetesVersionRE is a Kubernetes version as users write it: the
// minor (1.37, v1.37), or a whole version as kubectl version prints it
// (v1.37.2, and a managed cluster's build suffix: v1.30.14-eks-931bdca,
// v1.30.5-gke.1014001, v1.29.3+k3s1).
var kubernetesVersionRE = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*)(?:[-+][0-9A-Za-z.+-]*)?)?$`)

// readKubernetesVersion reads input kubernetes-version as the minor whose
// schemas judge the manifests: a patch version is its minor, since APIs
// are served and removed by minor; empty is the newest embedded.
func readKubernetesVersion(s string) (string, error) {
	versions := kubeschema.Versions()
	text := strings.TrimSpace(s)
	if text == "" && len(versions) > 0 {
		return versions[0], nil
	}
	m := kubernetesVersionRE.FindStringSubmatch(text)
	if m == nil {
		return "", cli.Usagef("input \"kubernetes-version\": %q is not a Kubernetes version: give the minor (%s) or the version kubectl version prints (v%s.2)", s, firstOf(versions), firstOf(versions))
	}
	minor := m[1] + "." + m[2]
	if contains(versions, minor) {
		return minor, nil
	}
	if strings.TrimPrefix(text, "v") == minor {
		return "", cli.Usagef("input \"kubernetes-version\": %q has no embedded schemas (use one of %s)", s, strings.Join(versions, ", "))
	}
	return "", cli.Usagef("input \"kubernetes-version\": %q is Kubernetes %s, which has no embedded schemas (use one of %s)", s, minor, strings.Join(versions, ", "))
}

// firstOf returns the first of list, or "".
func firstOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func run(ctx context.Context, r *cli.Run, d Deps) error {
	in, err := readInputs(r.Inputs, r.Getenv)
	if err != nil {
		return err
	}
	if in.ListRules {
		return listRules(r.Stdout, in.Format)
	}
	tree, err := workspace.Open(r.Dir, in.MaxFileSize)
	if err != nil {
		return fmt.Errorf("opening the working directory: %w", err)
	}
	defer func() {
		// Cancelled (SIGTERM), verify.Run returns while a kustomize build
		// may still read the tree: its descriptors go with the process.
		if ctx.Err() == nil {
			tree.Close()
		}
	}()
	if in.MergeResults != "" {
		return runMerge(ctx, r, in, tree, d)
	}
	opts, output, err := resolve(tree, in)
	if err != nil {
		return err
	}
	resultFile, err := resultPath(tree, in)
	if err != nil {
		return err
	}
	fetcher, err := newFetcher(r, tree, in.Charts)
	if err != nil {
		return err
	}
	defer fetcher.Close()
	defer reportCharts(r, fetcher, in.Charts)
	// The base is read before the work: a ref that does not exist is bad
	// input, said at once.
	var plan diffPlan
	var b *base
	var gh *forge.Client
	if name := in.Diff.unused(); name != "" {
		r.Notice(fmt.Sprintf("no diff: %s is set, but diff-base and diff-base-path are empty (on a push, github.event.pull_request.base.sha is)", name))
	}
	if in.Diff.enabled() {
		if plan, err = resolveDiff(tree, in.Diff, opts.Path, opts.Environments); err != nil {
			return err
		}
		if in.Diff.HasGitHub {
			if gh, err = in.Diff.GitHub.Client(ctx, r, d); err != nil {
				return err
			}
		}
		if b, err = readBase(ctx, in.Diff, plan, tree, gh, in.MaxFileSize, r.Getenv); err != nil {
			return err
		}
	}
	schemas, err := kubeschema.New(in.KubernetesVersion)
	if err != nil {
		return fmt.Errorf("loading the schemas of Kubernetes %s: %w", in.KubernetesVersion, err)
	}
	opts.Schemas = verify.KubeSchemas(schemas)
	opts.Fetcher = fetcher
	res, err := verify.Run(ctx, tree, opts)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("stopped before the end (a signal, or the step's time limit): %w", err)
	}
	if err != nil {
		return err
	}
	if err := reportFindings(r, in, res, tree, output); err != nil {
		return err
	}
	var part *diffpreview.Preview
	if b != nil {
		if part, err = runDiff(ctx, r, in, plan, tree, b, gh, checkOf(res), fetcher); err != nil {
			return err
		}
	}
	if in.sharded() {
		label := ""
		if b != nil {
			label = b.Label
		}
		if err := writeResult(r, in, res, part, label, tree, resultFile); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.Stderr, "verify-manifests: %d file(s), %d resource(s): %d error(s), %d warning(s), %d notice(s)\n", res.Files, res.Resources, res.Errors, res.Warnings, res.Notices)
	if !in.Never && res.Count(in.FailOn) > 0 {
		return cli.Failedf("%d finding(s) at or above %s: %d error(s), %d warning(s)", res.Count(in.FailOn), in.FailOn, res.Errors, res.Warnings)
	}
	return nil
}

// resolve checks the path inputs against the working tree, by the rule
// every action shares (workspace.Tree.Path): a path outside the working
// directory (by "..", as an absolute path or through a symbolic link), a
// missing one, a FIFO or device, a name with a control character is bad
// input. It returns the engine's options and where the report goes in the
// tree ("" for standard output). Environments and CRD paths are relative
// to the working directory, or else to path.
func resolve(tree *workspace.Tree, in inputs) (verify.Options, string, error) {
	opts := verify.Options{KubernetesVersion: in.KubernetesVersion, Rules: in.Rules, PodSecurity: in.PodSecurity, APIVersions: in.APIVersions, Repository: in.Repository, Shard: in.Shard}
	p, err := tree.Path("path", in.Path, false)
	if err != nil {
		return opts, "", cli.UsageError(err)
	}
	opts.Path = p
	if err := applyConfig(tree, in, &opts); err != nil {
		return opts, "", err
	}
	find := func(input, q string) (string, error) {
		rel, err := tree.Path(input, q, false)
		if err != nil && !filepath.IsAbs(q) && p != "." {
			if under, uerr := tree.Path(input, path.Join(p, filepath.ToSlash(q)), false); uerr == nil {
				return under, nil
			}
		}
		if err != nil {
			return "", cli.UsageError(err)
		}
		return rel, nil
	}
	for _, e := range in.Environments {
		ep, err := find("environments", e)
		if err != nil {
			return opts, "", err
		}
		opts.Environments = append(opts.Environments, ep)
	}
	for _, c := range in.CRDs {
		cp, err := find("crds", c)
		if err != nil {
			return opts, "", err
		}
		opts.CRDs = append(opts.CRDs, cp)
	}
	output := ""
	if in.OutputFile != "" {
		if output, err = tree.Path("output-file", in.OutputFile, true); err != nil {
			return opts, "", cli.UsageError(err)
		}
	}
	return opts, output, nil
}

// reportFindings writes the findings in the chosen format, to standard output or
// to output, a path of tree, sets the outputs and adds the step summary.
// The report file is written beside its path and renamed over it
// (workspace.Tree.WriteFile): a committed verify-manifests.sarif that is a
// link to a file elsewhere is replaced, its target never written.
func reportFindings(r *cli.Run, in inputs, res *verify.Result, tree *workspace.Tree, output string) error {
	return writeReport(r, in, res, tree, output, shareLine(res))
}

// writeReport is reportFindings, with the line the step summary says of the share
// checked ("" for none).
func writeReport(r *cli.Run, in inputs, res *verify.Result, tree *workspace.Tree, output, share string) error {
	var envs []string
	for _, e := range res.Environments {
		envs = append(envs, e.Name)
	}
	write := func(w io.Writer) error {
		rw, err := report.New(in.Format, w, verify.Rules, report.Options{ToolVersion: r.Version, Environments: envs, Files: res.Checked, Getenv: r.Getenv,
			Shard: res.Shard.Index, Shards: res.Shard.Total})
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
	case output != "":
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return err
		}
		if err := tree.WriteFile(output, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing the report to %q: %w", output, err)
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
	// Outputs never go to standard output (cli.Run), so a report there
	// stays one document.
	r.SetOutput("errors", strconv.Itoa(res.Errors))
	r.SetOutput("warnings", strconv.Itoa(res.Warnings))
	r.SetOutput("resources", strconv.Itoa(res.Resources))
	r.SetOutput("files", strconv.Itoa(res.Files))
	sarif := ""
	if in.Format == "sarif" {
		sarif = output
	}
	r.SetOutput("sarif-file", sarif)
	stats := report.Stats{Files: res.Files, Resources: res.Resources, ByEnvironment: map[string]int{}, FindingsByEnvironment: map[string]report.Counts{}, SourceURL: sourceURL(r)}
	for _, f := range res.Findings {
		if f.Rule == verify.RuleNoSchema {
			stats.NoSchema++
		}
	}
	for _, e := range res.Environments {
		stats.ByEnvironment[e.Name] = e.Resources
		stats.FindingsByEnvironment[e.Name] = report.Counts{Errors: e.Errors, Warnings: e.Warnings, Notices: e.Notices}
	}
	stats.Notes, stats.Share = notes(res), share
	for _, n := range stats.Notes {
		fmt.Fprintf(r.Stderr, "verify-manifests: %s\n", n)
	}
	r.Summary(report.Summary(res.Findings, stats))
	return nil
}

// sourceURL is the web address of the working directory's files at the
// commit under review (https://github.com/OWNER/REPO/blob/SHA/DIR), for
// the summary to link each finding's position to; "" outside Actions. A
// pull request's is its head commit, which stays when the merge commit
// the runner checked out is gone; the working directory's place in the
// workspace is kept.
func sourceURL(r *cli.Run) string {
	repo, sha := r.Getenv("GITHUB_REPOSITORY"), r.Getenv("GITHUB_SHA")
	if !r.InActions() || repo == "" {
		return ""
	}
	var ev event
	if _, err := cli.ReadEvent(r.Getenv, &ev); err == nil && ev.PullRequest != nil && ev.PullRequest.Head.SHA != "" {
		sha = ev.PullRequest.Head.SHA
	}
	if sha == "" {
		return ""
	}
	server := strings.TrimSuffix(r.Getenv("GITHUB_SERVER_URL"), "/")
	if server == "" {
		server = "https://github.com"
	}
	u := server + "/" + repo + "/blob/" + sha
	if ws := r.Getenv("GITHUB_WORKSPACE"); ws != "" {
		if rel, err := filepath.Rel(ws, r.Dir); err == nil && rel != "." && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel) {
			u += "/" + filepath.ToSlash(rel)
		}
	}
	return u
}

// listRules prints the rule catalogue: id, default severity, whether it is
// on by default, and a description; as a table, or with format json as a
// JSON array of {"id", "severity", "default", "description"}.
func listRules(w io.Writer, format string) error {
	if format == "json" {
		type rule struct {
			ID          string `json:"id"`
			Severity    string `json:"severity"`
			Default     bool   `json:"default"`
			Description string `json:"description"`
			Fix         string `json:"fix,omitempty"`
		}
		rules := make([]rule, len(verify.Rules))
		for i, r := range verify.Rules {
			rules[i] = rule{r.ID, r.Severity.String(), r.Default, r.Description, r.Fix}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tDEFAULT\tDESCRIPTION")
	for _, rule := range verify.Rules {
		on := "on"
		if !rule.Default {
			on = "off"
		}
		desc := rule.Description
		if rule.Fix != "" {
			desc += " Fix: " + rule.Fix
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rule.ID, rule.Severity, on, desc)
	}
	return tw.Flush()
}
