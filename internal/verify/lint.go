package verify

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/render"
)

// The checks of one object that kube-linter runs, under its names (see
// catalogue.go). Each reads the object as rendered and returns issues with
// the path of the field at fault; the rules across objects are in
// related.go.

// lintIssues runs the per-object checks on obj, whose pod template, if
// any, is p.
func lintIssues(o *render.Object, p podTemplate, hasPod bool) []issue {
	obj := o.Object
	var out []issue
	if hasPod {
		out = append(out, podLint(p)...)
		out = append(out, selectorIssues(obj, p)...)
		out = append(out, antiAffinityIssues(obj, p)...)
	}
	a, k, _, _ := render.Meta(obj)
	switch groupKind(a, k) {
	case "batch/Job", "batch/CronJob":
		out = append(out, jobTTLIssues(obj, k)...)
	case "policy/PodDisruptionBudget":
		out = append(out, pdbIssues(obj)...)
	case "/Service":
		out = append(out, serviceTargetPortIssues(obj)...)
	case "/Secret":
		out = append(out, plaintextSecretIssues(o)...)
	}
	return out
}

// podLint checks the pod spec and each container but the ephemeral ones,
// which kube-linter leaves out too.
func podLint(p podTemplate) []issue {
	var out []issue
	for _, h := range []struct{ key, rule, what string }{
		{"hostNetwork", RuleHostNetwork, "network"}, {"hostPID", RuleHostPID, "process"}, {"hostIPC", RuleHostIPC, "IPC"},
	} {
		if isTrue(p.spec[h.key]) {
			out = append(out, issue{rule: h.rule, path: p.at(h.key), msg: fmt.Sprintf("the pod shares the node's %s namespace (%s: true)", h.what, h.key)})
		}
	}
	out = append(out, hostMountIssues(p)...)
	out = append(out, sysctlIssues(p)...)
	out = append(out, serviceAccountIssues(p)...)
	for _, c := range p.containers() {
		if c.kind() == "ephemeralContainers" {
			continue
		}
		out = append(out, containerLint(p, c)...)
	}
	return out
}

func containerLint(p podTemplate, c container) []issue {
	var out []issue
	sc := c.securityContext()
	name := c.name()
	if isTrue(sc["privileged"]) {
		out = append(out, issue{rule: RulePrivilegedContainer, path: c.at("securityContext", "privileged"), msg: fmt.Sprintf("container %q runs privileged", name)})
	}
	switch {
	case isTrue(sc["allowPrivilegeEscalation"]):
		out = append(out, issue{rule: RulePrivilegeEscalation, path: c.at("securityContext", "allowPrivilegeEscalation"), msg: fmt.Sprintf("container %q allows privilege escalation (allowPrivilegeEscalation: true)", name)})
	case isTrue(sc["privileged"]):
		out = append(out, issue{rule: RulePrivilegeEscalation, path: c.at("securityContext", "privileged"), msg: fmt.Sprintf("container %q is privileged, so it allows privilege escalation", name)})
	default:
		add, _ := dig(sc, "capabilities", "add").([]any)
		if i := slices.IndexFunc(add, func(a any) bool { return strings.EqualFold(strings.TrimPrefix(scalarString(a), "CAP_"), "SYS_ADMIN") }); i >= 0 {
			out = append(out, issue{rule: RulePrivilegeEscalation, path: c.at("securityContext", "capabilities", "add", strconv.Itoa(i)), msg: fmt.Sprintf("container %q adds SYS_ADMIN, so it allows privilege escalation", name)})
		}
	}
	out = append(out, runAsNonRootIssues(p, c)...)
	if ro, ok := sc["readOnlyRootFilesystem"]; !isTrue(ro) {
		path, atKey := c.anchor()
		if ok && ro != nil {
			path, atKey = c.at("securityContext", "readOnlyRootFilesystem"), false
		}
		out = append(out, issue{rule: RuleReadOnlyRootFS, path: path, atKey: atKey, msg: fmt.Sprintf("container %q does not have a read-only root filesystem", name)})
	}
	if pm := digString(sc, "procMount"); pm == "Unmasked" {
		out = append(out, issue{rule: RuleUnsafeProcMount, path: c.at("securityContext", "procMount"), msg: fmt.Sprintf("container %q unmasks /proc (procMount: Unmasked)", name)})
	}
	if caps := digMap(sc, "capabilities"); caps != nil {
		drop, _ := caps["drop"].([]any)
		if !slices.ContainsFunc(drop, func(d any) bool {
			s := strings.ToUpper(strings.TrimPrefix(scalarString(d), "CAP_"))
			return s == "NET_RAW" || s == "ALL"
		}) {
			at := c.at("securityContext", "capabilities")
			out = append(out, issue{rule: RuleDropNetRaw, path: at, atKey: true, msg: fmt.Sprintf("container %q does not drop NET_RAW (capabilities.drop holds neither NET_RAW nor ALL)", name)})
		}
	}
	out = append(out, portIssues(c)...)
	if c.kind() == "containers" {
		out = append(out, probeIssues(p, c)...)
	}
	out = append(out, envIssues(c)...)
	return out
}

