package manifest

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gitops-actions/gitops-actions/internal/chartref"
	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/version"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

var update = flag.Bool("update", false, "rewrite the expected/ golden directories")

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func images(t *testing.T, refs ...string) []imageref.Image {
	t.Helper()
	var out []imageref.Image
	for _, r := range refs {
		im, err := imageref.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, im)
	}
	return out
}

func charts(t *testing.T, refs ...string) []chartref.Chart {
	t.Helper()
	var out []chartref.Chart
	for _, r := range refs {
		c, err := chartref.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// goldenCases are the testdata/<case> trees and what bumps them.
var goldenCases = []struct {
	name string
	// dir is the testdata directory when it is not name; expected the
	// directory of the result in it when it is not "expected".
	dir, expected string
	images        []string
	// charts are the chart versions to bump to.
	charts []string
	// paths are the roots to bump under; "." when empty.
	paths    []string
	policies map[string]string
	// allowUnpin lets a tag replace a digest pin (kustomize's own
	// semantics, tested here); without it those places are refused.
	allowUnpin bool
	changes    int // number of changed references
	refused    int // number of places refused
	// pinsDefault is the number of changes that insert a tag where the
	// chart's default applied.
	pinsDefault int
	// allRefused lists the images refused everywhere (Result.AllRefused).
	allRefused []string
	// tagOrder and tagPattern build Options.Versions.
	tagOrder, tagPattern string
	// allowVariantChange and allowTagDrop set the options of those names.
	allowVariantChange, allowTagDrop bool
	// warnings are texts Result.Warnings must hold, one each.
	warnings []string
	// wantErr, when set, are texts the error must hold; nothing is
	// written, so expected/ is original/.
	wantErr []string
}{
	{name: "containers", images: []string{"ghcr.io/acme/app:v2.1.0", "nginx:1.27"}, allowUnpin: true, changes: 7,
		warnings: []string{`rollout.yaml:10: ghcr.io/acme/app: cannot tell whether "v2.1.0" is newer than "0b1c2d3" ("0b1c2d3" is not a version)`}},
	{name: "kustomization", images: []string{"ghcr.io/acme/app:v2.1.0", "ghcr.io/acme/worker@" + digest, "ghcr.io/acme/api:v3.0.0@" + digest, "nginx:1.27", "redis:7.4"}, allowUnpin: true, changes: 6},
	{name: "helm-values", images: []string{"ghcr.io/acme/app:1.21", "ghcr.io/acme/api:v3.0.0", "ghcr.io/acme/worker@" + digest, "redis:7.4"}, changes: 5},
	{name: "flux-setters", images: []string{"ghcr.io/acme/app:v2.1.0@" + digest}, policies: map[string]string{"flux-system:app": "ghcr.io/acme/app"}, changes: 3},
	{name: "panda", images: []string{"ghcr.io/acme/app:v2.1.0"}, changes: 1},
	{name: "crlf", images: []string{"ghcr.io/acme/app:v2.1.0"}, allowUnpin: true, changes: 3, pinsDefault: 1},
	{name: "bom", images: []string{"ghcr.io/acme/app:v2.1.0"}, changes: 1},
	{name: "quotes-comments", images: []string{"ghcr.io/acme/app:1.20"}, changes: 4},
	{name: "anchors", images: []string{"ghcr.io/acme/app:v2.1.0"}, changes: 2},
	{name: "multi-document", images: []string{"ghcr.io/acme/app:v2.1.0"}, changes: 3},
	{name: "flow-style", images: []string{"ghcr.io/acme/app:v2.1.0"}, changes: 3},
	{name: "block-scalars", images: []string{"ghcr.io/acme/app:v2.1.0"}, changes: 1},
	{name: "inline-values", images: []string{"ghcr.io/acme/app:v2.1.0"}, changes: 3},

	// Every other place a config repo keeps an image version.
	{name: "maps-any-key", images: []string{"public.ecr.aws/docker/library/redis:7.4.1", "quay.io/prometheus/node-exporter:v1.8.2", "ghcr.io/acme/proxy:2.1.0", "ghcr.io/acme/migrate:1.1.0"}, changes: 7},
	{name: "argocd-parameters", images: []string{"ghcr.io/acme/web:1.3.0", "ghcr.io/acme/worker:v1.1.0@" + digest}, changes: 4},
	{name: "argocd-values", images: []string{"ghcr.io/acme/web:1.3.0", "public.ecr.aws/docker/library/redis:7.4.1"}, changes: 6, pinsDefault: 2},
	{name: "kustomize-helmcharts", images: []string{"ghcr.io/acme/web:1.3.0", "public.ecr.aws/docker/library/redis:7.4.1"}, changes: 3},
	{name: "applicationset-placeholder", images: []string{"ghcr.io/acme/web:1.3.0"},
		wantErr: []string{`no reference to image "ghcr.io/acme/web"`, `where it looked: appset.yaml:24: parameter "image.tag" of ghcr.io/acme/web is a template placeholder ("{{imageTag}}")`, `appset.yaml:28: the version of ghcr.io/acme/web is a template placeholder ("{{imageTag}}")`}},
	{name: "where-looked", images: []string{"ghcr.io/acme/web:1.3.0"},
		wantErr: []string{
			`charts/web/templates/broken.yaml:1: mentions ghcr.io/acme/web but is not valid YAML`,
			`apps/flux.yaml:9: the version of ghcr.io/acme/web is a template placeholder ("${WEB_TAG}")`,
			`apps/tag-only.yaml:12: parameter "image.tag" sets a tag, but no parameter "image.repository" beside it names the image`,
			`charts/web/templates/deployment.yaml:8: "ghcr.io/acme/web:{{ .Chart.AppVersion }}" holds a template placeholder`,
			`charts/web/templates/service.yaml:1: mentions ghcr.io/acme/web in a Helm chart's templates`,
			`notes.yaml:1: mentions ghcr.io/acme/web, but in no place bump-image edits`,
		}},
	// The digest rules.
	{name: "digest-tag-form", images: []string{"ghcr.io/slskd/slskd:0.27.0@" + digest, "ghcr.io/home-operations/sonarr:4.0.20.3002@" + digest}, changes: 2},
	{name: "pinned-downgrade", images: []string{"ghcr.io/slskd/slskd:0.24.0"},
		wantErr: []string{`apps/slskd/release.yaml:16: refusing to downgrade ghcr.io/slskd/slskd from "0.26.0" to "0.24.0"`}},
	{name: "unpin-refused", images: []string{"ghcr.io/acme/app:v2.0.0"}, refused: 4, allRefused: []string{"ghcr.io/acme/app"}},
	{name: "unpin-allowed", images: []string{"ghcr.io/acme/app:v2.0.0"}, allowUnpin: true, changes: 4},
	{name: "tag-inserted", images: []string{"mirror.gcr.io/coredns/coredns:1.13.2"}, changes: 1, pinsDefault: 1},
	{name: "digest-charts", images: []string{"ghcr.io/acme/reads:1.1.0@" + digest, "ghcr.io/stefanprodan/podinfo:6.15.0@" + digest}, changes: 2},
	{name: "digest-only-refused", images: []string{"ghcr.io/stefanprodan/podinfo@" + digest}, refused: 1, allRefused: []string{"ghcr.io/stefanprodan/podinfo"}},

	// Images in custom resources, and values marked by Renovate comments.
	{name: "custom-resource", images: []string{"docker.io/envoyproxy/envoy:distroless-v1.36.0", "ghcr.io/acme/app:2.1.0"}, changes: 3,
		warnings: []string{`gateway/envoyproxy.yaml:12: docker.io/envoyproxy/envoy: cannot tell whether "distroless-v1.36.0" is newer than "distroless-v1.35.0"`}},
	{name: "renovate-comments", images: []string{"ghcr.io/siderolabs/kubelet:v1.34.2@" + digest}, changes: 4},

	// A typo: the error names the images the tree does reference, and
	// never says a file mentions a name it does not hold.
	{name: "typo", images: []string{"ghrc.io/acme/app:v2.2.0"},
		wantErr: []string{
			`no reference to image "ghrc.io/acme/app" under .; did you mean ghcr.io/acme/app (referenced at environments/staging/app-deployment.yaml:19, environments/staging/kustomization.yaml:5)?`,
			`where it looked: environments/staging/app-deployment.yaml:19: holds "ghcr.io/acme/app:v2.1.0", a reference to ghcr.io/acme/app, not to ghrc.io/acme/app; environments/staging/kustomization.yaml:4: holds "ghcr.io/acme/app", a reference to ghcr.io/acme/app, not to ghrc.io/acme/app`,
		}},
	{name: "typo", images: []string{"acme/app:v2.2.0"},
		wantErr: []string{
			`no reference to image "docker.io/acme/app" under .; did you mean ghcr.io/acme/app (referenced at environments/staging/app-deployment.yaml:19, environments/staging/kustomization.yaml:5)?`,
			`environments/staging/app-deployment.yaml:19: holds "ghcr.io/acme/app:v2.1.0", a reference to ghcr.io/acme/app, not to docker.io/acme/app`,
		}},
	{name: "typo", images: []string{"ghcr.io/acme/ap:v2.2.0"},
		wantErr: []string{`no reference to image "ghcr.io/acme/ap" under .; did you mean ghcr.io/acme/app (referenced at environments/staging/app-deployment.yaml:19, environments/staging/kustomization.yaml:5)?`}},
	// A file that mentions the image but does not parse: nothing written.
	{name: "unparseable", images: []string{"ghcr.io/acme/app:v2.2.0"},
		wantErr: []string{`environments/staging/app-deployment.yaml:9: mentions ghcr.io/acme/app but is not valid YAML: yaml: did not find expected ',' or '}'; nothing was written`}},

	// Chart versions: each place, by name, by repository URL (Flux's
	// through its HelmRepository), by OCI registry, by repository name.
	{name: "charts", charts: []string{"podinfo@6.6.0"}, changes: 9},
	{name: "charts by OCI registry", dir: "charts", expected: "expected-oci", charts: []string{"oci://ghcr.io/stefanprodan/charts/podinfo@6.6.0"}, changes: 3},
	{name: "charts by URL", dir: "charts", expected: "expected-url", charts: []string{"https://stefanprodan.github.io/podinfo/podinfo@6.6.0"}, changes: 5},
	{name: "charts by repository name", dir: "charts", expected: "expected-alias", charts: []string{"podinfo/podinfo@6.6.0"}, changes: 3},
	{name: "charts downgrade", dir: "charts", charts: []string{"podinfo@6.4.0"},
		wantErr: []string{`flux/helmrelease.yaml:11: refusing to downgrade chart podinfo from "6.5.0" to "6.4.0"`, `charts/umbrella/Chart.yaml:6: refusing to downgrade chart podinfo from "6.5.0" to "6.4.0"`}},
	{name: "charts not found", dir: "charts", charts: []string{"oci://ghcr.io/fork/charts/podinfo@6.6.0"},
		wantErr: []string{
			`no reference to chart "podinfo" under .; where it looked:`,
			`flux/ocirepository.yaml:12: the OCIRepository names chart podinfo from ghcr.io/stefanprodan/charts, not from ghcr.io/fork/charts; left as it is`,
			`flux/helmrelease.yaml:11: the HelmRelease names chart podinfo from stefanprodan.github.io/podinfo, not from ghcr.io/fork/charts`,
			`argocd/podinfo.yaml:27: the Argo CD application source names chart podinfo from ghcr.io/stefanprodan/charts, not from ghcr.io/fork/charts`,
		}},
	// Paths that hold a HelmRelease but not its HelmRepository: a chart
	// given by URL cannot be matched there, and the error says why; a
	// range is left to the tool.
	{name: "charts, sources not searched", dir: "charts", paths: []string{"flux/helmrelease.yaml", "flux/ocirepository.yaml"}, charts: []string{"https://stefanprodan.github.io/podinfo/podinfo@6.6.0"},
		wantErr: []string{
			`no reference to chart "podinfo" under flux/helmrelease.yaml, flux/ocirepository.yaml; where it looked:`,
			`flux/helmrelease.yaml:11: the HelmRelease names chart podinfo, but its HelmRepository flux-system/podinfo is not one HelmRepository under the paths searched, so whether it comes from stefanprodan.github.io/podinfo is not known; left as it is (give the chart without its repository to bump it wherever it comes from)`,
		}},

	// The versions the downgrade guard orders.
	{name: "four-part-downgrade", images: []string{"ghcr.io/home-operations/plex:1.40.0.9000"},
		wantErr: []string{
			`apps/plex/deployment.yaml:10: refusing to downgrade ghcr.io/home-operations/plex from "1.43.3.10896" to "1.40.0.9000"`,
			`apps/plex/helmrelease.yaml:17: refusing to downgrade ghcr.io/home-operations/plex from "1.43.3.10896" to "1.40.0.9000"`,
		}},
	{name: "calendar", images: []string{"ghcr.io/acme/cal:2026.11.3"}, changes: 3},
	{name: "variant-refused", images: []string{"node:24.12.0"},
		wantErr: []string{`apps/web/deployment.yaml:10: refusing to change the variant of docker.io/library/node from "alpine" ("24.12.0-alpine") to no variant ("24.12.0")`, "set allow-variant-change to permit it"}},
	{name: "variant-allowed", images: []string{"node:24.12.0"}, allowVariantChange: true, changes: 1},
	{name: "variant-kept", images: []string{"node:24.12.0-alpine", "docker.io/bitnami/redis:7.4.1-debian-12-r6"}, changes: 3},
	{name: "tag-pattern", images: []string{"ghcr.io/acme/app:main-20260502080000-0a1b2c3"}, tagPattern: `^main-(?P<version>\d{14})-[0-9a-f]{7}$`, changes: 2},
	{name: "tag-pattern-downgrade", images: []string{"ghcr.io/acme/app:main-20260430090000-8e1b0d4"}, tagPattern: `^main-(?P<version>\d{14})-[0-9a-f]{7}$`,
		wantErr: []string{`environments/staging/kustomization.yaml:5: refusing to downgrade ghcr.io/acme/app from "main-20260501120000-3f2a9c1" to "main-20260430090000-8e1b0d4"`}},
	// Without the pattern the same tags cannot be ordered: they are set,
	// with a warning that says the guard did not apply.
	{name: "tag-pattern", images: []string{"ghcr.io/acme/app:main-20260502080000-0a1b2c3"}, changes: 2,
		warnings: []string{`environments/staging/kustomization.yaml:5: ghcr.io/acme/app: cannot tell whether "main-20260502080000-0a1b2c3" is newer than "main-20260501120000-3f2a9c1" (neither "main-20260501120000-3f2a9c1" nor "main-20260502080000-0a1b2c3" is a version), so it is set without the downgrade guard: give tag-pattern`,
			`environments/staging/values.yaml:4: ghcr.io/acme/app: cannot tell whether`}},
	{name: "tag-drop-refused", images: []string{"ghcr.io/actions/actions-runner@" + digest}, refused: 2, allRefused: []string{"ghcr.io/actions/actions-runner"}},
	{name: "tag-drop-allowed", images: []string{"ghcr.io/actions/actions-runner@" + digest}, allowTagDrop: true, changes: 2,
		warnings: []string{`apps/runner/deployment.yaml:10: ghcr.io/actions/actions-runner: the tag "2.336.0" is dropped, as allow-tag-drop permits`, `apps/runner/kustomization.yaml:3: ghcr.io/actions/actions-runner: the tag "2.336.0" is dropped`}},
}

// TestGolden runs each testdata/<case>/original tree through Bump and
// compares the written tree with testdata/<case>/expected.
func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", firstOf(tc.dir, tc.name))
			versions, err := version.NewPolicy(tc.tagOrder, tc.tagPattern)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Images: images(t, tc.images...), Charts: charts(t, tc.charts...), Policies: tc.policies, AllowUnpin: tc.allowUnpin, Versions: versions, AllowVariantChange: tc.allowVariantChange, AllowTagDrop: tc.allowTagDrop}
			roots := tc.paths
			if len(roots) == 0 {
				roots = []string{"."}
			}
			res, err := Bump(context.Background(), openTree(t, filepath.Join(dir, "original")), roots, opts)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("Bump succeeded, want an error holding %q", tc.wantErr)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error = %v\nwant it to hold %q", err, want)
					}
				}
				wantMentionsHeld(t, filepath.Join(dir, "original"), err.Error())
				res = &Result{} // nothing is written
			} else if err != nil {
				t.Fatalf("Bump: %v", err)
			}
			var warnings []string
			for _, w := range res.Warnings {
				warnings = append(warnings, w.String())
			}
			wantMentionsHeld(t, filepath.Join(dir, "original"), strings.Join(warnings, "\n"))
			if len(warnings) != len(tc.warnings) {
				t.Errorf("warnings:\n%s\nwant %d", strings.Join(warnings, "\n"), len(tc.warnings))
			}
			for _, want := range tc.warnings {
				if !strings.Contains(strings.Join(warnings, "\n"), want) {
					t.Errorf("warnings:\n%s\nwant one holding %q", strings.Join(warnings, "\n"), want)
				}
			}
			if got := len(res.Changes); got != tc.changes {
				t.Errorf("changes = %d, want %d: %+v", got, tc.changes, res.Changes)
			}
			if got := len(res.Refused); got != tc.refused {
				t.Errorf("refused = %d, want %d: %+v", got, tc.refused, res.Refused)
			}
			pins := 0
			for _, c := range res.Changes {
				if c.PinsDefault {
					pins++
				}
			}
			if pins != tc.pinsDefault {
				t.Errorf("changes that pin a default = %d, want %d: %+v", pins, tc.pinsDefault, res.Changes)
			}
			if got, want := strings.Join(res.AllRefused(), ","), strings.Join(tc.allRefused, ","); got != want {
				t.Errorf("AllRefused = %q, want %q", got, want)
			}
			got := t.TempDir()
			copyTree(t, filepath.Join(dir, "original"), got)
			for _, f := range res.Files {
				if err := os.WriteFile(filepath.Join(got, filepath.FromSlash(f.Path)), f.New, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if len(tc.wantErr) > 0 {
				// A failed bump writes nothing: the tree is the original.
				compareTrees(t, got, filepath.Join(dir, "original"))
				return
			}
			want := filepath.Join(dir, firstOf(tc.expected, "expected"))
			if *update {
				os.RemoveAll(want)
				copyTree(t, got, want)
			}
			compareTrees(t, got, want)
			if len(tc.wantErr) > 0 {
				return
			}
			// Bumping again changes nothing: the engine is idempotent.
			again, err := Bump(context.Background(), openTree(t, got), roots, opts)
			if err != nil {
				t.Fatalf("second Bump: %v", err)
			}
			if again.Changed() {
				t.Errorf("second Bump changed %d files: %+v", len(again.Files), again.Changes)
			}
		})
	}
}

