package verify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Render returns the Kubernetes objects an environment directory of fsys
// stands for, as a cluster would receive them: the kustomization in dir
// built in memory, as Run builds it (remote bases and helmCharts left out,
// nothing fetched), or, without one, every resource of the YAML files
// under dir as they are. Nothing is validated. It fails when the
// kustomization does not build or a file is not YAML, since the objects
// would then be a guess.
func Render(ctx context.Context, fsys fs.FS, dir string) ([]map[string]any, error) {
	dir = path.Clean(dir)
	r := newRun(ctx, fsys, Options{Path: dir, Workers: 1})
	if kfile := kustomizationIn(r, dir); kfile != "" {
		rd, err := (&Survey{r: r}).Build(dir)
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
		case !d.Type().IsRegular() || isKustomizationFile(p) || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")):
			return nil
		}
		pf := r.file(p)
		if pf.template {
			return nil // Helm templates are YAML only once rendered
		}
		for _, f := range pf.findings {
			if f.Rule == RuleYAMLSyntax {
				return fmt.Errorf("rendering %q: %s:%d: %s", dir, p, f.Line, f.Message)
			}
		}
		for _, doc := range pf.docs {
			if doc.obj != nil && isResource(doc.obj) {
				out = append(out, doc.obj)
			}
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("rendering %q: no such directory", dir)
	}
	return out, err
}
