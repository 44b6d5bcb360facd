// Command gen regenerates internal/kubeschema/bundle from the Go module
// proxy: the OpenAPI description inside k8s.io/kubernetes for each supported
// minor version, and the CustomResourceDefinitions of Flux, Argo CD and the
// projects config repositories use most, each taken from its own Go module.
//
//	go run ./internal/kubeschema/gen            # from the repository root
//
// It writes bundle/schemas.json.gz and bundle/SOURCES.json; running it twice
// gives the same bytes. The product builds with Go 1.26, but the newest
// releases of several modules below declare go 1.27 in their go.mod, which
// go mod download refuses under Go 1.26: the generator runs its go commands
// with GOTOOLCHAIN=toolchain (the go command fetches that toolchain from the
// module proxy once), so only this step needs the newer Go.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema/bundle"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema/convert"
)

// toolchain is the Go the generator's own go commands run with.
const toolchain = "go1.27.3"

// kubernetes lists the minor versions embedded: every minor from the
// oldest that EKS, AKS and GKE still support to the newest the proxy
// serves, each at its newest patch release the proxy serves (go list -m
// -versions k8s.io/kubernetes on 2026-12-06). The swagger document is
// api/openapi-spec/swagger.json. The enums come from the Go types in the
// k8s.io/api module of the same patch release.
var kubernetes = []struct{ minor, module, api string }{
	{"1.37", "k8s.io/kubernetes@v1.37.2", "k8s.io/api@v0.37.2"},
	{"1.36", "k8s.io/kubernetes@v1.36.3", "k8s.io/api@v0.36.3"},
	{"1.35", "k8s.io/kubernetes@v1.35.4", "k8s.io/api@v0.35.4"},
	{"1.34", "k8s.io/kubernetes@v1.34.4", "k8s.io/api@v0.34.4"},
	{"1.33", "k8s.io/kubernetes@v1.33.13", "k8s.io/api@v0.33.13"},
	{"1.32", "k8s.io/kubernetes@v1.32.13", "k8s.io/api@v0.32.13"},
	{"1.31", "k8s.io/kubernetes@v1.31.14", "k8s.io/api@v0.31.14"},
	{"1.30", "k8s.io/kubernetes@v1.30.14", "k8s.io/api@v0.30.14"},
}

