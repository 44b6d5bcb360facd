package render

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// quickParse reads one YAML document in the shape manifests are written
// in, straight into the plain values toValue gives, without building a
// node tree: block mappings and sequences indented with spaces, plain and
// quoted scalars on one line, literal and folded block scalars, flow
// collections on one line, comments. Parsing a manifest with go.yaml.in/yaml
// into nodes was half of the time of a run over plain files; this is
// several times faster, and positions are only needed for documents with
// findings, which are parsed again, then, into nodes (Document.Node).
//
// Anything else (anchors, aliases, tags, merge keys, directives, a scalar
// over several lines, a flow collection over several lines, a duplicate
// key, a tab where indentation goes, whatever might be a syntax error) and
// ok is false: the caller parses the document with go.yaml.in/yaml, which
// says what is wrong and where. A fuzz test holds the two to the same
// values (FuzzQuickParse).
func quickParse(data string) (v any, ok bool) {
	if !quickSafe(data) {
		return nil, false
	}
	p := qparser{}
	if pooled, _ := linePool.Get().(*[]qline); pooled != nil {
		p.lines = (*pooled)[:0]
	}
	defer func() {
		clear(p.lines)
		linePool.Put(&p.lines)
	}()
	if !p.split(data) {
		return nil, false
	}
	i, ok := p.next(0)
	if !ok || i == len(p.lines) {
		return nil, false
	}
	l := p.lines[i]
	switch {
	case isSeqItem(l.text):
		v, i, ok = p.seq(i, l.indent)
	case isKeyLine(l.text):
		v, i, ok = p.mapping(i, l.indent)
	default:
		return nil, false // a scalar or flow document: not a manifest
	}
	if !ok {
		return nil, false
	}
	if i, ok = p.next(i); !ok || i != len(p.lines) {
		return nil, false
	}
	return v, true
}

// quickSafe reports whether data holds only characters YAML reads as
// themselves: no control character, no lone carriage return, no byte order
// mark or Unicode line break (NEL, LS, PS) that the parser would read as
// something else, and valid UTF-8.
func quickSafe(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			ascii = false
		case c == '\r':
			if i+1 == len(s) || s[i+1] != '\n' {
				return false
			}
		case c < 0x20 && c != '\t' && c != '\n', c == 0x7f:
			return false
		}
	}
	if ascii {
		return true
	}
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r >= 0x80 && !(r >= 0xA0 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD && r != 0xFEFF || r >= 0x10000) {
			return false
		}
		if r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return true
}

// qline is one line: the spaces that indent it, and what follows them,
// without the line break.
type qline struct {
	indent int
	text   string
}

// from returns the line from column c (0-based), c at most its indentation.
func (l qline) from(c int) string {
	if l.indent == c {
		return l.text
	}
	return strings.Repeat(" ", l.indent-c) + l.text
}

// linePool keeps the lines of a document between documents: a worker
// parses thousands of them one after the other.
var linePool sync.Pool

type qparser struct {
	lines []qline
	// broken is set when the last line ends with a line break.
	broken bool
}

// split cuts data into lines; a first line that is a document marker
// ("---", or "--- # comment") is left out, anything else on it refuses.
func (p *qparser) split(s string) bool {
	p.broken = strings.HasSuffix(s, "\n")
	for len(s) > 0 {
		j := strings.IndexByte(s, '\n')
		var raw string
		if j < 0 {
			raw, s = s, ""
		} else {
			raw, s = s[:j], s[j+1:]
		}
		raw = strings.TrimSuffix(raw, "\r")
		n := 0
		for n < len(raw) && raw[n] == ' ' {
			n++
		}
		p.lines = append(p.lines, qline{indent: n, text: raw[n:]})
	}
	if len(p.lines) > 0 && p.lines[0].indent == 0 {
		if t := p.lines[0].text; strings.HasPrefix(t, "---") {
			rest := strings.TrimLeft(t[3:], " \t")
			if len(t) > 3 && t[3] != ' ' && t[3] != '\t' || rest != "" && rest[0] != '#' {
				return false
			}
			p.lines[0] = qline{}
		}
	}
	return true
}

// next returns the first line at or after i that holds something other
// than blanks and a comment; ok is false when a tab is in a line's
// indentation (go.yaml.in/yaml/v3 refuses one at or left of the block's
// indentation even on a blank line) or a line is a document marker.
func (p *qparser) next(i int) (int, bool) {
	for ; i < len(p.lines); i++ {
		t := p.lines[i].text
		if t == "" || t[0] == '#' {
			continue
		}
		if t[0] == '\t' {
			return i, false
		}
		if p.lines[i].indent == 0 && (strings.HasPrefix(t, "---") || strings.HasPrefix(t, "...")) {
			return i, false
		}
		return i, true
	}
	return i, true
}

