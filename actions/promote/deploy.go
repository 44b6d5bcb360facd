package promote

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/release"
)

// deploy is the deployments input and the environments it records.
type deploy struct {
	On bool
	// Environments are the environments input's directories and names;
	// none means the defaults (see environmentsOf).
	Environments []envDir
}

// envDir is an environment: its directory and its GitHub environment's
// name.
type envDir struct{ Dir, Name string }

// maxEnvironmentName is the longest environment name GitHub takes.
const maxEnvironmentName = 255

// readDeploy reads and checks deployments and environments; every error
// is a usage error that names the input.
func readDeploy(v cli.Values) (deploy, error) {
	var d deploy
	var err error
	if d.On, err = v.Bool("deployments"); err != nil {
		return d, err
	}
	list := v.List("environments")
	if len(list) > 0 && !d.On {
		return d, cli.Usagef("input \"environments\" names the environments deployments records: set deployments: true")
	}
	seen := map[string]bool{}
	for _, e := range list {
		dir, name, _ := strings.Cut(e, "=")
		if dir, err = cleanDir("environments", strings.TrimSpace(dir)); err != nil {
			return d, err
		}
		if dir == "" {
			return d, cli.Usagef("input \"environments\": %q names no directory; write DIR or DIR=NAME, e.g. environments/production=production", e)
		}
		if name = strings.TrimSpace(name); name == "" {
			name = path.Base(dir)
		}
		if len(name) > maxEnvironmentName || strings.IndexFunc(name, unicode.IsControl) >= 0 {
			return d, cli.Usagef("input \"environments\": %q is not an environment name (at most 255 characters, no control characters)", name)
		}
		if seen[dir] {
			return d, cli.Usagef("input \"environments\": %q is listed twice", dir)
		}
		seen[dir] = true
		d.Environments = append(d.Environments, envDir{Dir: dir, Name: name})
	}
	return d, nil
}