// crdModules ship their CRD manifests; globs are relative to the module's
// root. Each is the newest version the proxy serves (checked with go list
// -m -versions on 2026-11-30). Where a project ships kinds that only its
// controllers create in the cluster (reports, endpoints, nodes, requests),
// the globs leave them out: nobody commits them, and each costs bytes in
// every binary.
var crdModules = []struct {
	module string
	globs  []string
}{
	// Flux: the controllers whose modules the proxy serves ship their CRDs.
	{"github.com/fluxcd/source-controller@v1.10.1", []string{"config/crd/bases/*.yaml"}},
	{"github.com/fluxcd/kustomize-controller@v1.10.1", []string{"config/crd/bases/*.yaml"}},
	// The Flux Operator, which installs and upgrades Flux in many clusters
	// (FluxInstance, ResourceSet); FluxReport is written by the operator.
	{"github.com/controlplaneio-fluxcd/flux-operator@v0.59.0", []string{
		"config/crd/bases/fluxcd.controlplane.io_fluxinstances.yaml",
		"config/crd/bases/fluxcd.controlplane.io_resourcesets.yaml",
		"config/crd/bases/fluxcd.controlplane.io_resourcesetinputproviders.yaml",
	}},
	{"github.com/argoproj/argo-cd/v3@v3.5.7", []string{"manifests/crds/*-crd.yaml"}},
	// Not Flux or Argo CD, but in most of the config repos they deploy:
	// without them every Certificate, Issuer and HTTPRoute is a no-schema
	// warning until the user vendors the CRDs.
	{"github.com/cert-manager/cert-manager@v1.21.2", []string{"deploy/crds/*.yaml"}},
	{"sigs.k8s.io/gateway-api@v1.6.3", []string{"config/crd/standard/gateway.networking.k8s.io_*.yaml"}},
	// The CRDs config repositories use most (counted on a
	// real Flux repository). The proxy lists no version of grafana-operator,
	// cloudnative-pg and network-attachment-definition-client, but serves
	// the exact release tags named here (the newest tags of their
	// repositories).
	{"github.com/external-secrets/external-secrets@v1.3.2", []string{"config/crds/bases/*.io_*.yaml"}},
	{"github.com/grafana/grafana-operator/v5@v5.24.0", []string{"config/crd/bases/*.yaml"}},
	{"github.com/bitnami-labs/sealed-secrets@v0.40.0", []string{"helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml"}},
	{"github.com/kubernetes-csi/external-snapshotter/client/v8@v8.7.0", []string{"config/crd/*.storage.k8s.io_*.yaml"}},
	{"github.com/k8snetworkplumbingwg/network-attachment-definition-client@v1.7.7", []string{"artifacts/networks-crd.yaml"}},
	{"github.com/kyverno/kyverno@v1.19.1", []string{
		"config/crds/kyverno/kyverno.io_clusterpolicies.yaml",
		"config/crds/kyverno/kyverno.io_policies.yaml",
		"config/crds/kyverno/kyverno.io_policyexceptions.yaml",
		"config/crds/kyverno/kyverno.io_cleanuppolicies.yaml",
		"config/crds/kyverno/kyverno.io_clustercleanuppolicies.yaml",
		"config/crds/kyverno/kyverno.io_globalcontextentries.yaml",
		"config/crds/policies.kyverno.io/*.yaml",
	}},
	{"istio.io/api@v1.32.0", []string{"kubernetes/customresourcedefinitions.gen.yaml"}},
	{"github.com/traefik/traefik/v3@v3.7.13", []string{"docs/content/reference/dynamic-configuration/traefik.io_*.yaml"}},
	{"github.com/cilium/cilium@v1.20.2", []string{
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumclusterwidenetworkpolicies.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumcidrgroups.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumloadbalancerippools.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumbgpclusterconfigs.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumbgppeerconfigs.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumbgpadvertisements.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumbgpnodeconfigoverrides.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumegressgatewaypolicies.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumenvoyconfigs.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumclusterwideenvoyconfigs.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumlocalredirectpolicies.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnodeconfigs.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2alpha1/ciliuml2announcementpolicies.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2alpha1/ciliumpodippools.yaml",
		"pkg/k8s/apis/cilium.io/client/crds/v2alpha1/ciliumgatewayclassconfigs.yaml",
	}},
	{"github.com/kedacore/keda/v2@v2.21.0", []string{"config/crd/bases/*.yaml"}},
	{"github.com/vmware-tanzu/velero@v1.18.3", []string{
		"config/crd/v1/bases/velero.io_backups.yaml",
		"config/crd/v1/bases/velero.io_backupstoragelocations.yaml",
		"config/crd/v1/bases/velero.io_restores.yaml",
		"config/crd/v1/bases/velero.io_schedules.yaml",
		"config/crd/v1/bases/velero.io_volumesnapshotlocations.yaml",
	}},
	{"github.com/cloudnative-pg/cloudnative-pg@v1.30.0", []string{"config/crd/bases/postgresql.cnpg.io_*.yaml"}},
	{"sigs.k8s.io/karpenter@v1.15.0", []string{
		"pkg/apis/crds/karpenter.sh_nodepools.yaml",
		"pkg/apis/crds/karpenter.sh_nodeoverlays.yaml",
	}},
	{"github.com/aws/karpenter-provider-aws@v1.15.2", []string{"pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml"}},
	// Envoy Gateway's own kinds (gateway.envoyproxy.io), as its Helm chart
	// installs them; the Gateway API kinds it also installs are above.
	// These two were checked on 2026-12-06. The silence-operator's Silence
	// is missing: the proxy answers 403 for every version of
	// github.com/giantswarm/silence-operator, its only module.
	{"github.com/envoyproxy/gateway@v1.9.1", []string{"charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_*.yaml"}},
	{"sigs.k8s.io/external-dns@v0.23.0", []string{"config/crd/standard/dnsendpoints.externaldns.k8s.io.yaml"}},
}

