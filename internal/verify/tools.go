package verify

import (
	"regexp"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/render"
)

// A config repository holds the YAML of other tools beside its manifests:
// cluster definitions (k3d, kind, Talos), task runners, CI workflows,
// dependency bots, Ansible. They are not Kubernetes resources, and no CRD
// would make them one: they are left out, and the run says so once.

// NotManifest is a file left out as another tool's configuration.
type NotManifest struct {
	File string
	// Tool names what the file configures: "k3d cluster", "Taskfile".
	Tool string
}

// toolPaths recognise a tool's files by their path.
var toolPaths = []struct {
	re   *regexp.Regexp
	tool string
}{
	{regexp.MustCompile(`(^|/)\.github/workflows/[^/]+\.ya?ml$`), "GitHub Actions workflow"},
	{regexp.MustCompile(`(^|/)\.github/(dependabot|labeler|release|release-drafter|settings)\.ya?ml$`), "GitHub configuration"},
	{regexp.MustCompile(`(^|/)\.?(renovate|renovaterc)(\.json5?)?$|(^|/)\.renovaterc(\.json5?)?$|(^|/)renovate\.json5?$`), "Renovate configuration"},
	{regexp.MustCompile(`(^|/)[Tt]askfile(\.dist)?\.ya?ml$|(^|/)\.taskfiles?/|(^|/)\.?taskfiles?/[^/]+\.ya?ml$`), "Taskfile"},
	{regexp.MustCompile(`(^|/)helmfile(\.d/[^/]+)?\.ya?ml$|(^|/)helmfile\.d/`), "Helmfile"},
	{regexp.MustCompile(`(^|/)roles/[^/]+/(tasks|handlers|defaults|vars|meta)/[^/]+\.ya?ml$|(^|/)(group|host)_vars/|(^|/)(playbook[^/]*|site|ansible)\.ya?ml$|(^|/)inventory/[^/]+\.ya?ml$|(^|/)molecule/`), "Ansible"},
	{regexp.MustCompile(`(^|/)(talconfig|talsecret|talenv)(\.sops)?\.ya?ml$`), "Talos (talhelper)"},
	{regexp.MustCompile(`(^|/)(docker-)?compose(\.[^/]*)?\.ya?ml$`), "Docker Compose"},
	{regexp.MustCompile(`(^|/)\.pre-commit-(config|hooks)\.ya?ml$`), "pre-commit"},
	{regexp.MustCompile(`(^|/)\.?yamllint(\.ya?ml)?$`), "yamllint"},
	{regexp.MustCompile(`(^|/)\.sops\.ya?ml$`), "SOPS configuration"},
	{regexp.MustCompile(`(^|/)mkdocs\.ya?ml$`), "MkDocs"},
	{regexp.MustCompile(`(^|/)\.goreleaser\.ya?ml$`), "GoReleaser"},
	{regexp.MustCompile(`(^|/)\.gitlab-ci\.ya?ml$`), "GitLab CI"},
	{regexp.MustCompile(`(^|/)(\.)?codecov\.ya?ml$`), "Codecov"},
	{regexp.MustCompile(`(^|/)(\.)?mise\.toml$|(^|/)\.tool-versions$`), "mise"},
}

// toolByPath names the tool a file configures, by its path; "" for a file
// that may hold manifests.
func toolByPath(name string) string {
	for _, t := range toolPaths {
		if t.re.MatchString(name) {
			return t.tool
		}
	}
	return ""
}

