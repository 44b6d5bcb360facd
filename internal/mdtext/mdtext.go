// Package mdtext renders text that comes from a repository, a pull request
// or a commit into GitHub Markdown as the text it is: on one line when it
// must be, with nothing in it read as markup, a link, a mention or the end
// of a code span or block.
package mdtext

import (
	"strings"
	"unicode"
)

// OneLine makes s safe for one line: control characters (line breaks among
// them, and U+2028/U+2029) become spaces, runs of space shrink to one, and
// it is cut to max runes, the last of them an ellipsis.
func OneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

var escape = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`,
	"|", `\|`, "#", `\#`, "~", `\~`, "!", `\!`, "(", `\(`, ")", `\)`, "&", `\&`, "@", `\@`,
)

// Escape escapes every character Markdown could read as markup, a link or
// a mention, so that s renders as the text it is (on the lines it has).
func Escape(s string) string { return escape.Replace(s) }

// Text is s on one line, cut to max runes and escaped.
func Text(s string, max int) string { return Escape(OneLine(s, max)) }

// longestRun is the length of the longest run of r in s.
func longestRun(s string, r rune) int {
	longest, run := 0, 0
	for _, c := range s {
		if c == r {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// Code renders s, on one line and cut to max runes, as a code span that
// survives a table cell: fenced by more backticks than it holds, padded
// where it starts or ends with one, its pipes escaped (GitHub splits a
// table's cells before it reads spans).
func Code(s string, max int) string {
	s = OneLine(s, max)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		s = " " + s + " "
	}
	return strings.ReplaceAll(fence+s+fence, "|", `\|`)
}

// Fence is the fence of a code block that holds body: at least three
// backticks, and more than any run of backticks in body, so that no line
// of body can close the block early.
func Fence(body string) string {
	return strings.Repeat("`", max(3, longestRun(body, '`')+1))
}

// URL renders a URL as a Markdown link target: the characters that would
// end the target or the line are percent-encoded or dropped.
func URL(s string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "\n", "", "\r", "").Replace(s)
}
