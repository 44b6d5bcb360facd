package verify

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/render"
)

// The rules that judge an object by others: the Pod Security Standards (a
// pod by its namespace's labels), the dangling references, the service
// accounts and the disruption budgets. Each object leaves, as it is
// checked, a few facts with their positions in its scope (its rendered
// unit); the findings are made once every object is checked, since the
// Namespace may come after its pods.

// relations holds the facts of every scope of a run.
type relations struct {
	mu     sync.Mutex
	scopes map[string]*scope
	order  []string
	// namespaces holds every Namespace's Pod Security labels, the first
	// of each name in the run.
	namespaces map[string]map[string]string
	// applied are the directories the repository applies as a whole
	// (scope.go).
	applied []render.AppliedDir
	// written holds, in a share of the tree, the Pod Security labels of
	// every Namespace as the repository writes it: one another share
	// renders still decides the level of this share's pods.
	written map[string]map[string]string
}

// scope is one rendered unit: a kustomize build, or the plain manifests of
// a directory (or of an environment).
type scope struct {
	namespaces map[string]map[string]string
	workloads  []workloadFact
	services   []serviceFact
	refs       []serviceRef
	selectors  []selectorFact
	targets    []targetFact
	accounts   map[string]bool // namespace/name of each ServiceAccount
	accountRef []accountRef
	budgets    []budgetFact
	pss        []pssCandidate
	// opaque is set when the unit holds what may make pods the
	// repository does not show: a HelmRelease, an Argo CD Application, a
	// custom resource of an operator.
	opaque bool
}

// place is where a finding about an object goes, and what silences it.
type place struct {
	file      string
	line, col int
	resource  string
	env       string
	sup       map[string]suppression
	// later, when set, is where line and col are still to be found: in a
	// document the fast path read and let go without parsing its node
	// tree, since no finding of its own needed it. Most such facts never
	// become findings; parsing every document to place them would cost
	// more than checking it.
	later *docPath
}

// docPath is a path in a document the fast path read and let go.
type docPath struct {
	src   render.Source
	path  []string
	atKey bool
}

// placeOf is where path of rs's object is written: found now when that
// costs nothing, else when a finding needs it.
func placeOf(rs *resource, path []string, pin render.Pin, id string, sup map[string]suppression) place {
	p := place{resource: id, env: rs.env, sup: sup}
	if src := rs.o.Origin.Source; src != nil && !rs.o.Origin.Located() {
		p.file = src.File
		p.later = &docPath{src: *src, path: slices.Clone(path), atKey: pin == render.PinKey}
		return p
	}
	p.file, p.line, p.col = rs.o.Origin.Position(path, pin)
	return p
}

func (p place) finding(loc *docLocator, rule string, sev finding.Severity, msg string) finding.Finding {
	if p.later != nil && loc.r.rules.Enabled(rule) {
		// A rule turned off drops its findings later: no need to find
		// where.
		p.file, p.line, p.col = loc.at(p.later)
	}
	f := finding.Finding{File: p.file, Line: p.line, Column: p.col, Severity: sev, Rule: rule, Message: msg, Resource: p.resource, Environment: p.env}
	if s, ok := p.sup[rule]; ok {
		return suppressedAs(f, s)
	}
	return f
}

type workloadFact struct {
	namespace, kind, name string
	labels                map[string]string
	replicas              int64
}

type serviceFact struct {
	namespace, name string
	selector        map[string]string
	ports           []string // numbers and names
	at              place    // spec.selector
	external        bool
}

// serviceRef is a reference to a Service: an Ingress backend or an
// HTTPRoute backendRef.
type serviceRef struct {
	rule            string
	namespace, name string
	port            string // number or name; "" for none
	at              place
}

// selectorFact is a NetworkPolicy's podSelector.
type selectorFact struct {
	namespace string
	selector  map[string]any
	at        place
}

// targetFact is a HorizontalPodAutoscaler's scaleTargetRef.
type targetFact struct {
	namespace, kind, name string
	minReplicas           int64
	at                    place
}

