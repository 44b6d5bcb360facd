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
	write := func(p, data string) {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for a := 0; a < apps; a++ {
		app := fmt.Sprintf("app%03d", a)
		var k strings.Builder
		k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
		for f := 0; f < files; f++ {
			var b strings.Builder
			for j := 0; j < perFile; j++ {
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
			write(fmt.Sprintf("apps/%s/base/file%02d.yaml", app, f), b.String())
		}
		write(fmt.Sprintf("apps/%s/base/kustomization.yaml", app), k.String())
		for i, env := range envs {
			write(fmt.Sprintf("environments/%s/%s/kustomization.yaml", env, app), fmt.Sprintf(
				"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s-%s\nresources:\n  - ../../../apps/%s/base\nlabels:\n  - pairs:\n      environment: %s\nimages:\n  - name: ghcr.io/acme/app\n    newTag: v1.%d.0\n",
				env, app, app, env, i))
		}
	}
}