// toolGroups are API groups of tools' configuration files, which no API
// server serves.
var toolGroups = map[string]string{
	"k3d.io":                               "k3d cluster",
	"kind.x-k8s.io":                        "kind cluster",
	"ctlptl.dev":                           "ctlptl cluster",
	"kubeadm.k8s.io":                       "kubeadm configuration",
	"kubelet.config.k8s.io":                "kubelet configuration",
	"kubeproxy.config.k8s.io":              "kube-proxy configuration",
	"apiserver.config.k8s.io":              "API server configuration",
	"apiserver.k8s.io":                     "API server configuration",
	"audit.k8s.io":                         "audit policy",
	"pod-security.admission.config.k8s.io": "Pod Security admission configuration",
	"kubescheduler.config.k8s.io":          "scheduler configuration",
	"clusterctl.cluster.x-k8s.io":          "clusterctl configuration",
	"krew.googlecontainertools.github.com": "krew plugin manifest",
	"schema.plugin.fluxcd.io":              "Flux schema plugin configuration",
	"talos.dev":                            "Talos machine configuration",
	"config.talos.dev":                     "Talos machine configuration",
	"kubectl.kubernetes.io":                "kubectl configuration",
	"client.authentication.k8s.io":         "kubeconfig credential plugin",
	"kuttl.dev":                            "KUTTL test",
	"chainsaw.kyverno.io":                  "Chainsaw test",
	"cli.kyverno.io":                       "Kyverno CLI test",
	"config.kubernetes.io":                 "kpt/KRM function configuration",
	"kpt.dev":                              "kpt package",
	"fn.kpt.dev":                           "kpt function configuration",
	"tilt.dev":                             "Tilt configuration",
}

// talosKinds are the kinds of Talos's multi-document machine configuration,
// whose apiVersion is a bare v1alpha1.
var talosKinds = map[string]bool{
	"ExtensionServiceConfig": true, "SideroLinkConfig": true, "KmsgLogConfig": true, "EventSinkConfig": true,
	"WatchdogTimerConfig": true, "UserVolumeConfig": true, "VolumeConfig": true, "RawVolumeConfig": true,
	"ExistingVolumeConfig": true, "NetworkRuleConfig": true, "NetworkDefaultActionConfig": true, "TrustedRootsConfig": true,
	"EthernetConfig": true, "HostnameConfig": true, "ResolverConfig": true, "TimeSyncConfig": true, "StaticHostConfig": true,
	"DHCPv4Config": true, "DHCPv6Config": true, "LinkConfig": true, "BondConfig": true, "VLANConfig": true, "BridgeConfig": true,
	"Layer2VIPConfig": true, "HCloudVIPConfig": true, "LinkAliasConfig": true, "DummyLinkConfig": true, "SwapVolumeConfig": true,
	"ZswapConfig": true, "OOMConfig": true, "ImageCacheConfig": true, "PCIDriverRebindConfig": true, "KubeSpanEndpointsConfig": true,
}

// toolByDoc names the tool a typed document configures, by its apiVersion
// and kind; "" for what may be a resource.
func toolByDoc(obj map[string]any) string {
	a, k, _, _ := render.Meta(obj)
	g, v, ok := strings.Cut(a, "/")
	if !ok {
		g, v = "", a
	}
	if t, ok := toolGroups[g]; ok {
		return t
	}
	if g == "" {
		switch {
		case strings.HasPrefix(v, "skaffold") || strings.HasPrefix(a, "skaffold/"):
			return "Skaffold configuration"
		case v == "v1alpha1" && talosKinds[k]:
			return "Talos machine configuration"
		case v == "v1" && k == "Config" && obj["clusters"] != nil:
			return "kubeconfig"
		}
	}
	if strings.HasPrefix(a, "skaffold/") {
		return "Skaffold configuration"
	}
	// A Talos machine configuration of one document: version, machine,
	// cluster, and no apiVersion.
	if a == "" && k == "" && obj["machine"] != nil && obj["cluster"] != nil {
		return "Talos machine configuration"
	}
	return ""
}

// notManifests lists the files left out, each once, in name order.
func notManifests(files []string, tools []string) []NotManifest {
	var out []NotManifest
	for i, f := range files {
		if tools[i] != "" {
			out = append(out, NotManifest{File: f, Tool: tools[i]})
		}
	}
	return out
}
