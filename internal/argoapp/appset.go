package argoapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// Generated is an Application an ApplicationSet generates.
type Generated struct {
	// Object is the Application.
	Object map[string]any
	// Generator is the index of the generator in spec.generators.
	Generator int
}

// Repository is what the generators read of this repository: its
// directories, for the git directory generator.
type Repository interface {
	// Dirs lists the repository's directories, relative to its root, in
	// lexical order: hidden ones (and what they hold) left out, the root
	// itself too.
	Dirs() []string
}

// Generate generates the Applications of an ApplicationSet whose
// generators resolve from what the repository holds: list (elements and
// elementsYaml) and git directories of this repository. Every other
// generator, a git generator of another repository, a selector, and a
// templatePatch, is an issue (a notice: its applications are not
// rendered). The error is for a template that does not render.
func Generate(appset map[string]any, self func(url string) bool, repo Repository) (apps []Generated, notices []Issue, err error) {
	md, _ := appset["metadata"].(map[string]any)
	spec, _ := appset["spec"].(map[string]any)
	name := str(md["name"])
	goTemplate := spec["goTemplate"] == true
	var options []string
	for _, o := range list(spec["goTemplateOptions"]) {
		if s, ok := o.(string); ok {
			options = append(options, s)
		}
	}
	base, _ := spec["template"].(map[string]any)
	if _, ok := spec["templatePatch"]; ok {
		return nil, []Issue{{Path: []string{"spec", "templatePatch"}, Message: fmt.Sprintf("ApplicationSet %s has a templatePatch, which is not applied here: its applications are not rendered", name)}}, nil
	}
	for gi, g := range list(spec["generators"]) {
		gen, _ := g.(map[string]any)
		at := []string{"spec", "generators", fmt.Sprint(gi)}
		if _, ok := gen["selector"]; ok {
			notices = append(notices, Issue{Path: append(at, "selector"), Message: fmt.Sprintf("ApplicationSet %s: a generator's selector is not applied here: its applications are not rendered", name)})
			continue
		}
		var params []map[string]any
		switch {
		case gen["list"] != nil:
			l, _ := gen["list"].(map[string]any)
			params, err = listParams(l, goTemplate)
		case gen["git"] != nil:
			gg, _ := gen["git"].(map[string]any)
			var why string
			params, why, err = gitParams(gg, goTemplate, options, self, repo)
			if why != "" {
				notices = append(notices, Issue{Path: append(at, "git"), Message: fmt.Sprintf("ApplicationSet %s: %s: its applications are not rendered", name, why)})
				continue
			}
		default:
			kinds := slices.Sorted(maps.Keys(gen))
			notices = append(notices, Issue{Path: at, Message: fmt.Sprintf("ApplicationSet %s: the %s generator reads the cluster or another service, which is not done here: its applications are not rendered", name, strings.Join(kinds, "/"))})
			continue
		}
		if err != nil {
			return nil, notices, fmt.Errorf("ApplicationSet %s, generator %d: %w", name, gi, err)
		}
		tmpl := base
		if own, ok := gen["template"].(map[string]any); ok {
			tmpl = mergeTemplate(own, base)
		}
		for _, p := range params {
			v, err := renderTemplate(tmpl, p, goTemplate, options)
			if err != nil {
				return nil, notices, fmt.Errorf("ApplicationSet %s, generator %d: %w", name, gi, err)
			}
			m, _ := v.(map[string]any)
			app := map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"}
			amd, _ := m["metadata"].(map[string]any)
			if amd == nil {
				amd = map[string]any{}
			}
			amd = maps.Clone(amd)
			amd["namespace"] = str(md["namespace"]) // the controller creates it in the ApplicationSet's namespace
			app["metadata"] = amd
			app["spec"] = m["spec"]
			apps = append(apps, Generated{Object: app, Generator: gi})
		}
	}
	return apps, notices, nil
}