type accountRef struct {
	namespace, name string
	at              place
}

type budgetFact struct {
	namespace    string
	selector     map[string]any
	minAvailable int64
	at           place
}

// pssCandidate is a field of a pod that breaks the baseline standard, the
// restricted one, or both: which applies is known once the namespace's
// labels are.
type pssCandidate struct {
	namespace string
	pod       bool
	kind      string
	baseline  bool
	restrict  bool
	peer      string
	msg       string
	at        place
}

// opaqueGroups are API groups of custom resources known not to make pods:
// a unit holding only these is judged as it is.
var opaqueSafeGroups = map[string]bool{
	"cert-manager.io": true, "monitoring.coreos.com": true, "gateway.networking.k8s.io": true, "external-secrets.io": true,
	"bitnami.com": true, "source.toolkit.fluxcd.io": true, "notification.toolkit.fluxcd.io": true, "image.toolkit.fluxcd.io": true,
	"traefik.io": true, "traefik.containo.us": true, "networking.istio.io": true, "security.istio.io": true, "cilium.io": true,
	"policy.networking.k8s.io": true, "snapshot.storage.k8s.io": true, "keda.sh": true, "autoscaling.k8s.io": true,
}

func newRelations() *relations {
	return &relations{scopes: map[string]*scope{}, namespaces: map[string]map[string]string{}}
}

// scopeOf names the unit a resource is judged in.
func scopeOf(rs *resource) string {
	if u := rs.o.Origin.Unit; u != nil {
		return "unit\x00" + string(u.Kind) + "\x00" + u.Dir + "\x00" + u.File
	}
	return "group\x00" + rs.group
}

// collect records what the rules across objects need of one resource.
func (r *run) collect(rs *resource, obj map[string]any, p podTemplate, hasPod bool, sup map[string]suppression) {
	a, k, ns, name := render.Meta(obj)
	g, _, ok := strings.Cut(a, "/")
	if !ok {
		g = ""
	}
	id := resourceID(obj)
	at := func(path ...string) place { return placeOf(rs, path, render.PinValue, id, sup) }
	atKey := func(path ...string) place { return placeOf(rs, path, render.PinKey, id, sup) }
	var cands []pssCandidate
	if hasPod && r.rules.Enabled(RulePodSecurity) {
		cands = r.podSecurityCandidates(rs, p, ns, id, sup)
	}
	rel := r.relations
	rel.mu.Lock()
	defer rel.mu.Unlock()
	key := scopeOf(rs)
	s := rel.scopes[key]
	if s == nil {
		s = &scope{namespaces: map[string]map[string]string{}, accounts: map[string]bool{}}
		rel.scopes[key] = s
		rel.order = append(rel.order, key)
	}
	s.pss = append(s.pss, cands...)
	rel.noteApplied(g, obj)
	if !builtinGroups[g] && !opaqueSafeGroups[g] {
		s.opaque = true
	}
	if hasPod {
		replicas := int64(1)
		if n, ok := toInt(dig(obj, "spec", "replicas")); ok {
			replicas = n
		}
		s.workloads = append(s.workloads, workloadFact{namespace: ns, kind: k, name: name, labels: stringMap(digMap(p.meta, "labels")), replicas: replicas})
		sa, _ := p.spec["serviceAccountName"].(string)
		if sa == "" {
			sa, _ = p.spec["serviceAccount"].(string)
		}
		if sa != "" && sa != "default" {
			path := p.at("serviceAccountName")
			if _, ok := p.spec["serviceAccountName"]; !ok {
				path = p.at("serviceAccount")
			}
			s.accountRef = append(s.accountRef, accountRef{namespace: ns, name: sa, at: at(path...)})
		}
	}
	switch groupKind(a, k) {
	case "/Namespace":
		labels := podSecurityLabels(obj)
		s.namespaces[name] = labels
		if _, ok := rel.namespaces[name]; !ok {
			rel.namespaces[name] = labels
		}
	case "/Service":
		sel := stringMap(digMap(obj, "spec", "selector"))
		var ports []string
		list, _ := dig(obj, "spec", "ports").([]any)
		for _, port := range list {
			ports = append(ports, scalarString(dig(port, "port")), digString(port, "name"))
		}
		s.services = append(s.services, serviceFact{namespace: ns, name: name, selector: sel, ports: ports, at: atKey("spec", "selector"),
			external: digString(obj, "spec", "type") == "ExternalName"})
	case "/ServiceAccount":
		s.accounts[ns+"/"+name] = true
	case "networking.k8s.io/Ingress":
		s.refs = append(s.refs, ingressRefs(obj, ns, at)...)
	case "gateway.networking.k8s.io/HTTPRoute":
		s.refs = append(s.refs, routeRefs(obj, ns, at)...)
	case "networking.k8s.io/NetworkPolicy":
		if sel := digMap(obj, "spec", "podSelector"); len(sel) > 0 {
			s.selectors = append(s.selectors, selectorFact{namespace: ns, selector: sel, at: atKey("spec", "podSelector")})
		}
	case "autoscaling/HorizontalPodAutoscaler":
		ref := digMap(obj, "spec", "scaleTargetRef")
		minR, ok := toInt(dig(obj, "spec", "minReplicas"))
		if !ok {
			minR = 1
		}
		s.targets = append(s.targets, targetFact{namespace: ns, kind: digString(ref, "kind"), name: digString(ref, "name"), minReplicas: minR, at: at("spec", "scaleTargetRef", "name")})
	case "policy/PodDisruptionBudget":
		if n, ok := toInt(dig(obj, "spec", "minAvailable")); ok {
			s.budgets = append(s.budgets, budgetFact{namespace: ns, selector: digMap(obj, "spec", "selector"), minAvailable: n, at: at("spec", "minAvailable")})
		}
	}
}

