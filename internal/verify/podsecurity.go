package verify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The Pod Security Standards, field for field as the API server's Pod
// Security admission checks them (k8s.io/pod-security-admission/policy,
// v0.37): each check of the admission plugin is a function here, under the
// admission plugin's check id, and reports every field that breaks it
// with its path, so that a finding points at the line to change.
// TestPodSecurityFixtures runs them on the plugin's own fixtures and
// compares each verdict with the plugin's.

// Pod Security levels.
const (
	levelPrivileged = "privileged"
	levelBaseline   = "baseline"
	levelRestricted = "restricted"
)

// levelRank orders the levels; an unknown level ranks as privileged.
func levelRank(l string) int {
	switch l {
	case levelBaseline:
		return 1
	case levelRestricted:
		return 2
	}
	return 0
}

// pssViolation is one field of a pod that breaks a check.
type pssViolation struct {
	check string // the admission plugin's check id
	path  []string
	atKey bool
	msg   string
	// peer is the rule of ours that reports the same field, if any: a
	// suppression of it silences this too, and this finding shadows it.
	peer string
}

// pssCheck is one check of the standard at one level, from a policy
// version on, replacing the baseline checks it overrides.
type pssCheck struct {
	id        string
	level     string
	since     int // minor version of Kubernetes 1.x the check applies from
	overrides []string
	run       func(p podTemplate, minor int) []pssViolation
}

// pssChecks are the checks, in the plugin's order of ids.
var pssChecks = []pssCheck{
	{id: "allowPrivilegeEscalation", level: levelRestricted, since: 8, run: pssAllowPrivilegeEscalation},
	{id: "appArmorProfile", level: levelBaseline, run: pssAppArmor},
	{id: "capabilities_baseline", level: levelBaseline, run: pssCapabilitiesBaseline},
	{id: "capabilities_restricted", level: levelRestricted, since: 22, overrides: []string{"capabilities_baseline"}, run: pssCapabilitiesRestricted},
	{id: "hostNamespaces", level: levelBaseline, run: pssHostNamespaces},
	{id: "hostPathVolumes", level: levelBaseline, run: pssHostPathVolumes},
	{id: "hostPorts", level: levelBaseline, run: pssHostPorts},
	{id: "hostProbesAndHostLifecycle", level: levelBaseline, since: 34, run: pssHostProbes},
	{id: "privileged", level: levelBaseline, run: pssPrivileged},
	{id: "procMount", level: levelBaseline, run: pssProcMountBaseline},
	{id: "procMount_restricted", level: levelRestricted, since: 35, overrides: []string{"procMount"}, run: pssProcMountRestricted},
	{id: "restrictedVolumes", level: levelRestricted, overrides: []string{"hostPathVolumes"}, run: pssRestrictedVolumes},
	{id: "runAsNonRoot", level: levelRestricted, run: pssRunAsNonRoot},
	{id: "runAsUser", level: levelRestricted, since: 23, run: pssRunAsUser},
	{id: "seLinuxOptions", level: levelBaseline, run: pssSELinux},
	{id: "seccompProfile_baseline", level: levelBaseline, since: 19, run: pssSeccompBaseline},
	{id: "seccompProfile_restricted", level: levelRestricted, since: 19, overrides: []string{"seccompProfile_baseline"}, run: pssSeccompRestricted},
	{id: "sysctls", level: levelBaseline, run: pssSysctls},
	{id: "windowsHostProcess", level: levelBaseline, run: pssWindowsHostProcess},
}

// podSecurity returns what a pod breaks at a level of the standard, as
// the policy of Kubernetes 1.minor defines it.
func podSecurity(p podTemplate, level string, minor int) []pssViolation {
	if levelRank(level) == 0 {
		return nil
	}
	var active []pssCheck
	overridden := map[string]bool{}
	for _, c := range pssChecks {
		if levelRank(c.level) > levelRank(level) || c.since > minor {
			continue
		}
		active = append(active, c)
		for _, o := range c.overrides {
			overridden[o] = true
		}
	}
	var out []pssViolation
	for _, c := range active {
		if overridden[c.id] {
			continue
		}
		for _, v := range c.run(p, minor) {
			v.check = c.id
			out = append(out, v)
		}
	}
	return out
}

// windows reports whether the pod says it runs on Windows (spec.os.name).
func (p podTemplate) windows() bool { return digString(p.spec, "os", "name") == "windows" }

