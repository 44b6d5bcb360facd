package finding

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxValue is the number of characters of a quoted value a message keeps,
// and MaxMessage the number of characters of a whole message: a schema
// error quoting a 1 MB string, or a build error quoting a whole file,
// must not flood a log, an annotation or a report.
const (
	MaxValue   = 200
	MaxMessage = 1000
)

// Shorten cuts every double-quoted value of a message (Go's %q or JSON,
// backslash escapes included) that is longer than MaxValue characters to
// its first MaxValue, as "abc…" (N bytes), then the whole message to
// MaxMessage characters, as …  (N bytes). A short message is returned as
// it is. Engines call it once per finding, where findings leave them.
func Shorten(msg string) string {
	if utf8.RuneCountInString(msg) <= MaxValue {
		return msg // no value in it can be too long
	}
	var b strings.Builder
	for i := 0; i < len(msg); {
		q := strings.IndexByte(msg[i:], '"')
		if q < 0 {
			b.WriteString(msg[i:])
			break
		}
		b.WriteString(msg[i : i+q+1])
		start := i + q + 1
		end := quotedEnd(msg, start) // index of the closing quote, or len(msg)
		value := msg[start:end]
		if utf8.RuneCountInString(value) > MaxValue {
			b.WriteString(cutQuoted(value, MaxValue))
			b.WriteString("…")
			if end < len(msg) {
				b.WriteByte('"')
			}
			fmt.Fprintf(&b, " (%d bytes)", len(value))
		} else {
			b.WriteString(value)
			if end < len(msg) {
				b.WriteByte('"')
			}
		}
		i = end + 1
	}
	out := b.String()
	if utf8.RuneCountInString(out) > MaxMessage {
		out = cutRunes(out, MaxMessage) + fmt.Sprintf("… (%d bytes)", len(out))
	}
	return out
}

// quotedEnd returns the index of the quote that closes a value starting
// at start, skipping backslash escapes; len(s) when none does.
func quotedEnd(s string, start int) int {
	for j := start; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(s)
}

// cutQuoted keeps the first n characters of a quoted value, never cutting
// an escape sequence (\", \u00e9, \x1b) in two.
func cutQuoted(v string, n int) string {
	i := 0
	for count := 0; i < len(v) && count < n; count++ {
		if v[i] != '\\' || i+1 >= len(v) {
			_, size := utf8.DecodeRuneInString(v[i:])
			i += size
			continue
		}
		switch v[i+1] {
		case 'u':
			i += 6
		case 'U':
			i += 10
		case 'x':
			i += 4
		default:
			if v[i+1] >= '0' && v[i+1] <= '7' {
				i += 4 // octal \ooo
			} else {
				i += 2
			}
		}
	}
	return v[:min(i, len(v))]
}

// cutRunes keeps the first n characters of s.
func cutRunes(s string, n int) string {
	i := 0
	for count := 0; i < len(s) && count < n; count++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}
