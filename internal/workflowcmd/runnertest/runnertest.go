// Package runnertest is the runner's side of workflow commands, ported from
// actions/runner so that tests can read what a step wrote the way the runner
// reads it: the outputs in $GITHUB_OUTPUT, and the log lines it takes as
// commands.
//
// Sources (actions/runner at 258d6c8):
//   - src/Runner.Worker/FileCommandManager.cs, EnvFileKeyValuePairs: the
//     $GITHUB_OUTPUT parser (Linux line endings);
//   - src/Runner.Common/ActionCommand.cs, TryParseV2 and TryParse: the two
//     command syntaxes;
//   - src/Runner.Worker/ActionCommandManager.cs: the registered commands;
//   - src/Runner.Sdk/ProcessInvoker.cs: output read with StreamReader.ReadLine,
//     which ends a line at "\n", "\r" or "\r\n".
package runnertest

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Output is one name and value the runner read from $GITHUB_OUTPUT.
type Output struct {
	Name, Value string
}

// ReadOutputs parses text as the runner parses $GITHUB_OUTPUT: NAME=VALUE
// lines and NAME<<DELIMITER blocks, whichever separator comes first; empty
// lines are skipped. It returns the outputs in order (a name may repeat;
// the last one wins in the runner) and the error the runner would fail the
// step with.
func ReadOutputs(text string) ([]Output, error) {
	var out []Output
	index := 0
	for {
		line, _, ok := readLine(text, &index)
		if !ok {
			return out, nil
		}
		if line == "" {
			continue
		}
		equals := strings.Index(line, "=")
		heredoc := strings.Index(line, "<<")
		switch {
		case equals >= 0 && (heredoc < 0 || equals < heredoc):
			name, value, _ := strings.Cut(line, "=")
			out = append(out, Output{name, value})
		case heredoc >= 0 && (equals < 0 || heredoc < equals):
			name, delim, _ := strings.Cut(line, "<<")
			if name == "" || delim == "" {
				return out, fmt.Errorf("invalid format %q: name must not be empty and delimiter must not be empty", line)
			}
			start, end := index, index
			for {
				l, newline, ok := readLine(text, &index)
				if !ok {
					return out, fmt.Errorf("invalid value: matching delimiter not found %q", delim)
				}
				if l == delim {
					break
				}
				if newline == "" {
					return out, errors.New("invalid value: EOF marker missing new line")
				}
				end = index - len(newline)
			}
			value := ""
			if end > start {
				value = text[start:end]
			}
			out = append(out, Output{name, value})
		default:
			return out, fmt.Errorf("invalid format %q", line)
		}
	}
}

// readLine is EnvFileKeyValuePairs.ReadLine on Linux: a line ends at "\n"
// only; ok is false at the end of text.
func readLine(text string, index *int) (line, newline string, ok bool) {
	if *index >= len(text) {
		return "", "", false
	}
	start := *index
	lf := strings.IndexByte(text[start:], '\n')
	if lf < 0 {
		*index = len(text)
		return text[start:], "", true
	}
	*index = start + lf + 1
	return text[start : start+lf], "\n", true
}

// registered are the commands the runner knows (ActionCommandManager.cs);
// a line naming another command is printed as it is.
var registered = map[string]bool{
	"stop-commands": true, "set-env": true, "set-output": true, "save-state": true,
	"add-mask": true, "add-path": true, "add-matcher": true, "remove-matcher": true,
	"debug": true, "warning": true, "error": true, "notice": true,
	"group": true, "endgroup": true, "echo": true,
}

// Command is a workflow command the runner would obey.
type Command struct {
	Name string
	// Properties are the key=value pairs, undecoded.
	Properties string
	// Data is the text after the command, undecoded.
	Data string
	// Line is the log line it came from.
	Line string
}

// Lines splits log output as the runner reads it: at "\n", "\r" or "\r\n".
func Lines(log string) []string {
	var lines []string
	for len(log) > 0 {
		i := strings.IndexAny(log, "\r\n")
		if i < 0 {
			lines = append(lines, log)
			break
		}
		lines = append(lines, log[:i])
		if log[i] == '\r' && i+1 < len(log) && log[i+1] == '\n' {
			i++
		}
		log = log[i+1:]
	}
	return lines
}

