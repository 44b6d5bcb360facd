package kubeschema

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema/convert"
)

// decode reads one YAML document the way verify-manifests does.
func decode(t testing.TB, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("decoding test yaml: %v", err)
	}
	return m
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod, creationTimestamp: null, labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 80, name: http}]
        resources: {limits: {cpu: 500m, memory: 1Gi}, requests: {cpu: 1, memory: 128974848}}
`

func service(targetPort string) string {
	return `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: ` + targetPort + `}]
`
}

func withCPU(cpu string) string {
	return strings.Replace(deployment, "requests: {cpu: 1,", "requests: {cpu: "+cpu+",", 1)
}

const helmRelease = `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: default}
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "6.x"
      sourceRef: {kind: HelmRepository, name: podinfo}
  values:
    replicaCount: 2
    anything: {goes: [here]}
`

const kustomization = `
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`

const application = `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook, namespace: argocd}
spec:
  project: default
  source: {repoURL: "https://github.com/argoproj/argocd-example-apps.git", targetRevision: HEAD, path: guestbook}
  destination: {server: "https://kubernetes.default.svc", namespace: guestbook}
  syncPolicy: {automated: {prune: true, selfHeal: true}}
`

// sopsSecret is a Secret as SOPS leaves it: values encrypted, metadata in a
// top-level sops key that no Kubernetes schema knows.
const sopsSecret = `
apiVersion: v1
kind: Secret
metadata: {name: db}
type: Opaque
stringData:
  password: ENC[AES256_GCM,data:Tr7o=,iv:1=,tag:2=,type:str]
sops:
  age:
  - recipient: age1xyz
    enc: "-----BEGIN AGE ENCRYPTED FILE-----"
  lastmodified: "2026-01-01T00:00:00Z"
  mac: ENC[AES256_GCM,data:abc=,type:str]
  version: 3.9.0