func ingressRefs(obj map[string]any, ns string, at func(...string) place) []serviceRef {
	var out []serviceRef
	add := func(backend map[string]any, path []string) {
		svc := digMap(backend, "service")
		if svc == nil {
			return
		}
		port := scalarString(dig(svc, "port", "number"))
		if port == "" {
			port = digString(svc, "port", "name")
		}
		out = append(out, serviceRef{rule: RuleDanglingIngress, namespace: ns, name: digString(svc, "name"), port: port, at: at(append(path, "service", "name")...)})
	}
	if b := digMap(obj, "spec", "defaultBackend"); b != nil {
		add(b, []string{"spec", "defaultBackend"})
	}
	rules, _ := dig(obj, "spec", "rules").([]any)
	for i, rule := range rules {
		paths, _ := dig(rule, "http", "paths").([]any)
		for j, p := range paths {
			add(digMap(p, "backend"), []string{"spec", "rules", strconv.Itoa(i), "http", "paths", strconv.Itoa(j), "backend"})
		}
	}
	return out
}

func routeRefs(obj map[string]any, ns string, at func(...string) place) []serviceRef {
	var out []serviceRef
	rules, _ := dig(obj, "spec", "rules").([]any)
	for i, rule := range rules {
		refs, _ := dig(rule, "backendRefs").([]any)
		for j, ref := range refs {
			if g := digString(ref, "group"); g != "" {
				continue
			}
			if k := digString(ref, "kind"); k != "" && k != "Service" {
				continue
			}
			refNS := digString(ref, "namespace")
			if refNS == "" {
				refNS = ns
			}
			out = append(out, serviceRef{rule: RuleDanglingHTTPRoute, namespace: refNS, name: digString(ref, "name"), port: scalarString(dig(ref, "port")),
				at: at("spec", "rules", strconv.Itoa(i), "backendRefs", strconv.Itoa(j), "name")})
		}
	}
	return out
}

// podSecurityLabels returns a Namespace's pod-security.kubernetes.io labels.
func podSecurityLabels(obj map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range digMap(obj, "metadata", "labels") {
		if strings.HasPrefix(k, "pod-security.kubernetes.io/") {
			out[strings.Clone(k)] = strings.Clone(scalarString(v))
		}
	}
	return out
}

