package verify

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// deprecation is one row of apis.yaml.
type deprecation struct {
	APIVersion  string   `yaml:"apiVersion"`
	Kinds       []string `yaml:"kinds"`
	Deprecated  string   `yaml:"deprecated"`
	Removed     string   `yaml:"removed"`
	Replacement string   `yaml:"replacement"`
}

// apisYAML is the table of deprecated and removed APIs, from the
// Kubernetes deprecation guide
// (https://kubernetes.io/docs/reference/using-api/deprecation-guide/).
//
//go:embed apis.yaml
var apisYAML []byte

var apiTable = sync.OnceValue(func() map[string]deprecation {
	var rows []deprecation
	if err := yaml.Unmarshal(apisYAML, &rows); err != nil {
		panic("verify: apis.yaml: " + err.Error())
	}
	m := map[string]deprecation{}
	for _, r := range rows {
		for _, k := range r.Kinds {
			m[r.APIVersion+" "+k] = r
		}
	}
	return m
})

func lookupAPI(apiVersion, kind string) (deprecation, bool) {
	d, ok := apiTable()[apiVersion+" "+kind]
	return d, ok
}

// compareVersions compares Kubernetes minor versions "1.25" and "1.9"
// numerically.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// builtinGroups are the API groups Kubernetes serves itself, removed ones
// included: no CustomResourceDefinition can add a kind to them (the API
// server refuses a CRD in a group it serves, and *.k8s.io groups need an
// approved API review). Groups of popular CRDs under k8s.io
// (gateway.networking.k8s.io, snapshot.storage.k8s.io, metrics.k8s.io)
// are not listed. TestBuiltinGroupsAgreeWithSchemas holds the list to the
// groups the embedded schemas serve.
var builtinGroups = map[string]bool{
	"": true, "admission.k8s.io": true, "admissionregistration.k8s.io": true, "apiextensions.k8s.io": true,
	"apiregistration.k8s.io": true, "apps": true, "auditregistration.k8s.io": true, "authentication.k8s.io": true,
	"authorization.k8s.io": true, "autoscaling": true, "batch": true, "certificates.k8s.io": true,
	"coordination.k8s.io": true, "discovery.k8s.io": true, "events.k8s.io": true, "extensions": true,
	"flowcontrol.apiserver.k8s.io": true, "imagepolicy.k8s.io": true, "internal.apiserver.k8s.io": true,
	"lifecycle.k8s.io": true, "networking.k8s.io": true, "node.k8s.io": true, "policy": true, "rbac.authorization.k8s.io": true,
	"resource.k8s.io": true, "scheduling.k8s.io": true, "settings.k8s.io": true, "storage.k8s.io": true,
	"storagemigration.k8s.io": true,
}