// userNamespace reports whether the pod runs in a user namespace
// (hostUsers: false), where the restricted standard relaxes what root
// means from Kubernetes 1.35.
func (p podTemplate) userNamespace(minor int) bool {
	return minor >= 35 && isFalse(p.spec["hostUsers"])
}

// podSC is the pod's securityContext.
func (p podTemplate) podSC() map[string]any { return digMap(p.spec, "securityContext") }

func pssHostNamespaces(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	for _, h := range []struct{ key, peer, what string }{
		{"hostNetwork", RuleHostNetwork, "network"}, {"hostPID", RuleHostPID, "process"}, {"hostIPC", RuleHostIPC, "IPC"},
	} {
		if isTrue(p.spec[h.key]) {
			out = append(out, pssViolation{path: p.at(h.key), peer: h.peer, msg: fmt.Sprintf("%s: true shares the node's %s namespace", h.key, h.what)})
		}
	}
	return out
}

func pssPrivileged(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	for _, c := range p.containers() {
		if isTrue(c.securityContext()["privileged"]) {
			out = append(out, pssViolation{path: c.at("securityContext", "privileged"), peer: RulePrivilegedContainer,
				msg: fmt.Sprintf("container %q must not set securityContext.privileged: true", c.name())})
		}
	}
	return out
}

// baselineCapabilities are the capabilities the baseline standard lets a
// container add: the container runtime's default set.
var baselineCapabilities = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}

func pssCapabilitiesBaseline(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	for _, c := range p.containers() {
		add, _ := dig(c.securityContext(), "capabilities", "add").([]any)
		for i, a := range add {
			s := scalarString(a)
			if !slices.Contains(baselineCapabilities, s) {
				out = append(out, pssViolation{path: c.at("securityContext", "capabilities", "add", strconv.Itoa(i)),
					msg: fmt.Sprintf("container %q must not add capability %q (the baseline standard allows only the runtime's defaults: %s)", c.name(), s, strings.Join(baselineCapabilities, ", "))})
			}
		}
	}
	return out
}

func pssCapabilitiesRestricted(p podTemplate, _ int) []pssViolation {
	if p.windows() {
		return nil
	}
	var out []pssViolation
	for _, c := range p.containers() {
		caps := digMap(c.securityContext(), "capabilities")
		drop, _ := caps["drop"].([]any)
		if !slices.ContainsFunc(drop, func(d any) bool { return scalarString(d) == "ALL" }) {
			path, atKey := c.anchor()
			if caps != nil {
				path, atKey = c.at("securityContext", "capabilities"), true
			}
			out = append(out, pssViolation{path: path, atKey: atKey, peer: RuleDropNetRaw,
				msg: fmt.Sprintf(`container %q must set securityContext.capabilities.drop: ["ALL"]`, c.name())})
		}
		add, _ := caps["add"].([]any)
		for i, a := range add {
			if s := scalarString(a); s != "NET_BIND_SERVICE" {
				out = append(out, pssViolation{path: c.at("securityContext", "capabilities", "add", strconv.Itoa(i)),
					msg: fmt.Sprintf("container %q must not add capability %q (the restricted standard allows only NET_BIND_SERVICE)", c.name(), s)})
			}
		}
	}
	return out
}

func pssHostPathVolumes(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	vols, _ := p.spec["volumes"].([]any)
	for i, v := range vols {
		if hp := digMap(v, "hostPath"); hp != nil || dig(v, "hostPath") != nil {
			out = append(out, pssViolation{path: p.at("volumes", strconv.Itoa(i), "hostPath"), atKey: true,
				msg: fmt.Sprintf("volume %q must not be a hostPath volume (%s)", digString(v, "name"), digString(v, "hostPath", "path"))})
		}
	}
	return out
}

func pssHostPorts(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	for _, c := range p.containers() {
		ports, _ := c.m["ports"].([]any)
		for i, port := range ports {
			hp := dig(port, "hostPort")
			if n, ok := toInt(hp); (ok && n != 0) || (!ok && hp != nil) {
				out = append(out, pssViolation{path: c.at("ports", strconv.Itoa(i), "hostPort"),
					msg: fmt.Sprintf("container %q must not set hostPort (%v)", c.name(), hp)})
			}
		}
	}
	return out
}

