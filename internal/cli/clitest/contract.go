// Package clitest checks the contract files of a command (action.yml, the
// README inputs table) against its spec, and runs commands in-process.
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

// Contract names one action's generated files and what the runner is to
// run.
type Contract struct {
	Spec *cli.Spec
	// Dir is the directory of the action's action.yml: the path users
	// write in uses: (".", "bump-image").
	Dir string
	// Image is runs.image, e.g. docker://ghcr.io/OWNER/NAME:v1.2.3.
	Image string
	// Args are runs.args: the command, or ${{ inputs.command }}.
	Args []string
	// README carries the inputs and outputs table between the markers
	// named by Spec.Name (cli.TableMarkers).
	README string
	// Table, when set, is the table the README must carry instead of the
	// spec's own (the root action's index, cli.IndexTable).
	Table string
}

// CheckContract is the test every action runs: the committed action.yml
// must equal the one rendered from the spec, must parse, and must declare
// exactly the spec's inputs (each of which is a flag) and outputs; the
// README must carry the spec's table. With -update it rewrites both
// instead.
func CheckContract(t *testing.T, c Contract) {
	t.Helper()
	wantYAML := cli.ActionYAML(c.Spec, c.Image, c.Args)
	ymlPath := filepath.Join(c.Dir, "action.yml")
	readme, err := os.ReadFile(c.README)
	if err != nil {
		t.Fatalf("reading README: %v", err)
	}
	table := c.Table
	if table == "" {
		table = cli.InputsTable(c.Spec)
	}
	wantReadme, err := cli.ReplaceTable(string(readme), c.Spec.Name, table)
	if err != nil {
		t.Fatalf("%s: %v", c.README, err)
	}
	if *update {
		if err := os.MkdirAll(c.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ymlPath, wantYAML, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c.README, []byte(wantReadme), 0o644); err != nil {
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
		t.Errorf("%s: the table of %s differs from the spec; run go test ./... -run TestActionFiles -update", c.README, c.Spec.Name)
	}

	// Independently of the rendering, parse the file as the runner would and
	// compare inputs and outputs with the flags.
	var parsed struct {
		Inputs map[string]struct {
			Required bool    `yaml:"required"`
			Default  *string `yaml:"default"`
		} `yaml:"inputs"`
		Outputs map[string]any `yaml:"outputs"`
		Runs    struct {
			Using string   `yaml:"using"`
			Image string   `yaml:"image"`
			Args  []string `yaml:"args"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(got, &parsed); err != nil {
		t.Fatalf("parsing %s: %v", ymlPath, err)
	}
	if parsed.Runs.Using != "docker" || parsed.Runs.Image != c.Image {
		t.Errorf("%s runs %q with %q, want docker with %q", ymlPath, parsed.Runs.Using, parsed.Runs.Image, c.Image)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	for _, in := range c.Spec.Inputs {
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
	for _, o := range c.Spec.Outputs {
		if _, ok := parsed.Outputs[o.Name]; !ok {
			t.Errorf("output %q missing from %s", o.Name, ymlPath)
		}
	}
	if len(parsed.Outputs) != len(c.Spec.Outputs) {
		t.Errorf("%s declares %d outputs, the spec %d", ymlPath, len(parsed.Outputs), len(c.Spec.Outputs))
	}
}
