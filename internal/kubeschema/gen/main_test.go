package main

import (
	"bytes"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema/bundle"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema/convert"
)

func fixtures(t *testing.T) ([]release, [][]byte) {
	t.Helper()
	swagger, err := os.ReadFile("testdata/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	crd, err := os.ReadFile("testdata/crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	enums := convert.Enums{"io.example.v1.WidgetSpec": {"size": {"small", "large"}}}
	releases := []release{
		{minor: "1.9", module: "k8s.io/kubernetes@v1.9.0", swagger: swagger, enums: enums},
		{minor: "1.10", module: "k8s.io/kubernetes@v1.10.0", swagger: swagger, enums: enums},
	}
	return releases, [][]byte{crd}
}

// TestRenderIsReproducible is the property the committed bundle relies on:
// rerunning the generator on the same inputs gives the same bytes, whatever
// the order Go iterates maps in.
func TestRenderIsReproducible(t *testing.T) {
	releases, crds := fixtures(t)
	first, err := render(releases, crds)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := render(releases, crds)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("run %d gave different bytes (%d vs %d)", i+2, len(again), len(first))
		}
	}
	b, err := bundle.Decode(first)
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, r := range b.Kubernetes {
		versions = append(versions, r.Version)
	}
	if got, want := versions, []string{"1.10", "1.9"}; !reflect.DeepEqual(got, want) {
		t.Errorf("versions = %q, want %q (newest first)", got, want)
	}
	// Both versions have the same definitions, so they share every blob:
	// the 6 definitions Widget reaches plus Gadget's root.
	if got, want := len(b.Keys()), 7; got != want {
		t.Errorf("%d blobs, want %d: identical definitions must be stored once", got, want)
	}
	if got, want := b.CRDs.Kinds["example.io/v1/Gadget"], "crd.example.io.v1.Gadget"; got != want {
		t.Errorf("Gadget root = %q, want %q", got, want)
	}
}

func TestGoEnums(t *testing.T) {
	got, err := goEnums("testdata/api")
	if err != nil {
		t.Fatal(err)
	}
	values := []string{"Always", "IfNotPresent", "Never"}
	want := convert.Enums{"io.k8s.api.core.v1.Container": {
		"imagePullPolicy": values,
		"policies":        values,
		"optional":        values,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("goEnums:\ngot  %v\nwant %v", got, want)
	}
}

func TestDecodeYAML(t *testing.T) {
	got, err := decodeYAML([]byte("a: 1\n---\n---\nb: [x]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"a": float64(1)}, {"b": []any{"x"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodeYAML = %v, want %v", got, want)
	}
	if _, err := decodeYAML([]byte("a: [")); err == nil {
		t.Error("decodeYAML accepted broken YAML")
	}
}

func TestWidenEnumsAndOpenStatus(t *testing.T) {
	docs, err := decodeYAML([]byte(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: alerts.notification.toolkit.fluxcd.io}
spec:
  group: notification.toolkit.fluxcd.io
  names: {kind: Alert}
  versions:
    - name: v1beta3
      served: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                eventSources:
                  type: array
                  items:
                    type: object
                    properties:
                      kind: {type: string, enum: [Kustomization, FluxInstance]}
            status: {type: object, properties: {ready: {type: boolean}}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.io}
spec:
  group: example.io
  names: {kind: Widget}
  versions:
    - name: v1
      served: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            status: {type: object, properties: {ready: {type: boolean}}}
`))
	if err != nil {
		t.Fatal(err)
	}
	alert, widget := docs[0], docs[1]
	if err := widenEnums(alert); err != nil {
		t.Fatal(err)
	}
	openStatus(alert)
	openStatus(widget)
	schema := func(crd map[string]any) map[string]any {
		v := crd["spec"].(map[string]any)["versions"].([]any)[0].(map[string]any)
		return v["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)["properties"].(map[string]any)
	}
	kind := schema(alert)["spec"].(map[string]any)["properties"].(map[string]any)["eventSources"].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)["kind"].(map[string]any)
	if got, want := kind["enum"], []any{"Kustomization", "FluxInstance", "ResourceSet", "ResourceSetInputProvider"}; !reflect.DeepEqual(got, want) {
		t.Errorf("enum = %v, want %v (each value once, upstream's first)", got, want)
	}
	if _, ok := schema(alert)["status"].(map[string]any)["properties"]; !ok {
		t.Error("a Flux CRD's status schema was opened; Flux's are kept")
	}
	if got := schema(widget)["status"]; !reflect.DeepEqual(got, map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}) {
		t.Errorf("status of a CRD with the status subresource = %v, want an open object", got)
	}
	// An upstream schema that no longer has the enum is an error, not a
	// silent skip.
	delete(kind, "enum")
	if err := widenEnums(alert); err == nil {
		t.Error("widenEnums accepted a CRD without the enum it widens")
	}
}

func TestServe(t *testing.T) {
	crd := func(name, version string) map[string]any {
		docs, err := decodeYAML([]byte(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ` + name + `}
spec:
  group: external-secrets.io
  names: {kind: ExternalSecret}
  versions:
    - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
    - {name: ` + version + `, served: false, storage: false, schema: {openAPIV3Schema: {type: object}}}
`))
		if err != nil {
			t.Fatal(err)
		}
		return docs[0]
	}
	tests := []struct {
		name, crd, version string
		wantKinds          []string
		wantErr            string
	}{
		{name: "listed", crd: "externalsecrets.external-secrets.io", version: "v1beta1", wantKinds: []string{"external-secrets.io/v1/ExternalSecret", "external-secrets.io/v1beta1/ExternalSecret"}},
		{name: "not listed stays unserved", crd: "pushsecrets.external-secrets.io", version: "v1beta1", wantKinds: []string{"external-secrets.io/v1/ExternalSecret"}},
		{name: "listed version gone upstream", crd: "secretstores.external-secrets.io", version: "v1beta2", wantErr: `no version "v1beta1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := crd(tc.crd, tc.version)
			err := serve(doc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("serve: err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := convert.CRD(doc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for k := range s.Kinds {
				got = append(got, k)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.wantKinds) {
				t.Errorf("kinds = %q, want %q", got, tc.wantKinds)
			}
		})
	}
}

func TestPatchedVia(t *testing.T) {
	tests := []struct {
		name, raw, via, want string
	}{
		{name: "untouched", raw: "metadata:\n  name: widgets.example.io\n", via: "generated", want: "generated"},
		{name: "enum widened", raw: "metadata:\n  name: alerts.notification.toolkit.fluxcd.io\n", want: enumVia},
		{name: "served, after what the file already says", raw: "metadata:\n  name: clustersecretstores.external-secrets.io\n", via: "generated", want: "generated; " + servedVia},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := patchedVia([]byte(tc.raw), tc.via); got != tc.want {
				t.Errorf("patchedVia = %q, want %q", got, tc.want)
			}
		})
	}
}