func pssHostProbes(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	for _, c := range p.containers() {
		for _, h := range [][]string{
			{"livenessProbe"}, {"readinessProbe"}, {"startupProbe"},
			{"lifecycle", "postStart"}, {"lifecycle", "preStop"},
		} {
			for _, action := range []string{"httpGet", "tcpSocket"} {
				keys := append(slices.Clone(h), action, "host")
				if host := digString(c.m, keys...); host != "" {
					out = append(out, pssViolation{path: c.at(keys...),
						msg: fmt.Sprintf("container %q must not set %s (%q)", c.name(), strings.Join(keys, "."), host)})
				}
			}
		}
	}
	return out
}

// appArmorAnnotation is the prefix of the annotation that set a
// container's AppArmor profile before the securityContext field.
const appArmorAnnotation = "container.apparmor.security.beta.kubernetes.io/"

func pssAppArmor(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	bad := func(profile map[string]any, path []string, who string) {
		if profile == nil {
			return
		}
		switch t := digString(profile, "type"); t {
		case "RuntimeDefault", "Localhost":
		default:
			at, atKey := appendPath(path, "type"), false
			if _, ok := profile["type"]; !ok {
				at, atKey = path, true
			}
			out = append(out, pssViolation{path: at, atKey: atKey, msg: fmt.Sprintf("%s must not set the AppArmor profile type to %q (allowed: RuntimeDefault, Localhost)", who, t)})
		}
	}
	if sc := p.podSC(); sc != nil {
		if pr, ok := sc["appArmorProfile"].(map[string]any); ok {
			bad(pr, p.at("securityContext", "appArmorProfile"), "the pod")
		}
	}
	for _, c := range p.containers() {
		if pr, ok := c.securityContext()["appArmorProfile"].(map[string]any); ok {
			bad(pr, c.at("securityContext", "appArmorProfile"), fmt.Sprintf("container %q", c.name()))
		}
	}
	an := digMap(p.meta, "annotations")
	for _, k := range sortedKeys(an) {
		if !strings.HasPrefix(k, appArmorAnnotation) {
			continue
		}
		v, _ := an[k].(string)
		if v != "" && v != "runtime/default" && !strings.HasPrefix(v, "localhost/") {
			out = append(out, pssViolation{path: appendPath(p.metaPath, "annotations", k),
				msg: fmt.Sprintf("annotation %s must not set the AppArmor profile %q (allowed: runtime/default, localhost/*)", k, v)})
		}
	}
	return out
}

// seLinuxTypes are the SELinux types the baseline standard allows, by the
// version that allowed them.
func seLinuxTypeAllowed(t string, minor int) bool {
	switch t {
	case "", "container_t", "container_init_t", "container_kvm_t":
		return true
	case "container_engine_t":
		return minor >= 31
	}
	return false
}

func pssSELinux(p podTemplate, minor int) []pssViolation {
	var out []pssViolation
	check := func(opts map[string]any, path []string, who string) {
		if opts == nil {
			return
		}
		if t := digString(opts, "type"); !seLinuxTypeAllowed(t, minor) {
			out = append(out, pssViolation{path: appendPath(path, "type"), msg: fmt.Sprintf("%s must not set seLinuxOptions.type %q (allowed: container_t, container_init_t, container_kvm_t, container_engine_t)", who, t)})
		}
		for _, f := range []string{"user", "role"} {
			if s := digString(opts, f); s != "" {
				out = append(out, pssViolation{path: appendPath(path, f), msg: fmt.Sprintf("%s must not set seLinuxOptions.%s", who, f)})
			}
		}
	}
	if o, ok := p.podSC()["seLinuxOptions"].(map[string]any); ok {
		check(o, p.at("securityContext", "seLinuxOptions"), "the pod")
	}
	for _, c := range p.containers() {
		if o, ok := c.securityContext()["seLinuxOptions"].(map[string]any); ok {
			check(o, c.at("securityContext", "seLinuxOptions"), fmt.Sprintf("container %q", c.name()))
		}
	}
	return out
}

func procMountViolations(p podTemplate) []pssViolation {
	var out []pssViolation
	for _, c := range p.containers() {
		v, ok := c.securityContext()["procMount"]
		if !ok || v == nil {
			continue
		}
		if s := scalarString(v); s != "Default" {
			out = append(out, pssViolation{path: c.at("securityContext", "procMount"), peer: RuleUnsafeProcMount,
				msg: fmt.Sprintf("container %q must not set securityContext.procMount to %q (allowed: Default)", c.name(), s)})
		}
	}
	return out
}

