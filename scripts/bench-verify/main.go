// Command bench-verify compares internal/kubeschema with kubeconform on one
// generated corpus; run.sh beside it drives the comparison, and
// kustomize.sh the one with kustomize | kubeconform on a kustomize layout.
// Subcommands:
//
//	corpus   -out DIR [-files 2000] [-per-file 5] [-seed 1]   write the corpus
//	layout   -out DIR [-apps 100] [-envs staging,production] [-files 20] [-per-file 5] [-helm-every N] [-shared]
//	                                                          write a kustomize config repository
//	export   -out DIR [-kubernetes-version 1.37]              write our schemas for kubeconform
//	validate -path DIR [-kubernetes-version 1.37] [-verbose]  validate in parallel, print JSON
//	compare  OURS.jsonl KUBECONFORM.json                      compare per-resource verdicts
//	compare-shards SINGLE.json MERGED.json SHARD.json...       the shards' reports against one job's (shard.sh)
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench-verify corpus|export|validate|compare ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "corpus":
		err = corpusCmd(os.Args[2:])
	case "layout":
		err = layoutCmd(os.Args[2:])
	case "export":
		err = exportCmd(os.Args[2:])
	case "validate":
		err = validateCmd(os.Args[2:], os.Stdout)
	case "compare":
		err = compareCmd(os.Args[2:], os.Stdout)
	case "compare-shards":
		err = compareShardsCmd(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-verify:", err)
		os.Exit(1)
	}
}

