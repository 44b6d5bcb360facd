package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/spelling"
)

// ConfigFile is where a repository keeps its configuration, at the root of
// the working directory.
const ConfigFile = ".gitops-actions.yaml"

// Config is what a repository's configuration file says of verify-manifests:
//
//	verify-manifests:
//	  pod-security: restricted
//	  rules:
//	    run-as-non-root: off
//	    no-read-only-root-fs: error
//	    image-digest-required: on
type Config struct {
	// Rules maps a rule id to "on", "off", or a severity ("error",
	// "warning", "notice"), which also turns it on.
	Rules map[string]string
	// PodSecurity is the level of the namespaces the repository does not
	// label: "privileged", "baseline" or "restricted"; "" leaves the
	// default.
	PodSecurity string
}

// configSchema is the JSON Schema of the configuration file. Rule ids are
// checked apart, for a message that names the unknown one.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "verify-manifests": {
      "type": ["object", "null"],
      "additionalProperties": false,
      "properties": {
        "pod-security": {"enum": ["privileged", "baseline", "restricted"]},
        "rules": {
          "type": ["object", "null"],
          "additionalProperties": {"enum": ["on", "off", "error", "warning", "notice", true, false]}
        }
      }
    }
  }
}`

// ParseConfig reads a configuration file: YAML that its schema accepts,
// naming only rules of the catalogue. name is the file, for messages.
func ParseConfig(name string, data []byte) (Config, error) {
	var cfg Config
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return cfg, fmt.Errorf("reading %q: %w", name, err)
	}
	if doc == nil {
		return cfg, nil // an empty file
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return cfg, fmt.Errorf("reading %q: %w (keys must be strings)", name, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return cfg, fmt.Errorf("reading %q: %w", name, err)
	}
	top, _ := inst.(map[string]any)
	vm, _ := top["verify-manifests"].(map[string]any)
	rules, _ := vm["rules"].(map[string]any)
	for _, id := range sortedKeys(rules) {
		if !knownRule(id) {
			return cfg, fmt.Errorf("%q: verify-manifests.rules: unknown rule %q%s (known rules: gitops-actions verify-manifests --list-rules)", name, id, suggestRule(id))
		}
	}
	if err := compiledConfigSchema().Validate(inst); err != nil {
		return cfg, fmt.Errorf("%q does not match its schema: %s", name, schemaMessage(err))
	}
	cfg.PodSecurity, _ = vm["pod-security"].(string)
	if len(rules) > 0 {
		cfg.Rules = map[string]string{}
		for id, v := range rules {
			switch x := v.(type) {
			case bool:
				cfg.Rules[id] = map[bool]string{true: "on", false: "off"}[x]
			case string:
				cfg.Rules[id] = x
			}
		}
	}
	return cfg, nil
}

// compiledConfigSchema compiles configSchema; it is a constant of the
// program, so a failure is a bug.
func compiledConfigSchema() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(configSchema))
	if err != nil {
		panic("verify: the configuration schema is not JSON: " + err.Error())
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.json", doc); err != nil {
		panic("verify: " + err.Error())
	}
	return c.MustCompile("config.json")
}

var configPrinter = message.NewPrinter(language.English)

// schemaMessage says where and how a file breaks the schema: each leaf
// error as "at verify-manifests.rules.x: message".
func schemaMessage(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		at := strings.Join(e.InstanceLocation, ".")
		if at == "" {
			at = "the top level"
		}
		out = append(out, "at "+at+": "+e.ErrorKind.LocalizedString(configPrinter))
	}
	walk(ve)
	sort.Strings(out)
	return strings.Join(slices.Compact(out), "; ")
}

// suggestRule names the rule of the catalogue an unknown id most likely
// meant: the nearest within two edits, or one that contains it; "" when
// none is near.
func suggestRule(id string) string {
	best, dist := "", 3
	for _, r := range RuleIDs() {
		if d := spelling.Distance(id, r); d < dist {
			best, dist = r, d
		}
	}
	if best == "" {
		for _, r := range RuleIDs() {
			if strings.Contains(r, id) {
				best = r
				break
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// Apply returns the rule set with the configuration's rules applied on top.
// It fails only on what ParseConfig lets through when cfg was made by
// hand.
func (rs RuleSet) Apply(cfg Config) (RuleSet, error) {
	out := rs.clone()
	for _, id := range keys(cfg.Rules) {
		if !knownRule(id) {
			return rs, fmt.Errorf("unknown rule %q", id)
		}
		switch v := cfg.Rules[id]; v {
		case "on":
			out.on[id] = true
		case "off":
			out.on[id] = false
		default:
			s, err := finding.ParseSeverity(v)
			if err != nil {
				return rs, fmt.Errorf("rule %q: %w", id, err)
			}
			out.on[id] = true
			out.sev[id] = s
		}
	}
	return out, nil
}

func (rs RuleSet) clone() RuleSet {
	out := RuleSet{on: map[string]bool{}, sev: map[string]finding.Severity{}}
	for k, v := range rs.on {
		out.on[k] = v
	}
	for k, v := range rs.sev {
		out.sev[k] = v
	}
	return out
}