// ParseLine reports the command the runner would take line for, if any:
// "::name props::data" after leading white space, else "##[name props]data"
// anywhere in the line. The runner compares with .NET's culture-sensitive
// StartsWith and IndexOf, which skip characters such as U+00AD and U+0000;
// to err on the safe side, ParseLine also tries the line without format and
// control characters.
func ParseLine(line string) (Command, bool) {
	return parseLine(line, registered)
}

func parseLine(line string, known map[string]bool) (Command, bool) {
	for _, l := range []string{line, strings.Map(dropIgnorable, line)} {
		if c, ok := parseV2(l, known); ok {
			c.Line = line
			return c, true
		}
		if c, ok := parseV1(l, known); ok {
			c.Line = line
			return c, true
		}
	}
	return Command{}, false
}

func dropIgnorable(r rune) rune {
	if r != '\t' && (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r)) {
		return -1
	}
	return r
}

func parseV2(line string, known map[string]bool) (Command, bool) {
	// .NET's String.TrimStart removes Char.IsWhiteSpace, the set of Go's
	// unicode.IsSpace.
	msg := strings.TrimLeftFunc(line, unicode.IsSpace)
	if !strings.HasPrefix(msg, "::") {
		return Command{}, false
	}
	end := strings.Index(msg[2:], "::")
	if end < 0 {
		return Command{}, false
	}
	info := msg[2 : 2+end]
	name, props, _ := strings.Cut(info, " ")
	if !known[strings.ToLower(name)] {
		return Command{}, false
	}
	return Command{Name: name, Properties: props, Data: msg[2+end+2:], Line: line}, true
}

func parseV1(line string, known map[string]bool) (Command, bool) {
	i := strings.Index(line, "##[")
	if i < 0 {
		return Command{}, false
	}
	rb := strings.IndexByte(line[i:], ']')
	if rb < 0 {
		return Command{}, false
	}
	info := line[i+3 : i+rb]
	name, props, _ := strings.Cut(info, " ")
	if !known[strings.ToLower(name)] {
		return Command{}, false
	}
	return Command{Name: name, Properties: props, Data: line[i+rb+1:], Line: line}, true
}

// Commands returns every command the runner would obey in log, in order.
// Like the runner (ActionCommandManager.TryProcessCommand), it obeys
// nothing after ::stop-commands::TOKEN but the command named TOKEN, which
// resumes; both are returned.
func Commands(log string) []Command {
	var out []Command
	known := registered
	stopped := ""
	for _, l := range Lines(log) {
		c, ok := parseLine(l, known)
		switch {
		case !ok:
		case stopped != "":
			if strings.EqualFold(c.Name, stopped) {
				out = append(out, c)
				known, stopped = registered, ""
			}
		case strings.EqualFold(c.Name, "stop-commands"):
			out = append(out, c)
			stopped = c.Data
			known = map[string]bool{strings.ToLower(stopped): true}
			for k := range registered {
				known[k] = true
			}
		default:
			out = append(out, c)
		}
	}
	return out
}

// DecodeData decodes a command's data as the runner does (UnescapeData):
// one replacement after the other, %25 last.
func DecodeData(s string) string {
	for _, m := range [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}} {
		s = strings.ReplaceAll(s, m[0], m[1])
	}
	return s
}

// DecodeProperty decodes a command property's value as the runner does
// (UnescapeProperty).
func DecodeProperty(s string) string {
	for _, m := range [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%3A", ":"}, {"%2C", ","}, {"%25", "%"}} {
		s = strings.ReplaceAll(s, m[0], m[1])
	}
	return s
}

// Props splits the command's properties as the runner does (split at ',',
// then at the first '=', decoded with UnescapeProperty).
func (c Command) Props() map[string]string {
	m := map[string]string{}
	for _, p := range strings.Split(strings.TrimSpace(c.Properties), ",") {
		k, v, ok := strings.Cut(p, "=")
		if ok && k != "" && v != "" {
			m[k] = DecodeProperty(v)
		}
	}
	return m
}
