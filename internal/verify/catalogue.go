package verify

import "github.com/gitops-actions/gitops-actions/internal/finding"

// The rules about what a workload runs as, what it reaches, and how its
// objects refer to one another: the Pod Security Standards, the checks
// kube-linter runs by default (under kube-linter's names, so that a user
// finds them), and plaintext Secrets.
const (
	RulePodSecurity               = "pod-security"
	RulePrivilegedContainer       = "privileged-container"
	RulePrivilegeEscalation       = "privilege-escalation-container"
	RuleRunAsNonRoot              = "run-as-non-root"
	RuleReadOnlyRootFS            = "no-read-only-root-fs"
	RuleHostNetwork               = "host-network"
	RuleHostPID                   = "host-pid"
	RuleHostIPC                   = "host-ipc"
	RuleSensitiveHostMounts       = "sensitive-host-mounts"
	RuleDockerSock                = "docker-sock"
	RuleWritableHostMount         = "writable-host-mount"
	RuleUnsafeProcMount           = "unsafe-proc-mount"
	RuleUnsafeSysctls             = "unsafe-sysctls"
	RuleDropNetRaw                = "drop-net-raw-capability"
	RuleSSHPort                   = "ssh-port"
	RuleInvalidTargetPorts        = "invalid-target-ports"
	RuleLivenessPort              = "liveness-port"
	RuleReadinessPort             = "readiness-port"
	RuleStartupPort               = "startup-port"
	RuleNoLivenessProbe           = "no-liveness-probe"
	RuleNoReadinessProbe          = "no-readiness-probe"
	RuleDuplicateEnvVar           = "duplicate-env-var"
	RuleEnvVarSecret              = "env-var-secret"
	RuleMismatchingSelector       = "mismatching-selector"
	RuleDeprecatedServiceAccount  = "deprecated-service-account-field"
	RuleDefaultServiceAccount     = "default-service-account"
	RuleNonExistentServiceAccount = "non-existent-service-account"
	RuleNoAntiAffinity            = "no-anti-affinity"
	RuleJobTTL                    = "job-ttl-seconds-after-finished"
	RulePDBMaxUnavailable         = "pdb-max-unavailable"
	RulePDBMinAvailable           = "pdb-min-available"
	RulePDBUnhealthyPodEviction   = "pdb-unhealthy-pod-eviction-policy"
	RuleDanglingService           = "dangling-service"
	RuleDanglingIngress           = "dangling-ingress"
	RuleDanglingHTTPRoute         = "dangling-httproute"
	RuleDanglingNetworkPolicy     = "dangling-networkpolicy"
	RuleDanglingHPA               = "dangling-horizontalpodautoscaler"
	RulePlaintextSecret           = "plaintext-secret"
)