// podSecurityCandidates checks a pod at both levels of the standard.
func (r *run) podSecurityCandidates(rs *resource, p podTemplate, ns, id string, sup map[string]suppression) []pssCandidate {
	minor := r.minor()
	var out []pssCandidate
	index := map[string]int{}
	for _, level := range []string{levelBaseline, levelRestricted} {
		for _, v := range podSecurity(p, level, minor) {
			key := v.check + "\x00" + v.msg + "\x00" + strings.Join(v.path, "/")
			i, ok := index[key]
			if !ok {
				i = len(out)
				index[key] = i
				s := sup
				if ps, ok := sup[v.peer]; ok && v.peer != "" {
					// The peer's suppression (kube-linter's or
					// Polaris's for this field) silences this too.
					s = map[string]suppression{RulePodSecurity: ps}
					for k, x := range sup {
						s[k] = x
					}
				}
				pin := render.PinValue
				if v.atKey {
					pin = render.PinKey
				}
				out = append(out, pssCandidate{namespace: ns, pod: p.pod, kind: p.kind, peer: v.peer, msg: v.msg, at: placeOf(rs, v.path, pin, id, s)})
			}
			if level == levelBaseline {
				out[i].baseline = true
			} else {
				out[i].restrict = true
			}
		}
	}
	return out
}

// minor is the Kubernetes minor version the run judges by (1.37 → 37).
func (r *run) minor() int {
	v := strings.TrimPrefix(r.opts.KubernetesVersion, "v")
	_, m, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(m); err == nil {
		return n
	}
	return 37
}

// relatedFindings makes the findings of the rules across objects, and
// drops the findings of rules the Pod Security Standards say better.
func (r *run) relatedFindings(findings []finding.Finding) []finding.Finding {
	rel := r.relations
	var out []finding.Finding
	shadow := map[string]bool{}
	loc := r.newDocLocator()
	for _, key := range rel.order {
		s := rel.scopes[key]
		for _, c := range s.pss {
			f, ok := r.resolvePodSecurity(c, s, loc)
			if !ok {
				continue
			}
			out = append(out, f)
			if c.peer != "" {
				shadow[shadowKey(c.peer, f.File, f.Line, f.Column, f.Environment)] = true
			}
		}
		out = append(out, r.danglingFindings(s, loc)...)
	}
	kept := findings[:0]
	for _, f := range findings {
		if !shadow[shadowKey(f.Rule, f.File, f.Line, f.Column, f.Environment)] {
			kept = append(kept, f)
		}
	}
	return append(kept, out...)
}

func shadowKey(rule, file string, line, col int, env string) string {
	return fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", rule, file, line, col, env)
}

// resolvePodSecurity turns a candidate into a finding by what its
// namespace's labels say, or the pod-security input for a namespace the
// repository does not label.
func (r *run) resolvePodSecurity(c pssCandidate, s *scope, loc *docLocator) (finding.Finding, bool) {
	labels, declared := s.namespaces[c.namespace]
	if !declared {
		labels, declared = r.relations.namespaces[c.namespace]
	}
	if !declared {
		labels, declared = r.relations.written[c.namespace]
	}
	applies := func(level string) bool {
		return (level == levelBaseline && c.baseline) || (level == levelRestricted && c.restrict)
	}
	subject := "the pods of this " + c.kind
	if c.pod {
		subject = "this pod"
	}
	ns := c.namespace
	if ns == "" {
		ns = "(none set)"
	}
	var sev finding.Severity
	var verdict string
	mode := func(m string) string { return labels["pod-security.kubernetes.io/"+m] }
	switch {
	case declared && applies(mode("enforce")):
		sev, verdict = finding.Error, fmt.Sprintf("namespace %s enforces the %s Pod Security Standard: the API server will reject %s", ns, mode("enforce"), subject)
	case declared && applies(mode("warn")):
		sev, verdict = finding.Warning, fmt.Sprintf("namespace %s warns at the %s Pod Security Standard: the API server will warn when %s is applied", ns, mode("warn"), strings.TrimPrefix(subject, "the pods of "))
	case declared && applies(mode("audit")):
		sev, verdict = finding.Warning, fmt.Sprintf("namespace %s audits at the %s Pod Security Standard: the API server will record %s in its audit log", ns, mode("audit"), subject)
	case declared && (mode("enforce") != "" || mode("warn") != "" || mode("audit") != ""):
		return finding.Finding{}, false // the namespace's levels allow it
	case applies(r.podSecurityLevel()):
		sev, verdict = finding.Warning, fmt.Sprintf("the %s Pod Security Standard forbids it, the level the pod-security input sets for namespace %s, which no pod-security.kubernetes.io label in the repository sets", r.podSecurityLevel(), ns)
	default:
		return finding.Finding{}, false
	}
	at := c.at
	if s, ok := at.sup[RulePodSecurity]; ok && sev == finding.Error && !ownAnnotation(s.by) {
		// kube-linter's or Polaris's annotation silences their check,
		// not the API server: the pod is still rejected.
		at.sup = nil
	}
	return at.finding(loc, RulePodSecurity, sev, c.msg+"; "+verdict), true
}