// listParams is the list generator: each element, as it is with
// goTemplate, else its string fields (and values.KEY of its values map)
// flat.
func listParams(l map[string]any, goTemplate bool) ([]map[string]any, error) {
	var out []map[string]any
	for i, e := range list(l["elements"]) {
		el, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("list element %d is not a map", i)
		}
		if goTemplate {
			out = append(out, jsonClone(el).(map[string]any))
			continue
		}
		p := map[string]any{}
		for k, v := range el {
			if k == "values" {
				vm, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("list element %d: values is not a map", i)
				}
				for vk, vv := range vm {
					s, ok := vv.(string)
					if !ok {
						return nil, fmt.Errorf("list element %d: values.%s is not a string", i, vk)
					}
					p["values."+vk] = s
				}
				continue
			}
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("list element %d: %s is not a string (set goTemplate for other values)", i, k)
			}
			p[k] = s
		}
		out = append(out, p)
	}
	if y, ok := l["elementsYaml"].(string); ok && y != "" {
		var more []map[string]any
		if err := sigsyaml.Unmarshal([]byte(y), &more); err != nil {
			return nil, fmt.Errorf("elementsYaml: %w", err)
		}
		out = append(out, more...)
	}
	return out, nil
}

// gitParams is the git generator's directories form over this
// repository: each directory a pattern of directories matches and no
// exclude entry does (path.Match, as the generator matches), with path,
// path.basename, path.basenameNormalized and path[N] (or, with
// goTemplate, path.path, path.basename, path.basenameNormalized,
// path.segments), and the generator's values.
func gitParams(g map[string]any, goTemplate bool, options []string, self func(string) bool, repo Repository) (params []map[string]any, why string, err error) {
	url := str(g["repoURL"])
	if self == nil || !self(url) {
		return nil, fmt.Sprintf("the git generator reads %s, not this repository", url), nil
	}
	dirs := list(g["directories"])
	if len(dirs) == 0 {
		return nil, "the git generator's files form is not read here", nil
	}
	type pattern struct {
		path    string
		exclude bool
	}
	var pats []pattern
	for _, d := range dirs {
		m, _ := d.(map[string]any)
		pats = append(pats, pattern{str(m["path"]), m["exclude"] == true})
	}
	prefix := str(g["pathParamPrefix"])
	values, _ := g["values"].(map[string]any)
	for _, dir := range repo.Dirs() {
		include, exclude := false, false
		for _, p := range pats {
			ok, err := path.Match(p.path, dir)
			if err != nil || !ok {
				continue
			}
			if p.exclude {
				exclude = true
			} else {
				include = true
			}
		}
		if !include || exclude {
			continue
		}
		p := map[string]any{}
		if goTemplate {
			pp := map[string]any{"path": dir, "basename": path.Base(dir), "basenameNormalized": sanitizeName(path.Base(dir)), "segments": toAny(strings.Split(dir, "/"))}
			if prefix != "" {
				p[prefix] = map[string]any{"path": pp}
			} else {
				p["path"] = pp
			}
		} else {
			name := "path"
			if prefix != "" {
				name = prefix + ".path"
			}
			p[name] = dir
			p[name+".basename"] = path.Base(dir)
			p[name+".basenameNormalized"] = sanitizeName(path.Base(dir))
			for k, v := range strings.Split(dir, "/") {
				if v != "" {
					p[name+"["+strconv.Itoa(k)+"]"] = v
				}
			}
		}
		if err := appendValues(values, p, goTemplate, options); err != nil {
			return nil, "", err
		}
		params = append(params, p)
	}
	return params, "", nil
}

// appendValues is appendTemplatedValues of argo-cd: each generator value
// templated with the parameters so far, as values.KEY (or, with
// goTemplate, under values).
func appendValues(values map[string]any, p map[string]any, goTemplate bool, options []string) error {
	if len(values) == 0 {
		return nil
	}
	out := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		s, _ := values[k].(string)
		v, err := replace(s, p, goTemplate, options)
		if err != nil {
			return fmt.Errorf("values.%s: %w", k, err)
		}
		if goTemplate {
			out[k] = v
		} else {
			p["values."+k] = v
		}
	}
	if goTemplate {
		p["values"] = out
	}
	return nil
}

