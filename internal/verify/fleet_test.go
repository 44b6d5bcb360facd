package verify

import (
	"path/filepath"
	"testing"
)

// TestFleet runs a repository of the shape of a real Flux
// fleet: clusters/, infrastructure/ and apps/ rendered by Flux
// Kustomizations with post-build substitution, and the custom resources
// such repositories hold (written from each project's documented
// examples). The embedded schemas must know nearly all of them, and judge
// none of them wrongly.
func TestFleet(t *testing.T) {
	rec := &recorder{Validator: schemas(t, "1.37"), found: map[string][]bool{}}
	res := runGolden(t, filepath.Join("testdata", "fleet"), Options{KubernetesVersion: "1.37", Schemas: rec})
	if res.Errors != 0 {
		for _, f := range res.Findings {
			if f.Severity.String() == "error" {
				t.Errorf("false error: %s", f)
			}
		}
	}
	validated, missing := 0, 0
	var kinds []string
	for kind, founds := range rec.found {
		for _, ok := range founds {
			validated++
			if !ok {
				missing++
				kinds = append(kinds, kind)
			}
		}
	}
	if validated < 60 {
		t.Fatalf("only %d resources validated: the corpus no longer has the shape it tests", validated)
	}
	share := float64(missing) / float64(validated)
	t.Logf("%d of %d resources without a schema (%.1f%%): %q", missing, validated, 100*share, kinds)
	if share > 0.05 {
		t.Errorf("%d of %d resources (%.1f%%) have no schema, want at most 5%%: %q", missing, validated, 100*share, kinds)
	}
	if missing == 0 {
		t.Error("the project-specific kind got a schema: the corpus no longer tests the no-schema share")
	}
}
