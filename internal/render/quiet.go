package render

import (
	"io"
	"log"
	"os"
	"sync"
)

// kustomize writes its deprecation warnings straight to os.Stderr
// (KustTarget.Load prints "# Warning: 'bases' is deprecated ..." for
// every kustomization that uses an old field) and a few more through the
// log package. verify-manifests reports the same as kustomize-deprecated
// findings, pinned to the field; on the job's log they are noise, once per
// build of every overlay. While any build runs, both go nowhere. Helm
// warns through the log package too (log.Printf and slog's default
// logger, which writes through it), quoting values and keys a pull
// request wrote: a chart renders hushed as well (a helmCharts entry
// inside its kustomization's build).
//
// Nothing of gitops-actions writes to os.Stderr while it is swapped: the
// commands write to the writers they were given at start, and a panic's
// message goes to file descriptor 2 itself, not through os.Stderr.
var hush struct {
	mu        sync.Mutex
	n         int
	stderr    *os.File
	logOutput io.Writer
	devNull   *os.File
}

// hushKustomize silences kustomize until the function it returns is
// called; calls nest, from any goroutine.
func hushKustomize() (restore func()) {
	hush.mu.Lock()
	defer hush.mu.Unlock()
	if hush.n == 0 {
		if hush.devNull == nil {
			f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			if err != nil {
				return func() {} // kustomize's lines are printed: no harm done
			}
			hush.devNull = f
		}
		hush.stderr, hush.logOutput = os.Stderr, log.Writer()
		os.Stderr = hush.devNull
		log.SetOutput(io.Discard)
	}
	hush.n++
	return func() {
		hush.mu.Lock()
		defer hush.mu.Unlock()
		hush.n--
		if hush.n == 0 {
			os.Stderr = hush.stderr
			log.SetOutput(hush.logOutput)
		}
	}
}
