package main

import (
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
)

// rootSpec is the root action: the same binary with a command input.
func rootSpec() cli.Spec {
	var specs []cli.Spec
	for _, c := range commands() {
		if c.Spec.Name != "version" {
			specs = append(specs, c.Spec)
		}
	}
	return cli.Union("gitops-actions", "GitOps promotion in one suite: bump image tags in a config repo, verify its manifests, promote and roll back releases.", specs)
}

func TestActionFiles(t *testing.T) {
	spec := rootSpec()
	clitest.CheckContract(t, &spec, ".", "Dockerfile", []string{"${{ inputs.command }}"})
}
