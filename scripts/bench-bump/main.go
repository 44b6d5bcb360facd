// Command bench-bump serves scripts/bench-bump/run.sh:
//
//	bench-bump DIR [FILES REFERENCING]   generates the benchmark config repo
//	bench-bump -minimal-writer DIR TAG   rewrites it as a minimal writer does
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/gitops-actions/gitops-actions/internal/manifest/manifesttest"
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "-minimal-writer" {
		n, err := minimalWrite(os.Args[2], os.Args[3])
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-bump:", err)
			os.Exit(1)
		}
		fmt.Println(n, "files rewritten")
		return
	}
	if len(os.Args) != 2 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bench-bump DIR [FILES REFERENCING] | bench-bump -minimal-writer DIR TAG")
		os.Exit(2)
	}
	files, referencing := 10000, 2000
	if len(os.Args) == 4 {
		var err1, err2 error
		files, err1 = strconv.Atoi(os.Args[2])
		referencing, err2 = strconv.Atoi(os.Args[3])
		if err1 != nil || err2 != nil || referencing <= 0 || referencing > files {
			fmt.Fprintln(os.Stderr, "bench-bump: FILES and REFERENCING must be counts, REFERENCING <= FILES")
			os.Exit(2)
		}
	}
	if err := manifesttest.GenerateRepo(os.Args[1], files, referencing); err != nil {
		fmt.Fprintln(os.Stderr, "bench-bump:", err)
		os.Exit(1)
	}
}

// version is every form the generated tree gives the image's version: a
// container string, a kustomization's newTag, Helm values' tag.
var version = regexp.MustCompile(`(` + regexp.QuoteMeta(manifesttest.Image) + `:|newTag: |tag: )v[0-9]+\.[0-9]+\.[0-9]+`)

// minimalWrite is the floor bump-image is measured against: it reads every
// file under dir, one after another, and rewrites each that names the
// image, its version replaced, through a temporary file beside it and a
// rename. Nothing more: no YAML, no lock, no check that every file can be
// written before the first is replaced, nothing put back on a failure.
func minimalWrite(dir, tag string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(data, []byte(manifesttest.Image)) {
			return err
		}
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, version.ReplaceAll(data, []byte("${1}"+tag)), 0o644); err != nil {
			return err
		}
		n++
		return os.Rename(tmp, p)
	})
	return n, err
}