// mentionIn is a message's claim that a file mentions a name: "FILE:LINE:
// mentions NAME", "mentions chart NAME" or "mentions "WORD"" (the line is
// where the file failed to parse, for a file that does not).
var mentionIn = regexp.MustCompile(`([^\s;:]+):\d+: mentions (chart [^\s,;]+|"[^"]*"|[^\s,;]+)`)

// wantMentionsHeld fails the test when text says a file under root
// mentions a name the file does not hold: a message never claims a file
// names what it does not (a typo is not a mention).
func wantMentionsHeld(t *testing.T, root, text string) {
	t.Helper()
	for _, m := range mentionIn.FindAllStringSubmatch(text, -1) {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m[1])))
		if err != nil {
			t.Errorf("%q names file %s: %v", m[0], m[1], err)
			continue
		}
		name := strings.TrimPrefix(strings.Trim(m[2], `"`), "chart ")
		if !strings.Contains(string(data), name) {
			t.Errorf("%q: %s does not hold %q", m[0], m[1], name)
		}
	}
}

// openTree opens dir as the local mode does: a workspace.Tree.
func openTree(t testing.TB, dir string) *workspace.Tree {
	t.Helper()
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	return tree
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func compareTrees(t *testing.T, got, want string) {
	t.Helper()
	files := map[string]bool{}
	for _, root := range []string{got, want} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				files[rel] = true
			}
			return nil
		})
	}
	for rel := range files {
		g, gerr := os.ReadFile(filepath.Join(got, rel))
		w, werr := os.ReadFile(filepath.Join(want, rel))
		if gerr != nil || werr != nil {
			t.Errorf("%s: present in only one tree (got err %v, want err %v)", rel, gerr, werr)
			continue
		}
		if string(g) != string(w) {
			t.Errorf("%s differs:\n--- got\n%q\n--- want\n%q", rel, g, w)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		images  []string
		allow   bool
		wantErr string
		check   func(error) bool
	}{
		{
			name:    "not found",
			files:   map[string]string{"a.yaml": "kind: ConfigMap\n"},
			images:  []string{"ghcr.io/acme/app:v2"},
			wantErr: `no reference to image "ghcr.io/acme/app" under .`,
			check:   func(err error) bool { var e *NotFoundError; return errors.As(err, &e) },
		},
		{
			name:    "downgrade",
			files:   map[string]string{"d.yaml": "spec:\n  containers:\n    - image: ghcr.io/acme/app:v2.3.0\n"},
			images:  []string{"ghcr.io/acme/app:v2.1.0"},
			wantErr: `d.yaml:3: refusing to downgrade ghcr.io/acme/app from "v2.3.0" to "v2.1.0"`,
			check:   func(err error) bool { var e *DowngradeError; return errors.As(err, &e) },
		},
		{
			name:    "only in a template",
			files:   map[string]string{"templates/d.yaml": "spec:\n  containers:\n    - image: ghcr.io/acme/app:{{ .Values.tag }}\n      x: {{ .Values.x }}: y\n"},
			images:  []string{"ghcr.io/acme/app:v2.1.0"},
			wantErr: `templates/d.yaml:4: mentions ghcr.io/acme/app but is not valid YAML`,
			check:   func(err error) bool { var e *NotFoundError; return errors.As(err, &e) },
		},
		{
			name:    "alias bomb, the only mention",
			files:   map[string]string{"bomb.yaml": aliasBomb()},
			images:  []string{"ghcr.io/acme/app:v2.1.0"},
			wantErr: `bomb.yaml:1: mentions ghcr.io/acme/app but holds so many aliases that expanding them would take too long (an alias bomb?); nothing was written`,
			check:   func(err error) bool { var e *UnreadableError; return errors.As(err, &e) },
		},
		{
			name: "anchor used elsewhere",
			files: map[string]string{"a.yaml": `x-default: &img ghcr.io/acme/app:v1.0.0
spec:
  containers:
    - image: *img
`},
			images:  []string{"ghcr.io/acme/app:v2.1.0"},
			wantErr: "a.yaml:1: refusing to edit a value shared through an anchor: it is used as an image at line 4 but also at line 1, which is not an image reference",
			check:   func(err error) bool { var e *EditError; return errors.As(err, &e) },
		},
		{
			name:    "downgrade allowed",
			files:   map[string]string{"d.yaml": "spec:\n  containers:\n    - image: ghcr.io/acme/app:v2.3.0\n"},
			images:  []string{"ghcr.io/acme/app:v2.1.0"},
			allow:   true,
			wantErr: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte(content), 0o644)
			}
			_, err := Bump(context.Background(), openTree(t, dir), []string{"."}, Options{Images: images(t, tc.images...), AllowDowngrade: tc.allow})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Bump: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tc.wantErr)
			}
			if !tc.check(err) {
				t.Errorf("error %T is not of the expected type", err)
			}
		})
	}
}

