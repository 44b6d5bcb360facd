// Package cli holds what every gitops-actions command shares: the list of
// inputs a command declares, reading them from flags or from the runner's
// INPUT_* variables, writing outputs and the step summary, and the exit codes.
package cli

import (
	"errors"
	"fmt"
)

// Exit codes, the one table the binary, the actions and the README share.
const (
	// ExitOK means the command did its job, whether or not anything changed.
	ExitOK = 0
	// ExitFailed means the job failed: findings at or above the threshold, an
	// image referenced nowhere, a refused downgrade.
	ExitFailed = 1
	// ExitUsage means bad usage or bad input: an unknown flag, an invalid
	// image reference, a path outside the working directory.
	ExitUsage = 2
	// ExitInternal means the tool itself could not do its job.
	ExitInternal = 3
)

// ExitCodes documents the table above for --help and the README.
var ExitCodes = []struct {
	Code    int
	Meaning string
}{
	{ExitOK, "success, whether or not anything changed"},
	{ExitFailed, "the job failed (for example an image referenced nowhere, a refused downgrade, findings at or above fail-on)"},
	{ExitUsage, "bad usage or bad input (unknown flag, invalid image reference, path outside the working directory, malformed input)"},
	{ExitInternal, "internal error: the tool itself could not do its job"},
}

// ExitError carries the exit code an error maps to. Errors without one are
// internal errors.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// UsageError marks err as bad usage or bad input (exit 2).
func UsageError(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// Usagef formats a bad-usage error (exit 2).
func Usagef(format string, args ...any) error {
	return UsageError(fmt.Errorf(format, args...))
}

// FailedError marks err as a failure of the job (exit 1).
func FailedError(err error) error { return &ExitError{Code: ExitFailed, Err: err} }

// Failedf formats a failure of the job (exit 1).
func Failedf(format string, args ...any) error {
	return FailedError(fmt.Errorf(format, args...))
}

// CodeOf returns the exit code for err: 0 for nil, the code of the first
// ExitError in its chain, else ExitInternal.
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitInternal
}
