// Command bench-bump generates the benchmark config repo of
// scripts/bench-bump/run.sh: go run ./scripts/bench-bump DIR [FILES REFERENCING].
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/gitops-actions/gitops-actions/internal/manifest/manifesttest"
)

func main() {
	if len(os.Args) != 2 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bench-bump DIR [FILES REFERENCING]")
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