func pssProcMountBaseline(p podTemplate, minor int) []pssViolation {
	if p.userNamespace(minor) {
		return nil
	}
	return procMountViolations(p)
}

func pssProcMountRestricted(p podTemplate, _ int) []pssViolation { return procMountViolations(p) }

// restrictedVolumeSources are the volume sources the restricted standard
// allows.
var restrictedVolumeSources = []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"}

// forbiddenVolumeSources are the others, in the order the plugin names them.
var forbiddenVolumeSources = []string{"hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos"}

func pssRestrictedVolumes(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	vols, _ := p.spec["volumes"].([]any)
	for i, v := range vols {
		m, _ := v.(map[string]any)
		if slices.ContainsFunc(restrictedVolumeSources, func(k string) bool { return m[k] != nil }) {
			continue
		}
		kind := ""
		for _, k := range forbiddenVolumeSources {
			if m[k] != nil {
				kind = k
				break
			}
		}
		path, atKey := p.at("volumes", strconv.Itoa(i)), false
		switch {
		case kind != "":
			path, atKey = appendPath(path, kind), true
		case !hasOtherKey(m, "name"):
			continue // no source at all: the API server defaults it to emptyDir
		default:
			kind = "unknown"
		}
		out = append(out, pssViolation{path: path, atKey: atKey,
			msg: fmt.Sprintf("volume %q must not be a %s volume (the restricted standard allows %s)", digString(m, "name"), kind, strings.Join(restrictedVolumeSources, ", "))})
	}
	return out
}

// hasOtherKey reports whether m has a key besides those named.
func hasOtherKey(m map[string]any, keys ...string) bool {
	for k := range m {
		if !slices.Contains(keys, k) {
			return true
		}
	}
	return false
}

func pssAllowPrivilegeEscalation(p podTemplate, _ int) []pssViolation {
	if p.windows() {
		return nil
	}
	var out []pssViolation
	for _, c := range p.containers() {
		v, ok := c.securityContext()["allowPrivilegeEscalation"]
		if ok && isFalse(v) {
			continue
		}
		path, atKey := c.anchor()
		if ok && v != nil {
			path, atKey = c.at("securityContext", "allowPrivilegeEscalation"), false
		}
		out = append(out, pssViolation{path: path, atKey: atKey, peer: RulePrivilegeEscalation,
			msg: fmt.Sprintf("container %q must set securityContext.allowPrivilegeEscalation: false", c.name())})
	}
	return out
}

func pssRunAsNonRoot(p podTemplate, minor int) []pssViolation {
	if p.userNamespace(minor) {
		return nil
	}
	var explicit, implicit []pssViolation
	podNonRoot := false
	if v, ok := p.podSC()["runAsNonRoot"]; ok && v != nil {
		if isTrue(v) {
			podNonRoot = true
		} else {
			explicit = append(explicit, pssViolation{path: p.at("securityContext", "runAsNonRoot"), peer: RuleRunAsNonRoot, msg: "the pod must not set securityContext.runAsNonRoot: false"})
		}
	}
	for _, c := range p.containers() {
		v, ok := c.securityContext()["runAsNonRoot"]
		switch {
		case ok && v != nil && !isTrue(v):
			explicit = append(explicit, pssViolation{path: c.at("securityContext", "runAsNonRoot"), peer: RuleRunAsNonRoot,
				msg: fmt.Sprintf("container %q must not set securityContext.runAsNonRoot: false", c.name())})
		case (!ok || v == nil) && !podNonRoot:
			path, atKey := c.anchor()
			implicit = append(implicit, pssViolation{path: path, atKey: atKey, peer: RuleRunAsNonRoot,
				msg: fmt.Sprintf("the pod or container %q must set securityContext.runAsNonRoot: true", c.name())})
		}
	}
	if len(explicit) > 0 {
		return explicit
	}
	return implicit
}