func isSeqItem(t string) bool {
	return t == "-" || strings.HasPrefix(t, "- ")
}

// isKeyLine reports whether a line opens a mapping entry.
func isKeyLine(t string) bool {
	_, _, ok := splitKey(t)
	return ok
}

// splitKey splits "key: rest" into the key and what follows the colon
// and its space.
func splitKey(t string) (key, rest string, ok bool) {
	if t == "" {
		return "", "", false
	}
	switch t[0] {
	case '"', '\'':
		k, n, ok := quoted(t)
		if !ok {
			return "", "", false
		}
		r := strings.TrimLeft(t[n:], " ")
		if r == ":" {
			return k, "", true
		}
		if !strings.HasPrefix(r, ": ") {
			return "", "", false
		}
		rest = strings.TrimLeft(r[2:], " ")
		if rest != "" && rest[0] == '\t' {
			return "", "", false
		}
		return k, rest, true
	}
	if isIndicator(t[0]) {
		return "", "", false
	}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case ':':
			if i+1 < len(t) && t[i+1] == '\t' {
				// "key:<tab>": a value may not follow a tab here, a
				// comment may.
				if r := strings.TrimLeft(t[i+1:], " \t"); r != "" && r[0] != '#' {
					return "", "", false
				}
				k := strings.TrimRight(t[:i], " ")
				if k == "" || len(k) > 1024 || strings.ContainsAny(k, "\t") {
					return "", "", false
				}
				return k, "", true
			}
			if i+1 < len(t) && t[i+1] != ' ' {
				continue
			}
			k := strings.TrimRight(t[:i], " ")
			if k == "" || len(k) > 1024 || strings.ContainsAny(k, "\t") {
				return "", "", false
			}
			if i+1 == len(t) {
				return k, "", true
			}
			rest := strings.TrimLeft(t[i+2:], " ")
			if rest != "" && rest[0] == '\t' {
				return "", "", false
			}
			return k, rest, true
		case '#':
			if t[i-1] == ' ' {
				return "", "", false // a comment before any colon: no key
			}
		case '\t':
			return "", "", false
		}
	}
	return "", "", false
}

// isIndicator reports whether c, first in a plain scalar, would mean
// something else.
func isIndicator(c byte) bool {
	return strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", c) >= 0
}

// mapping reads a block mapping whose keys are indented by n, from line i.
func (p *qparser) mapping(i, n int) (any, int, bool) {
	m := map[string]any{}
	for {
		var ok bool
		if i, ok = p.next(i); !ok {
			return nil, i, false
		}
		if i == len(p.lines) || p.lines[i].indent < n {
			return m, i, true
		}
		l := p.lines[i]
		if l.indent > n {
			return nil, i, false
		}
		key, rest, ok := splitKey(l.text)
		if !ok || key == "<<" {
			return nil, i, false
		}
		if _, dup := m[key]; dup {
			return nil, i, false // reported, with both lines, by the parser that knows them
		}
		var v any
		if rest == "" || rest[0] == '#' {
			v, i, ok = p.nested(i+1, n, true)
		} else {
			v, i, ok = p.inline(rest, i, n)
		}
		if !ok {
			return nil, i, false
		}
		m[key] = v
	}
}

// nested reads the value of a key or item with nothing after it on its
// line: a block node indented more than n, a sequence at n when allowed
// (the value of a key), or null.
func (p *qparser) nested(i, n int, seqAtN bool) (any, int, bool) {
	j, ok := p.next(i)
	if !ok {
		return nil, j, false
	}
	if j == len(p.lines) {
		return nil, j, true
	}
	l := p.lines[j]
	switch {
	case l.indent > n && isSeqItem(l.text):
		return p.seq(j, l.indent)
	case l.indent > n && isKeyLine(l.text):
		return p.mapping(j, l.indent)
	case l.indent > n && (l.text[0] == '|' || l.text[0] == '>'):
		return nil, j, false // a block scalar's header on a line of its own: rare, left to the full parser
	case l.indent > n:
		// A flow collection or a scalar on a line of its own ("resources:"
		// then "  {}").
		return p.inline(l.text, j, n)
	case l.indent == n && seqAtN && isSeqItem(l.text):
		return p.seq(j, n)
	}
	return nil, j, true
}

