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

// zwj is the zero-width joiner Escape puts where GitHub would otherwise
// link the text: it reads as nothing, and breaks the pattern.
const zwj = "\u200d"

// markup are the characters Markdown could read as markup, a link or the
// end of a table cell; a backslash makes each literal.
const markup = "\\`*_[]<>|#~!()&"

// Escape escapes every character Markdown could read as markup or a link,
// so that s renders as the text it is (on the lines it has), and breaks
// what GitHub links after it has rendered the Markdown, where a backslash
// no longer counts (github/markup#1168, cmark-gfm#181): a mention
// (@user, @org/team), a reference (#123, GH-123, owner/repo#123), and a
// bare URL or address (https://…, www.…, a@b.c), each with a zero-width
// joiner after the character that starts it.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(markup, c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
		switch {
		case c == '@' || c == '#':
			b.WriteString(zwj)
		case c == ':' && strings.HasPrefix(s[i+1:], "//"):
			b.WriteString(zwj)
		case (c == 'w' || c == 'W') && i >= 2 && strings.EqualFold(s[i-2:i+1], "www") && strings.HasPrefix(s[i+1:], "."):
			b.WriteString(zwj)
		case c == '-' && i >= 2 && strings.EqualFold(s[i-2:i], "gh") && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			b.WriteString(zwj)
		}
	}
	return b.String()
}

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

// Cell keeps Markdown of the tool's own (a description that holds code
// spans or links on purpose) in one table cell: line breaks become
// spaces, and pipes, which would end the cell, are escaped. Text from a
// repository goes through Text or Code instead.
func Cell(s string) string {
	return strings.ReplaceAll(OneLine(s, len(s)+1), "|", `\|`)
}

// Link renders a link whose text is Markdown already (Text, Code, or the
// tool's own words) to url; with no url it is the text alone.
func Link(text, url string) string {
	if url == "" {
		return text
	}
	return "[" + text + "](" + URL(url) + ")"
}
