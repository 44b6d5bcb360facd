package verify

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// TestKustomizeOpenAPIField: kustomize keeps its OpenAPI schema in
// process-wide state, and a kustomization with an openapi field replaces
// it. Builds run in parallel (go test -race watches them); the one with
// the field builds alone, and the built-in schema is back afterwards, for
// the other builds of the run and for the next run.
func TestKustomizeOpenAPIField(t *testing.T) {
	fsys := fstest.MapFS{
		"custom/kustomization.yaml": {Data: []byte("openapi:\n  path: schema.json\nresources:\n  - cm.yaml\n")},
		"custom/schema.json":        {Data: []byte(`{"definitions": {}}`)},
		"custom/cm.yaml":            {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: custom\n")},
	}
	for i := range 8 {
		dir := fmt.Sprintf("app%d", i)
		fsys[dir+"/kustomization.yaml"] = &fstest.MapFile{Data: []byte("namespace: team\nresources:\n  - deploy.yaml\npatches:\n  - path: replicas.yaml\n")}
		fsys[dir+"/deploy.yaml"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app%d\nspec:\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/app:v1\n", i))}
		fsys[dir+"/replicas.yaml"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app%d\nspec:\n  replicas: 3\n", i))}
	}
	before := openapi.GetSchemaVersion()
	for run := range 2 {
		res, err := Run(context.Background(), fsys, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.Rule == RuleKustomizeBuild {
				t.Errorf("run %d: %s", run+1, f)
			}
		}
		if want := 9; res.Resources != want {
			t.Errorf("run %d: %d resources, want %d", run+1, res.Resources, want)
		}
		if got := openapi.GetSchemaVersion(); got != before {
			t.Errorf("run %d: kustomize's schema is %q after the run, want the built-in %q back", run+1, got, before)
		}
	}
}