// seq reads a block sequence whose dashes are indented by n, from line i.
func (p *qparser) seq(i, n int) (any, int, bool) {
	out := []any{}
	for {
		var ok bool
		if i, ok = p.next(i); !ok {
			return nil, i, false
		}
		if i == len(p.lines) || p.lines[i].indent < n || p.lines[i].indent == n && !isSeqItem(p.lines[i].text) {
			return out, i, true
		}
		l := p.lines[i]
		if l.indent > n {
			return nil, i, false
		}
		rest := l.text[1:]
		spaces := len(rest) - len(strings.TrimLeft(rest, " "))
		rest = rest[spaces:]
		if rest != "" && rest[0] == '\t' {
			return nil, i, false
		}
		var v any
		switch {
		case rest == "" || rest[0] == '#':
			v, i, ok = p.nested(i+1, n, false)
		case isSeqItem(rest) || isKeyLine(rest):
			// "- key: value" or "- - item": a collection whose first line
			// shares the dash's; read it as if it began on a line of its
			// own, indented to where it starts.
			m := n + 1 + spaces
			p.lines[i] = qline{indent: m, text: rest}
			if isSeqItem(rest) {
				v, i, ok = p.seq(i, m)
			} else {
				v, i, ok = p.mapping(i, m)
			}
		default:
			v, i, ok = p.inline(rest, i, n)
		}
		if !ok {
			return nil, i, false
		}
		out = append(out, v)
	}
}

// inline reads the value written after a key or a dash on line i, whose
// parent is indented by n: a block scalar (which goes on over the next
// lines), a flow collection, a quoted or a plain scalar.
func (p *qparser) inline(t string, i, n int) (any, int, bool) {
	switch t[0] {
	case '|', '>':
		return p.blockScalar(t, i, n)
	case '{', '[':
		v, k, ok := flow(t, 0, 0)
		if !ok || !isBlankOrComment(t[k:]) {
			return nil, i, false
		}
		j, ok := p.after(i, n)
		return v, j, ok
	case '"', '\'':
		s, k, ok := quoted(t)
		if !ok || !isBlankOrComment(t[k:]) {
			return nil, i, false
		}
		j, ok := p.after(i, n)
		return s, j, ok
	}
	if isIndicator(t[0]) && !(t[0] == '-' || t[0] == '?' || t[0] == ':') || (t[0] == '-' || t[0] == '?' || t[0] == ':') && (len(t) == 1 || t[1] == ' ' || t[1] == '\t') {
		return nil, i, false
	}
	s := t
	for k := 1; k < len(s); k++ {
		if s[k] == '#' && (s[k-1] == ' ' || s[k-1] == '\t') {
			s = s[:k]
			break
		}
	}
	s = strings.TrimRight(s, " \t")
	if strings.Contains(s, ": ") || strings.Contains(s, ":\t") || strings.HasSuffix(s, ":") || strings.Contains(s, " #") {
		return nil, i, false
	}
	v := plainValue(s)
	j, ok := p.after(i, n)
	return v, j, ok
}

// after returns the line after a one-line value on line i: the value must
// not go on over a more indented line (a plain scalar over several lines,
// or a syntax error).
func (p *qparser) after(i, n int) (int, bool) {
	j, ok := p.next(i + 1)
	if !ok || j < len(p.lines) && p.lines[j].indent > n {
		return j, false
	}
	return j, true
}

// isBlankOrComment reports whether what follows a value on its line is
// nothing, or blanks and a comment (a "#" right after a value is not one).
func isBlankOrComment(s string) bool {
	if s != "" && s[0] != ' ' && s[0] != '\t' {
		return false
	}
	s = strings.TrimLeft(s, " \t")
	return s == "" || s[0] == '#'
}

