package promotion

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite the golden pull request bodies (testdata/*.md)")

func deployment(replicas int, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: %d
  template:
    spec:
      containers:
        - name: app
          image: %s # bumped by gitops-actions
        - name: worker
          image: ghcr.io/acme/worker:1.0.0
        - name: cache
          image: redis:7.2
`, replicas, image)
}

func kustomization(ns string, images ...string) string {
	s := "namespace: " + ns + "\nresources:\n  - app.yaml\n"
	if ns == "app-staging" {
		s += "  - flags.yaml\n"
	}
	s += "images:\n"
	for _, im := range images {
		name, tag, _ := strings.Cut(im, "=")
		s += "  - name: " + name + "\n    newTag: " + tag + "\n"
	}
	return s
}

// repo is a config repository with two environments that differ in the
// app's version and replicas, a worker staging runs at 2.0.0 (its
// kustomization overrides the manifest's 1.0.0), a ConfigMap only staging
// has, and a debug image only production names.
func repo() fstest.MapFS {
	return fstest.MapFS{
		"environments/staging/kustomization.yaml":    {Data: []byte(kustomization("app-staging", "ghcr.io/acme/api=1.1.0", "ghcr.io/acme/worker=2.0.0"))},
		"environments/staging/app.yaml":              {Data: []byte(deployment(2, "ghcr.io/acme/app:v2.1.0"))},
		"environments/staging/flags.yaml":            {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  beta: \"true\"\n")},
		"environments/production/kustomization.yaml": {Data: []byte(kustomization("app-production", "ghcr.io/acme/api=1.0.0", "ghcr.io/acme/worker=1.0.0", "ghcr.io/acme/debug=0.1.0"))},
		"environments/production/app.yaml":           {Data: []byte(deployment(4, "ghcr.io/acme/app:v1.9.0"))},
		"README.md":                                  {Data: []byte("# config\n")},
	}
}

func TestImagesPromotion(t *testing.T) {
	fsys := repo()
	res, err := Directories(context.Background(), fsys, Options{From: "environments/staging", To: "environments/production", Images: []string{"ghcr.io/acme/*"}, ExcludeImages: []string{"ghcr.io/*/worker"}})
	if err != nil {
		t.Fatal(err)
	}
	var promoted []string
	for _, p := range res.Promoted {
		promoted = append(promoted, fmt.Sprintf("%s %s -> %s (%s:%d) %v", p.Image, p.FromVersion, p.ToVersion, p.Source.File, p.Source.Line, p.Files))
	}
	want := []string{
		"ghcr.io/acme/api 1.0.0 -> 1.1.0 (environments/staging/kustomization.yaml:7) [environments/production/kustomization.yaml]",
		"ghcr.io/acme/app v1.9.0 -> v2.1.0 (environments/staging/app.yaml:11) [environments/production/app.yaml]",
	}
	if !reflect.DeepEqual(promoted, want) {
		t.Errorf("promoted:\n%s\nwant\n%s", strings.Join(promoted, "\n"), strings.Join(want, "\n"))
	}
	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, s.Image+" "+s.Version+": "+s.Reason)
	}
	wantSkipped := []string{
		"docker.io/library/redis 7.2: not named by images",
		"ghcr.io/acme/worker 2.0.0: excluded by exclude-images",
	}
	if !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("skipped:\n%s\nwant\n%s", strings.Join(skipped, "\n"), strings.Join(wantSkipped, "\n"))
	}
	got := map[string]string{}
	for _, f := range res.Files {
		got[f.Path] = string(f.Content)
	}
	if want := deployment(4, "ghcr.io/acme/app:v2.1.0"); got["environments/production/app.yaml"] != want {
		t.Errorf("production app.yaml:\n%s\nwant\n%s", got["environments/production/app.yaml"], want)
	}
	if want := kustomization("app-production", "ghcr.io/acme/api=1.1.0", "ghcr.io/acme/worker=1.0.0", "ghcr.io/acme/debug=0.1.0"); got["environments/production/kustomization.yaml"] != want {
		t.Errorf("production kustomization:\n%s\nwant\n%s", got["environments/production/kustomization.yaml"], want)
	}
	checkGolden(t, "images.md", PromotionText(res, Images, "https://github.com/acme/config/actions/runs/7").Body)
}