// podSecurityLevel is the level of namespaces the repository does not label.
func (r *run) podSecurityLevel() string {
	if r.opts.PodSecurity == "" {
		return levelBaseline
	}
	return r.opts.PodSecurity
}

// danglingFindings judges the references of one scope.
func (r *run) danglingFindings(s *scope, loc *docLocator) []finding.Finding {
	var out []finding.Finding
	sev := func(rule string) finding.Severity { return ruleSeverity(rule) }
	workloadsIn := func(ns string) []workloadFact {
		var w []workloadFact
		for _, x := range s.workloads {
			if x.namespace == ns {
				w = append(w, x)
			}
		}
		return w
	}
	if !s.opaque {
		for _, svc := range s.services {
			ws := workloadsIn(svc.namespace)
			if svc.external || len(svc.selector) == 0 || len(ws) == 0 {
				continue
			}
			if !anyWorkload(ws, func(w workloadFact) bool { return labelsMatch(svc.selector, w.labels) }) {
				out = append(out, svc.at.finding(loc, RuleDanglingService, sev(RuleDanglingService), fmt.Sprintf("Service %s selects %s, which no pod template of namespace %s in this unit carries: it has no endpoints", svc.name, labelList(svc.selector), nsName(svc.namespace))))
			}
		}
		for _, np := range s.selectors {
			ws := workloadsIn(np.namespace)
			if len(ws) == 0 {
				continue
			}
			if !anyWorkload(ws, func(w workloadFact) bool { return selectorMatches(np.selector, w.labels) }) {
				out = append(out, np.at.finding(loc, RuleDanglingNetworkPolicy, sev(RuleDanglingNetworkPolicy), fmt.Sprintf("the podSelector matches no pod template of namespace %s in this unit: the NetworkPolicy protects nothing", nsName(np.namespace))))
			}
		}
		for _, t := range s.targets {
			ws := workloadsIn(t.namespace)
			if len(ws) == 0 || !workloadKind(t.kind) {
				continue
			}
			if !anyWorkload(ws, func(w workloadFact) bool { return w.kind == t.kind && w.name == t.name }) {
				out = append(out, t.at.finding(loc, RuleDanglingHPA, sev(RuleDanglingHPA), fmt.Sprintf("scaleTargetRef names %s %s, which this unit does not define in namespace %s: the autoscaler scales nothing", t.kind, t.name, nsName(t.namespace))))
			}
		}
	}
	for _, ref := range s.refs {
		var found *serviceFact
		any := false
		for i, svc := range s.services {
			if svc.namespace != ref.namespace {
				continue
			}
			any = true
			if svc.name == ref.name {
				found = &s.services[i]
			}
		}
		switch {
		case !any:
		case found == nil:
			out = append(out, ref.at.finding(loc, ref.rule, sev(ref.rule), fmt.Sprintf("the backend names Service %s, which this unit does not define in namespace %s", ref.name, nsName(ref.namespace))))
		case ref.port != "" && !contains(found.ports, ref.port):
			out = append(out, ref.at.finding(loc, ref.rule, sev(ref.rule), fmt.Sprintf("the backend names port %s of Service %s, which has no such port", ref.port, ref.name)))
		}
	}
	for _, ref := range s.accountRef {
		if s.accounts[ref.namespace+"/"+ref.name] {
			continue
		}
		others := false
		for a := range s.accounts {
			if strings.HasPrefix(a, ref.namespace+"/") {
				others = true
			}
		}
		if others {
			out = append(out, ref.at.finding(loc, RuleNonExistentServiceAccount, sev(RuleNonExistentServiceAccount), fmt.Sprintf("service account %s is not defined in namespace %s by this unit, which defines others there", ref.name, nsName(ref.namespace))))
		}
	}
	for _, b := range s.budgets {
		for _, w := range workloadsIn(b.namespace) {
			if len(b.selector) == 0 || !selectorMatches(b.selector, w.labels) {
				continue
			}
			replicas := w.replicas
			for _, t := range s.targets {
				if replicas == 1 && t.namespace == w.namespace && t.kind == w.kind && t.name == w.name {
					replicas = t.minReplicas
				}
			}
			if replicas <= b.minAvailable {
				out = append(out, b.at.finding(loc, RulePDBMinAvailable, sev(RulePDBMinAvailable), fmt.Sprintf("minAvailable %d is not below the %d replica(s) of %s %s: no pod of it may ever be evicted", b.minAvailable, replicas, w.kind, w.name)))
			}
		}
	}
	return out
}