// blockScalar reads a literal (|) or folded (>) block scalar whose header
// is t, on line i, under a parent indented by n.
func (p *qparser) blockScalar(t string, i, n int) (any, int, bool) {
	folded := t[0] == '>'
	h := t[1:]
	chomp := byte(0)
	if h != "" && (h[0] == '-' || h[0] == '+') {
		chomp, h = h[0], h[1:]
	}
	if h != "" && h[0] != ' ' && h[0] != '\t' || !isBlankOrComment(h) {
		return nil, i, false // an indentation indicator, or anything else
	}
	// The content is indented as its first line that is not blank.
	ci := -1
	j := i + 1
	for ; j < len(p.lines); j++ {
		l := p.lines[j]
		if l.text == "" {
			if j == i+1 || ci < 0 {
				// Leading blank lines: their spaces decide things the
				// parser that knows them must judge.
				if l.indent > 0 {
					return nil, i, false
				}
				continue
			}
			continue
		}
		if l.text[0] == '\t' && l.indent <= n {
			return nil, i, false
		}
		ci = l.indent
		break
	}
	if ci <= n || j > i+1 {
		// No content, or leading blank lines: rare; left to the full
		// parser.
		return nil, i, false
	}
	var lines []string
	last := -1     // index in lines of the last content line
	lastLine := -1 // index in p.lines of the last content line
	for j = i + 1; j < len(p.lines); j++ {
		l := p.lines[j]
		if l.text == "" {
			if l.indent > ci {
				if folded {
					return nil, i, false
				}
				lines = append(lines, l.from(ci))
				last, lastLine = len(lines)-1, j
				continue
			}
			lines = append(lines, "")
			continue
		}
		if l.indent < ci {
			break
		}
		c := l.from(ci)
		if folded && (c[0] == ' ' || c[0] == '\t') {
			return nil, i, false // a more indented line keeps its breaks: left to the full parser
		}
		lines = append(lines, c)
		last, lastLine = len(lines)-1, j
	}
	if j == len(p.lines) && !p.broken {
		// The text ends without a line break: a last line of text has
		// none to keep; a last line of blanks is read as if it had one.
		// Anything else is left to the full parser.
		if chomp == '+' || lastLine != len(p.lines)-1 || p.lines[lastLine].text == "" {
			return nil, j, false
		}
		chomp = '-'
	}
	trailing := len(lines) - 1 - last
	body := lines[:last+1]
	var b strings.Builder
	for k, c := range body {
		if k > 0 {
			switch {
			case !folded:
				b.WriteByte('\n')
			case body[k-1] == "" && c == "":
				b.WriteByte('\n')
			case body[k-1] == "":
			case c == "":
				b.WriteByte('\n')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(c)
	}
	switch chomp {
	case '-':
	case '+':
		b.WriteString(strings.Repeat("\n", 1+trailing))
	default:
		b.WriteByte('\n')
	}
	if j < len(p.lines) {
		if k, ok := p.next(j); !ok || k < len(p.lines) && p.lines[k].indent > n {
			return nil, j, false
		}
	}
	return b.String(), j, true
}

// flow reads a flow collection (or, inside one, a scalar) from t[k:] on one
// line; depth bounds the nesting.
func flow(t string, k, depth int) (any, int, bool) {
	if depth > 64 {
		return nil, k, false
	}
	k = skipSpaces(t, k)
	if k == len(t) {
		return nil, k, false
	}
	switch t[k] {
	case '{':
		m := map[string]any{}
		k = skipSpaces(t, k+1)
		if k < len(t) && t[k] == '}' {
			return m, k + 1, true
		}
		for {
			var key string
			var ok bool
			k = skipSpaces(t, k)
			if k < len(t) && (t[k] == '"' || t[k] == '\'') {
				var n int
				key, n, ok = quoted(t[k:])
				if !ok {
					return nil, k, false
				}
				k += n
			} else {
				start := k
				for k < len(t) && t[k] != ':' && strings.IndexByte(",[]{}#", t[k]) < 0 {
					k++
				}
				key = strings.TrimRight(t[start:k], " ")
				if key == "" || isIndicator(key[0]) || strings.ContainsAny(key, "\t") {
					return nil, k, false
				}
			}
			if k+1 >= len(t) || t[k] != ':' || t[k+1] != ' ' || key == "<<" {
				return nil, k, false
			}
			if _, dup := m[key]; dup {
				return nil, k, false
			}
			v, n, ok := flow(t, k+2, depth+1)
			if !ok {
				return nil, k, false
			}
			m[key] = v
			k = skipSpaces(t, n)
			if k == len(t) {
				return nil, k, false
			}
			switch t[k] {
			case ',':
				k++
				if j := skipSpaces(t, k); j < len(t) && t[j] == '}' {
					return nil, k, false // a trailing comma: left to the full parser
				}
			case '}':
				return m, k + 1, true
			default:
				return nil, k, false
			}
		}
	case '[':
		out := []any{}
		k = skipSpaces(t, k+1)
		if k < len(t) && t[k] == ']' {
			return out, k + 1, true
		}
		for {
			v, n, ok := flow(t, k, depth+1)
			if !ok {
				return nil, k, false
			}
			out = append(out, v)
			k = skipSpaces(t, n)
			if k == len(t) {
				return nil, k, false
			}
			switch t[k] {
			case ',':
				k++
				if j := skipSpaces(t, k); j < len(t) && t[j] == ']' {
					return nil, k, false
				}
			case ']':
				return out, k + 1, true
			default:
				return nil, k, false // ":" makes an implicit mapping: left to the full parser
			}
		}
	case '"', '\'':
		s, n, ok := quoted(t[k:])
		return s, k + n, ok
	}
	if isIndicator(t[k]) && !(t[k] == '-' && k+1 < len(t) && strings.IndexByte(" \t,[]{}:#", t[k+1]) < 0) {
		return nil, k, false // "-" opens a plain scalar only before a character of its own (-c, --port)
	}
	start := k
	for k < len(t) && strings.IndexByte(",[]{}:#?", t[k]) < 0 {
		k++
	}
	if k < len(t) && (t[k] == ':' || t[k] == '#' || t[k] == '[' || t[k] == '{' || t[k] == '?') {
		// go.yaml.in/yaml/v3 reads a "?" in a flow collection as a key,
		// wherever it stands: left to it.
		return nil, k, false
	}
	s := strings.TrimRight(t[start:k], " ")
	if s == "" || strings.ContainsAny(s, "\t") {
		return nil, k, false
	}
	return plainValue(s), k, true
}

func skipSpaces(t string, k int) int {
	for k < len(t) && t[k] == ' ' {
		k++
	}
	return k
}

// quoted reads a single- or double-quoted scalar that opens t and closes
// on the same line, and returns its value and the length it took.
func quoted(t string) (string, int, bool) {
	q := t[0]
	if q == '\'' {
		var b strings.Builder
		for k := 1; k < len(t); k++ {
			if t[k] != '\'' {
				continue
			}
			if k+1 < len(t) && t[k+1] == '\'' {
				b.WriteString(t[1:k])
				b.WriteByte('\'')
				rest, n, ok := quoted("'" + t[k+2:])
				if !ok {
					return "", 0, false
				}
				b.WriteString(rest)
				return b.String(), k + 1 + n, true
			}
			return t[1:k], k + 1, true
		}
		return "", 0, false
	}
	var b strings.Builder
	for k := 1; k < len(t); k++ {
		switch c := t[k]; c {
		case '"':
			return b.String(), k + 1, true
		case '\\':
			if k+1 == len(t) {
				return "", 0, false
			}
			k++
			switch e := t[k]; e {
			case '\\', '"', '/':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't', '\t':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'e':
				b.WriteByte(0x1b)
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case ' ':
				b.WriteByte(' ')
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if k+n >= len(t) {
					return "", 0, false
				}
				r, err := strconv.ParseUint(t[k+1:k+1+n], 16, 32)
				if err != nil || r > utf8.MaxRune || r >= 0xD800 && r <= 0xDFFF {
					return "", 0, false
				}
				b.WriteRune(rune(r))
				k += n
			default:
				return "", 0, false
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// plainValue resolves a plain scalar as go.yaml.in/yaml does (its
// resolver: null, bool, int, float, the rest strings, timestamps
// included) and turns it into the plain value toValue gives.
func plainValue(s string) any {
	return scalarOf(resolvePlain(s), s)
}

// resolvePlain is the tag go.yaml.in/yaml/v3 resolves an untagged plain
// scalar to (resolve.go), timestamps aside: they stay strings here as
// there.
func resolvePlain(s string) string {
	if s == "" {
		return "!!null"
	}
	switch c := s[0]; {
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		if t, ok := resolveWords[s]; ok {
			return t
		}
		if !numeric(s) {
			return "!!str" // 100m, 128Mi, 1.2.3-rc: no number parses them (and failing allocates)
		}
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return "!!int"
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return "!!int"
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return "!!float"
			}
		}
	case c == '.':
		if t, ok := resolveWords[s]; ok {
			return t
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float"
		}
	case strings.IndexByte("yYnNtTfFoO~<", c) >= 0:
		if t, ok := resolveWords[s]; ok {
			return t
		}
	}
	return "!!str"
}

// numeric reports whether s holds only characters an int or float of
// ParseInt, ParseUint or ParseFloat can hold.
func numeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("0123456789+-._xXoObBaAcCdDeEfF", s[i]) < 0 {
			return false
		}
	}
	return true
}

var resolveWords = map[string]string{
	"true": "!!bool", "True": "!!bool", "TRUE": "!!bool",
	"false": "!!bool", "False": "!!bool", "FALSE": "!!bool",
	"~": "!!null", "null": "!!null", "Null": "!!null", "NULL": "!!null",
	".nan": "!!float", ".NaN": "!!float", ".NAN": "!!float",
	".inf": "!!float", ".Inf": "!!float", ".INF": "!!float",
	"+.inf": "!!float", "+.Inf": "!!float", "+.INF": "!!float",
	"-.inf": "!!float", "-.Inf": "!!float", "-.INF": "!!float",
	"<<": "!!merge",
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$`)
