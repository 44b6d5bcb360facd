package cli

import "fmt"

// CheckOutputs checks that the files the outputs and the summary go to can
// be written, without writing to them: each is opened for appending
// (created if missing, as the writer would) and, on unix, given a write of
// no bytes, which a full device refuses. In Actions those are
// $GITHUB_OUTPUT, which must be set, as it must be to the writer, and
// $GITHUB_STEP_SUMMARY (skipped when unset); elsewhere the file the outputs
// go to, if any (see flush). --outputs-file is checked in both. A command
// that changes files calls it before it changes anything, so that a run
// that could not report what it did does nothing.
func (r *Run) CheckOutputs() error {
	if r.InActions() {
		for _, name := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
			p := r.Getenv(name)
			if p == "" && name == "GITHUB_OUTPUT" {
				return fmt.Errorf("%s is not set: the runner sets it for every step, and the outputs would have nowhere to go", name)
			}
			if p == "" {
				continue
			}
			if err := probeAppend(p); err != nil {
				return fmt.Errorf("%s %q cannot be written: %w", name, p, err)
			}
		}
	}
	for _, p := range r.outputFiles() {
		if r.InActions() && p == r.Getenv("GITHUB_OUTPUT") {
			continue // checked above, by its name
		}
		if err := probeAppend(p); err != nil {
			return fmt.Errorf("the outputs file %q cannot be written: %w", p, err)
		}
	}
	return nil
}