// apiModules are projects whose CRDs are generated the way upstream
// generates them, controller-gen over the API packages, because the proxy
// does not serve the module that ships the YAML: it answers 403 for the
// Flux helm, notification, image and source-watcher controller modules,
// and for github.com/prometheus-operator/prometheus-operator past v0.85.0,
// while it serves their API modules (prometheus-operator's own Makefile
// runs controller-gen crd:crdVersions=v1 over pkg/apis/monitoring the same
// way). tools is the controller-tools release, the one upstream's Makefile
// names.
var apiModules = []struct {
	module   string
	packages []string
	tools    string
}{
	{"github.com/fluxcd/helm-controller/api@v1.7.1", []string{"v2"}, "v0.21.0"},
	{"github.com/fluxcd/notification-controller/api@v1.10.0", []string{"v1", "v1beta3"}, "v0.21.0"},
	{"github.com/fluxcd/image-reflector-controller/api@v1.3.0", []string{"v1"}, "v0.21.0"},
	{"github.com/fluxcd/image-automation-controller/api@v1.3.0", []string{"v1"}, "v0.21.0"},
	{"github.com/fluxcd/source-watcher/api/v2@v2.3.1", []string{"v1beta1"}, "v0.21.0"},
	{"github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring@v0.95.2", []string{"v1", "v1alpha1", "v1beta1"}, "v0.21.0"},
}

// enumAdditions widen enums the way the Flux Operator patches the Flux
// CRDs it installs (notificationPatchTmpl in internal/builder/templates.go
// of github.com/controlplaneio-fluxcd/flux-operator v0.59.0): an Alert's
// eventSources and a Receiver's resources may name the operator's kinds,
// and clusters run by the operator accept them.
var enumAdditions = []enumAddition{
	{"alerts.notification.toolkit.fluxcd.io", []string{"spec", "eventSources", "[]", "kind"}, []string{"FluxInstance", "ResourceSet", "ResourceSetInputProvider"}},
	{"receivers.notification.toolkit.fluxcd.io", []string{"spec", "resources", "[]", "kind"}, []string{"FluxInstance", "ResourceSet", "ResourceSetInputProvider"}},
}

type enumAddition struct {
	crd    string   // metadata.name of the CRD
	path   []string // properties below the version's openAPIV3Schema
	values []string
}

// alsoServed lists versions a CRD file ships with served: false that
// clusters serve all the same. external-secrets v1.3.2 keeps the v1beta1
// schema of its four main kinds but serves it only when its chart's
// crds.unsafeServeV1Beta1 value is true (hack/helm.generate.sh writes that
// value into served), and its releases before v1 (v0.16.2) serve v1beta1
// beside v1: charts rendered today and repositories written for those
// releases still say external-secrets.io/v1beta1.
var alsoServed = []servedVersion{
	{"externalsecrets.external-secrets.io", "v1beta1"},
	{"clusterexternalsecrets.external-secrets.io", "v1beta1"},
	{"secretstores.external-secrets.io", "v1beta1"},
	{"clustersecretstores.external-secrets.io", "v1beta1"},
}

type servedVersion struct{ crd, version string }

// servedVia records alsoServed in SOURCES.json.
const servedVia = "version v1beta1 served, as the chart's crds.unsafeServeV1Beta1 value makes it (external-secrets before v1 served it by default)"

// CRD subschemas of at least shareMin bytes that occur more than once are
// stored once, as definitions named sharedPrefix and a hash (see
// convert.Schemas.Share): the embedded PodSpec fields of many operators'
// CRDs, a kind served identically in two versions.
const (
	shareMin     = 512
	sharedPrefix = "crd.shared."
)

// enumVia records the widening in SOURCES.json.
const enumVia = "enum of the referent kind widened with FluxInstance, ResourceSet and ResourceSetInputProvider, as the Flux Operator v0.59.0 patches this CRD"