func TestBigFileSkipped(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("# padding padding padding padding padding padding padding\n", 10<<20/58) + "image: ghcr.io/acme/app:v1\n"
	os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(big), 0o644)
	os.WriteFile(filepath.Join(dir, "d.yaml"), []byte("containers:\n  - image: ghcr.io/acme/app:v1\n"), 0o644)
	res, err := Bump(context.Background(), openTree(t, dir), []string{"."}, Options{Images: images(t, "ghcr.io/acme/app:v2")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].File != "big.yaml" || !strings.Contains(res.Warnings[0].Message, "over the 5242880-byte limit") {
		t.Errorf("warnings = %+v, want big.yaml skipped", res.Warnings)
	}
	if len(res.Files) != 1 || res.Files[0].Path != "d.yaml" {
		t.Errorf("files = %+v, want only d.yaml", res.Files)
	}
}

// TestFindWarnsAboutUnparsableFiles checks Find's promise: a file it cannot
// parse is a warning, not silence, so that a caller diffing images before
// and after a change does not read "no images" for "not YAML".
func TestFindWarnsAboutUnparsableFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"ok.yaml":     {Data: []byte("image:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0\n")},
		"broken.yaml": {Data: []byte("image: [ghcr.io/acme/app:v2\n")},
	}
	refs, warnings, err := Find(context.Background(), fsys, []string{"broken.yaml", "ok.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 0 {
		t.Errorf("references in a file that is neither values*.yaml nor a Kubernetes object: %+v", refs)
	}
	if len(warnings) != 1 || warnings[0].File != "broken.yaml" || !strings.Contains(warnings[0].Message, "not valid YAML") {
		t.Errorf("warnings = %+v, want one for broken.yaml", warnings)
	}
}