// runAsNonRootIssues is kube-linter's run-as-non-root: the container's
// securityContext over the pod's.
func runAsNonRootIssues(p podTemplate, c container) []issue {
	sc, psc := c.securityContext(), p.podSC()
	eff := func(key string) (any, []string) {
		if v, ok := sc[key]; ok && v != nil {
			return v, c.at("securityContext", key)
		}
		if v, ok := psc[key]; ok && v != nil {
			return v, p.at("securityContext", key)
		}
		return nil, nil
	}
	var out []issue
	name := c.name()
	if g, at := eff("runAsGroup"); g != nil {
		if n, ok := toInt(g); ok && n == 0 {
			out = append(out, issue{rule: RuleRunAsNonRoot, path: at, msg: fmt.Sprintf("container %q runs with group 0 (runAsGroup: 0)", name)})
		}
	}
	u, uAt := eff("runAsUser")
	if n, ok := toInt(u); ok && n > 0 {
		return out
	}
	if nr, _ := eff("runAsNonRoot"); isTrue(nr) {
		if n, ok := toInt(u); ok && n == 0 {
			out = append(out, issue{rule: RuleRunAsNonRoot, path: uAt, msg: fmt.Sprintf("container %q sets runAsNonRoot, but runAsUser 0: it will not start", name)})
		}
		return out
	}
	path, atKey := c.anchor()
	return append(out, issue{rule: RuleRunAsNonRoot, path: path, atKey: atKey, msg: fmt.Sprintf("container %q may run as root: neither it nor its pod sets runAsNonRoot: true or a runAsUser above 0", name)})
}

// sensitiveHostDirs are the node's directories kube-linter's
// sensitive-host-mounts names.
var sensitiveHostDirs = []string{"/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"}

// hostMountIssues reports hostPath volumes of sensitive directories, of
// the Docker socket, and mounted writable.
func hostMountIssues(p podTemplate) []issue {
	var out []issue
	vols, _ := p.spec["volumes"].([]any)
	hostVols := map[string]string{}
	for i, v := range vols {
		hp := digMap(v, "hostPath")
		if hp == nil {
			continue
		}
		raw := digString(hp, "path")
		name := digString(v, "name")
		hostVols[name] = raw
		clean := path.Clean("/" + raw)
		at := p.at("volumes", strconv.Itoa(i), "hostPath", "path")
		switch {
		case strings.HasSuffix(clean, "docker.sock"):
			out = append(out, issue{rule: RuleDockerSock, path: at, msg: fmt.Sprintf("volume %q mounts the Docker socket %s of the node", name, raw)})
		case slices.Contains(sensitiveHostDirs, clean):
			out = append(out, issue{rule: RuleSensitiveHostMounts, path: at, msg: fmt.Sprintf("volume %q mounts the node's %s", name, raw)})
		}
	}
	if len(hostVols) == 0 {
		return out
	}
	for _, c := range p.containers() {
		mounts, _ := c.m["volumeMounts"].([]any)
		for i, m := range mounts {
			vol := digString(m, "name")
			if hp, ok := hostVols[vol]; ok && !isTrue(dig(m, "readOnly")) {
				out = append(out, issue{rule: RuleWritableHostMount, path: c.at("volumeMounts", strconv.Itoa(i)), msg: fmt.Sprintf("container %q mounts the node's %s (volume %q) writable", c.name(), hp, vol)})
			}
		}
	}
	return out
}