func pssRunAsUser(p podTemplate, minor int) []pssViolation {
	if p.userNamespace(minor) {
		return nil
	}
	var out []pssViolation
	if n, ok := toInt(p.podSC()["runAsUser"]); ok && n == 0 {
		out = append(out, pssViolation{path: p.at("securityContext", "runAsUser"), msg: "the pod must not set securityContext.runAsUser: 0"})
	}
	for _, c := range p.containers() {
		if n, ok := toInt(c.securityContext()["runAsUser"]); ok && n == 0 {
			out = append(out, pssViolation{path: c.at("securityContext", "runAsUser"), msg: fmt.Sprintf("container %q must not set securityContext.runAsUser: 0", c.name())})
		}
	}
	return out
}

// seccompAllowed reports whether a seccomp profile type is one the
// standard allows.
func seccompAllowed(t string) bool { return t == "RuntimeDefault" || t == "Localhost" }

// seccompViolations reports the pod and containers that set a seccomp
// profile type the standard forbids, and whether the pod sets an allowed
// one.
func seccompViolations(p podTemplate) (out []pssViolation, podSet bool) {
	bad := func(profile map[string]any, path []string, who string) bool {
		t := digString(profile, "type")
		if seccompAllowed(t) {
			return false
		}
		at, atKey := appendPath(path, "type"), false
		if _, ok := profile["type"]; !ok {
			at, atKey = path, true
		}
		out = append(out, pssViolation{path: at, atKey: atKey, msg: fmt.Sprintf("%s must not set securityContext.seccompProfile.type to %q (allowed: RuntimeDefault, Localhost)", who, t)})
		return true
	}
	if pr, ok := p.podSC()["seccompProfile"].(map[string]any); ok {
		podSet = !bad(pr, p.at("securityContext", "seccompProfile"), "the pod")
	}
	for _, c := range p.containers() {
		if pr, ok := c.securityContext()["seccompProfile"].(map[string]any); ok {
			bad(pr, c.at("securityContext", "seccompProfile"), fmt.Sprintf("container %q", c.name()))
		}
	}
	return out, podSet
}

func pssSeccompBaseline(p podTemplate, _ int) []pssViolation {
	out, _ := seccompViolations(p)
	return out
}

func pssSeccompRestricted(p podTemplate, _ int) []pssViolation {
	if p.windows() {
		return nil
	}
	out, podSet := seccompViolations(p)
	if len(out) > 0 || podSet {
		return out
	}
	for _, c := range p.containers() {
		if _, ok := c.securityContext()["seccompProfile"].(map[string]any); !ok {
			path, atKey := c.anchor()
			out = append(out, pssViolation{path: path, atKey: atKey,
				msg: fmt.Sprintf(`the pod or container %q must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`, c.name())})
		}
	}
	return out
}

// safeSysctls returns whether the baseline standard of Kubernetes 1.minor
// allows a sysctl.
func safeSysctl(name string, minor int) bool {
	switch name {
	case "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start":
		return true
	case "net.ipv4.ip_local_reserved_ports":
		return minor >= 27
	case "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes":
		return minor >= 29
	case "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem":
		return minor >= 32
	case "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat":
		return minor >= 37
	}
	return false
}

func pssSysctls(p podTemplate, minor int) []pssViolation {
	var out []pssViolation
	list, _ := p.podSC()["sysctls"].([]any)
	for i, s := range list {
		name := digString(s, "name")
		if !safeSysctl(name, minor) {
			out = append(out, pssViolation{path: p.at("securityContext", "sysctls", strconv.Itoa(i), "name"), peer: RuleUnsafeSysctls,
				msg: fmt.Sprintf("the pod must not set sysctl %q (not in the baseline standard's safe set)", name)})
		}
	}
	return out
}

func pssWindowsHostProcess(p podTemplate, _ int) []pssViolation {
	var out []pssViolation
	if isTrue(dig(p.podSC(), "windowsOptions", "hostProcess")) {
		out = append(out, pssViolation{path: p.at("securityContext", "windowsOptions", "hostProcess"), msg: "the pod must not set securityContext.windowsOptions.hostProcess: true"})
	}
	for _, c := range p.containers() {
		if isTrue(dig(c.securityContext(), "windowsOptions", "hostProcess")) {
			out = append(out, pssViolation{path: c.at("securityContext", "windowsOptions", "hostProcess"),
				msg: fmt.Sprintf("container %q must not set securityContext.windowsOptions.hostProcess: true", c.name())})
		}
	}
	return out
}

// scalarString renders a scalar as YAML wrote it.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
