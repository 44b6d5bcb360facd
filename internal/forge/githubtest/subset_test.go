package githubtest

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/sharedtest"
)

// sharedDescription returns GitHub's OpenAPI description from ../shared
// beside the module root, or skips the test when it is absent (a clone
// without the shared folder). See sharedtest for why it is reached through
// the module's .shared link.
func sharedDescription(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(sharedtest.Path(t, "github", "api.github.com.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSubsetIsUpToDate(t *testing.T) {
	desc := sharedDescription(t)
	got, err := Subset(desc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, subsetJSON) {
		t.Errorf("testdata/openapi-subset.json is stale: run `go run ./internal/forge/githubtest/gen` from the module root")
	}
	again, err := Subset(desc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Errorf("Subset is not reproducible: two runs differ")
	}
}

func TestRoutesAreInTheDescription(t *testing.T) {
	sp, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Info struct {
			Source map[string]string `json:"x-source"`
		} `json:"info"`
	}
	if err := json.Unmarshal(subsetJSON, &info); err != nil {
		t.Fatal(err)
	}
	if got, want := info.Info.Source["package"], SourcePackage; got != want {
		t.Errorf("x-source.package: got %q, want %q", got, want)
	}
	if info.Info.Source["version"] == "" || info.Info.Source["sha256"] == "" {
		t.Errorf("x-source: got %v, want a version and a sha256", info.Info.Source)
	}
	var full map[string]map[string]json.RawMessage
	if desc := sharedDescriptionIfPresent(t); desc != nil {
		var d struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(desc, &d); err != nil {
			t.Fatal(err)
		}
		full = d.Paths
	}
	for _, rt := range routes {
		if rt.OffSpec {
			continue
		}
		if _, err := sp.route(&rt); err != nil {
			t.Errorf("%s %s: %v", rt.Method, rt.Template, err)
		}
		if full != nil {
			if _, ok := full[rt.Template][strings.ToLower(rt.Method)]; !ok {
				t.Errorf("%s %s is not in GitHub's description", rt.Method, rt.Template)
			}
		}
	}
}

// sharedDescriptionIfPresent is sharedDescription without the skip.
func sharedDescriptionIfPresent(t *testing.T) []byte {
	t.Helper()
	var desc []byte
	t.Run("description", func(t *testing.T) { desc = sharedDescription(t) })
	return desc
}
