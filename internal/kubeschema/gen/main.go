// Command gen regenerates internal/kubeschema/bundle from the Go module
// proxy: the OpenAPI description inside k8s.io/kubernetes for each supported
// minor version, and the CustomResourceDefinitions of Flux and Argo CD.
//
//	go run ./internal/kubeschema/gen            # from the repository root
//
// It writes bundle/schemas.json.gz and bundle/SOURCES.json; running it twice
// gives the same bytes.
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
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema/bundle"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema/convert"
)

// kubernetes lists the minor versions embedded: the three newest the proxy
// serves. The swagger document is api/openapi-spec/swagger.json.
// The enums come from the Go types in the matching k8s.io/api module.
var kubernetes = []struct{ minor, module, api string }{
	{"1.37", "k8s.io/kubernetes@v1.37.2", "k8s.io/api@v0.37.2"},
	{"1.36", "k8s.io/kubernetes@v1.36.3", "k8s.io/api@v0.36.3"},
	{"1.35", "k8s.io/kubernetes@v1.35.4", "k8s.io/api@v0.35.4"},
}

// crdModules ship their CRD manifests. Versions are the newest whose go.mod
// accepts Go 1.26 (go mod download refuses the newer ones with
// GOTOOLCHAIN=local).
var crdModules = []struct{ module, glob string }{
	{"github.com/fluxcd/source-controller@v1.9.6", "config/crd/bases/*.yaml"},
	{"github.com/fluxcd/kustomize-controller@v1.9.6", "config/crd/bases/*.yaml"},
	{"github.com/argoproj/argo-cd/v3@v3.5.7", "manifests/crds/*-crd.yaml"},
	// Not Flux or Argo CD, but in most of the config repos they deploy:
	// without them every Certificate, Issuer and HTTPRoute is a no-schema
	// warning until the user vendors the CRDs.
	{"github.com/cert-manager/cert-manager@v1.21.2", "deploy/crds/*.yaml"},
	{"sigs.k8s.io/gateway-api@v1.6.3", "config/crd/standard/gateway.networking.k8s.io_*.yaml"},
}

// The proxy answers 403 for the helm, notification and image controller
// modules themselves, so their CRDs are generated the way upstream does it:
// controller-gen over the API packages, which the proxy does serve.
const controllerTools = "sigs.k8s.io/controller-tools@v0.20.1"

var apiModules = []struct {
	module   string
	packages []string
}{
	{"github.com/fluxcd/helm-controller/api@v1.6.5", []string{"v2"}},
	{"github.com/fluxcd/notification-controller/api@v1.9.4", []string{"v1", "v1beta3"}},
	{"github.com/fluxcd/image-reflector-controller/api@v1.2.5", []string{"v1"}},
	{"github.com/fluxcd/image-automation-controller/api@v1.2.5", []string{"v1"}},
}

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
		files, err := filepath.Glob(filepath.Join(dir, m.glob))
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("%s: no file matches %q", m.module, m.glob)
		}
		sort.Strings(files)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, f)
			sources = append(sources, source(m.module, filepath.ToSlash(rel), raw, ""))
			crdFiles = append(crdFiles, raw)
		}
		fmt.Fprintf(log, "%s: %d files\n", m.module, len(files))
	}
	generated, err := controllerGen(ctx)
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
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
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

type generatedCRD struct {
	bundle.Source
	raw []byte
}

// controllerGen builds controller-gen in a throwaway module that requires
// the API modules, runs it over their packages and returns the CRDs.
func controllerGen(ctx context.Context) ([]generatedCRD, error) {
	tmp, err := os.MkdirTemp("", "kubeschema-gen-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	goCmd := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, stderr.String())
		}
		return nil
	}
	if err := goCmd("mod", "init", "kubeschema-gen"); err != nil {
		return nil, err
	}
	get := []string{"get", controllerTools}
	imports := []string{"sigs.k8s.io/controller-tools/cmd/controller-gen"}
	for _, m := range apiModules {
		get = append(get, m.module)
		mod, _, _ := strings.Cut(m.module, "@")
		for _, p := range m.packages {
			imports = append(imports, mod+"/"+p)
		}
	}
	if err := goCmd(get...); err != nil {
		return nil, err
	}
	var tools strings.Builder
	tools.WriteString("//go:build tools\n\npackage tools\n\nimport (\n")
	for _, imp := range imports {
		fmt.Fprintf(&tools, "\t_ %q\n", imp)
	}
	tools.WriteString(")\n")
	if err := os.WriteFile(filepath.Join(tmp, "tools.go"), []byte(tools.String()), 0o644); err != nil {
		return nil, err
	}
	if err := goCmd("mod", "tidy"); err != nil {
		return nil, err
	}
	if err := goCmd("build", "-o", "controller-gen", "sigs.k8s.io/controller-tools/cmd/controller-gen"); err != nil {
		return nil, err
	}
	var out []generatedCRD
	for i, m := range apiModules {
		mod, _, _ := strings.Cut(m.module, "@")
		outDir := filepath.Join(tmp, fmt.Sprintf("crds%d", i))
		args := []string{"crd"}
		for _, p := range m.packages {
			args = append(args, "paths="+mod+"/"+p)
		}
		args = append(args, "output:crd:dir="+outDir)
		cg := exec.CommandContext(ctx, filepath.Join(tmp, "controller-gen"), args...)
		cg.Dir = tmp
		cg.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if b, err := cg.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("controller-gen over %s: %w: %s", m.module, err, b)
		}
		files, err := filepath.Glob(filepath.Join(outDir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("controller-gen wrote no CRD for %s", m.module)
		}
		sort.Strings(files)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			via := "generated by controller-gen (" + controllerTools + ") from the module's API packages: the controller module is not served by the proxy"
			out = append(out, generatedCRD{source(m.module, filepath.Base(f), raw, via), raw})
		}
	}
	return out, nil
}
