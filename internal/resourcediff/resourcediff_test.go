package resourcediff

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// objects parses a YAML stream into objects.
func objects(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range strings.Split(s, "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// text renders a Diff one difference a line.
func text(d Diff) string {
	var b strings.Builder
	for _, id := range d.OnlyA {
		fmt.Fprintf(&b, "only a: %s\n", id)
	}
	for _, id := range d.OnlyB {
		fmt.Fprintf(&b, "only b: %s\n", id)
	}
	for _, c := range d.Changed {
		for _, f := range c.Fields {
			v := func(x any, absent bool) string {
				switch {
				case f.Hidden && absent:
					return "(unset)"
				case f.Hidden:
					return "(hidden)"
				case absent:
					return "(absent)"
				}
				return Format(x, 40)
			}
			fmt.Fprintf(&b, "%s: %s: %s -> %s\n", c.A, f.Path, v(f.A, f.AbsentA), v(f.B, f.AbsentB))
		}
	}
	return b.String()
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: %s
  labels: {app.kubernetes.io/name: app}
spec:
  replicas: %d
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:%s
          env: [{name: LOG_LEVEL, value: %s}]
        - name: proxy
          image: nginx:1.27`

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		opts Options
		want string
	}{
		{
			name: "identical",
			a:    fmt.Sprintf(deployment, "staging", 2, "v2", "info"),
			b:    fmt.Sprintf(deployment, "staging", 2, "v2", "info"),
			want: "",
		},
		{
			name: "replicas, an image and an env value, items matched by name",
			a:    fmt.Sprintf(deployment, "staging", 2, "v2", "debug"),
			b:    fmt.Sprintf(deployment, "staging", 4, "v1", "info"),
			want: "staging/Deployment.apps/app: spec.replicas: 2 -> 4\n" +
				"staging/Deployment.apps/app: spec.template.spec.containers[name=app].env[name=LOG_LEVEL].value: debug -> info\n" +
				"staging/Deployment.apps/app: spec.template.spec.containers[name=app].image: ghcr.io/acme/app:v2 -> ghcr.io/acme/app:v1\n",
		},
		{
			name: "namespaces told apart",
			a:    fmt.Sprintf(deployment, "staging", 2, "v2", "info"),
			b:    fmt.Sprintf(deployment, "production", 2, "v2", "info"),
			want: "only a: staging/Deployment.apps/app\nonly b: production/Deployment.apps/app\n",
		},
		{
			name: "namespaces ignored",
			a:    fmt.Sprintf(deployment, "staging", 2, "v2", "info"),
			b:    fmt.Sprintf(deployment, "production", 3, "v2", "info"),
			opts: Options{IgnoreNamespace: true},
			want: "staging/Deployment.apps/app: spec.replicas: 2 -> 3\n",
		},
		{
			name: "a resource on one side, a key with dots, a list by index, a map against nothing",
			a:    "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n  annotations: {example.com/tier: web}\nspec:\n  ports: [80, 443]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}",
			b:    "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n  ports: [80]\n  selector: {app: x}",
			want: "only a: ConfigMap/extra\n" +
				"Service/app: metadata.annotations: {\"example.com/tier\":\"web\"} -> (absent)\n" +
				"Service/app: spec.ports[1]: 443 -> (absent)\n" +
				"Service/app: spec.selector: (absent) -> {\"app\":\"x\"}\n",
		},
		{
			name: "numbers read by two decoders",
			a:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\nx: 3",
			b:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\nx: 3.0",
			want: "",
		},
		{
			name: "a Secret's values never shown, its keys and labels are",
			a:    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  labels: {tier: a}\n  annotations: {note: s3cr3t-a}\ntype: Opaque\ndata:\n  password: c2VjcmV0LWE=\n  user: YWRtaW4=\nstringData:\n  token: tok-a",
			b:    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  labels: {tier: b}\n  annotations: {note: s3cr3t-b}\ntype: Opaque\ndata:\n  password: c2VjcmV0LWI=\n  user: YWRtaW4=\n  extra: ZXh0cmE=",
			want: "Secret/db: data.extra: (unset) -> (hidden)\n" +
				"Secret/db: data.password: (hidden) -> (hidden)\n" +
				"Secret/db: metadata.annotations.note: (hidden) -> (hidden)\n" +
				"Secret/db: metadata.labels.tier: a -> b\n" +
				"Secret/db: stringData.token: (hidden) -> (unset)\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(objects(t, tc.a), objects(t, tc.b), tc.opts)
			got := text(d)
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if n := strings.Count(got, "\n"); d.Count() != n {
				t.Errorf("Count() = %d, want %d", d.Count(), n)
			}
			for _, secret := range []string{"c2VjcmV0", "s3cr3t", "tok-a", "ZXh0cmE"} {
				if strings.Contains(fmt.Sprintf("%+v", d), secret) {
					t.Errorf("the diff carries the secret value %q: %+v", secret, d)
				}
			}
		})
	}
}
