package kubeschema

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestKubeconformFile(t *testing.T) {
	tests := []struct {
		apiVersion, kind, want string
	}{
		{"apps/v1", "Deployment", "deployment-apps-v1.json"},
		{"v1", "Service", "service-v1.json"},
		{"networking.k8s.io/v1", "Ingress", "ingress-networking-v1.json"},
		{"helm.toolkit.fluxcd.io/v2", "HelmRelease", "helmrelease-helm-v2.json"},
		{"argoproj.io/v1alpha1", "Application", "application-argoproj-v1alpha1.json"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := KubeconformFile(tc.apiVersion, tc.kind); got != tc.want {
				t.Errorf("KubeconformFile(%q, %q) = %q, want %q", tc.apiVersion, tc.kind, got, tc.want)
			}
		})
	}
}

// TestExport checks that the exported files are where kubeconform looks and
// that they are schemas which, compiled the way kubeconform v0.7.0 compiles
// them (its default draft is 4; ours declare 2020-12), give Validate's
// verdict.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	if err := Export(dir, "1.36"); err != nil {
		t.Fatalf("Export: %v", err)
	}
	v, err := New("1.36")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, doc string
	}{
		{name: "valid deployment", file: "deployment-apps-v1.json", doc: deployment},
		{name: "invalid service", file: "service-v1.json", doc: service("true")},
		{name: "flux helmrelease", file: "helmrelease-helm-v2.json", doc: helmRelease},
		{name: "flux kustomization", file: "kustomization-kustomize-v1.json", doc: kustomization},
		{name: "argo cd application", file: "application-argoproj-v1alpha1.json", doc: application},
		{name: "configmap", file: "configmap-v1.json", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\nextra: 1\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("kubeconform would look for %s: %v", tc.file, err)
			}
			doc, err := jsonschema.UnmarshalJSON(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s is not JSON: %v", tc.file, err)
			}
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft4)
			if err := c.AddResource(path, doc); err != nil {
				t.Fatal(err)
			}
			sch, err := c.Compile(path)
			if err != nil {
				t.Fatalf("%s is not a valid JSON Schema: %v", tc.file, err)
			}
			obj := decode(t, tc.doc)
			vs, found, err := v.Validate(obj)
			if err != nil || !found {
				t.Fatalf("Validate: found=%v err=%v", found, err)
			}
			got, want := sch.Validate(any(obj)) == nil, len(vs) == 0
			if got != want {
				t.Errorf("exported schema says valid=%v, Validate says valid=%v (%v)", got, want, vs)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(entries), len(v.release.Kinds)+len(v.store.b.CRDs.Kinds); got != want {
		t.Errorf("exported %d files, want one per kind: %d", got, want)
	}
}

func TestExportUnknownVersion(t *testing.T) {
	if err := Export(t.TempDir(), "1.2"); err == nil {
		t.Error("Export accepted an unknown version")
	}
}
