package diffpreview

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// layoutFS is a small config repository: an overlay per environment of
// a base, through a middle kustomization that pulls in a component, with
// a generator's file and a patch beside the overlay, and an unrelated
// application.
func layoutFS() fstest.MapFS {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"apps/web/base/kustomization.yaml":     f("resources:\n  - deploy.yaml\n"),
		"apps/web/base/deploy.yaml":            f("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.0\n"),
		"apps/web/middle/kustomization.yaml":   f("resources:\n  - ../base\ncomponents:\n  - ../../../components/labels\n"),
		"components/labels/kustomization.yaml": f("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n  - pairs:\n      team: a\n"),
		"envs/prod/web/kustomization.yaml":     f("namespace: prod\nresources:\n  - ../../../apps/web/middle\nconfigMapGenerator:\n  - name: cfg\n    files:\n      - app.properties\npatches:\n  - path: patch.yaml\n"),
		"envs/prod/web/app.properties":         f("mode=a\n"),
		"envs/prod/web/patch.yaml":             f("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n"),
		"envs/dev/web/kustomization.yaml":      f("namespace: dev\nresources:\n  - ../../../apps/web/base\n"),
		"apps/api/base/kustomization.yaml":     f("resources:\n  - cm.yaml\n"),
		"apps/api/base/cm.yaml":                f("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n"),
		"envs/prod/api/kustomization.yaml":     f("namespace: prod\nresources:\n  - ../../../apps/api/base\n"),
		"plain/cm.yaml":                        f("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n"),
	}
}

// TestShortcutChangesNothing compares, for each change, the preview of
// the shortcut (builds the change cannot reach not rendered) with that of
// rendering everything: they must be the same, and the change must show.
func TestShortcutChangesNothing(t *testing.T) {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		opts   Options
	}{
		{name: "a base", change: func(m fstest.MapFS) {
			m["apps/web/base/deploy.yaml"] = f(string(m["apps/web/base/deploy.yaml"].Data) + "  minReadySeconds: 5\n")
		}},
		{name: "a component two kustomizations down", change: func(m fstest.MapFS) {
			m["components/labels/kustomization.yaml"] = f("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n  - pairs:\n      team: b\n")
		}},
		{name: "a generator's file", change: func(m fstest.MapFS) { m["envs/prod/web/app.properties"] = f("mode=b\n") }},
		{name: "a patch", change: func(m fstest.MapFS) {
			m["envs/prod/web/patch.yaml"] = f("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n")
		}},
		{name: "a second kustomization file beside the first", change: func(m fstest.MapFS) {
			m["apps/api/base/kustomization.yml"] = f("resources:\n  - cm.yaml\n")
		}},
		{name: "a plain file", change: func(m fstest.MapFS) {
			m["plain/cm.yaml"] = f("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: b\n")
		}},
		{name: "a new environment", change: func(m fstest.MapFS) {
			m["envs/qa/web/kustomization.yaml"] = f("namespace: qa\nresources:\n  - ../../../apps/web/base\n")
		}},
		{name: "given environments", opts: Options{Environments: []string{"envs/prod", "envs/dev", "plain"}}, change: func(m fstest.MapFS) {
			m["apps/web/base/deploy.yaml"] = f(string(m["apps/web/base/deploy.yaml"].Data) + "  minReadySeconds: 5\n")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := layoutFS()
			head := maps.Clone(base)
			tc.change(head)
			quick, err := Compare(context.Background(), base, head, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			all := tc.opts
			all.renderAll = true
			slow, err := Compare(context.Background(), base, head, all)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(quick, slow) {
				t.Errorf("the shortcut gives\n%+v\nrendering everything\n%+v", quick, slow)
			}
			a, r, c := quick.Counts()
			if a+r+c == 0 {
				for _, e := range quick.Environments {
					if e.BaseError != "" || e.HeadError != "" {
						return
					}
				}
				t.Errorf("the change does not show: %+v", quick)
			}
		})
	}
}

