// Package clitest checks the contract files of a command (action.yml, the
// README inputs table) against its spec.
package clitest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitops-actions/gitops-actions/internal/cli"
)

// update rewrites generated contract files (action.yml, README tables) when
// tests run with -update.
var update = flag.Bool("update", false, "rewrite generated action.yml files and README input tables")

// CheckContract is the test every action package runs: the committed
// action.yml must equal the one rendered from spec, must parse, and must
// declare exactly the spec's inputs (each of which is a flag); the README must
// carry the inputs table. With -update it rewrites both instead.
func CheckContract(t *testing.T, spec *cli.Spec, dir, image string, args []string) {
	t.Helper()
	wantYAML := cli.ActionYAML(spec, image, args)
	ymlPath := filepath.Join(dir, "action.yml")
	readmePath := filepath.Join(dir, "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatalf("reading README: %v", err)
	}
	wantReadme, err := cli.ReplaceTable(string(readme), cli.InputsTable(spec))
	if err != nil {
		t.Fatalf("%s: %v", readmePath, err)
	}
	if *update {
		if err := os.WriteFile(ymlPath, wantYAML, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(readmePath, []byte(wantReadme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(ymlPath)
	if err != nil {
		t.Fatalf("reading action.yml: %v", err)
	}
	if !bytes.Equal(got, wantYAML) {
		t.Errorf("%s is not what the spec renders; run go test ./... -run TestActionFiles -update\n--- got\n%s\n--- want\n%s", ymlPath, got, wantYAML)
	}
	if string(readme) != wantReadme && !*update {
		t.Errorf("%s: inputs table differs from the spec; run go test ./... -run TestActionFiles -update", readmePath)
	}

	// Independently of the rendering, parse the file as the runner would and
	// compare inputs and outputs with the flags.
	var parsed struct {
		Inputs map[string]struct {
			Required bool    `yaml:"required"`
			Default  *string `yaml:"default"`
		} `yaml:"inputs"`
		Outputs map[string]any `yaml:"outputs"`
	}
	if err := yaml.Unmarshal(got, &parsed); err != nil {
		t.Fatalf("parsing %s: %v", ymlPath, err)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	for _, in := range spec.Inputs {
		fs.String(in.Name, in.Default, in.Description)
	}
	seen := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		seen[f.Name] = true
		in, ok := parsed.Inputs[f.Name]
		if !ok {
			t.Errorf("flag --%s has no input in %s", f.Name, ymlPath)
			return
		}
		def := ""
		if in.Default != nil {
			def = *in.Default
		}
		if def != f.DefValue {
			t.Errorf("input %q: action.yml default %q, flag default %q", f.Name, def, f.DefValue)
		}
	})
	for name := range parsed.Inputs {
		if !seen[name] {
			t.Errorf("input %q of %s is no flag", name, ymlPath)
		}
	}
	for _, o := range spec.Outputs {
		if _, ok := parsed.Outputs[o.Name]; !ok {
			t.Errorf("output %q missing from %s", o.Name, ymlPath)
		}
	}
	if len(parsed.Outputs) != len(spec.Outputs) {
		t.Errorf("%s declares %d outputs, the spec %d", ymlPath, len(parsed.Outputs), len(spec.Outputs))
	}
}
