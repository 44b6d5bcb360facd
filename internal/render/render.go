package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Environment returns the Kubernetes objects an environment directory of
// fsys stands for, as a cluster would receive them: the kustomization in
// dir built in memory (remote bases left out, helmCharts rendered when
// their chart is in the repository and left out otherwise, nothing
// fetched), or, without one, every resource of the YAML files under dir
// as they are. Nothing is validated. It fails when the kustomization does
// not build or a file is not YAML, since the objects would then be a
// guess.
func Environment(ctx context.Context, fsys fs.FS, dir string) ([]map[string]any, error) {
	dir = path.Clean(dir)
	t := &Tree{ctx: ctx, fsys: fsys, opts: Options{Path: dir}}
	if kfile := kustomizationIn(t, dir); kfile != "" {
		rd, err := t.build(dir, false)
		if err != nil {
			return nil, err
		}
		return rd.Objects, nil
	}
	var out []map[string]any
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		case d.IsDir() && p != dir && strings.HasPrefix(d.Name(), "."):
			return fs.SkipDir
		case !d.Type().IsRegular() || IsKustomizationFile(p) || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")):
			return nil
		}
		pf := t.file(p)
		if pf.template {
			return nil // Helm templates are YAML only once rendered
		}
		for _, f := range pf.problems {
			if f.Kind == SyntaxError {
				return fmt.Errorf("rendering %q: %s:%d: %s", dir, p, f.Line, f.Message)
			}
		}
		for _, doc := range pf.docs {
			if doc.Obj != nil && isResource(doc.Obj) {
				out = append(out, doc.Obj)
			}
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("rendering %q: no such directory", dir)
	}
	return out, err
}