func exportCmd(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	out := fs.String("out", "", "directory")
	version := fs.String("kubernetes-version", "", "Kubernetes minor version (default newest)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return kubeschema.Export(*out, *version)
}

// Verdict is one resource's result, keyed the way kubeconform reports it.
type Verdict struct {
	File   string `json:"filename"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Status string `json:"status"` // valid, invalid, skipped, error
	// Errors lists "path: message" for an invalid resource.
	Errors []string `json:"errors,omitempty"`
}

func validateCmd(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	path := fs.String("path", "", "directory of YAML files")
	version := fs.String("kubernetes-version", "", "Kubernetes minor version (default newest)")
	verbose := fs.Bool("verbose", false, "print one JSON line per resource, not only the summary")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	// Twice the cores: a worker blocked reading a file or waiting for a
	// kind's first compile leaves its core to another (measured: 2 workers
	// 1.4 s, 4 workers 0.9 s on the 2-core benchmark machine).
	workers := fs.Int("workers", 2*runtime.GOMAXPROCS(0), "files validated at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	v, err := kubeschema.New(*version)
	if err != nil {
		return err
	}
	var files []string
	err = filepath.WalkDir(*path, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	jobs := make(chan string)
	results := make(chan []Verdict)
	var wg sync.WaitGroup
	for i := 0; i < *workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				results <- validateFile(v, f)
			}
		}()
	}
	go func() {
		for _, f := range files {
			jobs <- f
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	counts := map[string]int{}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for vs := range results {
		for _, r := range vs {
			counts[r.Status]++
			if *verbose {
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
		}
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if !*verbose {
		if err := enc.Encode(map[string]int{"resources": total, "valid": counts["valid"], "invalid": counts["invalid"], "skipped": counts["skipped"], "errors": counts["error"]}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func validateFile(v *kubeschema.Validator, path string) []Verdict {
	raw, err := os.ReadFile(path)
	if err != nil {
		return []Verdict{{File: path, Status: "error", Errors: []string{err.Error()}}}
	}
	var out []Verdict
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			return append(out, Verdict{File: path, Status: "error", Errors: []string{err.Error()}})
		}
		if obj == nil {
			continue
		}
		kind, _ := obj["kind"].(string)
		md, _ := obj["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		r := Verdict{File: path, Kind: kind, Name: name}
		vs, found, err := v.Validate(obj)
		switch {
		case err != nil:
			r.Status, r.Errors = "error", []string{err.Error()}
		case !found:
			r.Status = "skipped"
		case len(vs) > 0:
			r.Status = "invalid"
			for _, x := range vs {
				r.Errors = append(r.Errors, "/"+strings.Join(x.Path, "/")+": "+x.Message)
			}
		default:
			r.Status = "valid"
		}
		out = append(out, r)
	}
}

// compareCmd reads our verbose JSON lines and kubeconform's -output json
// -verbose document and reports resources whose verdicts differ, among those
// both had a schema for.
func compareCmd(args []string, w io.Writer) error {
	if len(args) != 2 {
		return errors.New("usage: compare OURS.jsonl KUBECONFORM.json")
	}
	ours := map[string]Verdict{}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	dec := json.NewDecoder(f)
	for {
		var r Verdict
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("reading %s: %w", args[0], err)
		}
		ours[key(r.File, r.Kind, r.Name)] = r
	}
	f.Close()
	raw, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	var kc struct {
		Resources []struct {
			Filename, Kind, Name, Status, Msg string
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &kc); err != nil {
		return fmt.Errorf("reading %s: %w", args[1], err)
	}
	both, same := 0, 0
	var diffs []string
	seen := map[string]bool{}
	for _, r := range kc.Resources {
		k := key(r.Filename, r.Kind, r.Name)
		seen[k] = true
		status := strings.ToLower(strings.TrimPrefix(r.Status, "status"))
		o, ok := ours[k]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s: kubeconform %s, ours missing", k, status))
			continue
		}
		if status == "skipped" || o.Status == "skipped" {
			if status != o.Status {
				diffs = append(diffs, fmt.Sprintf("%s: kubeconform %s, ours %s", k, status, o.Status))
			}
			continue
		}
		both++
		if status == o.Status {
			same++
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s: kubeconform %s (%s), ours %s %q", k, status, r.Msg, o.Status, o.Errors))
	}
	for k, o := range ours {
		if !seen[k] {
			diffs = append(diffs, fmt.Sprintf("%s: ours %s, kubeconform did not report it", k, o.Status))
		}
	}
	sort.Strings(diffs)
	fmt.Fprintf(w, "verdicts: %d resources with a schema on both sides, %d agree, %d differ; %d other differences\n", both, same, both-same, len(diffs)-(both-same))
	for i, d := range diffs {
		if i == 20 {
			fmt.Fprintf(w, "... and %d more\n", len(diffs)-20)
			break
		}
		fmt.Fprintln(w, "  "+d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%d differences", len(diffs))
	}
	return nil
}

func key(file, kind, name string) string {
	return filepath.Clean(file) + " " + kind + "/" + name
}

func corpusCmd(args []string) error {
	fs := flag.NewFlagSet("corpus", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write into")
	files := fs.Int("files", 2000, "number of files")
	perFile := fs.Int("per-file", 5, "resources per file")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same corpus")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(*seed))
	n := 0
	for i := 0; i < *files; i++ {
		dir := filepath.Join(*out, fmt.Sprintf("app%03d", i/20))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var docs []string
		for j := 0; j < *perFile; j++ {
			docs = append(docs, resource(rng, n))
			n++
		}
		path := filepath.Join(dir, fmt.Sprintf("file%04d.yaml", i))
		if err := os.WriteFile(path, []byte(strings.Join(docs, "---\n")), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// resource returns one YAML document: mostly valid, about one in eight
// broken in one of the ways strict validation must catch, one in forty of a
// kind neither tool has a schema for.
func resource(rng *rand.Rand, n int) string {
	name := fmt.Sprintf("res%05d", n)
	if rng.Intn(40) == 0 {
		return fmt.Sprintf("apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: %s\nspec:\n  size: %s\n", name, name)
	}
	doc := pickTemplate(rng)
	doc = strings.ReplaceAll(doc, "NAME", name)
	doc = strings.ReplaceAll(doc, "REPLICAS", fmt.Sprint(1+rng.Intn(5)))
	if rng.Intn(8) == 0 {
		doc = breakIt(rng, doc)
	}
	return doc
}

// breakIt applies one mutation that applies to the document, if any does.
func breakIt(rng *rand.Rand, doc string) string {
	mutations := [][2]string{
		{"  replicas: ", "  replica: "},                              // unknown field
		{"  replicas: ", "  replicas: \"3\"\n  paused: "},            // wrong type (the number becomes paused's value: a second error)
		{"imagePullPolicy: IfNotPresent", "imagePullPolicy: Alwayz"}, // bad enum
		{"targetPort: http", "targetPort: true"},                     // int-or-string
		{"cpu: 100m", "cpu: [1]"},                                    // quantity
		{"      - name: app\n        image:", "      - image:"},      // missing required
		{"  interval: 10m", "  intervall: 10m"},                      // unknown field and missing required (Flux)
		{"  project: default", "  project: 7"},                       // wrong type (Argo CD)
		{"\ndata:\n", "\ndata:\n  nested: {a: b}\n"},                 // map of strings
		{"metadata:\n", "metadata:\n  labelz: {a: b}\n"},             // unknown metadata field
	}
	start := rng.Intn(len(mutations))
	for i := range mutations {
		m := mutations[(start+i)%len(mutations)]
		if strings.Contains(doc, m[0]) {
			return strings.Replace(doc, m[0], m[1], 1)
		}
	}
	return doc
}

const deploymentT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
  namespace: prod
  labels: {app: NAME, team: web}
spec:
  replicas: REPLICAS
  selector:
    matchLabels: {app: NAME}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}
  template:
    metadata:
      labels: {app: NAME}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      serviceAccountName: NAME
      securityContext: {runAsNonRoot: true, fsGroup: 1000}
      containers:
      - name: app
        image: ghcr.io/example/NAME:1.2.3
        imagePullPolicy: IfNotPresent
        args: [--port=8080, --log-level=info]
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        env:
        - {name: LOG_LEVEL, value: info}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        resources:
          limits: {cpu: "1", memory: 256Mi}
          requests: {cpu: 100m, memory: 64Mi}
        readinessProbe:
          httpGet: {path: /readyz, port: http}
          initialDelaySeconds: 5
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
        volumeMounts:
        - {name: data, mountPath: /data}
      volumes:
      - name: data
        emptyDir: {}
`

const serviceT = `apiVersion: v1
kind: Service
metadata:
  name: NAME
  namespace: prod
spec:
  type: ClusterIP
  selector: {app: NAME}
  ports:
  - {name: http, port: 80, targetPort: http, protocol: TCP}
  - {name: grpc, port: 9090, targetPort: 9090}
`

const configMapT = `apiVersion: v1
kind: ConfigMap
metadata:
  name: NAME
  namespace: prod
data:
  LOG_LEVEL: info
  config.yaml: |
    server:
      port: 8080
`

const secretT = `apiVersion: v1
kind: Secret
metadata:
  name: NAME
  namespace: prod
type: Opaque
stringData:
  password: hunter2
`

const ingressT = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: NAME
  namespace: prod
spec:
  ingressClassName: nginx
  tls:
  - hosts: [NAME.example.com]
    secretName: NAME-tls
  rules:
  - host: NAME.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: NAME, port: {name: http}}
`

const statefulSetT = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: NAME
  namespace: prod
spec:
  serviceName: NAME
  replicas: REPLICAS
  selector:
    matchLabels: {app: NAME}
  template:
    metadata:
      labels: {app: NAME}
    spec:
      containers:
      - name: app
        image: redis:7
        imagePullPolicy: IfNotPresent
        resources:
          requests: {cpu: 100m, memory: 128Mi}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`

const cronJobT = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: NAME
  namespace: prod
spec:
  schedule: "*/5 * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: app
            image: busybox:1.36
            command: [sh, -c, date]
`

const hpaT = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: NAME
  namespace: prod
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: NAME}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`

const helmReleaseT = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: NAME
  namespace: flux-system
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "6.x"
      sourceRef: {kind: HelmRepository, name: podinfo}
  install: {remediation: {retries: 3}}
  values:
    replicaCount: REPLICAS
    ingress: {enabled: true}
`

const kustomizationT = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: NAME
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/NAME
  prune: true
  wait: true
  timeout: 5m
  sourceRef: {kind: GitRepository, name: flux-system}
`

const applicationT = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: NAME
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/example/config.git
    targetRevision: HEAD
    path: apps/NAME
  destination: {server: "https://kubernetes.default.svc", namespace: NAME}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`

const serviceAccountT = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: NAME
  namespace: prod
automountServiceAccountToken: false
`

// pickTemplate draws a resource template, in the proportions config
// repositories have.
func pickTemplate(rng *rand.Rand) string {
	templates := []string{deploymentT, serviceT, configMapT, secretT, ingressT, statefulSetT, cronJobT, hpaT, helmReleaseT, kustomizationT, applicationT, serviceAccountT}
	weights := []int{20, 15, 15, 5, 6, 5, 4, 4, 6, 6, 6, 4}
	total := 0
	for _, w := range weights {
		total += w
	}
	pick := rng.Intn(total)
	var doc string
	for i, w := range weights {
		if pick < w {
			doc = templates[i]
			break
		}
		pick -= w
	}
	return doc
}
