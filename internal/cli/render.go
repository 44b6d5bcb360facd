package cli

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/mdtext"
)

// ActionYAML renders the action.yml of spec: the contract the runner reads.
// It is generated from the spec (the single source of truth) and a test keeps
// the committed file equal to it.
func ActionYAML(spec *Spec, image string, args []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Generated from the command's spec (internal/cli); edit the Go spec, then run\n# go test ./... -run TestActionFiles -update\n")
	fmt.Fprintf(&b, "name: %s\n", yamlString("gitops-actions "+spec.Name))
	fmt.Fprintf(&b, "description: %s\n", yamlString(spec.Description))
	fmt.Fprintf(&b, "author: gitops-actions\n")
	fmt.Fprintf(&b, "branding:\n  icon: git-pull-request\n  color: blue\n")
	fmt.Fprintf(&b, "inputs:\n")
	for _, in := range spec.Inputs {
		fmt.Fprintf(&b, "  %s:\n", in.Name)
		fmt.Fprintf(&b, "    description: %s\n", yamlString(in.Description))
		fmt.Fprintf(&b, "    required: %t\n", in.Required)
		if in.Default != "" {
			fmt.Fprintf(&b, "    default: %s\n", yamlString(in.Default))
		}
	}
	if len(spec.Outputs) > 0 {
		fmt.Fprintf(&b, "outputs:\n")
		for _, o := range spec.Outputs {
			fmt.Fprintf(&b, "  %s:\n    description: %s\n", o.Name, yamlString(o.Description))
		}
	}
	fmt.Fprintf(&b, "runs:\n  using: docker\n  image: %s\n", yamlString(image))
	if len(args) > 0 {
		fmt.Fprintf(&b, "  args:\n")
		for _, a := range args {
			fmt.Fprintf(&b, "    - %s\n", yamlString(a))
		}
	}
	return b.Bytes()
}

// yamlString quotes s as a YAML double-quoted scalar.
func yamlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// InputsTable renders the Markdown table of inputs and outputs that a README
// carries between the markers <!-- inputs --> and <!-- /inputs -->.
func InputsTable(spec *Spec) string {
	var b strings.Builder
	b.WriteString("| input (flag) | required | default | description |\n|---|---|---|---|\n")
	for _, in := range spec.Inputs {
		req := "no"
		if in.Required {
			req = "yes"
		}
		def := ""
		if in.Default != "" {
			def = "`" + in.Default + "`"
		}
		how := "`--" + in.Name + "`"
		if in.Arg {
			how = "first argument"
		}
		fmt.Fprintf(&b, "| `%s` (%s) | %s | %s | %s |\n", in.Name, how, req, def, mdCell(in.Description))
	}
	if len(spec.Outputs) > 0 {
		b.WriteString("\n| output | description |\n|---|---|\n")
		for _, o := range spec.Outputs {
			fmt.Fprintf(&b, "| `%s` | %s |\n", o.Name, mdCell(o.Description))
		}
	}
	return b.String()
}

// IndexTable renders the table of the root action, which takes every
// command's inputs: each input and output with the commands that take or
// set it, linked to their references (<command>/README.md), where each is
// described once.
func IndexTable(specs []Spec) string {
	type row struct {
		name string
		by   []string
	}
	var ins, outs []*row
	inIdx, outIdx := map[string]*row{}, map[string]*row{}
	link := func(cmd, anchor string) string {
		return fmt.Sprintf("[%s](%s/README.md#%s)", cmd, cmd, anchor)
	}
	for _, s := range specs {
		for _, in := range s.Inputs {
			r, ok := inIdx[in.Name]
			if !ok {
				r = &row{name: in.Name}
				inIdx[in.Name] = r
				ins = append(ins, r)
			}
			r.by = append(r.by, link(s.Name, "inputs-and-outputs"))
		}
		for _, o := range s.Outputs {
			r, ok := outIdx[o.Name]
			if !ok {
				r = &row{name: o.Name}
				outIdx[o.Name] = r
				outs = append(outs, r)
			}
			r.by = append(r.by, link(s.Name, "inputs-and-outputs"))
		}
	}
	var b strings.Builder
	b.WriteString("| input (flag) | taken by |\n|---|---|\n| `command` (first argument) | required: the command to run |\n")
	for _, r := range ins {
		fmt.Fprintf(&b, "| `%s` (`--%s`) | %s |\n", r.name, r.name, strings.Join(r.by, ", "))
	}
	b.WriteString("\n| output | set by |\n|---|---|\n")
	for _, r := range outs {
		fmt.Fprintf(&b, "| `%s` | %s |\n", r.name, strings.Join(r.by, ", "))
	}
	return b.String()
}

func mdCell(s string) string { return mdtext.Cell(s) }

// TableMarkers returns the comments that delimit the generated inputs
// table of the action name in a README: <!-- inputs NAME --> and
// <!-- /inputs NAME -->.
func TableMarkers(name string) (start, end string) {
	return "<!-- inputs " + name + " -->", "<!-- /inputs " + name + " -->"
}

// ReplaceTable returns readme with the text between the markers of the
// action name replaced by table, or an error when the markers are missing.
func ReplaceTable(readme, name, table string) (string, error) {
	start, end := TableMarkers(name)
	i := strings.Index(readme, start)
	j := strings.Index(readme, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("README has no %s ... %s markers", start, end)
	}
	return readme[:i+len(start)] + "\n" + table + readme[j:], nil
}

// Union builds the spec of the root action: a required command input plus
// every input and output of every command. An input several commands share
// keeps its default only where they agree (otherwise each command applies its
// own when the input is empty).
func Union(name, description string, specs []Spec) Spec {
	u := Spec{Name: name, Description: description}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	u.Inputs = append(u.Inputs, Input{Name: "command", Required: true, Arg: true, Description: "The command to run: " + strings.Join(names, ", ") + "."})
	index := map[string]int{}
	outIndex := map[string]bool{}
	for _, s := range specs {
		for _, in := range s.Inputs {
			i, ok := index[in.Name]
			if !ok {
				in.Required = false // required by one command, not by the others
				in.Description = s.Name + ": " + in.Description
				index[in.Name] = len(u.Inputs)
				u.Inputs = append(u.Inputs, in)
				continue
			}
			have := &u.Inputs[i]
			have.Description += " " + s.Name + ": " + in.Description
			if have.Default != in.Default {
				have.Default = ""
			}
			have.Secret = have.Secret || in.Secret
			if have.SecretParts == nil {
				have.SecretParts = in.SecretParts
			}
		}
		for _, o := range s.Outputs {
			if !outIndex[o.Name] {
				outIndex[o.Name] = true
				u.Outputs = append(u.Outputs, Output{Name: o.Name, Description: s.Name + ": " + o.Description})
			}
		}
	}
	return u
}