// unsafeSysctlPrefixes are the sysctls kube-linter's unsafe-sysctls names;
// those of the Pod Security Standards' safe set are not reported.
var unsafeSysctlPrefixes = []string{"kernel.msg", "kernel.sem", "kernel.shm", "fs.mqueue.", "net."}

func sysctlIssues(p podTemplate) []issue {
	var out []issue
	list, _ := p.podSC()["sysctls"].([]any)
	for i, s := range list {
		name := digString(s, "name")
		if safeSysctl(name, 37) {
			continue
		}
		if slices.ContainsFunc(unsafeSysctlPrefixes, func(pre string) bool { return strings.HasPrefix(name, pre) }) {
			out = append(out, issue{rule: RuleUnsafeSysctls, path: p.at("securityContext", "sysctls", strconv.Itoa(i), "name"), msg: fmt.Sprintf("the pod sets the unsafe sysctl %q", name)})
		}
	}
	return out
}

func serviceAccountIssues(p podTemplate) []issue {
	var out []issue
	sa, hasName := p.spec["serviceAccountName"].(string)
	old, hasOld := p.spec["serviceAccount"].(string)
	if hasOld && old != "" {
		out = append(out, issue{rule: RuleDeprecatedServiceAccount, path: p.at("serviceAccount"), atKey: true, msg: fmt.Sprintf("serviceAccount is deprecated; use serviceAccountName: %s", old)})
	}
	if sa == "" {
		sa = old
	}
	if sa == "" || sa == "default" {
		at, atKey := p.at("serviceAccountName"), false
		if !hasName {
			at, atKey = p.path, true
		}
		if isFalse(p.spec["automountServiceAccountToken"]) {
			return out // no token: the account grants nothing
		}
		out = append(out, issue{rule: RuleDefaultServiceAccount, path: at, atKey: atKey, msg: "the pod runs as its namespace's default service account"})
	}
	return out
}

// portNameRE is an IANA service name as Kubernetes checks a port name
// (validation.IsValidPortName): lower-case letters, digits and single
// dashes inside, 15 characters at most, at least one letter.
var portNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// portNameProblem says what is wrong with a port name; "" when nothing.
func portNameProblem(name string) string {
	switch {
	case len(name) > 15:
		return "is longer than 15 characters"
	case !portNameRE.MatchString(name):
		return "may hold only lower-case letters, digits and '-', and must start and end with a letter or digit"
	case strings.Contains(name, "--"):
		return "must not hold two dashes in a row"
	case !strings.ContainsAny(name, "abcdefghijklmnopqrstuvwxyz"):
		return "must hold at least one letter"
	}
	return ""
}

func portIssues(c container) []issue {
	var out []issue
	ports, _ := c.m["ports"].([]any)
	for i, p := range ports {
		if name := digString(p, "name"); name != "" {
			if why := portNameProblem(name); why != "" {
				out = append(out, issue{rule: RuleInvalidTargetPorts, path: c.at("ports", strconv.Itoa(i), "name"), msg: fmt.Sprintf("port name %q of container %q %s", name, c.name(), why)})
			}
		}
		proto := digString(p, "protocol")
		if n, ok := toInt(dig(p, "containerPort")); ok && n == 22 && (proto == "" || proto == "TCP") {
			out = append(out, issue{rule: RuleSSHPort, path: c.at("ports", strconv.Itoa(i), "containerPort"), msg: fmt.Sprintf("container %q exposes port 22 (SSH)", c.name())})
		}
	}
	return out
}