func main() {
	out := flag.String("out", filepath.Join("internal", "kubeschema", "bundle"), "directory to write schemas.json.gz and SOURCES.json to")
	flag.Parse()
	if err := run(context.Background(), *out, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string, log io.Writer) error {
	var sources []bundle.Source
	var releases []release
	for _, k := range kubernetes {
		dir, err := download(ctx, k.module)
		if err != nil {
			return err
		}
		const file = "api/openapi-spec/swagger.json"
		raw, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return err
		}
		sources = append(sources, source(k.module, file, raw, ""))
		apiDir, err := download(ctx, k.api)
		if err != nil {
			return err
		}
		enums, err := goEnums(apiDir)
		if err != nil {
			return fmt.Errorf("%s: %w", k.api, err)
		}
		apiSrc := source(k.api, "*/*/types.go", nil, "enum values of the fields whose Go type is marked +enum; sha256 is empty: many files were read, the module's go.sum line pins them")
		apiSrc.SHA256 = ""
		sources = append(sources, apiSrc)
		releases = append(releases, release{minor: k.minor, module: k.module, swagger: raw, enums: enums})
		fmt.Fprintf(log, "%s: %d bytes\n", k.module, len(raw))
	}
	var crdFiles [][]byte
	for _, m := range crdModules {
		dir, err := download(ctx, m.module)
		if err != nil {
			return err
		}
		var files []string
		for _, g := range m.globs {
			match, err := filepath.Glob(filepath.Join(dir, g))
			if err != nil {
				return err
			}
			if len(match) == 0 {
				return fmt.Errorf("%s: no file matches %q", m.module, g)
			}
			files = append(files, match...)
		}
		sort.Strings(files)
		files = slices.Compact(files)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, f)
			sources = append(sources, source(m.module, filepath.ToSlash(rel), raw, patchedVia(raw, "")))
			crdFiles = append(crdFiles, raw)
		}
		fmt.Fprintf(log, "%s: %d files\n", m.module, len(files))
	}
	generated, err := controllerGen(ctx, log)
	if err != nil {
		return err
	}
	for _, g := range generated {
		sources = append(sources, g.Source)
		crdFiles = append(crdFiles, g.raw)
	}
	data, err := render(releases, crdFiles)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "schemas.json.gz"), data, 0o644); err != nil {
		return err
	}
	manifest, err := json.MarshalIndent(sources, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s (%d bytes)\n", filepath.Join(out, "schemas.json.gz"), len(data))
	return os.WriteFile(filepath.Join(out, "SOURCES.json"), append(manifest, '\n'), 0o644)
}

// release is one Kubernetes version's swagger document.
type release struct {
	minor, module string
	swagger       []byte
	enums         convert.Enums
}

// render converts and encodes; it is the whole of the generator that does
// not touch the network, so tests run it on fixtures.
func render(releases []release, crdFiles [][]byte) ([]byte, error) {
	var inputs []bundle.Input
	for _, r := range releases {
		s, err := convert.OpenAPIv2(r.swagger)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.module, err)
		}
		s.AddEnums(r.enums)
		inputs = append(inputs, bundle.Input{Version: r.minor, Source: r.module, Schemas: s})
	}
	crds := &convert.Schemas{Defs: map[string]map[string]any{}, Kinds: map[string]string{}}
	for _, raw := range crdFiles {
		docs, err := decodeYAML(raw)
		if err != nil {
			return nil, err
		}
		for _, doc := range docs {
			if doc["kind"] != "CustomResourceDefinition" {
				continue
			}
			if err := widenEnums(doc); err != nil {
				return nil, err
			}
			if err := serve(doc); err != nil {
				return nil, err
			}
			openStatus(doc)
			s, err := convert.CRD(doc)
			if err != nil {
				return nil, err
			}
			for k, v := range s.Defs {
				crds.Defs[k] = v
			}
			for k, v := range s.Kinds {
				crds.Kinds[k] = v
			}
		}
	}
	if err := crds.Share(shareMin, sharedPrefix); err != nil {
		return nil, err
	}
	b, err := bundle.Build(inputs, crds)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := bundle.Encode(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeYAML reads every document of a YAML stream into JSON-compatible
// maps (numbers as float64, as encoding/json would give).
func decodeYAML(raw []byte) ([]map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var out []map[string]any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decoding yaml: %w", err)
		}
		if v == nil {
			continue
		}
		j, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("converting yaml to json: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal(j, &m); err != nil {
			return nil, fmt.Errorf("converting yaml to json: %w", err)
		}
		out = append(out, m)
	}
}

