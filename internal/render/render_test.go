package render

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// TestEnvironment renders an environment as a cluster receives it: a
// kustomization built (its namespace, images and shared base applied, its
// remote base left out), a plain directory as its files hold it; a
// kustomization that does not build and a file that is not YAML fail.
func TestEnvironment(t *testing.T) {
	fsys := fstest.MapFS{
		"shared/kustomization.yaml": {Data: []byte("resources:\n  - ingress.yaml\n")},
		"shared/ingress.yaml":       {Data: []byte("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app\n")},
		"staging/kustomization.yaml": {Data: []byte("namespace: app-staging\nresources:\n  - app.yaml\n  - ../shared\n  - https://github.com/acme/remote//base?ref=v1\n" +
			"images:\n  - name: ghcr.io/acme/app\n    newTag: v2.1.0\n")},
		"staging/app.yaml":          {Data: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/app:v1\n")},
		"plain/app.yaml":            {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n---\nnot: a resource\n")},
		"plain/sub/svc.yml":         {Data: []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n")},
		"plain/notes.txt":           {Data: []byte("apiVersion: v1\n")},
		"broken/kustomization.yaml": {Data: []byte("resources:\n  - missing.yaml\n")},
		"bad/app.yaml":              {Data: []byte("kind: [\n")},
	}
	tests := []struct {
		dir     string
		want    []string // kind/namespace/name image
		wantErr string
	}{
		{dir: "staging", want: []string{"Deployment/app-staging/app ghcr.io/acme/app:v2.1.0", "Ingress/app-staging/app "}},
		{dir: "plain", want: []string{"ConfigMap//a ", "Service//s "}},
		{dir: "broken", wantErr: "missing.yaml"},
		{dir: "bad", wantErr: "bad/app.yaml:2: did not find expected node content"},
		{dir: "nowhere", wantErr: "no such directory"},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			objs, err := Environment(context.Background(), fsys, tc.dir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				_, kind, ns, name := Meta(o)
				image, _ := valueAt(o, []string{"spec", "template", "spec", "containers", "0", "image"}).(string)
				got = append(got, fmt.Sprintf("%s/%s/%s %s", kind, ns, name, image))
				if md, _ := o["metadata"].(map[string]any); md["annotations"] != nil {
					t.Errorf("%s/%s keeps annotations %v (the origin annotation is the renderer's own)", kind, name, md["annotations"])
				}
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("objects:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
