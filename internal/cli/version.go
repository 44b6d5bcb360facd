package cli

import (
	"context"
	"fmt"
)

// VersionCommand prints the tool's version.
var VersionCommand = Command{
	Spec: Spec{Name: "version", Description: "Print the version of gitops-actions."},
	Run: func(_ context.Context, r *Run) error {
		_, err := fmt.Fprintf(r.Stdout, "gitops-actions %s\n", r.Version)
		return err
	},
}

// NotImplemented returns a command that answers with a usage error until its
// engine lands.
func NotImplemented(name, description string) Command {
	return Command{
		Spec: Spec{Name: name, Description: description},
		Run: func(context.Context, *Run) error {
			return Usagef("%s is not implemented yet", name)
		},
	}
}
