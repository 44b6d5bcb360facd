// Package verifytest generates config repositories for the tests and
// benchmarks of verify-manifests and of what renders like it: the layout
// users have (a kustomize base per application, an overlay per application
// and environment), as scripts/bench-verify's layout command writes it
// for the side-by-side runs.
package verifytest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/helm/helmtest"
)

// DeploymentTemplate is a valid Deployment, whose name (four times: name,
// label, selector, pod label) and minor image version are to be filled in
// with fmt.
const DeploymentTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  labels:
    app.kubernetes.io/name: %s
spec:
  replicas: 2
  selector:
    matchLabels:
      app: %s
  template:
    metadata:
      labels:
        app: %s
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:v1.%d.0
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
`

// WriteLayout writes a config repository in the layout of
// scripts/bench-verify's layout command, smaller per file: apps bases
// (apps/APP/base) of files files of perFile resources each, and an overlay
// per application and environment (environments/ENV/APP) that sets the
// namespace, labels and the image's tag.
func WriteLayout(tb testing.TB, dir string, apps, files, perFile int, envs ...string) {
	tb.Helper()
	if err := (Layout{Apps: apps, Files: files, PerFile: perFile, Envs: envs}).Write(dir); err != nil {
		tb.Fatal(err)
	}
}

// Layout is a generated config repository: a kustomize base per
// application, an overlay per application and environment.
type Layout struct {
	// Apps applications, each a base of Files files of PerFile resources
	// (apps/APP/base), and an overlay (environments/ENV/APP) for each of
	// Envs.
	Apps, Files, PerFile int
	Envs                 []string
	// HelmEvery, above 0, deploys every HelmEvery-th application (the
	// first included) with a Flux HelmRelease of a chart of its own
	// (HelmApp) rather than files of resources.
	HelmEvery int
	// Shared has every overlay render one directory more, which every
	// environment of every application shares (Shared).
	Shared bool
}

// Write writes the repository into dir.
func (l Layout) Write(dir string) error {
	files := map[string]string{}
	if l.HelmEvery > 0 {
		for k, v := range FluxSystem() {
			files[k] = v
		}
	}
	if l.Shared {
		for k, v := range Shared() {
			files[k] = v
		}
	}
	for a := 0; a < l.Apps; a++ {
		app := fmt.Sprintf("app%03d", a)
		if l.HelmEvery > 0 && a%l.HelmEvery == 0 {
			for k, v := range HelmApp(app, a) {
				files[k] = v
			}
		} else {
			var k strings.Builder
			k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
			for f := 0; f < l.Files; f++ {
				var b strings.Builder
				for j := 0; j < l.PerFile; j++ {
					if j > 0 {
						b.WriteString("---\n")
					}
					name := fmt.Sprintf("%s-%d-%d", app, f, j)
					switch j % 3 {
					case 0:
						fmt.Fprintf(&b, DeploymentTemplate, name, name, name, name, a%7)
					case 1:
						fmt.Fprintf(&b, "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\nspec:\n  selector:\n    app: %s\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n", name, name)
					default:
						fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  LOG_LEVEL: info\n", name)
					}
				}
				fmt.Fprintf(&k, "  - file%02d.yaml\n", f)
				files[fmt.Sprintf("apps/%s/base/file%02d.yaml", app, f)] = b.String()
			}
			files[fmt.Sprintf("apps/%s/base/kustomization.yaml", app)] = k.String()
		}
		for i, env := range l.Envs {
			overlay := fmt.Sprintf("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s-%s\nresources:\n  - ../../../apps/%s/base\n", env, app, app)
			if l.Shared {
				overlay += "  - " + SharedResource + "\n"
			}
			overlay += fmt.Sprintf("labels:\n  - pairs:\n      environment: %s\nimages:\n  - name: ghcr.io/acme/app\n    newTag: v1.%d.0\n", env, i)
			files[fmt.Sprintf("environments/%s/%s/kustomization.yaml", env, app)] = overlay
		}
	}
	for p, data := range files {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// SharedResource is how an overlay at environments/ENV/APP names the
// directory Shared writes.
const SharedResource = "../../../shared/limits"

// Shared returns the files of a directory every overlay may render: a
// LimitRange with a misspelt field, so that one finding of a file is
// seen in every environment of every application.
func Shared() map[string]string {
	return map[string]string{
		"shared/limits/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - limits.yaml\n",
		"shared/limits/limits.yaml":        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\nspec:\n  limits:\n    - type: Container\n      defaultt: {cpu: 100m}\n",
	}
}

// FluxSystem returns the files of flux bootstrap's sync: the
// GitRepository this repository is, which HelmApp's releases render their
// charts from.
func FluxSystem() map[string]string {
	return map[string]string{"flux-system/gotk-sync.yaml": `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: https://github.com/acme/config
  ref: {branch: main}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  path: ./flux-system
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`}
}

// HelmApp returns the files of an application deployed by a Flux
// HelmRelease (apps/APP/base/release.yaml, its base's one resource) of a
// chart of about ten templates of its own (apps/APP/chart, from the
// GitRepository FluxSystem writes), with values of its own (n varies
// them).
func HelmApp(app string, n int) map[string]string {
	files := map[string]string{}
	for k, v := range helmtest.AppChart(app, "1.0.0") {
		files["apps/"+app+"/chart/"+k] = v
	}
	files["apps/"+app+"/base/kustomization.yaml"] = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n"
	files["apps/"+app+"/base/release.yaml"] = fmt.Sprintf(`apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: %s
spec:
  interval: 10m
  chart:
    spec:
      chart: ./apps/%s/chart
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  values:
    replicaCount: %d
    image:
      tag: "1.%d.0"
    autoscaling:
      enabled: %v
    ingress:
      enabled: %v
      host: %s.example.com
`, app, app, 2+n%3, n%10, n%2 == 0, n%3 == 0, app)
	return files
}
