// Package workflowcmd speaks the runner's two channels: workflow commands
// printed to the log (::warning file=F::message, ::add-mask::value) and the
// file commands behind $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY.
//
// Values read from a repository or a pull request are hostile: a file name,
// an image tag or a YAML error may hold a line break followed by ::error, or
// a "##[" anywhere. Every value printed to the log goes through Escape, and
// every output through a delimiter drawn at random for it, so no value can
// start a workflow command or forge an output.
package workflowcmd

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns v made safe to print anywhere in a line of the runner's
// log, including inside a command's data.
//
// The runner (actions/runner, src/Runner.Common/ActionCommand.cs) takes a
// line as a command when, after its leading white space, it starts with
// "::" (TryParseV2), or when "##[" appears anywhere in it (TryParse, the
// old syntax, still honoured). So Escape
//   - percent-encodes '%', CR and LF, as the toolkit's escapeData does: the
//     value cannot end the line, and the runner decodes exactly these three
//     in a command's data, so a message or a mask keeps its text;
//   - percent-encodes a ':' that comes before anything but white space
//     (%3A), so the value cannot give a line its leading "::";
//   - percent-encodes a '[' that follows a '#' or opens the value (%5B), and
//     a '#' that closes it (%23), so no "##[" forms inside the value or
//     across its edges.
//
// The runner compares with .NET's culture-sensitive StartsWith and IndexOf,
// which skip characters such as U+00AD and U+0000, so Escape looks through
// format and control characters when it decides what comes first or next.
//
// The last two show as written in a command's data (the runner does not
// decode them there); no legitimate value of ours begins with ':' or '['.
func Escape(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	lead := true      // only blanks written so far
	afterHash := true // the last rune that counts is '#', or none yet
	// last is where the last rune that counts starts.
	last := len(strings.TrimRightFunc(v, ignorable))
	if _, size := utf8.DecodeLastRuneInString(v[:last]); last > 0 {
		last -= size
	}
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == '%':
			b.WriteString("%25")
		case r == '\r':
			b.WriteString("%0D")
		case r == '\n':
			b.WriteString("%0A")
		case r == ':' && lead:
			b.WriteString("%3A")
		case r == '[' && afterHash:
			b.WriteString("%5B")
		case r == '#' && i == last:
			b.WriteString("%23")
		default:
			// The original bytes, even when they are not UTF-8.
			b.WriteString(v[i : i+size])
		}
		if !blank(r) {
			lead = false
		}
		if !ignorable(r) {
			afterHash = r == '#'
		}
		i += size
	}
	return b.String()
}

// blank reports whether r may stand before a command's "::" on a line: the
// runner trims Char.IsWhiteSpace (Go's unicode.IsSpace) from the start of a
// line, and its culture-sensitive StartsWith skips ignorable characters.
func blank(r rune) bool {
	return unicode.IsSpace(r) || ignorable(r)
}

// ignorable reports whether .NET's culture-sensitive comparisons may skip
// r, as they skip U+00AD or U+0000: format and control characters (CR and
// LF never reach the output unescaped).
func ignorable(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r)
}

// escapeProperty escapes a command property's value: Escape, plus ':' and
// ',' which would end the value (ActionCommand.cs, _escapePropertyMappings).
var escapeProperty = strings.NewReplacer(":", "%3A", ",", "%2C")

// Property is one key=value of a workflow command, e.g. file=app.yaml.
type Property struct {
	Key, Value string
}

// Command renders the line ::name key=value,...::data (without its line
// break). name and the keys are ours; every value and data go through
// Escape.
func Command(name string, props []Property, data string) string {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(name)
	sep := " "
	for _, p := range props {
		if p.Value == "" {
			continue
		}
		b.WriteString(sep)
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(escapeProperty.Replace(Escape(p.Value)))
		sep = ","
	}
	b.WriteString("::")
	b.WriteString(Escape(data))
	return b.String()
}

// Annotation renders an ::error, ::warning or ::notice command pinned to a
// file, line and column when they are known (zero values are left out; a
// column without a line means nothing to the runner).
func Annotation(level, file string, line, col int, title, message string) string {
	var props []Property
	props = append(props, Property{"file", file})
	if line > 0 {
		props = append(props, Property{"line", fmt.Sprint(line)})
		if col > 0 {
			props = append(props, Property{"col", fmt.Sprint(col)})
		}
	}
	props = append(props, Property{"title", title})
	return Command(level, props, message)
}

// Mask renders the ::add-mask:: command that makes the runner replace
// secret with *** in the log from then on.
func Mask(secret string) string {
	return Command("add-mask", nil, secret)
}
