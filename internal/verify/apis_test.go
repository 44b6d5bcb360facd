package verify

import (
	"slices"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema"
	"github.com/gitops-actions/gitops-actions/internal/kubeschema/bundle"
)

// TestAPITableAgreesWithSchemas holds apis.yaml to the embedded schemas of
// every Kubernetes version: an API the table calls removed has no schema in
// that version, an API it calls deprecated but not yet removed has one,
// and every beta or GA API that one embedded version serves and the next
// no longer does has its removal in the table. Alpha APIs are left out:
// they are never on by default, and Kubernetes drops them without a
// deprecation period.
func TestAPITableAgreesWithSchemas(t *testing.T) {
	versions := kubeschema.Versions() // newest first
	if len(versions) < 2 {
		t.Fatalf("kubeschema embeds %q: want several versions", versions)
	}
	served := map[string][]string{}
	for _, v := range versions {
		_, kinds, err := kubeschema.APIVersions(v)
		if err != nil {
			t.Fatal(err)
		}
		served[v] = kinds
	}
	for _, v := range versions {
		for key, d := range apiTable() {
			apiVersion, kind, _ := strings.Cut(key, " ")
			gvk := apiVersion + "/" + kind
			has := slices.Contains(served[v], gvk)
			switch {
			case d.Removed != "" && compareVersions(v, d.Removed) >= 0:
				if has {
					t.Errorf("apis.yaml: %s removed in %s, but Kubernetes %s has its schema", gvk, d.Removed, v)
				}
			case d.Deprecated != "" && compareVersions(v, d.Deprecated) >= 0:
				if !has {
					t.Errorf("apis.yaml: %s deprecated in %s and not removed by %s, but Kubernetes %s has no schema for it", gvk, d.Deprecated, v, v)
				}
			}
		}
	}
	for i := 1; i < len(versions); i++ {
		older, newer := versions[i], versions[i-1]
		for _, gvk := range served[older] {
			if slices.Contains(served[newer], gvk) {
				continue
			}
			j := strings.LastIndex(gvk, "/")
			apiVersion, kind := gvk[:j], gvk[j+1:]
			if strings.Contains(apiVersion[strings.LastIndex(apiVersion, "/")+1:], "alpha") {
				continue
			}
			d, ok := lookupAPI(apiVersion, kind)
			if !ok || d.Removed == "" || compareVersions(d.Removed, newer) > 0 {
				t.Errorf("Kubernetes %s serves %s and %s does not: apis.yaml must say it was removed in %s", older, gvk, newer, newer)
			}
		}
	}
}

// TestAPIIssues: the rules judge one API differently by version.
func TestAPIIssues(t *testing.T) {
	obj := map[string]any{"apiVersion": "admissionregistration.k8s.io/v1beta1", "kind": "ValidatingAdmissionPolicy"}
	tests := []struct {
		version, wantRule, wantMsg string
	}{
		{version: "1.30"},
		{version: "1.31", wantRule: RuleDeprecatedAPI, wantMsg: "admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy is deprecated since Kubernetes 1.31, removal planned in 1.34; use admissionregistration.k8s.io/v1"},
		{version: "1.34", wantRule: RuleRemovedAPI, wantMsg: "admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy was removed in Kubernetes 1.34 (deprecated in 1.31) and is not served by 1.34; use admissionregistration.k8s.io/v1"},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			got := apiIssues(obj, tc.version)
			if tc.wantRule == "" {
				if len(got) != 0 {
					t.Errorf("apiIssues = %+v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].rule != tc.wantRule || got[0].msg != tc.wantMsg {
				t.Errorf("apiIssues = %+v\nwant one %s: %q", got, tc.wantRule, tc.wantMsg)
			}
		})
	}
}

// TestBuiltinGroupsAgreeWithSchemas holds builtinGroups to the embedded
// schemas: every group a Kubernetes version serves is listed (else a
// misspelt kind of it is sent to look for a CRD that cannot exist), and no
// group of an embedded CRD is (a CRD's kind missing from a version is not
// a removed API). Groups the list has beyond these are the ones Kubernetes
// removed or serves no resource in.
func TestBuiltinGroupsAgreeWithSchemas(t *testing.T) {
	b, err := bundle.Decode(bundle.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	crds := map[string]bool{}
	for gvk := range b.CRDs.Kinds {
		crds[groupOf(gvk)] = true
	}
	served := map[string]string{} // group → the newest version serving it
	for _, v := range kubeschema.Versions() {
		_, kinds, err := kubeschema.APIVersions(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, gvk := range kinds {
			if g := groupOf(gvk); !crds[g] && served[g] == "" {
				served[g] = v
			}
		}
	}
	if len(served) < 20 {
		t.Fatalf("the schemas serve %d built-in groups: want the twenty-odd of Kubernetes", len(served))
	}
	for g, v := range served {
		if !builtinGroups[g] {
			t.Errorf("Kubernetes %s serves group %q, which builtinGroups lacks", v, g)
		}
	}
	for g := range crds {
		if builtinGroups[g] {
			t.Errorf("builtinGroups lists %q, the group of an embedded CRD", g)
		}
	}
}

// groupOf returns the group of "group/version/Kind" ("" for the core
// group's "v1/Kind").
func groupOf(gvk string) string {
	gv := gvk[:strings.LastIndex(gvk, "/")]
	g, _, ok := strings.Cut(gv, "/")
	if !ok {
		return ""
	}
	return g
}
