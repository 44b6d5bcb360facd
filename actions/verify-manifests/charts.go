package verifymanifests

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/chartsource"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// chartSpecInputs are the inputs that say where remote Helm charts come
// from. They are the same for verify and the diff preview: one fetcher
// serves both, so that a chart both sides name is fetched once.
var chartSpecInputs = []cli.Input{
	{Name: "fetch-charts", Default: "true", Kind: cli.Bool, Description: "Fetch the remote Helm charts that releases name (a Flux HelmRelease's or an Argo CD Application's chart, a kustomization's helmCharts, a chart's dependencies) from their https or OCI repository, each chart version once per run. false: nothing is fetched, and each remote chart is a notice naming it. A chart that cannot be fetched is a warning naming it, never a pass."},
	{Name: "chart-cache", Description: "A directory to keep fetched charts in, relative to the working directory (or absolute), created when needed: a later run reads a chart version from it without a request (a version range still asks the repository which version is newest). Keep it between workflow runs with actions/cache; a hidden directory such as .chart-cache, which verify skips. Empty: no cache."},
	{Name: "chart-mirrors", Kind: cli.Lines, Description: "Mirrors, one FROM=TO a line, e.g. oci://ghcr.io=oci://registry.example.com/ghcr or https://charts.example.com=https://mirror.example.com/charts: every chart URL that starts with FROM is fetched from TO instead (a pull-through cache, an air-gapped runner). A mirror on loopback (localhost, 127.0.0.1, ::1) is spoken to over plain HTTP."},
	{Name: "chart-credentials", Kind: cli.Lines, Secret: true, SecretParts: chartsource.CredentialSecrets, Description: "Credentials for chart repositories and registries, one HOST=USER:PASSWORD a line, e.g. ghcr.io=USER:TOKEN (in a workflow, the actor and secrets.GITHUB_TOKEN, with permissions packages: read): sent only to that exact host and port (never across a redirect to another), after the repository asks. Masked in the log. OCI registries also use the Docker config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json)."},
	{Name: "chart-allow-private", Default: "false", Kind: cli.Bool, Description: "Allow fetching charts from loopback, private and link-local addresses. By default only a chart-mirrors mirror may be there: a pull request names every chart URL, and a self-hosted runner sits next to services (such as a cloud metadata endpoint) it must not reach."},
}

// chartInputs are those inputs, parsed and checked.
type chartInputs struct {
	Fetch        bool
	Cache        string
	Mirrors      []chartsource.Mirror
	Credentials  []chartsource.Credential
	AllowPrivate bool
}

// readChartInputs parses the chart inputs; every error is a usage error,
// and none quotes a credentials line.
func readChartInputs(v cli.Values) (chartInputs, error) {
	c := chartInputs{Cache: v.String("chart-cache")}
	var err error
	if c.Fetch, err = v.Bool("fetch-charts"); err != nil {
		return c, err
	}
	if c.AllowPrivate, err = v.Bool("chart-allow-private"); err != nil {
		return c, err
	}
	if c.Mirrors, err = chartsource.ParseMirrors(v.Lines("chart-mirrors")); err != nil {
		return c, cli.Usagef("input \"chart-mirrors\": %w", err)
	}
	if c.Credentials, err = chartsource.ParseCredentials(v.Lines("chart-credentials")); err != nil {
		return c, cli.Usagef("input \"chart-credentials\": %w", err)
	}
	return c, nil
}

// newFetcher builds the one fetcher of a run from the chart inputs.
func newFetcher(r *cli.Run, tree *workspace.Tree, c chartInputs) (*chartsource.Fetcher, error) {
	cache, err := cacheDir(tree, c.Cache)
	if err != nil {
		return nil, err
	}
	f, err := chartsource.New(chartsource.Options{
		Disabled:     !c.Fetch,
		CacheDir:     cache,
		Mirrors:      c.Mirrors,
		Credentials:  c.Credentials,
		DockerConfig: chartsource.DockerConfigPath(r.Getenv),
		AllowPrivate: c.AllowPrivate,
		Getenv:       r.Getenv,
		UserAgent:    "gitops-actions/" + r.Version,
	})
	if err != nil {
		return nil, cli.UsageError(fmt.Errorf("the chart inputs: %w", err))
	}
	return f, nil
}

// cacheDir resolves chart-cache, relative to the working directory. A
// path in the working directory is held to the rule of every path input:
// a symbolic link on the way that leads out of it is bad input, for a
// pull request may commit .chart-cache as a link to anywhere. A path
// outside it (one the workflow chose, such as /github/home/charts) is
// used as it is. What does not exist yet is created on first use.
func cacheDir(tree *workspace.Tree, p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if workspace.HasControl(p) {
		return "", cli.Usagef("input \"chart-cache\": %q holds a control character; rename it", p)
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(tree.Dir(), p)
	}
	rel, err := filepath.Rel(tree.Dir(), abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return abs, nil
	}
	rel = filepath.ToSlash(rel)
	if rel == "." {
		return "", cli.Usagef("input \"chart-cache\": %q is the working directory itself: give a directory of its own, such as .chart-cache", p)
	}
	parts := strings.Split(rel, "/")
	for i := len(parts); i > 0; i-- {
		real, err := tree.Real(path.Join(parts[:i]...))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return "", cli.Usagef("input \"chart-cache\": %q is, or passes through, a symbolic link to a place outside the working directory %q, or a loop; give a directory inside it", p, tree.Dir())
		}
		return filepath.Join(append([]string{tree.Dir(), filepath.FromSlash(real)}, parts[i:]...)...), nil
	}
	return abs, nil
}

// reportCharts says in the log what the fetcher did, and warns when the
// cache could not be kept.
func reportCharts(r *cli.Run, f *chartsource.Fetcher, c chartInputs) {
	st := f.Stats()
	if st.Fetched+st.Cached+st.Failed > 0 {
		r.Logf("verify-manifests: charts: %d fetched, %d from the cache, %d not fetched", st.Fetched, st.Cached, st.Failed)
	}
	if err := f.CacheError(); err != nil {
		r.Warning("", 0, fmt.Sprintf("chart-cache %q: %v: fetched charts are used but not kept for the next run", c.Cache, err))
	}
}
