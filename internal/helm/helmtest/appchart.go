package helmtest

import "fmt"

// AppChart returns the files of a chart of about ten templates, as a
// typical application chart has (a Deployment, its Service, ConfigMap,
// Secret, ServiceAccount, PodDisruptionBudget, NetworkPolicy, Role, an
// autoscaler and an Ingress each behind a value, a ServiceMonitor behind
// its API): the chart the Helm benchmarks render, by its path in the
// chart (Chart.yaml, values.yaml, templates/...).
func AppChart(name, version string) map[string]string {
	files := map[string]string{
		"Chart.yaml":  fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\nappVersion: \"1.0.0\"\ndescription: a chart of about ten templates\n", name, version),
		"values.yaml": appValues,
	}
	for k, v := range appTemplates {
		files[k] = v
	}
	return files
}

// appTemplates are the application chart's: about ten, as a typical
// application chart has, one of them gated on an API version.
var appTemplates = map[string]string{
	"templates/_helpers.tpl": `{{- define "app.fullname" -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- end }}
{{- define "app.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}
{{- define "app.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
`,
	"templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {{- include "app.selector" . | nindent 6 }}
  template:
    metadata:
      labels: {{- include "app.selector" . | nindent 8 }}
      annotations:
        checksum/config: {{ .Values.config | toYaml | sha256sum }}
    spec:
      serviceAccountName: {{ include "app.fullname" . }}
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          imagePullPolicy: IfNotPresent
          ports:
            - {name: http, containerPort: {{ .Values.service.port }}, protocol: TCP}
          envFrom:
            - configMapRef: {name: {{ include "app.fullname" . }}}
            - secretRef: {name: {{ include "app.fullname" . }}}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
          livenessProbe:
            httpGet: {path: /healthz, port: http}
          resources: {{- toYaml .Values.resources | nindent 12 }}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}
`,
	"templates/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  ports:
    - {name: http, port: {{ .Values.service.port }}, targetPort: http, protocol: TCP}
  selector: {{- include "app.selector" . | nindent 4 }}
`,
	"templates/serviceaccount.yaml": `apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
`,
	"templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
data:
  {{- range $k, $v := .Values.config }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
`,
	"templates/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
type: Opaque
stringData:
  TOKEN: {{ .Values.token | quote }}
`,
	"templates/hpa.yaml": `{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{ include "app.fullname" . }}}
  minReplicas: {{ .Values.replicaCount }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
{{- end }}
`,
	"templates/pdb.yaml": `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
spec:
  minAvailable: 1
  selector:
    matchLabels: {{- include "app.selector" . | nindent 6 }}
`,
	"templates/ingress.yaml": `{{- if .Values.ingress.enabled }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
spec:
  ingressClassName: nginx
  rules:
    - host: {{ .Values.ingress.host }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: {{ include "app.fullname" . }}, port: {name: http}}
{{- end }}
`,
	"templates/networkpolicy.yaml": `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels: {{- include "app.selector" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - ports:
        - {port: {{ .Values.service.port }}, protocol: TCP}
`,
	"templates/role.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: {{ include "app.fullname" . }}}
subjects:
  - {kind: ServiceAccount, name: {{ include "app.fullname" . }}, namespace: {{ .Release.Namespace }}}
`,
	"templates/servicemonitor.yaml": `{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "app.fullname" . }}
  labels: {{- include "app.labels" . | nindent 4 }}
spec:
  selector:
    matchLabels: {{- include "app.selector" . | nindent 6 }}
  endpoints:
    - {port: http, interval: 30s}
{{- end }}
`,
}

const appValues = `replicaCount: 1
image:
  repository: ghcr.io/acme/app
  tag: "1.0.0"
service:
  port: 8080
resources:
  requests: {cpu: 50m, memory: 64Mi}
  limits: {cpu: 200m, memory: 128Mi}
autoscaling:
  enabled: false
  maxReplicas: 5
ingress:
  enabled: false
  host: app.example.com
config:
  LOG_LEVEL: info
token: changeme
`
