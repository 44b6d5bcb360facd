package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/verify/verifytest"
)

// layoutCmd writes a config repository in the layout users have: a
// kustomize base per application (apps/APP/base, FILES files of PER-FILE
// valid resources each) and an overlay per application and environment
// (environments/ENV/APP) that sets the namespace, adds labels and pins the
// application's image.
func layoutCmd(args []string) error {
	fs := flag.NewFlagSet("layout", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write into")
	apps := fs.Int("apps", 100, "number of applications")
	envs := fs.String("envs", "staging,production", "environments, separated by commas")
	files := fs.Int("files", 20, "files per base")
	perFile := fs.Int("per-file", 5, "resources per file")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same repository")
	helmEvery := fs.Int("helm-every", 0, "deploy every Nth application (the first included) by a Flux HelmRelease of a chart of about ten templates of its own; 0: none")
	shared := fs.Bool("shared", false, "have every overlay render one shared directory more, holding a finding")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("layout: -out is required")
	}
	rng := rand.New(rand.NewSource(*seed))
	write := func(p, data string) error {
		p = filepath.Join(*out, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(data), 0o644)
	}
	var extra map[string]string
	if *helmEvery > 0 {
		extra = verifytest.FluxSystem()
	}
	if *shared {
		extra = merged(extra, verifytest.Shared())
	}
	for p, data := range extra {
		if err := write(p, data); err != nil {
			return err
		}
	}
	for a := 0; a < *apps; a++ {
		app := fmt.Sprintf("app%03d", a)
		if *helmEvery > 0 && a%*helmEvery == 0 {
			for p, data := range verifytest.HelmApp(app, a) {
				if err := write(p, data); err != nil {
					return err
				}
			}
			if err := writeOverlays(write, app, a, *envs, *shared); err != nil {
				return err
			}
			continue
		}
		var k strings.Builder
		k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
		for f := 0; f < *files; f++ {
			var docs []string
			for j := 0; j < *perFile; j++ {
				docs = append(docs, validResource(rng, app, fmt.Sprintf("%s-%03d", app, f**perFile+j)))
			}
			name := fmt.Sprintf("file%02d.yaml", f)
			fmt.Fprintf(&k, "  - %s\n", name)
			if err := write(fmt.Sprintf("apps/%s/base/%s", app, name), strings.Join(docs, "---\n")); err != nil {
				return err
			}
		}
		if err := write(fmt.Sprintf("apps/%s/base/kustomization.yaml", app), k.String()); err != nil {
			return err
		}
		if err := writeOverlays(write, app, a, *envs, *shared); err != nil {
			return err
		}
	}
	return nil
}

// writeOverlays writes the overlay of application app (the a-th) in each
// environment of envs (separated by commas): its namespace, labels and
// image tag, and the shared directory when shared.
func writeOverlays(write func(p, data string) error, app string, a int, envs string, shared bool) error {
	for i, env := range strings.Split(envs, ",") {
		resources := "  - ../../../apps/" + app + "/base\n"
		if shared {
			resources += "  - " + verifytest.SharedResource + "\n"
		}
		overlay := fmt.Sprintf(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: %s-%s
resources:
%slabels:
  - pairs:
      environment: %s
      app.kubernetes.io/part-of: %s
images:
  - name: ghcr.io/example/%s
    newTag: 1.%d.%d
`, env, app, resources, env, app, app, i+1, a%10)
		if err := write(fmt.Sprintf("environments/%s/%s/kustomization.yaml", env, app), overlay); err != nil {
			return err
		}
	}
	return nil
}

// merged returns the files of a and b together.
func merged(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// validResource returns one valid document of the corpus's kinds, named
// name, whose containers run ghcr.io/example/APP.
func validResource(rng *rand.Rand, app, name string) string {
	doc := pickTemplate(rng)
	doc = strings.ReplaceAll(doc, "ghcr.io/example/NAME", "ghcr.io/example/"+app)
	doc = strings.ReplaceAll(doc, "NAME", name)
	return strings.ReplaceAll(doc, "REPLICAS", fmt.Sprint(1+rng.Intn(5)))
}
