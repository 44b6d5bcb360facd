package release

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func deployment(images ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n")
	for i, im := range images {
		fmt.Fprintf(&b, "        - name: c%d\n          image: %s\n", i, im)
	}
	return b.String()
}

func TestImageChanges(t *testing.T) {
	const parent, sha = "p000000000000000000000000000000000000000", "c000000000000000000000000000000000000000"
	c := &Commit{SHA: sha, Parents: []string{parent}, Files: []File{
		{Path: "environments/staging/app.yaml", Status: "modified"},
		{Path: "environments/staging/kustomization.yaml", Status: "modified"},
		{Path: "environments/production/values.yaml", Status: "added"},
		{Path: "environments/qa/app.yaml", Status: "removed"},
		{Path: "environments/dev/new-name.yaml", Status: "renamed", Previous: "environments/dev/old-name.yaml"},
		{Path: "shared/base.yaml", Status: "modified"},
		{Path: "README.md", Status: "modified"},
		{Path: "environments/staging/huge.yaml", Status: "modified"},
		{Path: "environments/staging/broken.yaml", Status: "modified"},
	}}
	gotBlobs := blobsFor(c)
	var asked []string
	for _, b := range gotBlobs {
		asked = append(asked, b.Rev[:1]+" "+b.Path)
	}
	wantAsked := []string{
		"p environments/staging/app.yaml", "c environments/staging/app.yaml",
		"p environments/staging/kustomization.yaml", "c environments/staging/kustomization.yaml",
		"c environments/production/values.yaml",
		"p environments/qa/app.yaml",
		"p environments/dev/old-name.yaml", "c environments/dev/new-name.yaml",
		"p shared/base.yaml", "c shared/base.yaml",
		"p environments/staging/huge.yaml", "c environments/staging/huge.yaml",
		"p environments/staging/broken.yaml", "c environments/staging/broken.yaml",
	}
	if !reflect.DeepEqual(asked, wantAsked) {
		t.Fatalf("blobs asked:\n%q\nwant\n%q", asked, wantAsked)
	}
	text := map[string]string{
		"p environments/staging/app.yaml":           deployment("ghcr.io/acme/app:v2.0.0", "ghcr.io/acme/app:v2.0.0", "nginx:1.25"),
		"c environments/staging/app.yaml":           deployment("ghcr.io/acme/app:v2.1.0", "ghcr.io/acme/app:v2.0.0", "nginx:1.25"),
		"p environments/staging/kustomization.yaml": "images:\n  - name: ghcr.io/acme/api\n    newTag: 1.0.0\n",
		"c environments/staging/kustomization.yaml": "images:\n  - name: ghcr.io/acme/api\n    newTag: 1.1.0\n    digest: sha256:" + strings.Repeat("a", 64) + "\n",
		"c environments/production/values.yaml":     "image:\n  repository: ghcr.io/acme/web\n  tag: 3.0.0\n",
		"p environments/qa/app.yaml":                deployment("ghcr.io/acme/app:v1.0.0"),
		"p environments/dev/old-name.yaml":          deployment("ghcr.io/acme/app:v1.0.0"),
		"c environments/dev/new-name.yaml":          deployment("ghcr.io/acme/app:v1.1.0"),
		"p shared/base.yaml":                        deployment("busybox"),
		"c shared/base.yaml":                        deployment("busybox@sha256:" + strings.Repeat("b", 64)),
		"p environments/staging/broken.yaml":        deployment("ghcr.io/acme/app:v1"),
		"c environments/staging/broken.yaml":        "image: [ghcr.io/acme/app:v2\n",
	}
	var blobs []Blob
	for _, b := range gotBlobs {
		blob := Blob{BlobAt: b, Found: true, Text: text[b.Rev[:1]+" "+b.Path]}
		blob.Size = int64(len(blob.Text))
		if b.Path == "environments/staging/huge.yaml" {
			blob.Text, blob.Truncated, blob.Size = "image: x", true, 9<<20
		}
		blobs = append(blobs, blob)
	}
	got, warnings, err := imageChanges(context.Background(), c, blobs, Options{Base: "main"})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, ch := range got {
		lines = append(lines, fmt.Sprintf("%s %s:%d %s %q -> %q", ch.Environment, ch.File, ch.Line, ch.Image, ch.Old, ch.New))
	}
	want := []string{
		`dev environments/dev/new-name.yaml:10 ghcr.io/acme/app "v1.0.0" -> "v1.1.0"`,
		`production environments/production/values.yaml:3 ghcr.io/acme/web "" -> "3.0.0"`,
		`qa environments/qa/app.yaml:10 ghcr.io/acme/app "v1.0.0" -> ""`,
		`staging environments/staging/app.yaml:10 ghcr.io/acme/app "v2.0.0" -> "v2.1.0"`,
		`staging environments/staging/kustomization.yaml:3 ghcr.io/acme/api "1.0.0" -> "1.1.0@sha256:` + strings.Repeat("a", 64) + `"`,
		`main shared/base.yaml:10 docker.io/library/busybox "latest" -> "@sha256:` + strings.Repeat("b", 64) + `"`,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("changes:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	joined := strings.Join(warnings, "\n")
	if !strings.Contains(joined, `"environments/staging/huge.yaml" at c000000: not read`) || !strings.Contains(joined, "environments/staging/broken.yaml") {
		t.Errorf("warnings:\n%s\nwant the truncated and the broken file", joined)
	}
}

func TestEnvironment(t *testing.T) {
	for _, tc := range []struct{ file, dir, want string }{
		{"environments/staging/app.yaml", "environments", "staging"},
		{"environments/staging/sub/app.yaml", "environments/", "staging"},
		{"environments/app.yaml", "environments", "main"},
		{"clusters/prod/apps/app.yaml", "clusters", "prod"},
		{"environmentsX/prod/app.yaml", "environments", "main"},
		{"app.yaml", "environments", "main"},
	} {
		if got := environment(tc.file, tc.dir, "main"); got != tc.want {
			t.Errorf("environment(%q, %q) = %q, want %q", tc.file, tc.dir, got, tc.want)
		}
	}
}
