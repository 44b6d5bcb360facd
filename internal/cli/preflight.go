package cli

import "fmt"

// CheckOutputs checks, in Actions, that $GITHUB_OUTPUT and
// $GITHUB_STEP_SUMMARY can be written, without writing to them: each is
// opened for appending (created if missing, as the writer would) and, on
// unix, given a write of no bytes, which a full device refuses; an unset
// GITHUB_OUTPUT is an error, as it is to the writer (the summary is then
// skipped). A command that changes files calls it before it changes
// anything, so that a run that could not report what it did does nothing.
// Outside Actions outputs go to standard output, and there is nothing to
// check.
func (e *Env) CheckOutputs() error {
	if !e.InActions() {
		return nil
	}
	for _, name := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		p := e.Getenv(name)
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
	return nil
}
