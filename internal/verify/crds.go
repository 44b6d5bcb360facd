package verify

import (
	"bytes"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/parallel"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// CustomResourceDefinitions are added to the schemas once all are known,
// in file order, so that of two CRDs of one kind the later file's wins
// however the workers ran.

// crdDoc is a CustomResourceDefinition and the file it is in.
type crdDoc struct {
	file string
	doc  *render.Document
}

// preloadCRDs adds every CustomResourceDefinition of the tree before
// anything is checked, for the builds, which check their resources as
// they render them: it reads every file, and parses only those that name
// the kind.
func (r *run) preloadCRDs() ([]finding.Finding, error) {
	all := r.tree.All
	found := make([][]crdDoc, len(all))
	err := parallel.Do(r.ctx, r.opts.Workers, len(all), func(i int) error {
		data, err := fs.ReadFile(r.fsys, all[i])
		if err != nil || !bytes.Contains(data, []byte("CustomResourceDefinition")) {
			return nil // an unreadable file is reported when the files are checked
		}
		// As checkFile reads it, checking nothing: a template holds no
		// CRD, and a CRD in a file with a syntax error still counts.
		var fr fileResult
		if r.streamable(all[i], data) {
			fr = r.checkStream(all[i], data, false)
		} else {
			docs, _, _ := r.tree.Parse(all[i], data)
			for _, d := range docs {
				r.checkDoc(&fr, all[i], d, false)
			}
		}
		found[i] = fr.crds
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.crdsFirst = true
	return r.addCRDs(slices.Concat(found...)), nil
}

// recheckCRDKinds adds the CustomResourceDefinitions the files held and
// checks again the few files holding a resource of a kind one of them
// defines: that costs less than holding every file until the CRDs are
// known (4.4 MB for 2,000 files) or reading every file twice.
func (r *run) recheckCRDKinds(consumed map[string]bool, results []fileResult) ([]finding.Finding, error) {
	var crds []crdDoc
	for i := range results {
		crds = append(crds, results[i].crds...)
		results[i].crds = nil
	}
	if r.opts.Schemas == nil || len(crds) == 0 {
		return nil, nil
	}
	out := r.addCRDs(crds)
	defined := map[string]bool{}
	for _, c := range crds {
		defined[crdGroupKind(c.doc.Obj)] = true
	}
	var again []int
	for i, fr := range results {
		if slices.ContainsFunc(fr.kinds, func(ak [2]string) bool { return defined[groupKind(ak[0], ak[1])] }) {
			again = append(again, i)
		}
	}
	all := r.tree.All
	err := parallel.Do(r.ctx, r.opts.Workers, len(again), func(j int) error {
		i := again[j]
		fr := r.checkFile(all[i], consumed[all[i]], r.tree.Extra(all[i]))
		fr.crds = nil
		results[i] = fr
		return nil
	})
	return out, err
}

// addCRDs adds every CustomResourceDefinition found to the schemas, in
// the order given.
func (r *run) addCRDs(crds []crdDoc) []finding.Finding {
	if r.opts.Schemas == nil {
		return nil
	}
	var out []finding.Finding
	for _, c := range crds {
		if err := r.opts.Schemas.AddCRD(c.doc.Obj); err != nil {
			_, _, _, name := render.Meta(c.doc.Obj)
			root := c.doc.Node()
			out = append(out, finding.Finding{File: c.file, Line: root.Line, Column: root.Column, Severity: ruleSeverity(RuleCRDInvalid), Rule: RuleCRDInvalid,
				Message: fmt.Sprintf("no schema can be made of this CustomResourceDefinition: %v", err), Resource: "CustomResourceDefinition/" + name})
		}
	}
	return out
}

// groupKind is "group/Kind" of an apiVersion and kind ("/Kind" for the
// core group).
func groupKind(apiVersion, kind string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		g = ""
	}
	return g + "/" + kind
}

// crdGroupKind is the "group/Kind" a CustomResourceDefinition defines.
func crdGroupKind(crd map[string]any) string {
	spec, _ := crd["spec"].(map[string]any)
	g, _ := spec["group"].(string)
	names, _ := spec["names"].(map[string]any)
	k, _ := names["kind"].(string)
	return g + "/" + k
}

// addRenderedCRD adds a CustomResourceDefinition a chart rendered to the
// schemas.
func (r *run) addRenderedCRD(o *render.Object) []finding.Finding {
	if r.opts.Schemas == nil {
		return nil
	}
	if err := r.opts.Schemas.AddCRD(o.Object); err != nil {
		_, _, _, name := render.Meta(o.Object)
		file, line, col := o.Origin.Position(nil, render.PinOwner)
		return []finding.Finding{{File: file, Line: line, Column: col, Severity: ruleSeverity(RuleCRDInvalid), Rule: RuleCRDInvalid,
			Message: fmt.Sprintf("no schema can be made of this CustomResourceDefinition: %v (%s)", err, o.Origin.Helm), Resource: "CustomResourceDefinition/" + name}}
	}
	return nil
}
