package kubeschema

import (
	"testing"
)

// TestEmbeddedCRDs: the custom resources found without a schema on
// real Flux repositories, and the Flux Operator's kinds, have schemas, and
// judge a documented example as the cluster would.
func TestEmbeddedCRDs(t *testing.T) {
	v, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{
		"monitoring.coreos.com/v1/PrometheusRule", "monitoring.coreos.com/v1/Probe", "monitoring.coreos.com/v1alpha1/ScrapeConfig",
		"monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PodMonitor", "monitoring.coreos.com/v1alpha1/AlertmanagerConfig",
		"monitoring.coreos.com/v1beta1/AlertmanagerConfig", "monitoring.coreos.com/v1/Prometheus",
		"external-secrets.io/v1/ExternalSecret", "external-secrets.io/v1/ClusterSecretStore", "generators.external-secrets.io/v1alpha1/Password",
		"grafana.integreatly.org/v1beta1/GrafanaDashboard", "grafana.integreatly.org/v1beta1/GrafanaDatasource",
		"bitnami.com/v1alpha1/SealedSecret",
		"snapshot.storage.k8s.io/v1/VolumeSnapshotClass", "snapshot.storage.k8s.io/v1/VolumeSnapshot",
		"k8s.cni.cncf.io/v1/NetworkAttachmentDefinition",
		"kyverno.io/v1/ClusterPolicy", "kyverno.io/v1/Policy", "policies.kyverno.io/v1/ValidatingPolicy",
		"networking.istio.io/v1/VirtualService", "security.istio.io/v1/AuthorizationPolicy",
		"traefik.io/v1alpha1/IngressRoute", "traefik.io/v1alpha1/Middleware",
		"cilium.io/v2/CiliumNetworkPolicy", "cilium.io/v2/CiliumLoadBalancerIPPool",
		"keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication",
		"velero.io/v1/Schedule", "velero.io/v1/BackupStorageLocation",
		"postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io/v1/ScheduledBackup",
		"karpenter.sh/v1/NodePool", "karpenter.k8s.aws/v1/EC2NodeClass",
		"fluxcd.controlplane.io/v1/FluxInstance", "fluxcd.controlplane.io/v1/ResourceSet",
		"source.extensions.fluxcd.io/v1beta1/ArtifactGenerator",
		"gateway.envoyproxy.io/v1alpha1/EnvoyProxy", "gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy",
		"gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy", "gateway.envoyproxy.io/v1alpha1/SecurityPolicy",
		"gateway.envoyproxy.io/v1alpha1/EnvoyExtensionPolicy", "gateway.envoyproxy.io/v1alpha1/EnvoyPatchPolicy",
		"gateway.envoyproxy.io/v1alpha1/Backend", "gateway.envoyproxy.io/v1alpha1/HTTPRouteFilter",
		"externaldns.k8s.io/v1alpha1/DNSEndpoint",
		"external-secrets.io/v1beta1/ExternalSecret", "external-secrets.io/v1beta1/ClusterExternalSecret",
		"external-secrets.io/v1beta1/SecretStore", "external-secrets.io/v1beta1/ClusterSecretStore",
	}
	for _, gvk := range kinds {
		if _, ok := v.root(gvk); !ok {
			t.Errorf("no embedded schema for %s", gvk)
		}
	}
	tests := []struct {
		name string
		doc  string
		want int // violations
	}{
		{name: "alert on a FluxInstance, as the Flux Operator allows", doc: `
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: flux, namespace: flux-system}
spec:
  providerRef: {name: slack}
  eventSources:
    - {kind: FluxInstance, name: flux}
    - {kind: ResourceSet, name: apps}
`},
		{name: "receiver on a ResourceSetInputProvider", doc: `
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: github, namespace: flux-system}
spec:
  type: github
  secretRef: {name: token}
  resources:
    - {kind: ResourceSetInputProvider, name: prs}
`},
		{name: "alert on an unknown kind", want: 1, doc: `
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: flux, namespace: flux-system}
spec:
  providerRef: {name: slack}
  eventSources:
    - {kind: FluxInstanceX, name: flux}
`},
		{name: "service monitor", doc: `
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: app}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http, interval: 30s}]
`},
		{name: "service monitor with a typo", want: 1, doc: `
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: app}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http, intervall: 30s}]
`},
		{name: "external secret", doc: `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: vault}
  target: {name: db}
  data:
    - secretKey: password
      remoteRef: {key: db, property: password}
`},
		{name: "external secret, v1beta1 as rendered charts still write it", doc: `
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: db}
spec:
  refreshInterval: 1h
  secretStoreRef: {kind: ClusterSecretStore, name: vault}
  target: {name: db, creationPolicy: Owner}
  data:
    - secretKey: password
      remoteRef: {key: db, property: password}
`},
		{name: "external secret v1beta1 with a typo", want: 1, doc: `
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: vault}
  data:
    - secretKey: password
      remoteRef: {key: db, propery: password}
`},
		{name: "envoy proxy", doc: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata: {name: custom-proxy-config, namespace: envoy-gateway-system}
spec:
  provider:
    type: Kubernetes
    kubernetes:
      envoyDeployment:
        replicas: 2
        container:
          resources:
            requests: {cpu: 100m, memory: 256Mi}
      envoyService:
        type: LoadBalancer
        annotations: {service.beta.kubernetes.io/aws-load-balancer-type: nlb}
`},
		{name: "envoy proxy with a misplaced field", want: 1, doc: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata: {name: custom-proxy-config, namespace: envoy-gateway-system}
spec:
  provider:
    type: Kubernetes
    kubernetes:
      envoyDeployment:
        replica: 2
`},
		{name: "backend traffic policy", doc: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: backend, namespace: default}
spec:
  targetRefs:
    - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}
  timeout:
    http: {requestTimeout: 10s}
  retry:
    numRetries: 3
`},
		{name: "client traffic policy", doc: `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: client, namespace: default}
spec:
  targetRefs:
    - {group: gateway.networking.k8s.io, kind: Gateway, name: eg}
  clientIPDetection:
    xForwardedFor: {numTrustedHops: 2}
`},
		{name: "dns endpoint", doc: `
apiVersion: externaldns.k8s.io/v1alpha1
kind: DNSEndpoint
metadata: {name: examplednsrecord}
spec:
  endpoints:
    - dnsName: foo.bar.com
      recordTTL: 180
      recordType: A
      targets: [192.168.99.216]
`},
		{name: "dns endpoint with a string ttl", want: 1, doc: `
apiVersion: externaldns.k8s.io/v1alpha1
kind: DNSEndpoint
metadata: {name: examplednsrecord}
spec:
  endpoints:
    - dnsName: foo.bar.com
      recordTTL: 3m
      recordType: A
      targets: [192.168.99.216]
`},
		{name: "cnpg cluster with a string instance count", want: 1, doc: `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: db}
spec:
  instances: three
  storage: {size: 1Gi}
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs, found, err := v.Validate(decode(t, tc.doc))
			if err != nil || !found {
				t.Fatalf("Validate: found %v, err %v", found, err)
			}
			if len(vs) != tc.want {
				t.Errorf("%d violations, want %d: %+v", len(vs), tc.want, vs)
			}
		})
	}
}