`

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		wantFound bool
		want      []Violation
	}{
		{name: "valid deployment", doc: deployment, wantFound: true},
		{
			name:      "unknown field",
			doc:       strings.Replace(deployment, "replicas: 3", "replica: 3", 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "replica"}, Reason: "unknown-field", Message: `unknown field "replica"`}},
		},
		{
			name:      "unknown field deep in a list",
			doc:       strings.Replace(deployment, "image: nginx:1.27", "image: nginx:1.27\n        imagePolicy: x", 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "template", "spec", "containers", "0", "imagePolicy"}, Reason: "unknown-field", Message: `unknown field "imagePolicy"`}},
		},
		{
			name:      "wrong type",
			doc:       strings.Replace(deployment, "replicas: 3", `replicas: "3"`, 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "replicas"}, Reason: "type", Message: `expected integer, got string "3"`}},
		},
		{
			name:      "missing required field",
			doc:       strings.Replace(deployment, "selector: {matchLabels: {app: web}}", "", 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec"}, Reason: "required", Message: `missing required field "selector"`}},
		},
		{
			name:      "missing required field of a list item",
			doc:       strings.Replace(deployment, "      - name: web\n        image", "      - image", 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "template", "spec", "containers", "0"}, Reason: "required", Message: `missing required field "name"`}},
		},
		{
			name:      "bad enum",
			doc:       strings.Replace(deployment, "imagePullPolicy: IfNotPresent", "imagePullPolicy: Alwayz", 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "template", "spec", "containers", "0", "imagePullPolicy"}, Reason: "enum", Message: `"Alwayz" is not one of ["Always","IfNotPresent","Never"]`}},
		},
		{
			name:      "apiVersion and kind must match the schema",
			doc:       strings.Replace(deployment, "kind: Deployment", "kind: Deployment\nmetadata2: {}", 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"metadata2"}, Reason: "unknown-field", Message: `unknown field "metadata2"`}},
		},
		{
			name: "embedded resource without apiVersion and kind",
			doc: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: redis}]}}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
			wantFound: true,
		},
		{
			name:      "unquoted timestamps are strings, as in JSON",
			doc:       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {since: 2024-01-01}}\ndata: {at: 2024-01-01T10:00:00Z, n: 1}\n",
			wantFound: true,
			want:      []Violation{{Path: []string{"data", "n"}, Reason: "type", Message: "expected string, got integer 1"}},
		},
		{name: "int-or-string integer", doc: service("8080"), wantFound: true},
		{name: "int-or-string string", doc: service("http"), wantFound: true},
		{
			name:      "int-or-string boolean",
			doc:       service("true"),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "ports", "0", "targetPort"}, Reason: "type", Message: "expected integer or string, got boolean true"}},
		},
		{name: "quantity millicores", doc: withCPU("500m"), wantFound: true},
		{name: "quantity integer", doc: withCPU("1"), wantFound: true},
		{name: "quantity decimal", doc: withCPU("0.5"), wantFound: true},
		{
			name:      "quantity list",
			doc:       withCPU("[1]"),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "template", "spec", "containers", "0", "resources", "requests", "cpu"}, Reason: "type", Message: "expected number or string, got array"}},
		},
		{name: "flux helmrelease", doc: helmRelease, wantFound: true},
		{
			// helm-controller v1.7 made chart.spec.sourceRef optional (an
			// OCIRepository chart has none; a CEL rule, not checked here,
			// requires it for the others): the kind is still an enum.
			name:      "flux helmrelease with a bad chart source kind",
			doc:       strings.Replace(helmRelease, "kind: HelmRepository", "kind: HelmRepo", 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "chart", "spec", "sourceRef", "kind"}, Reason: "enum", Message: `"HelmRepo" is not one of ["HelmRepository","GitRepository","Bucket"]`}},
		},
		{name: "flux kustomization", doc: kustomization, wantFound: true},
		{
			name:      "flux kustomization with a bad source kind",
			doc:       strings.Replace(kustomization, "kind: GitRepository", "kind: GitRepo", 1),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "sourceRef", "kind"}, Reason: "enum", Message: `"GitRepo" is not one of ["OCIRepository","GitRepository","Bucket","ExternalArtifact"]`}},
		},
		{name: "argo cd application", doc: application, wantFound: true},
		{
			name:      "argo cd application with an unknown field",
			doc:       strings.Replace(application, "project: default", "projects: default", 1),
			wantFound: true,
			want: []Violation{
				{Path: []string{"spec"}, Reason: "required", Message: `missing required field "project"`},
				{Path: []string{"spec", "projects"}, Reason: "unknown-field", Message: `unknown field "projects"`},
			},
		},
		{name: "unknown kind", doc: "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n", wantFound: false},
		{name: "unknown version of a known kind", doc: "apiVersion: apps/v9\nkind: Deployment\n", wantFound: false},
		{name: "no kind", doc: "apiVersion: v1\nmetadata: {name: g}\n", wantFound: false},
		{name: "sops secret", doc: sopsSecret, wantFound: true},
		{
			name: "sops drops violations on encrypted values only",
			doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ENC[AES256_GCM,data:Mw==,type:int]
  paused: maybe
  selector: {matchLabels: {app: web}}
  template: {spec: {containers: [{name: web, image: nginx}]}}
sops: {version: 3.9.0}
`,
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "paused"}, Reason: "type", Message: `expected boolean, got string "maybe"`}},
		},
		{
			name:      "a sops key is unknown without sops metadata semantics on other kinds",
			doc:       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\nsopsy: {}\n",
			wantFound: true,
			want:      []Violation{{Path: []string{"sopsy"}, Reason: "unknown-field", Message: `unknown field "sopsy"`}},
		},
	}
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, found, err := v.Validate(decode(t, tc.doc))
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if found != tc.wantFound {
				t.Fatalf("found = %v, want %v", found, tc.wantFound)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("violations:\ngot  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestAddCRD(t *testing.T) {
	raw, err := os.ReadFile("testdata/crd-widget.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crd := decode(t, string(raw))
	widget := func(apiVersion, spec string) map[string]any {
		return decode(t, "apiVersion: "+apiVersion+"\nkind: Widget\nmetadata: {name: w}\nspec: "+spec+"\n")
	}
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if _, found, _ := v.Validate(widget("example.com/v1", "{size: small}")); found {
		t.Fatal("found a schema for Widget before AddCRD")
	}
	if err := v.AddCRD(crd); err != nil {
		t.Fatalf("AddCRD: %v", err)
	}
	tests := []struct {
		name      string
		obj       map[string]any
		wantFound bool
		want      []Violation
	}{
		{name: "valid", obj: widget("example.com/v1", "{size: small, count: 2, port: http, config: {x: 1}, labels: {a: b}}"), wantFound: true},
		{name: "int-or-string port", obj: widget("example.com/v1", "{size: large, port: 8080}"), wantFound: true},
		{
			name:      "pattern Go cannot compile is skipped, others apply",
			obj:       widget("example.com/v1", "{size: large, owner: root, zone: eu_1}"),
			wantFound: true,
			want:      []Violation{{Path: []string{"spec", "zone"}, Reason: "pattern", Message: `"eu_1" does not match pattern "^[a-z]+-[0-9]$"`}},
		},
		{
			name:      "invalid",
			obj:       widget("example.com/v1", "{size: medium, count: 0, colour: red, labels: {a: 1}}"),
			wantFound: true,
			want: []Violation{
				{Path: []string{"spec", "colour"}, Reason: "unknown-field", Message: `unknown field "colour"`},
				{Path: []string{"spec", "count"}, Reason: "minimum", Message: "minimum: got 0, want 1"},
				{Path: []string{"spec", "labels", "a"}, Reason: "type", Message: "expected string, got integer 1"},
				{Path: []string{"spec", "size"}, Reason: "enum", Message: `"medium" is not one of ["small","large"]`},
			},
		},
		{
			name:      "metadata is checked as ObjectMeta",
			obj:       decode(t, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, label: {a: b}}\nspec: {size: small}\n"),
			wantFound: true,
			want:      []Violation{{Path: []string{"metadata", "label"}, Reason: "unknown-field", Message: `unknown field "label"`}},
		},
		{name: "version that keeps unknown fields", obj: widget("example.com/v1beta1", "{anything: 1}"), wantFound: true},
		{name: "version not served", obj: widget("example.com/v1alpha1", "{}"), wantFound: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, found, err := v.Validate(tc.obj)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if found != tc.wantFound {
				t.Fatalf("found = %v, want %v", found, tc.wantFound)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("violations:\ngot  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestAddCRDRejectsBrokenCRD(t *testing.T) {
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	err = v.AddCRD(decode(t, "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec: {group: example.com}\n"))
	if err == nil {
		t.Fatal("AddCRD accepted a CRD without names.kind")
	}
}

func TestVersions(t *testing.T) {
	got, want := Versions(), []string{"1.37", "1.36", "1.35", "1.34", "1.33", "1.32", "1.31", "1.30"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Versions() = %q, want %q", got, want)
	}
}

func TestNew(t *testing.T) {
	// Kinds that tell the versions apart: MutatingAdmissionPolicy reached
	// admissionregistration.k8s.io/v1 in 1.36, flowcontrol's v1beta3 was
	// last served by 1.31, ValidatingAdmissionPolicy's v1beta1 by 1.33.
	const (
		mutatingV1 = "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingAdmissionPolicy\nmetadata: {name: p}\nspec: {}\n"
		flowBeta3  = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: f}\nspec: {priorityLevelConfiguration: {name: global-default}}\n"
		vapBeta1   = "apiVersion: admissionregistration.k8s.io/v1beta1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec: {}\n"
	)
	const available = "1.37, 1.36, 1.35, 1.34, 1.33, 1.32, 1.31, 1.30"
	tests := []struct {
		name      string
		version   string
		doc       string
		wantErr   string
		wantFound bool
	}{
		{name: "default is newest", version: "", doc: mutatingV1, wantFound: true},
		{name: "minor", version: "1.37", doc: mutatingV1, wantFound: true},
		{name: "patch and v prefix", version: "v1.35.4", doc: mutatingV1, wantFound: false},
		{name: "1.35", version: "1.35", doc: mutatingV1, wantFound: false},
		{name: "oldest", version: "1.30", doc: flowBeta3, wantFound: true},
		{name: "oldest with v prefix and patch", version: "v1.30.14", doc: flowBeta3, wantFound: true},
		{name: "1.31 still serves flowcontrol v1beta3", version: "1.31", doc: flowBeta3, wantFound: true},
		{name: "1.32 no longer does", version: "1.32", doc: flowBeta3, wantFound: false},
		{name: "1.33 serves validating policies v1beta1", version: "1.33", doc: vapBeta1, wantFound: true},
		{name: "1.34 no longer does", version: "1.34", doc: vapBeta1, wantFound: false},
		{name: "older than embedded", version: "1.29", wantErr: `unknown kubernetes version "1.29" (available: ` + available + `)`},
		{name: "unknown", version: "1.20", wantErr: `unknown kubernetes version "1.20" (available: ` + available + `)`},
		{name: "garbage", version: "latest", wantErr: `unknown kubernetes version "latest" (available: ` + available + `)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(tc.version)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("New(%q) error = %v, want %q", tc.version, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tc.version, err)
			}
			vs, found, err := v.Validate(decode(t, tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.wantFound {
				t.Errorf("found = %v, want %v", found, tc.wantFound)
			}
			if len(vs) != 0 {
				t.Errorf("violations: %+v", vs)
			}
		})
	}
}

func TestAPIVersions(t *testing.T) {
	tests := []struct {
		name             string
		version          string
		wantGV, noGV     []string
		wantKind, noKind []string
		wantErr          string
	}{
		{
			name:     "newest",
			wantGV:   []string{"v1", "apps/v1", "admissionregistration.k8s.io/v1", "networking.k8s.io/v1", "cert-manager.io/v1", "helm.toolkit.fluxcd.io/v2", "gateway.envoyproxy.io/v1alpha1", "external-secrets.io/v1beta1"},
			noGV:     []string{"flowcontrol.apiserver.k8s.io/v1beta3", "networking.k8s.io/v1beta1", "extensions/v1beta1"},
			wantKind: []string{"v1/Pod", "apps/v1/Deployment", "policy/v1/PodDisruptionBudget", "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy", "cert-manager.io/v1/Certificate", "externaldns.k8s.io/v1alpha1/DNSEndpoint"},
			noKind:   []string{"apps/v1/DeploymentList", "v1/List", "v1/Status", "v1/APIGroup", "batch/v1beta1/CronJob"},
		},
		{
			name:     "oldest",
			version:  "1.30",
			wantGV:   []string{"v1", "flowcontrol.apiserver.k8s.io/v1beta3", "networking.k8s.io/v1alpha1", "argoproj.io/v1alpha1"},
			noGV:     []string{"networking.k8s.io/v1beta1"},
			wantKind: []string{"flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema", "admissionregistration.k8s.io/v1beta1/ValidatingAdmissionPolicy", "argoproj.io/v1alpha1/Application"},
			noKind:   []string{"admissionregistration.k8s.io/v1/MutatingAdmissionPolicy", "networking.k8s.io/v1/ServiceCIDR"},
		},
		{name: "unknown", version: "1.29", wantErr: `unknown kubernetes version "1.29"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gvs, kinds, err := APIVersions(tc.version)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("APIVersions(%q) error = %v, want %q", tc.version, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sort.StringsAreSorted(gvs) || !sort.StringsAreSorted(kinds) {
				t.Error("APIVersions is not sorted")
			}
			for _, want := range [][]string{tc.wantGV, tc.wantKind} {
				for _, w := range want {
					if !slices.Contains(gvs, w) && !slices.Contains(kinds, w) {
						t.Errorf("%q is missing", w)
					}
				}
			}
			for _, no := range [][]string{tc.noGV, tc.noKind} {
				for _, n := range no {
					if slices.Contains(gvs, n) || slices.Contains(kinds, n) {
						t.Errorf("%q is listed", n)
					}
				}
			}
			// Every kind's group/version is listed, and every
			// group/version has a kind: the two lists agree.
			seen := map[string]bool{}
			for _, k := range kinds {
				gv := k[:strings.LastIndex(k, "/")]
				if !slices.Contains(gvs, gv) {
					t.Errorf("kind %q: group/version %q is not listed", k, gv)
				}
				seen[gv] = true
			}
			for _, gv := range gvs {
				if !seen[gv] {
					t.Errorf("group/version %q has no kind", gv)
				}
			}
		})
	}
}

// TestEveryKindCompiles catches a schema the library cannot compile (a
// pattern Go's regexp rejects, a dangling reference) before a user does.
// A kind whose definitions are the same blobs in two versions is the same
// schema, compiled once: most kinds did not change between minors.
func TestEveryKindCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every embedded schema")
	}
	refs := map[string][]string{} // blob key → the definitions it refers to
	compiled := map[string]bool{} // kind and its definitions' blobs
	kinds := 0
	defer func() {
		t.Logf("%d kinds of %d versions: %d distinct schemas compiled", kinds, len(Versions()), len(compiled))
	}()
	for _, version := range Versions() {
		v, err := New(version)
		if err != nil {
			t.Fatal(err)
		}
		var gvks []string
		for gvk := range v.release.Kinds {
			gvks = append(gvks, gvk)
		}
		for gvk := range v.store.b.CRDs.Kinds {
			gvks = append(gvks, gvk)
		}
		kinds += len(gvks)
		for _, gvk := range gvks {
			sig, err := blobsOf(v, gvk, refs)
			if err != nil {
				t.Errorf("%s %s: %v", version, gvk, err)
				continue
			}
			if compiled[sig] {
				continue
			}
			compiled[sig] = true
			if _, found, err := v.schema(gvk); !found || err != nil {
				t.Errorf("%s %s: found=%v err=%v", version, gvk, found, err)
			}
			if _, err := v.statusSchema(gvk); err != nil {
				t.Errorf("%s %s status: %v", version, gvk, err)
			}
		}
	}
}

// blobsOf names a kind and the blob of every definition its schema
// reaches, sorted: equal for two versions whose schemas of the kind are
// the same.
func blobsOf(v *Validator, gvk string, refs map[string][]string) (string, error) {
	root, ok := v.root(gvk)
	if !ok {
		return "", fmt.Errorf("no root definition")
	}
	seen := map[string]string{}
	queue := []string{root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if _, ok := seen[n]; ok {
			continue
		}
		key, ok := v.release.Defs[n]
		if !ok {
			key, ok = v.store.b.CRDs.Defs[n]
		}
		if !ok {
			return "", fmt.Errorf("definition %q is referenced but not defined", n)
		}
		seen[n] = key
		r, ok := refs[key]
		if !ok {
			d, ok := v.store.blob(key)
			if !ok {
				return "", fmt.Errorf("blob %s of %q does not decode", key, n)
			}
			r = convert.Refs(d)
			refs[key] = r
		}
		queue = append(queue, r...)
	}
	sig := gvk
	for _, n := range slices.Sorted(maps.Keys(seen)) {
		sig += " " + n + "=" + seen[n]
	}
	return sig, nil
}

func TestValidateConcurrently(t *testing.T) {
	docs := []string{deployment, service("http"), service("true"), helmRelease, kustomization, application, sopsSecret,
		strings.Replace(deployment, "replicas: 3", `replicas: "3"`, 1)}
	objs := make([]map[string]any, len(docs))
	for i, d := range docs {
		objs[i] = decode(t, d)
	}
	// Sequential answers from a validator of their own are the reference.
	ref, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(objs))
	for i, o := range objs {
		vs, found, err := ref.Validate(o)
		want[i] = fmt.Sprint(vs, found, err)
	}
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/crd-widget.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crd := decode(t, string(raw))
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				k := (g + i) % len(objs)
				if i == 20 {
					if err := v.AddCRD(crd); err != nil {
						errs <- err.Error()
					}
				}
				vs, found, err := v.Validate(objs[k])
				if got := fmt.Sprint(vs, found, err); got != want[k] {
					errs <- fmt.Sprintf("object %d: got %s, want %s", k, got, want[k])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func BenchmarkValidate(b *testing.B) {
	v, err := New("")
	if err != nil {
		b.Fatal(err)
	}
	objs := []map[string]any{
		decode(b, deployment), decode(b, service("http")),
		decode(b, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\ndata: {a: b, c: d, e: f}\n"),
		decode(b, strings.Replace(deployment, "replicas: 3", `replicas: "3"`, 1)),
	}
	for _, o := range objs {
		if _, _, err := v.Validate(o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, _, err := v.Validate(objs[i%len(objs)]); err != nil {
				b.Error(err)
			}
			i++
		}
	})
}

// TestIdleCompilerIsReleased: after releaseAfter validations without a new
// kind the compiler and every definition it loaded are let go; kinds
// compiled before keep validating, and a kind met later still compiles,
// with the same verdicts as a validator that never let go.
func TestIdleCompilerIsReleased(t *testing.T) {
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	bad := decode(t, strings.Replace(deployment, "replicas: 3", `replicas: "3"`, 1))
	verdict := func(v *Validator, o map[string]any) string {
		vs, found, err := v.Validate(o)
		return fmt.Sprint(vs, found, err)
	}
	for i := 0; i < releaseAfter-1; i++ {
		verdict(v, bad)
	}
	v.compileMu.Lock()
	held := v.compiler != nil
	v.compileMu.Unlock()
	if !held {
		t.Fatal("the compiler was let go before releaseAfter validations")
	}
	if got, want := verdict(v, bad), verdict(ref, bad); got != want {
		t.Errorf("verdict %s, want %s", got, want)
	}
	v.compileMu.Lock()
	held = v.compiler != nil
	v.compileMu.Unlock()
	if held {
		t.Fatalf("after %d validations of one kind the compiler is still held", releaseAfter)
	}
	for _, o := range []map[string]any{bad, decode(t, service("true")), decode(t, helmRelease), decode(t, deployment)} {
		if got, want := verdict(v, o), verdict(ref, o); got != want {
			t.Errorf("after the release: verdict %s, want %s", got, want)
		}
	}
	v.compileMu.Lock()
	held = v.compiler != nil
	v.compileMu.Unlock()
	if !held {
		t.Error("a kind met after the release did not get a new compiler")
	}
}

// TestStatusValidatedApart: a kind's status is compiled and validated on
// its own, only when a resource carries one; the verdicts are exactly those
// of the kind's whole schema.
func TestStatusValidatedApart(t *testing.T) {
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{
		deployment,
		deployment + "status:\n  replicas: 3\n  readyReplicas: 2\n",
		deployment + "status:\n  replicas: three\n  conditions:\n    - type: Available\n      statuz: \"True\"\n",
		deployment + "status: []\n",
		helmRelease + "status:\n  observedGeneration: x\n  lastAttemptedRevision: 1.0.0\n",
		application + "status:\n  sync:\n    status: Synced\n    revision: 5\n  health: {status: Healthy, colour: green}\n",
		// A kind whose schema has no status: an unknown field, as before.
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nstatus: {a: b}\n",
	}
	whole := func(gvk string) *jsonschema.Schema {
		name, _ := v.root(gvk)
		v.compileMu.Lock()
		defer v.compileMu.Unlock()
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.UseLoader(jsonschema.SchemeURLLoader{"kubeschema": defLoader{v}})
		c.UseRegexpEngine(lenientRegexp)
		sch, err := c.Compile(defURL(name))
		if err != nil {
			t.Fatal(err)
		}
		return sch
	}
	withStatus := 0
	for i, d := range docs {
		obj := decode(t, d)
		gvk := obj["apiVersion"].(string) + "/" + obj["kind"].(string)
		got, found, err := v.Validate(obj)
		if !found || err != nil {
			t.Fatalf("doc %d: found=%v err=%v", i, found, err)
		}
		want, err := validateWith(whole(gvk), obj)
		if err != nil {
			t.Fatal(err)
		}
		sortViolations(want)
		if len(want) == 0 {
			want = nil
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("doc %d: split schemas give\n%v\nthe whole schema gives\n%v", i, got, want)
		}
		for _, x := range got {
			if len(x.Path) > 0 && x.Path[0] == "status" {
				withStatus++
			}
		}
	}
	if withStatus < 4 {
		t.Errorf("only %d violations under status: the cases no longer test it", withStatus)
	}
	// No resource so far without a status compiled a status schema.
	v2, _ := New("")
	v2.Validate(decode(t, deployment))
	if _, ok := v2.statuses.Load("apps/v1/Deployment"); ok {
		t.Error("validating a Deployment without status compiled its status schema")
	}
}

// TestAddCRDReplacesStatusSchema: a repository CRD that replaces an
// embedded kind replaces its status schema too, even one compiled before.
func TestAddCRDReplacesStatusSchema(t *testing.T) {
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	obj := decode(t, helmRelease+"status:\n  observedGeneration: 1\n  flavour: mint\n")
	before, _, err := v.Validate(obj)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint([]Violation{{Path: []string{"status", "flavour"}, Reason: "unknown-field", Message: `unknown field "flavour"`}}) {
		t.Fatalf("embedded schema: %v", before)
	}
	crd := decode(t, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: helmreleases.helm.toolkit.fluxcd.io}
spec:
  group: helm.toolkit.fluxcd.io
  names: {kind: HelmRelease, plural: helmreleases}
  scope: Namespaced
  versions:
  - name: v2
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status:
            type: object
            properties:
              observedGeneration: {type: integer}
              flavour: {type: string, enum: [lemon]}
`)
	if err := v.AddCRD(crd); err != nil {
		t.Fatal(err)
	}
	after, found, err := v.Validate(obj)
	if err != nil || !found {
		t.Fatal(found, err)
	}
	want := []Violation{{Path: []string{"status", "flavour"}, Reason: "enum", Message: `"mint" is not one of ["lemon"]`}}
	if fmt.Sprint(after) != fmt.Sprint(want) {
		t.Errorf("after AddCRD: %v, want %v", after, want)
	}
}
