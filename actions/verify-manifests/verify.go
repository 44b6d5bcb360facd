// Package verifymanifests is the verify-manifests action. Not implemented yet.
package verifymanifests

import "github.com/gitops-actions/gitops-actions/internal/cli"

// Command is the verify-manifests subcommand.
var Command = cli.NotImplemented("verify-manifests", "Validate every manifest of a GitOps config repo offline and report findings (not implemented yet).")
