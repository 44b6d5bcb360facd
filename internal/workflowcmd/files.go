package workflowcmd

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Output is one step output: a name the action declares and its value.
type Output struct {
	Name, Value string
}

// FormatOutputs renders outputs the way the runner reads $GITHUB_OUTPUT
// (actions/runner, src/Runner.Worker/FileCommandManager.cs,
// EnvFileKeyValuePairs): NAME<<DELIMITER, the value, DELIMITER, each on its
// own line, for every value, single-line or not.
//
// Each value gets its own delimiter, "ghadelimiter_" and 128 bits read from
// random, as the toolkit's prepareKeyValueMessage does; a delimiter that
// occurs in the value is drawn again. A fixed delimiter would let a value
// that holds it close the block and write outputs of its own. A name that
// is not an output identifier ([A-Za-z_][A-Za-z0-9_-]*) is an error: the
// runner would read "=" or "<<" in it as the start of the value.
func FormatOutputs(outputs []Output, random io.Reader) (string, error) {
	var b strings.Builder
	for _, o := range outputs {
		if !validName(o.Name) {
			return "", fmt.Errorf("output name %q is not an identifier ([A-Za-z_][A-Za-z0-9_-]*)", o.Name)
		}
		delim, err := delimiter(o.Value, random)
		if err != nil {
			return "", fmt.Errorf("output %q: %w", o.Name, err)
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	return b.String(), nil
}

// delimiter draws a delimiter that does not occur in value. With 128 random
// bits a second draw practically never happens; the bound keeps a broken
// random source from looping forever.
func delimiter(value string, random io.Reader) (string, error) {
	var buf [16]byte
	for range 8 {
		if _, err := io.ReadFull(random, buf[:]); err != nil {
			return "", fmt.Errorf("drawing a delimiter: %w", err)
		}
		d := "ghadelimiter_" + hex.EncodeToString(buf[:])
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
	return "", errors.New("drawing a delimiter: every draw occurs in the value")
}

func validName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && (r == '-' || '0' <= r && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// AppendOutputs appends outputs to the file at path, $GITHUB_OUTPUT, in one
// write, with delimiters from crypto/rand.
func AppendOutputs(path string, outputs []Output) error {
	text, err := FormatOutputs(outputs, rand.Reader)
	if err != nil {
		return err
	}
	return appendFile(path, text)
}

// AppendSummary appends Markdown to the file at path, $GITHUB_STEP_SUMMARY.
// The runner reads the file whole as Markdown (CreateStepSummaryCommand),
// so nothing in it can be taken for a command or an output.
func AppendSummary(path, markdown string) error {
	return appendFile(path, markdown)
}

// appendFile appends text to the file the runner created for the step. It
// creates the file when it is missing, as the toolkit does.
func appendFile(path, text string) (err error) {
	if path == "" {
		return errors.New("no file to write to: the runner sets its path in the environment")
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.WriteString(f, text)
	return err
}
