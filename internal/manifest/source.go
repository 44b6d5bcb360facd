package manifest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// source is the bytes of one YAML file with what is needed to go from a
// node's line and column to a byte offset.
type source struct {
	data      []byte // without a UTF-8 BOM
	bom       bool
	lineStart []int
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func newSource(raw []byte) *source {
	s := &source{data: raw}
	if bytes.HasPrefix(raw, utf8BOM) {
		s.bom, s.data = true, raw[len(utf8BOM):]
	}
	s.lineStart = []int{0}
	for i, c := range s.data {
		if c == '\n' {
			s.lineStart = append(s.lineStart, i+1)
		}
	}
	return s
}

// bytes returns the file content with its BOM restored.
func (s *source) bytes(data []byte) []byte {
	if !s.bom {
		return data
	}
	return append(append([]byte{}, utf8BOM...), data...)
}

// offset converts a yaml.v3 position (1-based line, 1-based column counted
// in characters) to a byte offset.
func (s *source) offset(line, col int) (int, error) {
	if line < 1 || line > len(s.lineStart) {
		return 0, fmt.Errorf("line %d out of range", line)
	}
	off := s.lineStart[line-1]
	for i := 1; i < col; i++ {
		if off >= len(s.data) || s.data[off] == '\n' {
			return 0, fmt.Errorf("column %d beyond line %d", col, line)
		}
		_, size := utf8.DecodeRune(s.data[off:])
		off += size
	}
	return off, nil
}

// lineEnd returns the offset just past the line break of the line holding
// off (or len(data) on the last line without one).
func (s *source) lineEnd(off int) int {
	if i := bytes.IndexByte(s.data[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(s.data)
}

// lineBreak returns the line break the file uses at off's line ("\r\n" or
// "\n"), defaulting to "\n".
func (s *source) lineBreak(off int) string {
	end := s.lineEnd(off)
	if end >= 2 && s.data[end-1] == '\n' && s.data[end-2] == '\r' {
		return "\r\n"
	}
	if end > 0 && s.data[end-1] == '\n' {
		return "\n"
	}
	// The last line has none: take the first line's.
	if i := bytes.IndexByte(s.data, '\n'); i > 0 && s.data[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// span is the byte range of a scalar's text, quotes included.
type span struct{ start, end int }

// scalarSpan finds the bytes of a single-line scalar node, after any anchor
// or tag, and checks that they read back as the node's value; a scalar it
// cannot locate exactly is never edited.
func (s *source) scalarSpan(n *yaml.Node) (span, error) {
	if n.Kind != yaml.ScalarNode {
		return span{}, fmt.Errorf("not a scalar")
	}
	off, err := s.offset(n.Line, n.Column)
	if err != nil {
		return span{}, err
	}
	d := s.data
	// Skip properties: "&anchor " and "!tag ".
	for off < len(d) && (d[off] == '&' || d[off] == '!') {
		for off < len(d) && d[off] != ' ' && d[off] != '\t' && d[off] != '\n' && d[off] != '\r' {
			off++
		}
		for off < len(d) && (d[off] == ' ' || d[off] == '\t') {
			off++
		}
	}
	switch n.Style &^ (yaml.TaggedStyle | yaml.FlowStyle) {
	case 0: // plain
		if strings.ContainsAny(n.Value, "\n") || !bytes.HasPrefix(d[off:], []byte(n.Value)) {
			return span{}, fmt.Errorf("plain scalar %q is not on one line", n.Value)
		}
		return span{off, off + len(n.Value)}, nil
	case yaml.SingleQuotedStyle:
		if off >= len(d) || d[off] != '\'' {
			return span{}, fmt.Errorf("expected a single quote")
		}
		var v strings.Builder
		for i := off + 1; i < len(d); i++ {
			switch d[i] {
			case '\n', '\r':
				return span{}, fmt.Errorf("quoted scalar spans lines")
			case '\'':
				if i+1 < len(d) && d[i+1] == '\'' {
					v.WriteByte('\'')
					i++
					continue
				}
				if v.String() != n.Value {
					return span{}, fmt.Errorf("quoted text does not read back as %q", n.Value)
				}
				return span{off, i + 1}, nil
			default:
				v.WriteByte(d[i])
			}
		}
	case yaml.DoubleQuotedStyle:
		if off >= len(d) || d[off] != '"' {
			return span{}, fmt.Errorf("expected a double quote")
		}
		for i := off + 1; i < len(d); i++ {
			switch d[i] {
			case '\n', '\r':
				return span{}, fmt.Errorf("quoted scalar spans lines")
			case '\\':
				i++
			case '"':
				if got, err := strconv.Unquote(string(d[off : i+1])); err != nil || got != n.Value {
					return span{}, fmt.Errorf("quoted text does not read back as %q", n.Value)
				}
				return span{off, i + 1}, nil
			}
		}
	default:
		return span{}, fmt.Errorf("block scalars are not edited")
	}
	return span{}, fmt.Errorf("unterminated quoted scalar")
}

// renderer renders values, remembering which are safe as plain scalars:
// that takes a YAML parse, and a file's edits mostly write one value.
type renderer map[string]bool

// render writes value in the style of the scalar it replaces, keeping its
// type: a plain scalar whose new text YAML would read as a number, boolean or
// null (a tag like 1.20) is double-quoted instead.
func (r renderer) render(value string, style yaml.Style) string {
	switch style &^ (yaml.TaggedStyle | yaml.FlowStyle) {
	case yaml.SingleQuotedStyle:
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case yaml.DoubleQuotedStyle:
		return strconv.Quote(value)
	}
	safe, ok := r[value]
	if !ok {
		safe = plainSafe(value)
		r[value] = safe
	}
	if safe {
		return value
	}
	return strconv.Quote(value)
}

// plainSafe reports whether value, written plain, reads back as the same
// string in any context, flow collections included.
func plainSafe(value string) bool {
	if value == "" || value != strings.TrimSpace(value) || strings.ContainsAny(value, "\n\r\t,[]{}#") ||
		strings.Contains(value, ": ") || strings.HasSuffix(value, ":") ||
		strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", rune(value[0])) {
		return false
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(value), &n); err != nil || len(n.Content) != 1 {
		return false
	}
	c := n.Content[0]
	return c.Kind == yaml.ScalarNode && c.Tag == "!!str" && c.Value == value && c.Style == 0
}

// looksUTF16 reports whether data starts like UTF-16 text: a byte order
// mark, or a zero byte in its first character (YAML text starts with no
// NUL in UTF-8).
func looksUTF16(data []byte) bool {
	if len(data) < 2 {
		return false
	}
	return data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF || data[0] == 0 || data[1] == 0
}

// utf16Text decodes UTF-16 data (little-endian unless a mark or the first
// character says otherwise) to UTF-8, for the screen only.
func utf16Text(data []byte) []byte {
	be := data[0] == 0xFE || data[0] == 0 && data[1] != 0
	u := make([]uint16, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		if be {
			u = append(u, uint16(data[i])<<8|uint16(data[i+1]))
		} else {
			u = append(u, uint16(data[i+1])<<8|uint16(data[i]))
		}
	}
	return []byte(string(utf16.Decode(u)))
}

// invalidUTF8Line returns the line of the first byte of data that is not
// UTF-8, or 0 when all of it is.
func invalidUTF8Line(data []byte) int {
	if utf8.Valid(data) {
		return 0
	}
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size == 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line
}