func serviceTargetPortIssues(obj map[string]any) []issue {
	var out []issue
	ports, _ := dig(obj, "spec", "ports").([]any)
	_, _, _, svc := render.Meta(obj)
	for i, p := range ports {
		tp := dig(p, "targetPort")
		at := []string{"spec", "ports", strconv.Itoa(i), "targetPort"}
		switch x := tp.(type) {
		case string:
			if why := portNameProblem(x); why != "" {
				if n, err := strconv.Atoi(x); err == nil && n > 0 && n < 65536 {
					continue // a number written as a string
				}
				out = append(out, issue{rule: RuleInvalidTargetPorts, path: at, msg: fmt.Sprintf("targetPort %q of Service %q %s", x, svc, why)})
			}
		default:
			if n, ok := toInt(tp); ok && (n < 0 || n > 65535) {
				out = append(out, issue{rule: RuleInvalidTargetPorts, path: at, msg: fmt.Sprintf("targetPort %d of Service %q is not a port number (1 to 65535)", n, svc)})
			}
		}
	}
	return out
}

// probeIssues checks that each probe's port is one the container exposes,
// and that long-running containers have liveness and readiness probes.
func probeIssues(p podTemplate, c container) []issue {
	var out []issue
	numbers, names := map[int64]bool{}, map[string]bool{}
	ports, _ := c.m["ports"].([]any)
	for _, port := range ports {
		if proto := digString(port, "protocol"); proto != "" && proto != "TCP" {
			continue
		}
		if n, ok := toInt(dig(port, "containerPort")); ok {
			numbers[n] = true
		}
		if name := digString(port, "name"); name != "" {
			names[name] = true
		}
	}
	for _, pr := range []struct{ key, rule string }{{"livenessProbe", RuleLivenessPort}, {"readinessProbe", RuleReadinessPort}, {"startupProbe", RuleStartupPort}} {
		probe := digMap(c.m, pr.key)
		for _, action := range []string{"httpGet", "tcpSocket", "grpc"} {
			v := dig(probe, action, "port")
			if v == nil {
				continue
			}
			at := c.at(pr.key, action, "port")
			switch x := v.(type) {
			case string:
				if n, err := strconv.Atoi(x); err == nil {
					if len(numbers) > 0 && !numbers[int64(n)] {
						out = append(out, issue{rule: pr.rule, path: at, msg: fmt.Sprintf("the %s of container %q checks port %d, which it does not expose", pr.key, c.name(), n)})
					}
				} else if !names[x] {
					out = append(out, issue{rule: pr.rule, path: at, msg: fmt.Sprintf("the %s of container %q checks the port named %q, which it does not have: the probe fails", pr.key, c.name(), x)})
				}
			default:
				if n, ok := toInt(v); ok && len(numbers) > 0 && !numbers[n] {
					out = append(out, issue{rule: pr.rule, path: at, msg: fmt.Sprintf("the %s of container %q checks port %d, which it does not expose", pr.key, c.name(), n)})
				}
			}
		}
	}
	if p.serving {
		for _, pr := range []struct{ key, rule string }{{"livenessProbe", RuleNoLivenessProbe}, {"readinessProbe", RuleNoReadinessProbe}} {
			if c.m[pr.key] == nil {
				path, atKey := c.at("name"), false
				out = append(out, issue{rule: pr.rule, path: path, atKey: atKey, msg: fmt.Sprintf("container %q has no %s", c.name(), pr.key)})
			}
		}
	}
	return out
}

// secretNameRE is kube-linter's env-var-secret pattern for a variable's
// name.
var secretNameRE = regexp.MustCompile(`(?i)secret`)