// TestPlaceholderNotesNameTheirOwnImage: a value holding a template
// placeholder is noted for the image it names, not for a shorter name
// whose bytes it holds nor for a typo of it; those get the cause they
// really have.
func TestPlaceholderNotesNameTheirOwnImage(t *testing.T) {
	fsys := fstest.MapFS{"env/cr.yaml": {Data: []byte("apiVersion: apps.acme.io/v1\nkind: AppServer\nspec:\n  migrations:\n    image: ghcr.io/acme/app:${TAG}\n")}}
	const placeholder = `env/cr.yaml:5: "ghcr.io/acme/app:${TAG}" holds a template placeholder`
	for _, tc := range []struct {
		image, want, notWant string
	}{
		{image: "ghcr.io/acme/app:v2.0.0", want: placeholder},
		{image: "ghcr.io/acme/ap:v2.0.0", want: `no reference to image "ghcr.io/acme/ap" under .`, notWant: placeholder},
		{image: "ghrc.io/acme/app:v2.0.0", want: `env/cr.yaml:5: holds "ghcr.io/acme/app", a reference to ghcr.io/acme/app, not to ghrc.io/acme/app`, notWant: placeholder},
	} {
		t.Run(tc.image, func(t *testing.T) {
			_, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: images(t, tc.image)})
			var nf *NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("Bump: %v, want a not-found error", err)
			}
			if !strings.Contains(err.Error(), tc.want) || tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("error = %v\nwant it to hold %q and not %q", err, tc.want, tc.notWant)
			}
		})
	}
}
