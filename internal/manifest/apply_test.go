package manifest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// applyEachInTurn is apply as it was before it became linear: each edit,
// from the end of the file, rebuilds the rest of the file. The linear
// apply must give the same bytes, but where two pairs are inserted at one
// offset: there it put them in the reverse order of their edits, which
// verify then refused.
func applyEachInTurn(src *source, edits []*edit) ([]byte, error) {
	var ops []op
	for _, e := range edits {
		o, err := src.opFor(e, renderer{})
		if err != nil {
			return nil, err
		}
		ops = append(ops, o)
	}
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].start != ops[j].start {
			return ops[i].start > ops[j].start
		}
		return ops[i].end > ops[j].end
	})
	for i := 1; i < len(ops); i++ {
		if ops[i].end > ops[i-1].start {
			return nil, fmt.Errorf("overlapping edits at byte %d", ops[i-1].start)
		}
	}
	out := append([]byte(nil), src.data...)
	for _, o := range ops {
		out = append(out[:o.start], append([]byte(o.text), out[o.end:]...)...)
	}
	return out, nil
}

// sameAsEachInTurn runs the rules on one file and checks that apply and
// applyEachInTurn agree on its edits; it reports whether there were any.
func sameAsEachInTurn(t *testing.T, m *matcher, name string, raw []byte) bool {
	t.Helper()
	src := newSource(raw)
	docs, err := parseAll(src.data)
	if err != nil {
		return false
	}
	w := m.walkFile(name, docs)
	if len(w.errs) > 0 || len(w.edits) == 0 {
		return false
	}
	got, gerr := apply(src, w.edits)
	want, werr := applyEachInTurn(src, w.edits)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) || !bytes.Equal(got, want) {
		t.Errorf("%s: apply = %q, %v; edits in turn = %q, %v", name, got, gerr, want, werr)
	}
	return true
}

// TestApplyMatchesEditsInTurn holds the one-pass apply to the edits made
// one by one, on every file of the golden cases that changes.
func TestApplyMatchesEditsInTurn(t *testing.T) {
	edited := 0
	for _, tc := range goldenCases {
		m := newMatcher(&Options{Images: images(t, tc.images...), Charts: charts(t, tc.charts...), Policies: tc.policies, AllowUnpin: tc.allowUnpin, AllowVariantChange: true, AllowDowngrade: true, AllowTagDrop: true})
		root := filepath.Join("testdata", firstOf(tc.dir, tc.name), "original")
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if sameAsEachInTurn(t, m, filepath.ToSlash(rel), raw) {
				edited++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if edited < 15 {
		t.Errorf("only %d golden files were edited; the comparison covers too little", edited)
	}
}

// TestInsertTagAndDigest bumps a kustomization entry that names the image
// and nothing else to a tag and a digest: both pairs go after the name, in
// the order kustomize writes them.
func TestInsertTagAndDigest(t *testing.T) {
	m := newMatcher(&Options{Images: images(t, "ghcr.io/acme/app:v2.1.0@"+digest)})
	r := m.processFile("kustomization.yaml", []byte("images:\n  - name: ghcr.io/acme/app\n    # kept\n"))
	if r.err != nil || r.edit == nil {
		t.Fatalf("processFile: edit %v, err %v", r.edit, r.err)
	}
	got, want := string(r.edit.New), "images:\n  - name: ghcr.io/acme/app\n    newTag: v2.1.0\n    digest: "+digest+"\n    # kept\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
