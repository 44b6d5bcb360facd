package manifest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

const oldDigest = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

// TestRefusals checks each place a pin or a digest can sit: what is
// refused, where, with which message, and that nothing there is written.
func TestRefusals(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		data     string
		image    string
		policies map[string]string
		want     string // the refusal, as Refusal.String
	}{
		{
			name:  "pod template pinned, tag only",
			file:  "deploy.yaml",
			data:  "containers:\n  - image: ghcr.io/acme/app:v1.0.0@" + oldDigest + "\n",
			image: "ghcr.io/acme/app:v2.0.0",
			want:  `deploy.yaml:2: ghcr.io/acme/app is pinned here by digest (sha256:fedcba987654…), and "ghcr.io/acme/app:v2.0.0" carries none, so the pin would be dropped: give the new version as tag@digest (ghcr.io/acme/app:v2.0.0@sha256:…), or set allow-unpin to drop the pin`,
		},
		{
			name:  "pod template pinned by digest alone",
			file:  "deploy.yaml",
			data:  "containers:\n  - image: ghcr.io/acme/app@" + oldDigest + "\n",
			image: "ghcr.io/acme/app:v2.0.0",
			want:  `deploy.yaml:2: ghcr.io/acme/app is pinned here by digest`,
		},
		{
			name:  "kustomize images with a digest",
			file:  "kustomization.yaml",
			data:  "images:\n  - name: ghcr.io/acme/app\n    newTag: v1.0.0\n    digest: " + oldDigest + "\n",
			image: "ghcr.io/acme/app:v2.0.0",
			want:  `kustomization.yaml:3: ghcr.io/acme/app is pinned here by digest`,
		},
		{
			name:  "helm values with a digest field",
			file:  "values.yaml",
			data:  "image:\n  repository: ghcr.io/acme/app\n  tag: v1.0.0\n  digest: " + oldDigest + "\n",
			image: "ghcr.io/acme/app:v2.0.0",
			want:  `values.yaml:3: ghcr.io/acme/app is pinned here by digest`,
		},
		{
			name:  "helm tag holding tag@digest",
			file:  "values.yaml",
			data:  "app:\n  repository: ghcr.io/acme/app\n  tag: v1.0.0@" + oldDigest + "\n",
			image: "ghcr.io/acme/app:v2.0.0",
			want:  `values.yaml:3: ghcr.io/acme/app is pinned here by digest`,
		},
		{
			name:  "argo parameter holding tag@digest",
			file:  "app.yaml",
			data:  "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      parameters:\n        - {name: image.repository, value: ghcr.io/acme/app}\n        - {name: image.tag, value: \"v1.0.0@" + oldDigest + "\"}\n",
			image: "ghcr.io/acme/app:v2.0.0",
			want:  `app.yaml:8: ghcr.io/acme/app is pinned here by digest`,
		},
		{
			name:     "flux setter pinned",
			file:     "deploy.yaml",
			data:     "containers:\n  - image: ghcr.io/acme/app:v1.0.0@" + oldDigest + " # {\"$imagepolicy\": \"flux-system:app\"}\n",
			image:    "ghcr.io/acme/app:v2.0.0",
			policies: map[string]string{"flux-system:app": "ghcr.io/acme/app"},
			want:     `deploy.yaml:2: ghcr.io/acme/app is pinned here by digest`,
		},
		{
			name:  "digest alone on tag@digest",
			file:  "deploy.yaml",
			data:  "containers:\n  - image: ghcr.io/acme/app:2.336.0@" + oldDigest + "\n",
			image: "ghcr.io/acme/app@" + digest,
			want:  `deploy.yaml:2: ghcr.io/acme/app is written here as tag@digest (2.336.0@sha256:fedcba987654…), and "ghcr.io/acme/app@` + digest + `" carries a digest alone, so the tag would be dropped: give the new version as tag@digest (ghcr.io/acme/app:<tag>@sha256:0123456789ab…), or set allow-tag-drop to drop the tag`,
		},
		{
			name:  "digest alone on a kustomize entry with newTag and digest",
			file:  "kustomization.yaml",
			data:  "images:\n  - name: ghcr.io/acme/app\n    newTag: 2.336.0\n    digest: " + oldDigest + "\n",
			image: "ghcr.io/acme/app@" + digest,
			want:  `kustomization.yaml:3: ghcr.io/acme/app is written here as tag@digest (2.336.0@sha256:fedcba987654…)`,
		},
		{
			name:  "digest alone, no digest field",
			file:  "values.yaml",
			data:  "image:\n  repository: ghcr.io/acme/app\n  tag: v1.0.0\n",
			image: "ghcr.io/acme/app@" + digest,
			want:  `values.yaml:3: the image map has no digest field, so the digest of ghcr.io/acme/app has nowhere to go (a key the chart may not read would change nothing that deploys): give the image as tag@digest (ghcr.io/acme/app:<tag>@sha256:0123456789ab…) to write the tag as <tag>@<digest>, or add a digest field that the chart's templates read`,
		},
		{
			name:  "digest alone, no tag either",
			file:  "values.yaml",
			data:  "image:\n  repository: ghcr.io/acme/app\n",
			image: "ghcr.io/acme/app@" + digest,
			want:  `values.yaml:2: the image map has no digest field`,
		},
		{
			name:  "digest alone, argo parameters without a digest parameter",
			file:  "app.yaml",
			data:  "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      parameters:\n        - {name: image.repository, value: ghcr.io/acme/app}\n        - {name: image.tag, value: v1.0.0}\n",
			image: "ghcr.io/acme/app@" + digest,
			want:  `app.yaml:8: no parameter "image.digest" sits beside "image.repository", so the digest of ghcr.io/acme/app has nowhere to go`,
		},
		{
			name:  "argo parameters without a tag parameter",
			file:  "app.yaml",
			data:  "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      parameters:\n        - {name: image.repository, value: ghcr.io/acme/app}\n",
			image: "ghcr.io/acme/app:v2.0.0",
			want:  `app.yaml:7: no parameter "image.tag" sits beside "image.repository", so the chart's values set the tag; add the parameter, or bump the values`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{tc.file: {Data: []byte(tc.data)}}
			res, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: images(t, tc.image), Policies: tc.policies})
			if err != nil {
				t.Fatalf("Bump: %v", err)
			}
			if len(res.Refused) != 1 {
				t.Fatalf("refused = %+v, want one", res.Refused)
			}
			if got := res.Refused[0].String(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("refusal = %s\nwant it to start %s", got, tc.want)
			}
			if res.Changed() || len(res.Changes) > 0 {
				t.Errorf("a refused place was changed: %+v", res.Changes)
			}
			if got := res.AllRefused(); len(got) != 1 {
				t.Errorf("AllRefused = %q, want the image", got)
			}
		})
	}
}

