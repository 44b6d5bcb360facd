// Package manifesttest generates config repos for benchmarks: the Go
// benchmarks and scripts/bench-bump share it so they measure the same tree.
package manifesttest

import (
	"fmt"
	"os"
	"path/filepath"
)

// Image is the repository the generated references point at.
const Image = "ghcr.io/acme/app"

// GenerateRepo writes files YAML files under dir, spread over environments
// and apps; every (files/referencing)th one references Image (as a
// Deployment, a kustomization or Helm values, in turn), the others hold
// unrelated manifests of similar size.
func GenerateRepo(dir string, files, referencing int) error {
	step := files / referencing
	if 3*step <= 8 {
		return fmt.Errorf("%d referencing files of %d would put two kustomizations in one directory", referencing, files)
	}
	for i := range files {
		// Eight files a directory, as in a real config repo.
		d := i / 8
		env := []string{"dev", "staging", "production", "qa"}[d%4]
		sub := filepath.Join(dir, "environments", env, fmt.Sprintf("app-%04d", d))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		var name, body string
		switch {
		case i%step == 0 && (i/step)%3 == 0:
			name, body = fmt.Sprintf("deployment-%d.yaml", i), deployment(i, Image+":v1.0.0")
		case i%step == 0 && (i/step)%3 == 1:
			name, body = "kustomization.yaml", kustomization(i) // at most one per directory: step > 8
		case i%step == 0:
			name, body = fmt.Sprintf("values-%d.yaml", i), values(i)
		case i%2 == 0:
			name, body = fmt.Sprintf("deployment-%d.yaml", i), deployment(i, fmt.Sprintf("ghcr.io/acme/other-%d:v1.0.0", i))
		default:
			name, body = fmt.Sprintf("service-%d.yaml", i), service(i)
		}
		p := filepath.Join(sub, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func deployment(i int, image string) string {
	return fmt.Sprintf(`# generated deployment %[1]d
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  labels:
    app.kubernetes.io/name: app-%[1]d
    app.kubernetes.io/part-of: bench
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: app-%[1]d
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-%[1]d
    spec:
      containers:
        - name: app
          image: %[2]s
          ports:
            - containerPort: 8080
          env:
            - name: INDEX
              value: "%[1]d"
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
        - name: sidecar
          image: busybox:1.36
          command: ["sh", "-c", "sleep infinity"]
`, i, image)
}

func service(i int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: app-%[1]d
  annotations:
    note: "a service that fronts app %[1]d"
spec:
  selector:
    app.kubernetes.io/name: app-%[1]d
  ports:
    - name: http
      port: 80
      targetPort: 8080
`, i)
}

func kustomization(i int) string {
	return fmt.Sprintf(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ns-%d
resources:
  - deployment.yaml
images:
  - name: %s
    newTag: v1.0.0
  - name: busybox
    newTag: "1.36"
`, i, Image)
}

func values(i int) string {
	return fmt.Sprintf(`replicaCount: %d
image:
  repository: %s
  tag: v1.0.0
  pullPolicy: IfNotPresent
service:
  type: ClusterIP
  port: 80
`, i%5+1, Image)
}
