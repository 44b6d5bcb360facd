package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Outside GitHub Actions nobody parses the log for workflow commands: a
// person reads it on a terminal, and standard output is left to what a
// command is for (a diff to pipe into git apply, a report). Messages are
// then plain text with real line breaks, and the outputs a short list on
// standard error, unless --outputs-file (or $GITHUB_OUTPUT) names a file
// for them.

// OutputsFileFlag is the flag every command takes besides its inputs: the
// file its outputs are appended to, in the format of $GITHUB_OUTPUT.
const OutputsFileFlag = "outputs-file"

// plain makes a message safe for a terminal and keeps it readable: line
// breaks stay line breaks (each following line indented by two spaces, so
// that a message of several lines reads as one), tabs stay tabs, and every
// other character that could move the cursor, clear the screen, recolour
// or reorder what follows (C0 and C1 controls, DEL, ANSI escapes, Unicode
// bidirectional overrides) is written as a Go escape, e.g. \x1b.
func plain(s string) string {
	return terminalText(s, true)
}

// plainValue is plain for a value inside a line of ours (a file name, a
// tag): a line break in it is escaped too, so that it cannot start a line
// that looks like one of ours.
func plainValue(s string) string {
	return terminalText(s, false)
}

func terminalText(s string, breaks bool) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && breaks:
			b.WriteString("\n  ")
		case r == '\r' && breaks && i+1 < len(s) && s[i+1] == '\n':
			// A CRLF line break is a line break.
		case r == '\t':
			b.WriteByte('\t')
		case unsafeRune(r):
			q := fmt.Sprintf("%+q", string(r)) // "\x1b", "\u202e"
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for _, r := range s {
		if r == '\n' || r == utf8.RuneError || unsafeRune(r) {
			return true
		}
	}
	return false
}

// unsafeRune reports whether r changes how a terminal shows what follows:
// a control character (C0, DEL, C1) or a bidirectional formatting
// character (the "Trojan Source" ones, CVE-2021-42574).
func unsafeRune(r rune) bool {
	switch {
	case r == '\t':
		return false
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	}
	return false
}

// Limits of the outputs list on a terminal: a person reads it; a script
// reads --outputs-file.
const (
	listLineRunes = 200
	listLines     = 10
)

// writeOutputList writes the outputs as a short list a person reads:
//
//	outputs:
//	  changed: true
//	  files:
//	    env/a.yaml
//	    env/b.yaml
//
// A value longer than the list shows is cut, saying so.
func writeOutputList(w io.Writer, outputs []outputValue) error {
	if len(outputs) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("outputs:\n")
	cut := false
	for _, o := range outputs {
		lines := strings.Split(strings.TrimSuffix(o.value, "\n"), "\n")
		if len(lines) == 1 {
			line, c := clip(lines[0])
			cut = cut || c
			fmt.Fprintf(&b, "  %s: %s\n", o.name, plainValue(line))
			continue
		}
		fmt.Fprintf(&b, "  %s:\n", o.name)
		for i, line := range lines {
			if i == listLines {
				fmt.Fprintf(&b, "    … %d more lines\n", len(lines)-i)
				cut = true
				break
			}
			line, c := clip(line)
			cut = cut || c
			fmt.Fprintf(&b, "    %s\n", plainValue(line))
		}
	}
	if cut {
		fmt.Fprintf(&b, "  (values cut short; --%s FILE writes them whole)\n", OutputsFileFlag)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// clip cuts a line to listLineRunes runes, and says whether it did.
func clip(line string) (string, bool) {
	if utf8.RuneCountInString(line) <= listLineRunes {
		return line, false
	}
	r := []rune(line)
	return string(r[:listLineRunes-1]) + "…", true
}

// outputValue is one output as the list shows it.
type outputValue struct {
	name, value string
}

// resolvePath makes a path given on the command line relative to dir, the
// command's working directory.
func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}