func envIssues(c container) []issue {
	var out []issue
	env, _ := c.m["env"].([]any)
	seen := map[string]bool{}
	for i, e := range env {
		name := digString(e, "name")
		if seen[name] && name != "" {
			out = append(out, issue{rule: RuleDuplicateEnvVar, path: c.at("env", strconv.Itoa(i), "name"), msg: fmt.Sprintf("container %q sets %s twice; only the last value counts", c.name(), name)})
		}
		seen[name] = true
		if v, ok := dig(e, "value").(string); ok && v != "" && secretNameRE.MatchString(name) && !placeholder(v) {
			out = append(out, issue{rule: RuleEnvVarSecret, path: c.at("env", strconv.Itoa(i), "value"), msg: fmt.Sprintf("container %q writes the value of %s in the manifest (the value is not shown)", c.name(), name)})
		}
	}
	return out
}

// placeholder reports whether a value is a reference a tool replaces
// before it is applied, not a value: ${VAR} (Flux, envsubst), <path:...>
// (argocd-vault-plugin), a SOPS ciphertext.
func placeholder(v string) bool {
	return strings.HasPrefix(v, "ENC[") || (strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">")) ||
		(strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}")) || strings.HasPrefix(v, "$(")
}

// selectedKinds are the workloads whose selector the API server requires
// to select their own template.
var selectedKinds = map[string]bool{"apps/Deployment": true, "apps/StatefulSet": true, "apps/DaemonSet": true, "apps/ReplicaSet": true, "argoproj.io/Rollout": true}

func selectorIssues(obj map[string]any, p podTemplate) []issue {
	a, k, _, _ := render.Meta(obj)
	if !selectedKinds[groupKind(a, k)] {
		return nil
	}
	sel, ok := dig(obj, "spec", "selector").(map[string]any)
	if !ok {
		return nil // the schema says spec.selector is required
	}
	if len(digMap(sel, "matchLabels")) == 0 && dig(sel, "matchExpressions") == nil {
		return []issue{{rule: RuleMismatchingSelector, path: []string{"spec", "selector"}, atKey: true, msg: fmt.Sprintf("the selector of the %s is empty: the API server requires one that selects its pod template", k)}}
	}
	labels := stringMap(digMap(p.meta, "labels"))
	if !selectorMatches(sel, labels) {
		return []issue{{rule: RuleMismatchingSelector, path: []string{"spec", "selector"}, atKey: true, msg: fmt.Sprintf("the selector does not match the pod template's labels (%s): the API server rejects the %s", labelList(labels), k)}}
	}
	return nil
}

func antiAffinityIssues(obj map[string]any, p podTemplate) []issue {
	a, k, _, _ := render.Meta(obj)
	if !selectedKinds[groupKind(a, k)] || k == "DaemonSet" {
		return nil
	}
	n, ok := toInt(dig(obj, "spec", "replicas"))
	if !ok || n < 2 {
		return nil
	}
	anti := digMap(p.spec, "affinity", "podAntiAffinity")
	if len(anti) > 0 || dig(p.spec, "topologySpreadConstraints") != nil {
		return nil
	}
	return []issue{{rule: RuleNoAntiAffinity, path: []string{"spec", "replicas"}, msg: fmt.Sprintf("%d replicas, and no pod anti-affinity or topology spread: they may all land on one node", n)}}
}

// hookDeleted reports whether a Job is a hook that Argo CD or Helm
// deletes itself.
func hookDeleted(obj map[string]any) bool {
	return annotation(obj, "argocd.argoproj.io/hook-delete-policy") != "" || annotation(obj, "helm.sh/hook-delete-policy") != ""
}