func anyWorkload(ws []workloadFact, f func(workloadFact) bool) bool {
	for _, w := range ws {
		if f(w) {
			return true
		}
	}
	return false
}

// workloadKind reports whether a kind is one whose pod template the run
// reads, so that an autoscaler's target of that kind can be looked up.
func workloadKind(kind string) bool {
	for gk := range podTemplateKinds {
		if strings.HasSuffix(gk, "/"+kind) {
			return true
		}
	}
	return false
}

func nsName(ns string) string {
	if ns == "" {
		return "(none set)"
	}
	return ns
}

// stringMap keeps the string values of a map of labels.
func stringMap(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.Clone(k)] = strings.Clone(scalarString(v))
	}
	return out
}

// labelsMatch reports whether labels hold every pair of sel.
func labelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// selectorMatches reports whether a label selector (matchLabels and
// matchExpressions) selects labels.
func selectorMatches(sel map[string]any, labels map[string]string) bool {
	if !labelsMatch(stringMap(digMap(sel, "matchLabels")), labels) {
		return false
	}
	exprs, _ := sel["matchExpressions"].([]any)
	for _, e := range exprs {
		key := digString(e, "key")
		var values []string
		list, _ := dig(e, "values").([]any)
		for _, v := range list {
			values = append(values, scalarString(v))
		}
		v, has := labels[key]
		switch digString(e, "operator") {
		case "In":
			if !has || !contains(values, v) {
				return false
			}
		case "NotIn":
			if has && contains(values, v) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// labelList renders labels as k=v pairs in key order.
func labelList(m map[string]string) string {
	if len(m) == 0 {
		return "no labels"
	}
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// decodedBase64 is the text a base64 value of a Secret's data holds; "" when
// it is not base64.
func decodedBase64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(b)
}

// fromTree adds, for a run over a share of the tree, what the rules across
// objects need of the objects other shares render, as the repository
// writes them: the directories applied as a whole, and every Namespace's
// Pod Security labels.
func (rel *relations) fromTree(t *render.Tree) {
	rel.applied = append(rel.applied, t.Applied()...)
	rel.written = map[string]map[string]string{}
	t.ScanDocuments(func(b []byte) bool { return bytes.Contains(b, []byte("Namespace")) }, func(d *render.Document) {
		a, k, _, name := render.Meta(d.Obj)
		if a == "v1" && k == "Namespace" {
			if _, ok := rel.written[name]; !ok {
				rel.written[name] = podSecurityLabels(d.Obj)
			}
		}
	})
}
