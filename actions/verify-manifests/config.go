package verifymanifests

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/verify"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// applyConfig reads the repository's configuration file (the config input,
// else .gitops-actions.yaml when there is one) and sets the rules and the
// pod-security level of opts from it, with the rules and pod-security
// inputs on top. A file that is not what its schema allows is bad input.
func applyConfig(tree *workspace.Tree, in inputs, opts *verify.Options) error {
	name, input := in.Config, "config"
	if name == "" {
		name = verify.ConfigFile
		if _, err := fs.Stat(tree, name); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	p, err := tree.Path(input, name, false)
	if err != nil {
		return cli.UsageError(err)
	}
	data, err := fs.ReadFile(tree, p)
	if err != nil {
		return cli.Usagef("input %q: reading %q: %w", input, name, err)
	}
	cfg, err := verify.ParseConfig(p, data)
	if err != nil {
		return cli.Usagef("input %q: %w", input, err)
	}
	rules, err := verify.DefaultRules().Apply(cfg)
	if err != nil {
		return cli.Usagef("input %q: %q: %w", input, p, err)
	}
	if opts.Rules, err = rules.With(in.RuleSpecs); err != nil {
		return cli.Usagef("input \"rules\": %w", err)
	}
	if opts.PodSecurity == "" {
		opts.PodSecurity = cfg.PodSecurity
	}
	return nil
}

// notes are the lines the run says besides its findings: the files left
// out as other tools' configuration, and the findings annotations
// silenced.
func notes(res *verify.Result) []string {
	var out []string
	if n := len(res.NotManifests); n > 0 {
		by := map[string]int{}
		for _, m := range res.NotManifests {
			by[m.Tool]++
		}
		var parts []string
		for tool, k := range by {
			parts = append(parts, fmt.Sprintf("%d %s", k, tool))
		}
		sort.Strings(parts)
		out = append(out, fmt.Sprintf("not checked: %d file(s) that configure other tools, not Kubernetes (%s)", n, strings.Join(parts, ", ")))
	}
	if n := len(res.Suppressed); n > 0 {
		reasons := map[string]int{}
		with := 0
		for _, f := range res.Suppressed {
			if f.Suppression.Reason != "" {
				with++
				reasons[f.Rule+": "+f.Suppression.Reason]++
			}
		}
		line := fmt.Sprintf("suppressed: %d finding(s) silenced by annotations on their objects, %d with a reason", n, with)
		if len(reasons) > 0 {
			var parts []string
			for r, k := range reasons {
				parts = append(parts, fmt.Sprintf("%s (%d)", r, k))
			}
			sort.Strings(parts)
			line += ": " + strings.Join(parts, "; ")
		}
		out = append(out, line)
	}
	return out
}
