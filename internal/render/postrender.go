package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/gitops-actions/gitops-actions/internal/helmrelease"
)

// A HelmRelease's post-renderers run on what the chart rendered before
// helm-controller applies it (internal/postrender of helm-controller):
// each spec.postRenderers[].kustomize, in order, is a kustomize build of
// the chart's output with its patches and images; then
// spec.commonMetadata's labels and annotations; then the labels naming
// the HelmRelease (helm.toolkit.fluxcd.io/name and /namespace). Helm 4
// hands them the hooks too, unless spec.postRenderStrategy is nohooks
// (then hooks pass untouched, without those labels); with separate, hooks
// and the other objects go through apart. The CRDs of crds/ never do:
// helm-controller applies them itself, labelled.

// chartObject is one object a chart rendered, and where it came from in
// the chart.
type chartObject struct {
	Obj      map[string]any
	Template string
	Hook     bool
}

// postRenderKey is the annotation an object carries through a post-render
// build, to find its template again (Helm's annotateAndMerge does the
// same).
const postRenderKey = "gitops-actions.postrender/index"

// postRender applies r's post-renderers to objs. The error is the
// post-renderer's failure, which fails the release in the cluster too.
func postRender(objs []chartObject, r *helmrelease.Release) ([]chartObject, error) {
	var hooks, rest []chartObject
	for _, o := range objs {
		if o.Hook {
			hooks = append(hooks, o)
		} else {
			rest = append(rest, o)
		}
	}
	var groups [][]chartObject
	switch r.PostRenderStrategy {
	case "nohooks":
		groups = [][]chartObject{rest}
	case "separate":
		groups = [][]chartObject{hooks, rest}
	default:
		groups = [][]chartObject{objs}
	}
	var out []chartObject
	if r.PostRenderStrategy == "nohooks" {
		out = append(out, hooks...)
	}
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		done, err := postRenderGroup(g, r)
		if err != nil {
			return nil, err
		}
		out = append(out, done...)
	}
	return out, nil
}

// postRenderGroup runs the post-renderers on one stream of objects.
func postRenderGroup(objs []chartObject, r *helmrelease.Release) ([]chartObject, error) {
	for _, pr := range r.PostRenderers {
		if len(pr.Patches) == 0 && len(pr.Images) == 0 {
			continue
		}
		var err error
		if objs, err = kustomizePostRender(objs, pr); err != nil {
			return nil, fmt.Errorf("spec.postRenderers[%d].kustomize: %w", pr.Index, err)
		}
	}
	labels := map[string]string{"helm.toolkit.fluxcd.io/name": r.Name, "helm.toolkit.fluxcd.io/namespace": r.Namespace}
	for i := range objs {
		// The origin labels are applied last, so they win over a common
		// label of the same key.
		setMeta(objs[i].Obj, "labels", r.CommonLabels)
		setMeta(objs[i].Obj, "annotations", r.CommonAnnotations)
		setMeta(objs[i].Obj, "labels", labels)
	}
	return objs, nil
}

// setMeta sets metadata[field][k] = v for each entry of kv.
func setMeta(obj map[string]any, field string, kv map[string]string) {
	if len(kv) == 0 {
		return
	}
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		md = map[string]any{}
		obj["metadata"] = md
	}
	m, ok := md[field].(map[string]any)
	if !ok {
		m = map[string]any{}
		md[field] = m
	}
	for k, v := range kv {
		m[k] = v
	}
}

// kustomizePostRender is one kustomize post-renderer: an in-memory build
// of the objects with its patches and images, as helm-controller's
// Kustomize.Run builds it.
func kustomizePostRender(objs []chartObject, pr helmrelease.PostRenderer) ([]chartObject, error) {
	var stream bytes.Buffer
	for i, o := range objs {
		obj := copyMap(o.Obj)
		setMeta(obj, "annotations", map[string]string{postRenderKey: strconv.Itoa(i)})
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		stream.WriteString("---\n")
		stream.Write(b)
		stream.WriteString("\n")
	}
	k := kustypes.Kustomization{Resources: []string{"helm-output.yaml"}}
	k.APIVersion, k.Kind = kustypes.KustomizationVersion, kustypes.KustomizationKind
	for _, p := range pr.Patches {
		var kp kustypes.Patch
		if err := remarshal(p, &kp); err != nil {
			return nil, fmt.Errorf("a patch: %w", err)
		}
		k.Patches = append(k.Patches, kp)
	}
	for _, im := range pr.Images {
		var ki kustypes.Image
		if err := remarshal(im, &ki); err != nil {
			return nil, fmt.Errorf("an image: %w", err)
		}
		k.Images = append(k.Images, ki)
	}
	kdata, err := json.Marshal(k)
	if err != nil {
		return nil, err
	}
	fsys := filesys.MakeFsInMemory()
	if err := fsys.WriteFile("/helm-output.yaml", stream.Bytes()); err != nil {
		return nil, err
	}
	if err := fsys.WriteFile("/kustomization.yaml", kdata); err != nil {
		return nil, err
	}
	openAPIReady.Do(func() { openapi.Schema() })
	kustomizeMu.RLock()
	restore := hushKustomize()
	opts := &krusty.Options{LoadRestrictions: kustypes.LoadRestrictionsNone, PluginConfig: kustypes.DisabledPluginConfig()}
	m, err := krusty.MakeKustomizer(opts).Run(fsys, "/")
	restore()
	kustomizeMu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("%s", cleanKustomizeError(err.Error()))
	}
	out := make([]chartObject, 0, m.Size())
	for _, res := range m.Resources() {
		budget := maxNodes
		v, err := toValue(res.YNode(), &budget)
		obj, _ := v.(map[string]any)
		if err != nil || obj == nil {
			return nil, fmt.Errorf("an object the build returned: %v", err)
		}
		o := chartObject{Obj: obj}
		if md, ok := obj["metadata"].(map[string]any); ok {
			if ann, ok := md["annotations"].(map[string]any); ok {
				if s, ok := ann[postRenderKey].(string); ok {
					if i, err := strconv.Atoi(s); err == nil && i >= 0 && i < len(objs) {
						o.Template, o.Hook = objs[i].Template, objs[i].Hook
					}
					delete(ann, postRenderKey)
					if len(ann) == 0 {
						delete(md, "annotations")
					}
				}
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// remarshal converts a plain value into a typed one through JSON.
func remarshal(v any, into any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// copyMap copies the maps and lists of an object.
func copyMap(m map[string]any) map[string]any {
	var cp func(any) any
	cp = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = cp(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = cp(e)
			}
			return out
		}
		return v
	}
	return cp(m).(map[string]any)
}