func jobTTLIssues(obj map[string]any, kind string) []issue {
	if kind == "Job" {
		if dig(obj, "spec", "ttlSecondsAfterFinished") == nil && !hookDeleted(obj) {
			return []issue{{rule: RuleJobTTL, path: []string{"spec"}, atKey: true, msg: "the Job sets no ttlSecondsAfterFinished: it and its pods stay after it finishes"}}
		}
		return nil
	}
	if dig(obj, "spec", "jobTemplate", "spec", "ttlSecondsAfterFinished") != nil {
		return []issue{{rule: RuleJobTTL, path: []string{"spec", "jobTemplate", "spec", "ttlSecondsAfterFinished"}, msg: "the CronJob's job template sets ttlSecondsAfterFinished, which fights successfulJobsHistoryLimit and failedJobsHistoryLimit"}}
	}
	return nil
}

func pdbIssues(obj map[string]any) []issue {
	var out []issue
	switch v := dig(obj, "spec", "maxUnavailable").(type) {
	case nil:
	case string:
		if strings.TrimSpace(strings.TrimSuffix(v, "%")) == "0" {
			out = append(out, issue{rule: RulePDBMaxUnavailable, path: []string{"spec", "maxUnavailable"}, msg: "maxUnavailable is 0%: no pod may ever be evicted"})
		}
	default:
		if n, ok := toInt(v); ok && n == 0 {
			out = append(out, issue{rule: RulePDBMaxUnavailable, path: []string{"spec", "maxUnavailable"}, msg: "maxUnavailable is 0: no pod may ever be evicted"})
		}
	}
	if v, ok := dig(obj, "spec", "minAvailable").(string); ok && strings.TrimSpace(v) == "100%" {
		out = append(out, issue{rule: RulePDBMinAvailable, path: []string{"spec", "minAvailable"}, msg: "minAvailable is 100%: no pod may ever be evicted"})
	}
	if dig(obj, "spec", "unhealthyPodEvictionPolicy") == nil {
		out = append(out, issue{rule: RulePDBUnhealthyPodEviction, path: []string{"spec"}, atKey: true, msg: "unhealthyPodEvictionPolicy is not set: a pod that never becomes ready can block a node drain"})
	}
	return out
}

// plaintextSecretIssues reports a Secret whose values are in the clear:
// not SOPS ciphertext, not placeholders a tool fills in, not put there by
// Flux's substitution. Of a Secret a Helm chart renders, only the values
// the repository's values wrote count: what the chart draws itself
// (randAlphaNum, genPrivateKey) or writes is not in this repository.
func plaintextSecretIssues(o *render.Object) []issue {
	obj, flux := o.Object, o.Flux
	if _, ok := obj["sops"]; ok {
		return nil
	}
	var clear []string
	var first []string
	for _, field := range []string{"data", "stringData"} {
		m, _ := obj[field].(map[string]any)
		for _, key := range sortedKeys(m) {
			v, _ := m[key].(string)
			p := []string{field, key}
			if v == "" || placeholder(v) || (flux != nil && (flux.SkippedAt(p) >= 0 || substituted(flux, p))) {
				continue
			}
			if field == "data" && placeholder(decodedBase64(v)) {
				continue
			}
			if o.Origin.Helm != nil && !fromValues(&o.Origin, p) {
				continue
			}
			clear = append(clear, field+"."+key)
			if first == nil {
				first = p
			}
		}
	}
	if len(clear) == 0 {
		return nil
	}
	return []issue{{rule: RulePlaintextSecret, path: first, atKey: true, msg: fmt.Sprintf("the Secret holds %d value(s) in plaintext in Git (%s; values not shown): encrypt it with SOPS or Sealed Secrets, or fetch it with External Secrets", len(clear), strings.Join(clear, ", "))}}
}

// fromValues reports whether a value of an object a chart rendered was
// written by the repository's values (a values file, a release's
// values): its position is then a values line, not the chart reference
// every other value of the object falls back to.
func fromValues(o *render.Origin, p []string) bool {
	f, l, c := o.Position(p, render.PinValue)
	rf, rl, rc := o.Position(p, render.PinOwner)
	return f != rf || l != rl || c != rc
}

// substituted reports whether Flux's substitution put the value at p.
func substituted(flux *render.Substitution, p []string) bool {
	_, ok := flux.Variables(p)
	return ok
}