func source(moduleAtVersion, file string, raw []byte, via string) bundle.Source {
	mod, ver, _ := strings.Cut(moduleAtVersion, "@")
	sum := sha256.Sum256(raw)
	return bundle.Source{Module: mod, Version: ver, File: file, SHA256: hex.EncodeToString(sum[:]), Via: via}
}

// download fetches a module through the Go module proxy and returns its
// directory in the module cache.
func download(ctx context.Context, moduleAtVersion string) (dir string, err error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", moduleAtVersion)
	cmd.Env = goEnv()
	outb, err := cmd.Output()
	var info struct{ Dir, Error string }
	_ = json.Unmarshal(outb, &info)
	if info.Error != "" {
		return "", fmt.Errorf("downloading %s: %s", moduleAtVersion, info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", moduleAtVersion, err)
	}
	return info.Dir, nil
}

// goEnv is the environment of every go command the generator runs.
func goEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN="+toolchain)
}

// crdVersions returns a decoded CRD's metadata.name and the entries of its
// spec.versions.
func crdVersions(crd map[string]any) (name string, versions []map[string]any) {
	md, _ := crd["metadata"].(map[string]any)
	name, _ = md["name"].(string)
	spec, _ := crd["spec"].(map[string]any)
	list, _ := spec["versions"].([]any)
	for _, v := range list {
		if vm, ok := v.(map[string]any); ok {
			versions = append(versions, vm)
		}
	}
	return name, versions
}

// widenEnums applies enumAdditions to a decoded CRD.
func widenEnums(crd map[string]any) error {
	name, versions := crdVersions(crd)
	for _, a := range enumAdditions {
		if a.crd != name {
			continue
		}
		for _, vm := range versions {
			sch, _ := vm["schema"].(map[string]any)
			node, _ := sch["openAPIV3Schema"].(map[string]any)
			for _, step := range a.path {
				if step == "[]" {
					node, _ = node["items"].(map[string]any)
				} else {
					props, _ := node["properties"].(map[string]any)
					node, _ = props[step].(map[string]any)
				}
				if node == nil {
					break
				}
			}
			enum, ok := node["enum"].([]any)
			if !ok {
				return fmt.Errorf("crd %q version %v: no enum at %s: the upstream schema changed, update enumAdditions", name, vm["name"], strings.Join(a.path, "."))
			}
			for _, val := range a.values {
				if !slices.Contains(enum, any(val)) {
					enum = append(enum, val)
				}
			}
			node["enum"] = enum
		}
	}
	return nil
}

// serve applies alsoServed to a decoded CRD.
func serve(crd map[string]any) error {
	name, versions := crdVersions(crd)
	for _, a := range alsoServed {
		if a.crd != name {
			continue
		}
		found := false
		for _, vm := range versions {
			if vm["name"] == a.version {
				vm["served"] = true
				found = true
			}
		}
		if !found {
			return fmt.Errorf("crd %q: no version %q: the upstream CRD changed, update alsoServed", name, a.version)
		}
	}
	return nil
}

// statusKept lists the API groups whose CRDs keep their status schema: the
// ones embedded before the bundle had to fit the CRDs of a dozen more
// projects, whose status verify-manifests has always validated.
var statusKept = []string{
	"source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io",
	"notification.toolkit.fluxcd.io", "image.toolkit.fluxcd.io", "argoproj.io",
	"cert-manager.io", "acme.cert-manager.io", "gateway.networking.k8s.io",
}

