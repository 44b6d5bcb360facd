// Command bench-helm makes what scripts/bench-helm/run.sh measures: a
// config repository of N Flux HelmReleases of one chart of about ten
// templates, each with values of its own, and a loopback OCI registry
// (go-containerregistry's, in this process) that serves the chart, pushed
// with Helm's own registry client.
//
//	bench-helm generate -out DIR -releases N    # DIR/repo, DIR/values/NAMESPACE_NAME.yaml, DIR/chart/app, DIR/chart.tgz
//	bench-helm serve -chart DIR/chart.tgz       # prints the registry's host:port, serves until killed
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	helmregistry "helm.sh/helm/v4/pkg/registry"

	"github.com/gitops-actions/gitops-actions/internal/helm/helmtest"
)

const (
	chartName    = "app"
	chartVersion = "1.4.2"
	// registryHost is where the repository says the chart is; the run
	// mirrors it to the loopback registry (chart-mirrors, --plain-http).
	registryHost = "registry.bench.example"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		log.Fatal("usage: bench-helm generate|serve [flags]")
	}
	switch os.Args[1] {
	case "generate":
		fs := flag.NewFlagSet("generate", flag.ExitOnError)
		out := fs.String("out", "", "directory to write into (replaced)")
		n := fs.Int("releases", 50, "number of HelmReleases")
		_ = fs.Parse(os.Args[2:])
		if *out == "" {
			log.Fatal("generate: -out is required")
		}
		if err := generate(*out, *n); err != nil {
			log.Fatal(err)
		}
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ExitOnError)
		chart := fs.String("chart", "", "the packaged chart to push")
		_ = fs.Parse(os.Args[2:])
		if err := serve(*chart); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

// generate writes the chart, packaged; the repository of n HelmReleases
// under repo/ (one HelmRepository of type oci, the releases spread over
// namespaces, each with values of its own); and each release's values as
// a file of its own under values/, for the glue that runs helm template.
func generate(out string, n int) error {
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	files := helmtest.AppChart(chartName, chartVersion)
	write := func(name, text string) error {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(text), 0o644)
	}
	for name, text := range files {
		if err := write(filepath.Join("chart", chartName, name), text); err != nil {
			return err
		}
	}
	tgz, err := helmtest.Pack(os.DirFS(filepath.Join(out, "chart")), chartName, chartName)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "chart.tgz"), tgz, 0o644); err != nil {
		return err
	}
	if err := write("repo/clusters/bench/source.yaml", fmt.Sprintf(`apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
  namespace: flux-system
spec:
  type: oci
  interval: 1h
  url: oci://%s/charts
`, registryHost)); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		values := fmt.Sprintf(`replicaCount: %d
image:
  tag: "1.%d.%d"
autoscaling:
  enabled: %v
ingress:
  enabled: %v
  host: app-%03d.example.com
config:
  LOG_LEVEL: %s
  INSTANCE: "%d"
`, 1+i%3, i/10, i%10, i%2 == 0, i%3 == 0, i, []string{"info", "debug", "warn"}[i%3], i)
		name := fmt.Sprintf("app-%03d", i)
		ns := fmt.Sprintf("team-%02d", i%10)
		release := fmt.Sprintf(`apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: %s
  namespace: %s
spec:
  interval: 10m
  chart:
    spec:
      chart: %s
      version: %s
      sourceRef:
        kind: HelmRepository
        name: charts
        namespace: flux-system
  values:
%s`, name, ns, chartName, chartVersion, indent(values, "    "))
		if err := write(fmt.Sprintf("repo/clusters/bench/%s/%s.yaml", ns, name), release); err != nil {
			return err
		}
		if err := write(fmt.Sprintf("values/%s_%s.yaml", ns, name), values); err != nil {
			return err
		}
	}
	return nil
}

func indent(s, by string) string {
	var b bytes.Buffer
	for _, l := range bytes.SplitAfter([]byte(s), []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			b.WriteString(by)
		}
		b.Write(l)
	}
	return b.String()
}

// serve starts an OCI registry on a loopback port, pushes the chart to
// HOST/charts/app:VERSION with Helm's registry client, prints HOST, and
// serves until it gets SIGTERM or SIGINT.
func serve(chart string) error {
	data, err := os.ReadFile(chart)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(io.Discard, "", 0))), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	host := ln.Addr().String()
	c, err := helmregistry.NewClient(helmregistry.ClientOptPlainHTTP(), helmregistry.ClientOptWriter(io.Discard), helmregistry.ClientOptCredentialsFile(os.DevNull))
	if err != nil {
		return err
	}
	if _, err := c.Push(data, fmt.Sprintf("%s/charts/%s:%s", host, chartName, chartVersion)); err != nil {
		return fmt.Errorf("pushing the chart: %w", err)
	}
	fmt.Println(host)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	return srv.Close()
}
