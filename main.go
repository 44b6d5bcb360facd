// Command gitops-actions is the one binary behind every gitops-actions
// action: gitops-actions <command> [flags].
package main

import (
	"context"
	_ "embed"
	"os"
	"os/signal"
	"strings"
	"syscall"

	bumpimage "github.com/gitops-actions/gitops-actions/actions/bump-image"
	"github.com/gitops-actions/gitops-actions/actions/promote"
	verifymanifests "github.com/gitops-actions/gitops-actions/actions/verify-manifests"
	"github.com/gitops-actions/gitops-actions/internal/cli"
	"github.com/gitops-actions/gitops-actions/internal/gcpolicy"
)

// version is what the release build stamps with -ldflags
// "-X main.version=..." (the image's VERSION build argument); a build from
// source leaves it empty and reports sourceVersion.
var version string

// sourceVersion is the file VERSION: the release this source is, or is to
// become.
//
//go:embed VERSION
var sourceVersion string

func main() {
	// A run is a short batch job: pace the collector for it (GOGC and
	// GOMEMLIMIT still win).
	gcpolicy.Apply(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	dir, _ := os.Getwd()
	env := &cli.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Dir: dir, Version: buildVersion()}
	code := cli.Main(ctx, commands(), os.Args, env)
	stop()
	os.Exit(code)
}

// commands lists every subcommand; the root action.yml is rendered from it.
func commands() []cli.Command {
	return []cli.Command{bumpimage.Command, verifymanifests.Command, promote.Command, cli.VersionCommand}
}

// buildVersion is the stamped version, else the one VERSION holds.
func buildVersion() string {
	if version != "" {
		return version
	}
	return strings.TrimSpace(sourceVersion)
}