// mergeTemplate fills what a generator's own template leaves out from the
// ApplicationSet's (mergo.Merge, as the controller merges them).
func mergeTemplate(own, base map[string]any) map[string]any {
	out := maps.Clone(own)
	for k, bv := range base {
		ov, ok := out[k]
		if !ok || ov == nil || ov == "" {
			out[k] = bv
			continue
		}
		om, ok1 := ov.(map[string]any)
		bm, ok2 := bv.(map[string]any)
		if ok1 && ok2 {
			out[k] = mergeTemplate(om, bm)
		}
	}
	return out
}

// renderTemplate templates every string of v, keys included, with the
// parameters of one generated application.
func renderTemplate(v any, p map[string]any, goTemplate bool, options []string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e == nil {
				continue
			}
			nv, err := renderTemplate(e, p, goTemplate, options)
			if err != nil {
				return nil, err
			}
			nk, err := replace(k, p, goTemplate, options)
			if err != nil {
				return nil, err
			}
			out[nk] = nv
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			nv, err := renderTemplate(e, p, goTemplate, options)
			if err != nil {
				return nil, err
			}
			out[i] = nv
		}
		return out, nil
	case string:
		return replace(x, p, goTemplate, options)
	}
	return v, nil
}

var isTemplated = regexp.MustCompile(`{{.*}}`)

// replace is Render.Replace of argo-cd: a Go template with Sprig's
// functions (those that read the environment or the network removed,
// normalize, toYaml, fromYaml and fromYamlArray added), or, without
// goTemplate, each {{ key }} that names a string parameter replaced and
// every other left as written.
func replace(s string, p map[string]any, goTemplate bool, options []string) (string, error) {
	if goTemplate {
		if !strings.Contains(s, "{{") {
			return s, nil
		}
		t := template.New("").Funcs(templateFuncs())
		for _, o := range options {
			t = t.Option(o)
		}
		t, err := t.Parse(s)
		if err != nil {
			return "", fmt.Errorf("failed to parse template %s: %w", s, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, p); err != nil {
			return "", fmt.Errorf("failed to execute go template %s: %w", s, err)
		}
		return b.String(), nil
	}
	if !isTemplated.MatchString(s) {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		tag := s[i+2 : i+2+j]
		b.WriteString(s[:i])
		if v, ok := p[strings.TrimSpace(tag)].(string); ok && strings.TrimSpace(tag) != "" {
			b.WriteString(v)
		} else {
			b.WriteString("{{" + tag + "}}")
		}
		s = s[i+2+j+2:]
	}
	b.WriteString(s)
	return b.String(), nil
}

func templateFuncs() template.FuncMap {
	f := sprig.GenericFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	delete(f, "getHostByName")
	f["normalize"] = sanitizeName
	f["toYaml"] = func(v any) (string, error) {
		b, err := sigsyaml.Marshal(v)
		return strings.TrimSuffix(string(b), "\n"), err
	}
	f["fromYaml"] = func(s string) (map[string]any, error) {
		m := map[string]any{}
		err := sigsyaml.Unmarshal([]byte(s), &m)
		return m, err
	}
	f["fromYamlArray"] = func(s string) ([]any, error) {
		a := []any{}
		err := sigsyaml.Unmarshal([]byte(s), &a)
		return a, err
	}
	return f
}

var invalidDNSNameChars = regexp.MustCompile("[^-a-z0-9.]")

// sanitizeName is SanitizeName of argo-cd: lower case, any character
// outside [-a-z0-9.] a dash, at most 253 characters, no leading or
// trailing dash or dot.
func sanitizeName(name string) string {
	name = invalidDNSNameChars.ReplaceAllString(strings.ToLower(name), "-")
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.Trim(name, "-.")
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// jsonClone is v as JSON would carry it.
func jsonClone(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
