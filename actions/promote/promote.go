// Package promote is the promote action: release tags, release notes,
// promotion between environments and rollback. Not implemented yet.
package promote

import "github.com/gitops-actions/gitops-actions/internal/cli"

// Command is the promote subcommand.
var Command = cli.NotImplemented("promote", "Tag a release, write release notes, promote image tags from one environment to the next, roll back (not implemented yet).")