// checkRules are the entries of the catalogue for the rules above.
var checkRules = []finding.Rule{
	{ID: RulePodSecurity, Severity: finding.Warning, Default: true,
		Description: "A pod, or the pod template of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, and custom resources known to hold one, such as an Argo Rollout), breaks the Pod Security Standard its namespace applies: baseline (host namespaces, privileged, capabilities, hostPath, host ports, AppArmor, SELinux, /proc mount, seccomp, sysctls, Windows host process, probe hosts) or restricted (volume types, privilege escalation, non-root, runAsUser 0, seccomp, capabilities drop ALL). The level is read from the namespace's pod-security.kubernetes.io/enforce, warn and audit labels (a Namespace in the repository or the rendered output): enforce is an error, the API server will reject the pod; warn and audit are warnings. Namespaces the repository does not label are judged at the pod-security input's level (baseline by default), as warnings.",
		Fix:         "Change the field the finding names as the standard allows (the message says the allowed values), or label the namespace with the level its workloads need, e.g. pod-security.kubernetes.io/enforce: privileged for a CNI or storage driver's namespace."},
	{ID: RulePrivilegedContainer, Severity: finding.Warning, Default: true,
		Description: "A container runs privileged (securityContext.privileged: true): it has every capability and the host's devices, and escapes the container at will.",
		Fix:         "Remove privileged: true; add only the capabilities the process needs."},
	{ID: RulePrivilegeEscalation, Severity: finding.Warning, Default: true,
		Description: "A container allows privilege escalation: allowPrivilegeEscalation: true, privileged: true, or the SYS_ADMIN capability added, so a set-user-ID binary can gain more privileges than its parent.",
		Fix:         "Set securityContext.allowPrivilegeEscalation: false, and remove privileged: true and SYS_ADMIN."},
	{ID: RuleRunAsNonRoot, Severity: finding.Warning, Default: true,
		Description: "A container may run as root: neither it nor its pod sets runAsNonRoot: true or a runAsUser above 0, or it sets runAsGroup 0.",
		Fix:         "Set securityContext.runAsNonRoot: true and a runAsUser and runAsGroup above 0, on the pod or the container."},
	{ID: RuleReadOnlyRootFS, Severity: finding.Warning, Default: true,
		Description: "A container's root filesystem is writable (securityContext.readOnlyRootFilesystem is not true), so an intruder can change its binaries.",
		Fix:         "Set securityContext.readOnlyRootFilesystem: true, and mount an emptyDir where the process writes."},
	{ID: RuleHostNetwork, Severity: finding.Warning, Default: true,
		Description: "A pod shares the host's network namespace (hostNetwork: true): it sees every interface of the node and can bind its ports.",
		Fix:         "Remove hostNetwork: true; expose ports through a Service."},
	{ID: RuleHostPID, Severity: finding.Warning, Default: true,
		Description: "A pod shares the host's process namespace (hostPID: true): it sees and can signal every process of the node.",
		Fix:         "Remove hostPID: true."},
	{ID: RuleHostIPC, Severity: finding.Warning, Default: true,
		Description: "A pod shares the host's IPC namespace (hostIPC: true): it can read the shared memory of every process of the node.",
		Fix:         "Remove hostIPC: true."},
	{ID: RuleSensitiveHostMounts, Severity: finding.Warning, Default: true,
		Description: "A hostPath volume mounts a sensitive directory of the node (/, /boot, /dev, /etc, /lib, /proc, /sys, /usr) into a container.",
		Fix:         "Remove the hostPath volume and its volumeMounts; use a ConfigMap, Secret or persistent volume for data."},
	{ID: RuleDockerSock, Severity: finding.Warning, Default: true,
		Description: "A hostPath volume mounts the Docker socket (docker.sock): a process in the container can start privileged containers on the node.",
		Fix:         "Remove the docker.sock hostPath volume and its volumeMounts; build images with a rootless builder instead."},
	{ID: RuleWritableHostMount, Severity: finding.Warning, Default: false,
		Description: "A container mounts a hostPath volume writable (its volumeMount does not set readOnly: true).",
		Fix:         "Set readOnly: true on the volumeMount of the hostPath volume."},
	{ID: RuleUnsafeProcMount, Severity: finding.Warning, Default: false,
		Description: "A container sets securityContext.procMount: Unmasked, which bypasses the masking of /proc by the container runtime.",
		Fix:         "Remove procMount, or set it to Default."},
	{ID: RuleUnsafeSysctls, Severity: finding.Warning, Default: true,
		Description: "A pod sets an unsafe sysctl (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*), which the kubelet refuses unless allowed, and which may affect the whole node.",
		Fix:         "Remove the sysctl from securityContext.sysctls, or use one of the safe set (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, ...)."},
	{ID: RuleDropNetRaw, Severity: finding.Warning, Default: true,
		Description: "A container sets capabilities but does not drop NET_RAW, which lets it craft raw packets and spoof traffic on the node's network.",
		Fix:         "Add NET_RAW (or ALL) to securityContext.capabilities.drop."},
	{ID: RuleSSHPort, Severity: finding.Warning, Default: true,
		Description: "A container exposes port 22 (TCP), the SSH port: an SSH server in a container is a way in that bypasses the cluster's access control.",
		Fix:         "Remove the SSH server and port 22; use kubectl exec or debug for access."},
	{ID: RuleInvalidTargetPorts, Severity: finding.Error, Default: true,
		Description: "A container port name or a Service targetPort is not a valid port: a name must be an IANA service name (at most 15 lower-case letters, digits and dashes, with a letter), a number 1 to 65535. The API server rejects an invalid container port name; a Service whose targetPort names no port sends no traffic.",
		Fix:         "Rename the port (for example http-metrics), or use its number."},
	{ID: RuleLivenessPort, Severity: finding.Warning, Default: true,
		Description: "A container's liveness probe checks a port the container does not expose (no entry of its ports has that number or name): a named port that does not exist fails the probe, and the kubelet restarts the container forever.",
		Fix:         "Point the probe at one of the container's ports, or declare the port."},
	{ID: RuleReadinessPort, Severity: finding.Warning, Default: true,
		Description: "A container's readiness probe checks a port the container does not expose: a named port that does not exist keeps the pod out of its Services.",
		Fix:         "Point the probe at one of the container's ports, or declare the port."},
	{ID: RuleStartupPort, Severity: finding.Warning, Default: true,
		Description: "A container's startup probe checks a port the container does not expose: a named port that does not exist fails the probe, and the container never starts.",
		Fix:         "Point the probe at one of the container's ports, or declare the port."},
	{ID: RuleNoLivenessProbe, Severity: finding.Warning, Default: false,
		Description: "A container of a long-running workload has no liveness probe, so a hung process is never restarted.",
		Fix:         "Add a livenessProbe to the container."},
	{ID: RuleNoReadinessProbe, Severity: finding.Warning, Default: false,
		Description: "A container of a long-running workload has no readiness probe, so it receives traffic before it is ready.",
		Fix:         "Add a readinessProbe to the container."},
	{ID: RuleDuplicateEnvVar, Severity: finding.Warning, Default: true,
		Description: "A container sets the same environment variable twice: only the last value counts, and the first is a trap for whoever edits it.",
		Fix:         "Remove all but one entry of the variable."},
	{ID: RuleEnvVarSecret, Severity: finding.Warning, Default: true,
		Description: "An environment variable whose name says it holds a secret (it contains \"secret\") has its value written in the manifest, in Git, for anyone who can read the repository.",
		Fix:         "Read the value from a Secret with valueFrom.secretKeyRef, and keep the Secret encrypted (SOPS, Sealed Secrets) or in an external store."},
	{ID: RuleMismatchingSelector, Severity: finding.Error, Default: true,
		Description: "A workload's selector does not match the labels of its own pod template: the API server rejects a Deployment, StatefulSet, DaemonSet or ReplicaSet whose selector does not select its template, and a workload without a selector.",
		Fix:         "Make spec.selector.matchLabels a subset of spec.template.metadata.labels."},
	{ID: RuleDeprecatedServiceAccount, Severity: finding.Warning, Default: true,
		Description: "A pod template uses the deprecated serviceAccount field.",
		Fix:         "Use serviceAccountName instead (the same value)."},
	{ID: RuleDefaultServiceAccount, Severity: finding.Warning, Default: false,
		Description: "A pod runs as its namespace's default service account, whose permissions every pod without one shares.",
		Fix:         "Create a ServiceAccount for the workload and set serviceAccountName."},
	{ID: RuleNonExistentServiceAccount, Severity: finding.Warning, Default: true,
		Description: "A pod names a service account that the same rendered unit does not define, although the unit defines others in that namespace: a typo, or a ServiceAccount left out; the pod is not created until it exists.",
		Fix:         "Correct serviceAccountName, or add the ServiceAccount."},
	{ID: RuleNoAntiAffinity, Severity: finding.Warning, Default: false,
		Description: "A workload of two replicas or more sets no pod anti-affinity, so the scheduler may place every replica on one node.",
		Fix:         "Add spec.affinity.podAntiAffinity with a labelSelector matching the pods and topologyKey kubernetes.io/hostname, or a topologySpreadConstraint."},
	{ID: RuleJobTTL, Severity: finding.Notice, Default: true,
		Description: "A Job outside a CronJob sets no ttlSecondsAfterFinished, so it and its pods stay after it finishes; or a CronJob's job template sets one, which fights the CronJob's history limits.",
		Fix:         "Set spec.ttlSecondsAfterFinished on a standalone Job; remove it from a CronJob's jobTemplate."},
	{ID: RulePDBMaxUnavailable, Severity: finding.Warning, Default: true,
		Description: "A PodDisruptionBudget sets maxUnavailable to 0 (or 0%): no pod may ever be evicted, so node drains and cluster upgrades block.",
		Fix:         "Set maxUnavailable to 1 or more."},
	{ID: RulePDBMinAvailable, Severity: finding.Warning, Default: true,
		Description: "A PodDisruptionBudget's minAvailable is 100%, or at least the replicas of a workload it selects in the same rendered unit: no pod may ever be evicted, so node drains block.",
		Fix:         "Lower minAvailable below the replicas, or raise the replicas."},
	{ID: RulePDBUnhealthyPodEviction, Severity: finding.Notice, Default: true,
		Description: "A PodDisruptionBudget does not set unhealthyPodEvictionPolicy, so a pod that never becomes ready can block a node drain.",
		Fix:         "Set spec.unhealthyPodEvictionPolicy: AlwaysAllow."},
	{ID: RuleDanglingService, Severity: finding.Warning, Default: true,
		Description: "A Service's selector matches no pod template of its namespace in the same rendered unit (a kustomize build, or a directory of plain manifests), although the unit defines workloads there: the Service has no endpoints. Units holding a HelmRelease, an Argo CD Application or a custom resource, which may make the pods, are not judged.",
		Fix:         "Make the selector match the labels of the workload's pod template."},
	{ID: RuleDanglingIngress, Severity: finding.Warning, Default: true,
		Description: "An Ingress backend names a Service, or a port of it, that the same rendered unit does not define, although the unit defines Services in that namespace.",
		Fix:         "Correct the backend's service name or port, or add the Service."},
	{ID: RuleDanglingHTTPRoute, Severity: finding.Warning, Default: true,
		Description: "A Gateway API HTTPRoute backendRef names a Service, or a port of it, that the same rendered unit does not define, although the unit defines Services in that namespace.",
		Fix:         "Correct the backendRef's name or port, or add the Service."},
	{ID: RuleDanglingNetworkPolicy, Severity: finding.Warning, Default: true,
		Description: "A NetworkPolicy's podSelector matches no pod template of its namespace in the same rendered unit, although the unit defines workloads there: it protects nothing.",
		Fix:         "Make the podSelector match the labels of the workload's pod template."},
	{ID: RuleDanglingHPA, Severity: finding.Warning, Default: true,
		Description: "A HorizontalPodAutoscaler's scaleTargetRef names a workload that the same rendered unit does not define, although the unit defines workloads in that namespace: it scales nothing.",
		Fix:         "Correct scaleTargetRef's kind and name."},
	{ID: RulePlaintextSecret, Severity: finding.Warning, Default: true,
		Description: "A Secret with data or stringData is in Git unencrypted: not encrypted by SOPS (no sops: block), not a SealedSecret, and not made by a generator from an external store; of a Secret a Helm chart renders, the values the repository's values set, not one the chart draws itself (randAlphaNum). Anyone who can read the repository, its forks and its history can read the value.",
		Fix:         "Encrypt it with SOPS (Flux decrypts it), turn it into a SealedSecret, or fetch it from a secret store with an ExternalSecret; then rotate the value, which Git's history keeps."},
}
