package verifymanifests

import (
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/cli/clitest"
)

func TestActionFiles(t *testing.T) {
	clitest.CheckContract(t, &Spec, ".", "../../Dockerfile", []string{"verify-manifests"})
}