// openStatus replaces the status schema of every served version that has
// the status subresource with an open object. The API server ignores a
// status written through the main resource of such a kind (it is set
// through /status, by the controller), so no verdict on a manifest depends
// on it, and the operators' status schemas (a CloudNativePG Cluster's is
// larger than its spec) would cost bytes in every binary for nothing.
func openStatus(crd map[string]any) {
	spec, _ := crd["spec"].(map[string]any)
	group, _ := spec["group"].(string)
	if slices.Contains(statusKept, group) {
		return
	}
	versions, _ := spec["versions"].([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		sub, _ := vm["subresources"].(map[string]any)
		if _, ok := sub["status"]; !ok {
			continue
		}
		sch, _ := vm["schema"].(map[string]any)
		root, _ := sch["openAPIV3Schema"].(map[string]any)
		props, _ := root["properties"].(map[string]any)
		if _, ok := props["status"]; ok {
			props["status"] = map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
		}
	}
}

// patchedVia adds to via what widenEnums and serve will change in a CRD
// file.
func patchedVia(raw []byte, via string) string {
	add := func(what string) {
		if via != "" {
			via += "; "
		}
		via += what
	}
	names := func(crd string) bool { return bytes.Contains(raw, []byte("name: "+crd+"\n")) }
	if slices.ContainsFunc(enumAdditions, func(a enumAddition) bool { return names(a.crd) }) {
		add(enumVia)
	}
	if slices.ContainsFunc(alsoServed, func(a servedVersion) bool { return names(a.crd) }) {
		add(servedVia)
	}
	return via
}

type generatedCRD struct {
	bundle.Source
	raw []byte
}

// controllerGen generates the CRDs of every apiModules entry, each in a
// throwaway module of its own: the API modules require different
// Kubernetes libraries, and controller-gen must build against the ones its
// module was written for.
func controllerGen(ctx context.Context, log io.Writer) ([]generatedCRD, error) {
	var out []generatedCRD
	for _, m := range apiModules {
		g, err := controllerGenOne(ctx, m.module, m.packages, m.tools)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "%s: %d files (controller-gen %s)\n", m.module, len(g), m.tools)
		out = append(out, g...)
	}
	return out, nil
}

// controllerGenOne builds controller-gen in a throwaway module that requires
// one API module, runs it over its packages and returns the CRDs.
func controllerGenOne(ctx context.Context, module string, packages []string, tools string) ([]generatedCRD, error) {
	tmp, err := os.MkdirTemp("", "kubeschema-gen-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	goCmd := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = tmp
		cmd.Env = goEnv()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, stderr.String())
		}
		return nil
	}
	controllerTools := "sigs.k8s.io/controller-tools@" + tools
	if err := goCmd("mod", "init", "kubeschema-gen"); err != nil {
		return nil, err
	}
	if err := goCmd("get", controllerTools, module); err != nil {
		return nil, err
	}
	mod, _, _ := strings.Cut(module, "@")
	imports := []string{"sigs.k8s.io/controller-tools/cmd/controller-gen"}
	for _, p := range packages {
		imports = append(imports, mod+"/"+p)
	}
	var toolsGo strings.Builder
	toolsGo.WriteString("//go:build tools\n\npackage tools\n\nimport (\n")
	for _, imp := range imports {
		fmt.Fprintf(&toolsGo, "\t_ %q\n", imp)
	}
	toolsGo.WriteString(")\n")
	if err := os.WriteFile(filepath.Join(tmp, "tools.go"), []byte(toolsGo.String()), 0o644); err != nil {
		return nil, err
	}
	if err := goCmd("mod", "tidy"); err != nil {
		return nil, err
	}
	if err := goCmd("build", "-o", "controller-gen", "sigs.k8s.io/controller-tools/cmd/controller-gen"); err != nil {
		return nil, err
	}
	outDir := filepath.Join(tmp, "crds")
	args := []string{"crd:crdVersions=v1"}
	for _, p := range packages {
		args = append(args, "paths="+mod+"/"+p)
	}
	args = append(args, "output:crd:dir="+outDir)
	cg := exec.CommandContext(ctx, filepath.Join(tmp, "controller-gen"), args...)
	cg.Dir = tmp
	cg.Env = goEnv()
	if b, err := cg.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("controller-gen over %s: %w: %s", module, err, b)
	}
	files, err := filepath.Glob(filepath.Join(outDir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("controller-gen wrote no CRD for %s", module)
	}
	sort.Strings(files)
	var out []generatedCRD
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		via := "generated by controller-gen (" + controllerTools + ") from the module's API packages: the module that ships the CRDs is not served by the proxy"
		out = append(out, generatedCRD{source(module, filepath.Base(f), raw, patchedVia(raw, via)), raw})
	}
	return out, nil
}
