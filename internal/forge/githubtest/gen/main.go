// Command gen extracts the operations that package githubtest serves from
// GitHub's OpenAPI description into testdata/openapi-subset.json.
//
// Run it from anywhere inside the module:
//
//	go run ./internal/forge/githubtest/gen
//
// By default it reads ../shared/github/api.github.com.json beside the module
// root (npm package @octokit/openapi) and writes
// internal/forge/githubtest/testdata/openapi-subset.json. The output depends
// only on the input file and the route table, so running it twice gives the
// same bytes.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gitops-actions/gitops-actions/internal/forge/githubtest"
	"github.com/gitops-actions/gitops-actions/internal/sharedtest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	src := fs.String("src", "", "GitHub's OpenAPI description (default: <module root>/../shared/github/api.github.com.json)")
	out := fs.String("out", "", "subset to write (default: <module root>/internal/forge/githubtest/testdata/openapi-subset.json)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *src == "" || *out == "" {
		root, err := sharedtest.ModuleRoot()
		if err != nil {
			fmt.Fprintf(stderr, "gen: %v\n", err)
			return 3
		}
		if *src == "" {
			*src = filepath.Join(root, "..", "shared", "github", "api.github.com.json")
		}
		if *out == "" {
			*out = filepath.Join(root, "internal", "forge", "githubtest", "testdata", "openapi-subset.json")
		}
	}
	desc, err := os.ReadFile(*src)
	if err != nil {
		fmt.Fprintf(stderr, "gen: reading description: %v\n", err)
		return 1
	}
	subset, err := githubtest.Subset(desc)
	if err != nil {
		fmt.Fprintf(stderr, "gen: %q: %v\n", *src, err)
		return 1
	}
	if err := os.WriteFile(*out, subset, 0o644); err != nil {
		fmt.Fprintf(stderr, "gen: %v\n", err)
		return 1
	}
	return 0
}