// environmentsOf lists the environments whose directories the files are
// in, by directory: the environments input's; without it from, to and
// every directory under environments/, named by their last element.
func (x *promoter) environmentsOf(files []release.File) []envDir {
	dirs := x.in.Deploy.Environments
	explicit := len(dirs) > 0
	if !explicit {
		for _, d := range []string{x.in.From, x.in.To} {
			if d != "" {
				dirs = append(dirs, envDir{Dir: d, Name: path.Base(d)})
			}
		}
	}
	found := map[string]envDir{}
	for _, f := range files {
		for _, p := range []string{f.Path, f.Previous} {
			if p == "" {
				continue
			}
			matched := false
			for _, d := range dirs {
				if under(p, d.Dir) {
					found[d.Dir], matched = d, true
				}
			}
			if rest, ok := strings.CutPrefix(p, "environments/"); ok && !explicit && !matched {
				if name, _, nested := strings.Cut(rest, "/"); nested {
					found["environments/"+name] = envDir{Dir: "environments/" + name, Name: name}
				}
			}
		}
	}
	var out []envDir
	for _, d := range found {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}

// deployPayload is what a deployment carries: what landed in the
// environment, and the change and review that brought it.
type deployPayload struct {
	Directory string `json:"directory"`
	// Kind is promotion, rollback (the tool's pull requests, by their
	// branch) or change.
	Kind        string           `json:"kind"`
	Tag         string           `json:"tag,omitempty"`
	PullRequest *payloadPull     `json:"pull-request,omitempty"`
	Approvers   []string         `json:"approvers"`
	Versions    []payloadVersion `json:"versions"`
	Run         string           `json:"workflow-run,omitempty"`
}

type payloadPull struct {
	Number   int    `json:"number"`
	Title    string `json:"title"`
	URL      string `json:"url"`
	Author   string `json:"author"`
	MergedAt string `json:"merged-at,omitempty"`
}

type payloadVersion struct {
	Image    string `json:"image"`
	Version  string `json:"version"`
	Previous string `json:"previous"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// deployed is one deployment of the run, for the outputs.
type deployed struct {
	Environment string `json:"environment"`
	Directory   string `json:"directory"`
	ID          int64  `json:"id"`
	SHA         string `json:"sha"`
	Created     bool   `json:"created"`
}

// recordDeployments records each merge as a Deployment of every
// environment whose directory it changed, with a success status: exactly
// once per merge and environment, however often the run is repeated.
func (x *promoter) recordDeployments(ctx context.Context, merged []*release.Result) error {
	if !x.in.Deploy.On {
		return nil
	}
	list := []deployed{}
	defer func() { x.setDeployments(list) }()
	for _, res := range merged {
		envs := x.environmentsOf(res.Files)
		if len(envs) == 0 {
			continue
		}
		existing, err := x.gh.Deployments(ctx, res.SHA)
		if err != nil {
			return x.deployFailed(err)
		}
		for _, e := range envs {
			d, err := x.deploy(ctx, res, e, existing)
			if err != nil {
				return x.deployFailed(err)
			}
			list = append(list, d)
		}
	}
	return nil
}

// deploy records one merge in one environment, or completes the record
// an earlier run left without its success status.
func (x *promoter) deploy(ctx context.Context, res *release.Result, e envDir, existing []forge.Deployment) (deployed, error) {
	out := deployed{Environment: e.Name, Directory: e.Dir, SHA: res.SHA}
	for _, d := range existing {
		if d.Environment != e.Name {
			continue
		}
		out.ID = d.ID
		states, err := x.gh.DeploymentStates(ctx, d.ID)
		if err != nil {
			return out, err
		}
		for _, s := range states {
			if s == "success" || s == "inactive" {
				x.r.Logf("%s: deployment %d of %s exists already", e.Name, d.ID, short(res.SHA))
				return out, nil
			}
		}
		return out, x.succeed(ctx, res, d.ID)
	}
	d, err := x.gh.CreateDeployment(ctx, forge.NewDeployment{SHA: res.SHA, Environment: e.Name, Description: deployDescription(res), Payload: x.payload(res, e)})
	if err != nil {
		return out, err
	}
	out.ID, out.Created = d.ID, true
	x.r.Logf("%s: deployment %d of %s recorded", e.Name, d.ID, short(res.SHA))
	return out, x.succeed(ctx, res, d.ID)
}

func (x *promoter) succeed(ctx context.Context, res *release.Result, id int64) error {
	return x.gh.SetDeploymentStatus(ctx, id, forge.NewDeploymentStatus{State: "success", Description: deployDescription(res), LogURL: x.prov.RunURL})
}

// deployFailed adds what the token needs to GitHub's refusal.
func (x *promoter) deployFailed(err error) error {
	return x.in.APIError(fmt.Errorf("recording deployments (deployments: true needs a token with deployments: write): %w", err))
}

// deployDescription is a deployment's one line: the pull request, else
// the commit, and the tag.
func deployDescription(res *release.Result) string {
	s := "commit " + short(res.SHA)
	if res.Pull != nil {
		s = fmt.Sprintf("#%d %s", res.Pull.Number, mdtext.OneLine(res.Pull.Title, 120))
	}
	if res.Tag != "" {
		s += " (" + res.Tag + ")"
	}
	return s
}

// payload is the deployment's payload for environment e.
func (x *promoter) payload(res *release.Result, e envDir) deployPayload {
	p := deployPayload{Directory: e.Dir, Kind: "change", Tag: res.Tag, Approvers: res.Approvers, Versions: []payloadVersion{}, Run: x.prov.RunURL}
	if p.Approvers == nil {
		p.Approvers = []string{}
	}
	if pr := res.Pull; pr != nil {
		p.PullRequest = &payloadPull{Number: pr.Number, Title: pr.Title, URL: pr.URL, Author: pr.Author}
		if !pr.MergedAt.IsZero() {
			p.PullRequest.MergedAt = pr.MergedAt.UTC().Format(time.RFC3339)
		}
		switch {
		case strings.HasPrefix(pr.Head, "gitops-actions/rollback/"):
			p.Kind = "rollback"
		case strings.HasPrefix(pr.Head, "gitops-actions/promote/"):
			p.Kind = "promotion"
		}
	}
	for _, c := range res.Changes {
		if under(c.File, e.Dir) {
			p.Versions = append(p.Versions, payloadVersion{Image: c.Image, Version: c.New, Previous: c.Old, File: c.File, Line: c.Line})
		}
	}
	return p
}

// setDeployments records the deployments in the outputs and the summary.
func (x *promoter) setDeployments(list []deployed) {
	js, _ := json.Marshal(list)
	x.r.SetOutput("deployments", string(js))
	if len(list) == 0 {
		return
	}
	x.r.SetOutput("deployment-id", strconv.FormatInt(list[len(list)-1].ID, 10))
	var b strings.Builder
	b.WriteString("\n### Deployments\n\n| environment | directory | deployment | commit | recorded |\n|---|---|---|---|---|\n")
	for _, d := range list {
		made := "by this run"
		if !d.Created {
			made = "already"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | `%s` | %s |\n", mdtext.Text(d.Environment, 255), mdtext.Code(d.Directory, 255), d.ID, short(d.SHA), made)
	}
	x.r.Summary(b.String())
}