// TestRefusalBesideAChange: a refused place does not stop the image from
// changing elsewhere, and then the image is not refused everywhere.
func TestRefusalBesideAChange(t *testing.T) {
	fsys := fstest.MapFS{
		"pinned.yaml": {Data: []byte("containers:\n  - image: ghcr.io/acme/app:v1.0.0@" + oldDigest + "\n")},
		"plain.yaml":  {Data: []byte("containers:\n  - image: ghcr.io/acme/app:v1.0.0\n")},
	}
	res, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: images(t, "ghcr.io/acme/app:v2.0.0")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Path != "plain.yaml" {
		t.Errorf("files = %+v, want plain.yaml only", res.Files)
	}
	if len(res.Refused) != 1 || res.Refused[0].File != "pinned.yaml" {
		t.Errorf("refused = %+v, want pinned.yaml", res.Refused)
	}
	if got := res.AllRefused(); len(got) != 0 {
		t.Errorf("AllRefused = %q, want none: the image changed elsewhere", got)
	}
}

// TestPinnedDowngrade: the downgrade guard reads the tag of tag@digest,
// whether the new version has a digest or not, and a tag@digest input
// bumps a tag-only value up without a word.
func TestPinnedDowngrade(t *testing.T) {
	tests := []struct {
		name, data, image string
		wantErr           string
	}{
		{name: "tag only, lower", data: "tag: 0.26.0@" + oldDigest, image: "0.24.0", wantErr: `values.yaml:3: refusing to downgrade ghcr.io/acme/app from "0.26.0" to "0.24.0"`},
		{name: "tag@digest, lower", data: "tag: 0.26.0@" + oldDigest, image: "0.24.0@" + digest, wantErr: `values.yaml:3: refusing to downgrade ghcr.io/acme/app from "0.26.0" to "0.24.0"`},
		{name: "tag@digest on a container, lower", data: "containers: [{image: 'ghcr.io/acme/app:0.26.0@" + oldDigest + "'}]", image: "0.24.0@" + digest, wantErr: `refusing to downgrade ghcr.io/acme/app from "0.26.0" to "0.24.0"`},
		{name: "tag@digest, higher", data: "tag: 0.26.0@" + oldDigest, image: "0.27.0@" + digest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := "image:\n  repository: ghcr.io/acme/app\n  " + tc.data + "\n"
			if strings.HasPrefix(tc.data, "containers") {
				data = tc.data + "\n"
			}
			fsys := fstest.MapFS{"values.yaml": {Data: []byte(data)}}
			res, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: images(t, "ghcr.io/acme/app:"+tc.image)})
			if tc.wantErr == "" {
				if err != nil || len(res.Changes) != 1 {
					t.Fatalf("Bump: %v, changes %+v", err, res)
				}
				return
			}
			var dg *DowngradeError
			if !errors.As(err, &dg) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want a downgrade error holding %q", err, tc.wantErr)
			}
		})
	}
}

