package verify

// PeerCheck is a check of a peer tool (kube-linter, Polaris) and what
// verify-manifests does of it: the rules that cover it, or why none does.
// The README's side-by-side table is made of these, and the peers'
// suppression annotations name them.
type PeerCheck struct {
	Tool string // "kube-linter" or "Polaris"
	Name string // the check's name in that tool
	// Default is whether the tool runs the check unless configured.
	Default bool
	// Rules are ours that report what the check reports; empty when none
	// does.
	Rules []string
	// Note says how the rules differ from the check, or why it is not
	// covered.
	Note string
}

// Peer tools.
const (
	KubeLinter = "kube-linter"
	Polaris    = "Polaris"
)

// PeerChecks lists kube-linter's default checks and those of its others we
// cover (kube-linter v0.8, docs/generated/checks.md), then Polaris's
// default checks (Polaris 10, pkg/config/default.yaml), in their order.
var PeerChecks = []PeerCheck{
	{KubeLinter, "dangling-service", true, []string{RuleDanglingService}, "judged within one rendered unit; a Service without a selector (endpoints managed elsewhere) is not reported"},
	{KubeLinter, "deprecated-service-account-field", true, []string{RuleDeprecatedServiceAccount}, ""},
	{KubeLinter, "docker-sock", true, []string{RuleDockerSock}, ""},
	{KubeLinter, "drop-net-raw-capability", true, []string{RuleDropNetRaw}, ""},
	{KubeLinter, "duplicate-env-var", true, []string{RuleDuplicateEnvVar}, ""},
	{KubeLinter, "env-var-secret", true, []string{RuleEnvVarSecret}, ""},
	{KubeLinter, "host-ipc", true, []string{RuleHostIPC, RulePodSecurity}, "said once, by pod-security, when the namespace's level forbids it"},
	{KubeLinter, "host-network", true, []string{RuleHostNetwork, RulePodSecurity}, "said once, by pod-security, when the namespace's level forbids it"},
	{KubeLinter, "host-pid", true, []string{RuleHostPID, RulePodSecurity}, "said once, by pod-security, when the namespace's level forbids it"},
	{KubeLinter, "invalid-target-ports", true, []string{RuleInvalidTargetPorts}, ""},
	{KubeLinter, "job-ttl-seconds-after-finished", true, []string{RuleJobTTL}, "a notice"},
	{KubeLinter, "latest-tag", true, []string{RuleImageTagLatest}, ""},
	{KubeLinter, "liveness-port", true, []string{RuleLivenessPort}, ""},
	{KubeLinter, "mismatching-selector", true, []string{RuleMismatchingSelector}, "an error: the API server rejects it"},
	{KubeLinter, "no-anti-affinity", true, []string{RuleNoAntiAffinity}, "off by default: most replicated workloads of a config repository spread with topologySpreadConstraints or the scheduler's defaults"},
	{KubeLinter, "no-extensions-v1beta", true, []string{RuleRemovedAPI, RuleDeprecatedAPI}, "every removed or deprecated API, judged against kubernetes-version"},
	{KubeLinter, "no-read-only-root-fs", true, []string{RuleReadOnlyRootFS}, ""},
	{KubeLinter, "non-existent-service-account", true, []string{RuleNonExistentServiceAccount}, "only when the unit defines other ServiceAccounts in the namespace: one made by a chart or an operator is not in the repository"},
	{KubeLinter, "pdb-max-unavailable", true, []string{RulePDBMaxUnavailable}, ""},
	{KubeLinter, "pdb-min-available", true, []string{RulePDBMinAvailable}, ""},
	{KubeLinter, "pdb-unhealthy-pod-eviction-policy", true, []string{RulePDBUnhealthyPodEviction}, "a notice"},
	{KubeLinter, "privilege-escalation-container", true, []string{RulePrivilegeEscalation, RulePodSecurity}, "the restricted standard's allowPrivilegeEscalation, when the namespace's level is restricted"},
	{KubeLinter, "privileged-container", true, []string{RulePrivilegedContainer, RulePodSecurity}, "said once, by pod-security, when the namespace's level forbids it"},
	{KubeLinter, "readiness-port", true, []string{RuleReadinessPort}, ""},
	{KubeLinter, "run-as-non-root", true, []string{RuleRunAsNonRoot, RulePodSecurity}, "the restricted standard's runAsNonRoot, when the namespace's level is restricted"},
	{KubeLinter, "sensitive-host-mounts", true, []string{RuleSensitiveHostMounts, RulePodSecurity}, ""},
	{KubeLinter, "ssh-port", true, []string{RuleSSHPort}, ""},
	{KubeLinter, "startup-port", true, []string{RuleStartupPort}, ""},
	{KubeLinter, "unsafe-sysctls", true, []string{RuleUnsafeSysctls, RulePodSecurity}, ""},
	{KubeLinter, "unset-cpu-requirements", true, []string{RuleResourcesMissing}, "one rule for CPU and memory, requests and limits"},
	{KubeLinter, "unset-memory-requirements", true, []string{RuleResourcesMissing}, "one rule for CPU and memory, requests and limits"},
	{KubeLinter, "dangling-horizontalpodautoscaler", false, []string{RuleDanglingHPA}, "on by default here"},
	{KubeLinter, "dangling-ingress", false, []string{RuleDanglingIngress}, "on by default here"},
	{KubeLinter, "dangling-networkpolicy", false, []string{RuleDanglingNetworkPolicy}, "on by default here"},
	{KubeLinter, "default-service-account", false, []string{RuleDefaultServiceAccount}, ""},
	{KubeLinter, "no-liveness-probe", false, []string{RuleNoLivenessProbe}, ""},
	{KubeLinter, "no-readiness-probe", false, []string{RuleNoReadinessProbe}, ""},
	{KubeLinter, "schema-validation", false, []string{RuleSchema, RuleNoSchema}, "on by default here, with the schemas embedded"},
	{KubeLinter, "unsafe-proc-mount", false, []string{RuleUnsafeProcMount, RulePodSecurity}, ""},
	{KubeLinter, "writable-host-mount", false, []string{RuleWritableHostMount}, ""},

	{Polaris, "deploymentMissingReplicas", true, nil, "not covered: the replica count is a choice, often left to a HorizontalPodAutoscaler"},
	{Polaris, "priorityClassNotSet", true, nil, "not covered: priority classes are a policy of each cluster"},
	{Polaris, "tagNotSpecified", true, []string{RuleImageTagLatest}, ""},
	{Polaris, "pullPolicyNotAlways", true, nil, "not covered: with a pinned tag or digest, IfNotPresent is right"},
	{Polaris, "readinessProbeMissing", true, []string{RuleNoReadinessProbe}, "off by default, as in kube-linter"},
	{Polaris, "livenessProbeMissing", true, []string{RuleNoLivenessProbe}, "off by default, as in kube-linter"},
	{Polaris, "metadataAndInstanceMismatched", true, nil, "not covered: a labelling convention"},
	{Polaris, "pdbDisruptionsIsZero", true, []string{RulePDBMaxUnavailable, RulePDBMinAvailable}, ""},
	{Polaris, "missingPodDisruptionBudget", true, nil, "not covered: whether a workload needs one depends on its replicas and the cluster"},
	{Polaris, "topologySpreadConstraint", true, []string{RuleNoAntiAffinity}, "in part: anti-affinity or topology spread, off by default"},
	{Polaris, "hpaMaxAvailability", true, nil, "not covered"},
	{Polaris, "hpaMinAvailability", true, nil, "not covered"},
	{Polaris, "pdbMinAvailableGreaterThanHPAMinReplicas", true, []string{RulePDBMinAvailable}, "the HPA's minReplicas stands for the replicas of a workload with one"},
	{Polaris, "cpuRequestsMissing", true, []string{RuleResourcesMissing}, ""},
	{Polaris, "cpuLimitsMissing", true, []string{RuleResourcesMissing}, ""},
	{Polaris, "memoryRequestsMissing", true, []string{RuleResourcesMissing}, ""},
	{Polaris, "memoryLimitsMissing", true, []string{RuleResourcesMissing}, ""},
	{Polaris, "automountServiceAccountToken", true, nil, "not covered yet"},
	{Polaris, "hostIPCSet", true, []string{RuleHostIPC, RulePodSecurity}, ""},
	{Polaris, "hostPathSet", true, []string{RulePodSecurity, RuleSensitiveHostMounts}, "the baseline standard forbids every hostPath"},
	{Polaris, "hostProcess", true, []string{RulePodSecurity}, ""},
	{Polaris, "hostPIDSet", true, []string{RuleHostPID, RulePodSecurity}, ""},
	{Polaris, "linuxHardening", true, []string{RulePodSecurity}, "the restricted standard's seccomp and capabilities, when the namespace's level is restricted"},
	{Polaris, "missingNetworkPolicy", true, nil, "not covered: network policies are often applied per namespace by the platform"},
	{Polaris, "notReadOnlyRootFilesystem", true, []string{RuleReadOnlyRootFS}, ""},
	{Polaris, "privilegeEscalationAllowed", true, []string{RulePrivilegeEscalation, RulePodSecurity}, ""},
	{Polaris, "procMount", true, []string{RuleUnsafeProcMount, RulePodSecurity}, ""},
	{Polaris, "runAsRootAllowed", true, []string{RuleRunAsNonRoot, RulePodSecurity}, ""},
	{Polaris, "runAsPrivileged", true, []string{RulePrivilegedContainer, RulePodSecurity}, ""},
	{Polaris, "dangerousCapabilities", true, []string{RulePodSecurity, RulePrivilegeEscalation}, "the baseline standard's capabilities"},
	{Polaris, "insecureCapabilities", true, []string{RulePodSecurity, RuleDropNetRaw}, "the restricted standard's drop ALL"},
	{Polaris, "hostNetworkSet", true, []string{RuleHostNetwork, RulePodSecurity}, ""},
	{Polaris, "hostPortSet", true, []string{RulePodSecurity}, "the baseline standard's host ports"},
	{Polaris, "tlsSettingsMissing", true, nil, "not covered: TLS is often terminated by a Gateway or a load balancer"},
	{Polaris, "sensitiveContainerEnvVar", true, []string{RuleEnvVarSecret}, ""},
	{Polaris, "sensitiveConfigmapContent", true, []string{RulePlaintextSecret}, "in part: plaintext Secrets, not guesses at ConfigMap values"},
	{Polaris, "clusterrolePodExecAttach", true, nil, "not covered: RBAC review is not a rule yet"},
	{Polaris, "rolePodExecAttach", true, nil, "not covered: RBAC review is not a rule yet"},
	{Polaris, "clusterrolebindingPodExecAttach", true, nil, "not covered: RBAC review is not a rule yet"},
	{Polaris, "rolebindingClusterRolePodExecAttach", true, nil, "not covered: RBAC review is not a rule yet"},
	{Polaris, "rolebindingRolePodExecAttach", true, nil, "not covered: RBAC review is not a rule yet"},
	{Polaris, "clusterrolebindingClusterAdmin", true, nil, "not covered: RBAC review is not a rule yet"},
	{Polaris, "rolebindingClusterAdminClusterRole", true, nil, "not covered: RBAC review is not a rule yet"},
	{Polaris, "rolebindingClusterAdminRole", true, nil, "not covered: RBAC review is not a rule yet"},
}

// peerRules returns the rules that a check of tool covers; nil for a check
// we do not know.
func peerRules(tool, name string) []string {
	for _, p := range PeerChecks {
		if p.Tool == tool && p.Name == name {
			return p.Rules
		}
	}
	return nil
}

// toolRules returns every rule some check of tool covers: what the
// tool's annotation that turns all its checks off silences.
func toolRules(tool string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range PeerChecks {
		if p.Tool != tool {
			continue
		}
		for _, r := range p.Rules {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}
