// Command image lays out the image's root filesystem in a directory the way
// the Dockerfile's final stage holds it, without Docker: the binary built
// as the Dockerfile builds it, this machine's CA bundle in place of the
// build image's, and /tmp. It prints the size of the files, the image's
// size before compression. scripts/image/build.sh builds an image from it.
//
//	go run ./scripts/image -o DIR [-version 1.2.3]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gitops-actions/gitops-actions/internal/imagetest"
)

func main() {
	out := flag.String("o", "", "the directory to lay the root filesystem out in (must not exist)")
	version := flag.String("version", "", "the version to stamp, as the release's VERSION build argument (empty: the file VERSION)")
	goarch := flag.String("arch", runtime.GOARCH, "the architecture to build for")
	flag.Parse()
	if err := run(*out, *version, *goarch); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(out, version, goarch string) error {
	if out == "" {
		return fmt.Errorf("-o is required")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%q exists", out)
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		return fmt.Errorf("run from the module root: %w", err)
	}
	im, err := imagetest.Parse(df)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "image-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "gitops-actions")
	if err := im.BuildBinary(".", bin, map[string]string{"VERSION": version, "TARGETOS": "linux", "TARGETARCH": goarch}); err != nil {
		return err
	}
	size, err := im.LayOut(out, bin, os.ReadFile)
	if err != nil {
		return err
	}
	fmt.Printf("%d bytes (%.1f MB) in %d files: %v\n", size, float64(size)/1e6, len(im.Files)+1, im.Paths())
	return nil
}