// TestSharedValuesOfNewPlaces: a tag of an Argo CD parameter, of an image
// map under any key or inside a values string, shared through an anchor
// with a place that is not an image, is refused as any shared value is;
// reached through an alias from an image place only, it is edited once.
func TestSharedValuesOfNewPlaces(t *testing.T) {
	tests := []struct {
		name, file, data string
		wantErr          string // empty: the bump succeeds with one change
	}{
		{
			name:    "parameter tag shared with a label",
			file:    "app.yaml",
			data:    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  labels: {version: &v 1.0.0}\nspec:\n  source:\n    helm:\n      parameters:\n        - {name: image.repository, value: ghcr.io/acme/app}\n        - {name: image.tag, value: *v}\n",
			wantErr: "refusing to edit a value shared through an anchor",
		},
		{
			name:    "map under any key shared with a label",
			file:    "values.yaml",
			data:    "version: &v 1.0.0\nredis:\n  repository: ghcr.io/acme/app\n  tag: *v\n",
			wantErr: "refusing to edit a value shared through an anchor",
		},
		{
			name: "map reached twice through an alias",
			file: "values.yaml",
			data: "redis: &r\n  repository: ghcr.io/acme/app\n  tag: 1.0.0\ncache: *r\n",
		},
		{
			name:    "inside a values string",
			file:    "app.yaml",
			data:    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        v: &v 1.0.0\n        x: {repository: ghcr.io/acme/app, tag: *v}\n",
			wantErr: "app.yaml:7: refusing to edit a value shared through an anchor",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{tc.file: {Data: []byte(tc.data)}}
			res, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: images(t, "ghcr.io/acme/app:2.0.0")})
			if tc.wantErr == "" {
				if err != nil || len(res.Changes) != 1 || len(res.Files) != 1 {
					t.Fatalf("Bump: %v, %+v", err, res)
				}
				return
			}
			var ee *EditError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want an edit error holding %q", err, tc.wantErr)
			}
		})
	}
}

// TestHoldsOfNewPlaces: a hold comment keeps a reference of each of the
// newer places (an image map under any key, an Argo CD parameter, a
// values string, kustomize helmCharts) at its version, and a held pin is
// held, not refused.
func TestHoldsOfNewPlaces(t *testing.T) {
	const hold = " # gitops-actions: hold (rollback)"
	tests := []struct {
		name, file, data string
		wantLine         int
	}{
		{name: "map under any key", file: "values.yaml", data: "redis:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0" + hold + "\n", wantLine: 3},
		{name: "argo parameter", file: "app.yaml", data: "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      parameters:\n        - name: image.repository\n          value: ghcr.io/acme/app\n        - name: image.tag\n          value: 1.0.0" + hold + "\n", wantLine: 10},
		{name: "override file", file: ".argocd-source-app.yaml", data: "helm:\n  parameters:\n  - name: image.name\n    value: ghcr.io/acme/app\n  - name: image.tag\n    value: 1.0.0" + hold + "\n", wantLine: 6},
		{name: "values string", file: "app.yaml", data: "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        image:\n          repository: ghcr.io/acme/app\n          tag: 1.0.0" + hold + "\n", wantLine: 9},
		{name: "helmCharts valuesInline", file: "kustomization.yaml", data: "helmCharts:\n  - name: app\n    valuesInline:\n      app:\n        repository: ghcr.io/acme/app\n        tag: 1.0.0" + hold + "\n", wantLine: 6},
		{name: "a held pin", file: "values.yaml", data: "app:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0@" + oldDigest + hold + "\n", wantLine: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{tc.file: {Data: []byte(tc.data)}}
			res, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: images(t, "ghcr.io/acme/app:2.0.0")})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Held) != 1 || res.Held[0].Line != tc.wantLine || res.Held[0].Reason != "rollback" {
				t.Errorf("held = %+v, want one at line %d", res.Held, tc.wantLine)
			}
			if res.Changed() || len(res.Refused) > 0 {
				t.Errorf("a held reference moved or was refused: %+v, %+v", res.Changes, res.Refused)
			}
			forced, err := Bump(context.Background(), fsys, []string{"."}, Options{Images: images(t, "ghcr.io/acme/app:2.0.0"), IgnoreHolds: true, AllowUnpin: true})
			if err != nil || len(forced.Files) != 1 {
				t.Errorf("with IgnoreHolds: %v, %+v", err, forced)
			}
		})
	}
}