// TestDrift is the drift of a pair of environments that differ in
// replicas, a resource and an image: each is named, with both values, and
// nothing the promotion carries is.
func TestDrift(t *testing.T) {
	res, err := Directories(context.Background(), repo(), Options{From: "environments/staging", To: "environments/production", ExcludeImages: []string{"ghcr.io/acme/worker"}})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Drift
	var lines []string
	for _, id := range d.Resources.OnlyA {
		lines = append(lines, "only staging: "+id.String())
	}
	for _, id := range d.Resources.OnlyB {
		lines = append(lines, "only production: "+id.String())
	}
	for _, c := range d.Resources.Changed {
		for _, f := range c.Fields {
			lines = append(lines, fmt.Sprintf("%s %s: %v -> %v", c.A.Kind, f.Path, f.A, f.B))
		}
	}
	for _, r := range d.OnlyInTo {
		lines = append(lines, "image only in production: "+r.Image+" "+r.Version)
	}
	want := []string{
		"only staging: app-staging/ConfigMap/flags",
		"Deployment spec.replicas: 2 -> 4",
		"Deployment spec.template.spec.containers[name=worker].image: ghcr.io/acme/worker:2.0.0 -> ghcr.io/acme/worker:1.0.0",
		"image only in production: ghcr.io/acme/debug 0.1.0",
	}
	if !reflect.DeepEqual(lines, want) || len(d.Errors) > 0 {
		t.Errorf("drift:\n%s\nwant\n%s\nerrors: %v", strings.Join(lines, "\n"), strings.Join(want, "\n"), d.Errors)
	}
	if d.Count() != 4 {
		t.Errorf("Count() = %d, want 4", d.Count())
	}
	md := DriftMarkdown(d)
	for _, s := range []string{"4 difference(s)", "**Only in `environments/staging`:** `app-staging/ConfigMap/flags`", "| `Deployment.apps/app` | `spec.replicas` | `2` | `4` |"} {
		if !strings.Contains(md, s) {
			t.Errorf("drift section lacks %q:\n%s", s, md)
		}
	}
}

func TestFilesPromotion(t *testing.T) {
	fsys := fstest.MapFS{
		"environments/staging/app.yaml":           {Data: []byte(deployment(2, "ghcr.io/acme/app:v2.1.0"))},
		"environments/staging/new.yaml":           {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n")},
		"environments/staging/secrets/db.yaml":    {Data: []byte("staging secret\n")},
		"environments/staging/env.properties":     {Data: []byte("a=1\n")},
		"environments/production/app.yaml":        {Data: []byte(deployment(2, "ghcr.io/acme/app:v1.9.0"))},
		"environments/production/old.yaml":        {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n")},
		"environments/production/secrets/db.yaml": {Data: []byte("production secret\n")},
		"environments/production/secrets/x.yaml":  {Data: []byte("kept\n")},
		"environments/production/local.env":       {Data: []byte("kept too\n")},
		"environments/production/held.yaml":       {Data: []byte("image: ghcr.io/acme/web:1.0.0 # gitops-actions: hold (incident 42)\n")},
	}
	res, err := Directories(context.Background(), fsys, Options{From: "environments/staging", To: "environments/production", Mode: Files, ExcludePaths: []string{"secrets", "*.env"}})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range res.Files {
		what := "write"
		if f.Delete {
			what = "delete"
		}
		files = append(files, what+" "+f.Path)
	}
	want := []string{
		"write environments/production/app.yaml",
		"write environments/production/env.properties",
		"write environments/production/new.yaml",
		"delete environments/production/old.yaml",
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files:\n%s\nwant\n%s", strings.Join(files, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Held) != 1 || res.Held[0].File != "environments/production/held.yaml" || res.Held[0].Reason != "incident 42" {
		t.Errorf("held: %+v", res.Held)
	}
	if len(res.Promoted) != 1 || res.Promoted[0].Image != "ghcr.io/acme/app" || res.Promoted[0].FromVersion != "v1.9.0" || res.Promoted[0].ToVersion != "v2.1.0" {
		t.Errorf("promoted: %+v", res.Promoted)
	}
	forced, err := Directories(context.Background(), fsys, Options{From: "environments/staging", To: "environments/production", Mode: Files, ExcludePaths: []string{"secrets", "*.env"}, IgnoreHolds: true})
	if err != nil || len(forced.Files) != 5 {
		t.Errorf("IgnoreHolds: %d files (%v), want 5, the held file removed too", len(forced.Files), err)
	}
	checkGolden(t, "files.md", PromotionText(res, Files, "").Body)
}

func TestPromotionInputErrors(t *testing.T) {
	fsys := repo()
	fsys["environments/empty/README.md"] = &fstest.MapFile{Data: []byte("nothing\n")}
	tests := []struct {
		name  string
		opts  Options
		input string
	}{
		{name: "from without images", opts: Options{From: "environments/empty", To: "environments/production"}, input: "from"},
		{name: "from missing", opts: Options{From: "environments/qa", To: "environments/production"}, input: "from"},
		{name: "to missing", opts: Options{From: "environments/staging", To: "environments/qa"}, input: "to"},
		{name: "to is a file", opts: Options{From: "environments/staging", To: "README.md"}, input: "to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Directories(context.Background(), fsys, tc.opts)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != tc.input {
				t.Errorf("error %v, want an InputError about %q", err, tc.input)
			}
		})
	}
}