func TestUnchanged(t *testing.T) {
	base := layoutFS()
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		dir    string
		want   bool
	}{
		{name: "nothing changed", change: func(fstest.MapFS) {}, dir: "envs/prod/web", want: true},
		{name: "another application", change: func(m fstest.MapFS) { m["apps/api/base/cm.yaml"] = &fstest.MapFile{Data: []byte("x: y\n")} }, dir: "envs/prod/web", want: true},
		{name: "its component", change: func(m fstest.MapFS) { m["components/labels/extra.yaml"] = &fstest.MapFile{Data: []byte("x: y\n")} }, dir: "envs/prod/web"},
		{name: "its base", change: func(m fstest.MapFS) { delete(m, "apps/web/base/deploy.yaml") }, dir: "envs/dev/web"},
		{name: "a sibling environment", change: func(m fstest.MapFS) { m["envs/prod/web/app.properties"] = &fstest.MapFile{Data: []byte("mode=c\n")} }, dir: "envs/dev/web", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			head := maps.Clone(base)
			tc.change(head)
			if got := changes(base, head).unchanged(base, head, tc.dir); got != tc.want {
				t.Errorf("unchanged(%q) = %v, want %v", tc.dir, got, tc.want)
			}
		})
	}
}

// writeTree writes files to a new directory and opens it as a tree.
func writeTree(t *testing.T, files fstest.MapFS, links map[string]string) *workspace.Tree {
	t.Helper()
	dir := t.TempDir()
	for name, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := workspace.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	return tree
}

// TestLinks: a link that carries a kustomization's entry to another
// directory makes a change there reach the build; a link retargeted is a
// change; a tree that cannot resolve its links skips nothing.
func TestLinks(t *testing.T) {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	files := func(replicas string) fstest.MapFS {
		m := layoutFS()
		m["envs/qa/web/kustomization.yaml"] = f("namespace: qa\nresources:\n  - base\n")
		m["apps/web/other/kustomization.yaml"] = f("resources:\n  - deploy.yaml\n")
		m["apps/web/other/deploy.yaml"] = f("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  replicas: " + replicas + "\n")
		return m
	}
	base := writeTree(t, files("1"), map[string]string{"envs/qa/web/base": "../../../apps/web/base"})
	head := writeTree(t, files("1"), map[string]string{"envs/qa/web/base": "../../../apps/web/base"})
	if cs := changes(base, head); cs.links || !cs.unchanged(base, head, "envs/qa/web") {
		t.Errorf("the same trees with a link: links %v, the build is not skipped", cs.links)
	}
	changedFiles := files("1")
	changedFiles["apps/web/base/deploy.yaml"] = f("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n")
	changed := writeTree(t, changedFiles, map[string]string{"envs/qa/web/base": "../../../apps/web/base"})
	if cs := changes(base, changed); cs.unchanged(base, changed, "envs/qa/web") {
		t.Errorf("a change behind a link does not reach the build: %q", cs.paths)
	}
	for _, head := range []*workspace.Tree{changed, writeTree(t, files("2"), map[string]string{"envs/qa/web/base": "../../../apps/web/other"})} {
		quick, err := Compare(context.Background(), base, head, Options{})
		if err != nil {
			t.Fatal(err)
		}
		slow, err := Compare(context.Background(), base, head, Options{renderAll: true})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(quick, slow) {
			t.Errorf("through a link, the shortcut gives\n%+v\nrendering everything\n%+v", quick, slow)
		}
	}
	retargeted := writeTree(t, files("1"), map[string]string{"envs/qa/web/base": "../../../apps/web/other"})
	if cs := changes(base, retargeted); !slices.Contains(cs.paths, "envs/qa/web/base") || cs.unchanged(base, retargeted, "envs/qa/web") {
		t.Errorf("a retargeted link is no change: %q", cs.paths)
	}
	mapLinks := layoutFS()
	mapLinks["plain/link.yaml"] = &fstest.MapFile{Data: []byte("cm.yaml"), Mode: fs.ModeSymlink}
	if cs := changes(layoutFS(), mapLinks); !cs.links || cs.unchanged(mapLinks, mapLinks, "envs/dev/web") || cs.same("plain/cm.yaml") {
		t.Errorf("a tree that cannot resolve its links: links %v, a build or a file skipped", cs.links)
	}
}