func TestRevert(t *testing.T) {
	before := deployment(4, "ghcr.io/acme/app:v1.9.0")
	after := deployment(4, "ghcr.io/acme/app:v2.1.0")
	touched := []Touched{
		{Path: "environments/production/app.yaml", Before: []byte(before), HasBefore: true, After: []byte(after), HasAfter: true, Now: []byte(after), HasNow: true},
		{Path: "environments/production/added.yaml", After: []byte("x: 1\n"), HasAfter: true, Now: []byte("x: 1\n"), HasNow: true},
		{Path: "environments/production/removed.yaml", Before: []byte("y: 1\n"), HasBefore: true},
	}
	rb, err := Revert(context.Background(), touched, "rollback of v20260501120000")
	if err != nil {
		t.Fatal(err)
	}
	wantApp := strings.Replace(before, "app:v1.9.0 # bumped by gitops-actions", "app:v1.9.0 # bumped by gitops-actions # gitops-actions: hold (rollback of v20260501120000)", 1)
	if len(rb.Files) != 3 || string(rb.Files[0].Content) != wantApp || !rb.Files[1].Delete || string(rb.Files[2].Content) != "y: 1\n" {
		t.Errorf("files: %+v\nwant app.yaml:\n%s", rb.Files, wantApp)
	}
	if len(rb.Held) != 1 || rb.Held[0].Line != 11 || len(rb.Restored) != 1 || rb.Restored[0].FromVersion != "v2.1.0" || rb.Restored[0].ToVersion != "v1.9.0" {
		t.Errorf("held %+v, restored %+v", rb.Held, rb.Restored)
	}

	touched[0].Now = []byte(deployment(5, "ghcr.io/acme/app:v2.1.0"))
	touched[2].HasNow, touched[2].Now = true, []byte("y: 2\n")
	_, err = Revert(context.Background(), touched, "r")
	var ce *ConflictError
	if !errors.As(err, &ce) || !reflect.DeepEqual(ce.Paths, []string{"environments/production/app.yaml", "environments/production/removed.yaml"}) {
		t.Errorf("error %v, want a conflict on app.yaml and removed.yaml", err)
	}
	if err != nil && !strings.Contains(err.Error(), "rollback-to") {
		t.Errorf("the conflict does not point to rollback-to: %v", err)
	}
}

func TestRestoreTree(t *testing.T) {
	then := repo()
	now := repo()
	now["environments/production/app.yaml"] = &fstest.MapFile{Data: []byte(deployment(4, "ghcr.io/acme/app:v2.1.0"))}
	now["environments/production/extra.yaml"] = &fstest.MapFile{Data: []byte("z: 1\n")}
	rb, err := RestoreTree(context.Background(), then, now, "environments/production", "rollback to v20260401000000")
	if err != nil {
		t.Fatal(err)
	}
	if len(rb.Files) != 2 || rb.Files[0].Path != "environments/production/app.yaml" || !strings.Contains(string(rb.Files[0].Content), "app:v1.9.0 # bumped by gitops-actions # gitops-actions: hold (rollback to v20260401000000)") || !rb.Files[1].Delete {
		t.Errorf("files: %+v", rb.Files)
	}
	if _, err := RestoreTree(context.Background(), then, now, "environments/qa", "r"); err == nil {
		t.Error("no error for a directory the tag lacks")
	}
}

// checkGolden compares a pull request body with testdata/name; -update
// rewrites it.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test ./internal/promotion -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./internal/promotion -update rewrites it)\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

// TestSeveralVersions: an image whose references under From disagree is
// not promoted, and the reason names each version and where it is; with a
// kustomization's images: entry among them, that entry's version is the
// environment's and is promoted.
func TestSeveralVersions(t *testing.T) {
	fsys := fstest.MapFS{
		"environments/staging/a.yaml":    {Data: []byte(deployment(1, "ghcr.io/acme/app:v2.0.0"))},
		"environments/staging/b.yaml":    {Data: []byte(deployment(1, "ghcr.io/acme/app:v2.1.0"))},
		"environments/production/a.yaml": {Data: []byte(deployment(1, "ghcr.io/acme/app:v1.0.0"))},
	}
	opts := Options{From: "environments/staging", To: "environments/production", Images: []string{"ghcr.io/acme/app"}}
	res, err := Directories(context.Background(), fsys, opts)
	if err != nil {
		t.Fatal(err)
	}
	var app []Skipped
	for _, s := range res.Skipped {
		if s.Image == "ghcr.io/acme/app" {
			app = append(app, s)
		}
	}
	want := []Skipped{{Image: "ghcr.io/acme/app", Reason: "environments/staging holds several versions of it: v2.0.0 (environments/staging/a.yaml:11), v2.1.0 (environments/staging/b.yaml:11); promote one version"}}
	if !reflect.DeepEqual(app, want) || len(res.Files) != 0 {
		t.Errorf("skipped %+v, files %d; want %+v and none", app, len(res.Files), want)
	}
	fsys["environments/staging/kustomization.yaml"] = &fstest.MapFile{Data: []byte("resources: [a.yaml, b.yaml]\nimages:\n  - name: ghcr.io/acme/app\n    newTag: v2.2.0\n")}
	res, err = Directories(context.Background(), fsys, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Promoted) != 1 || res.Promoted[0].ToVersion != "v2.2.0" || res.Promoted[0].Source.File != "environments/staging/kustomization.yaml" {
		t.Errorf("promoted %+v, want v2.2.0 from the kustomization", res.Promoted)
	}
}
