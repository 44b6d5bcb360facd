package render

import (
	"bytes"
	"strconv"
	"strings"
)

// A rendered object must name the document it came from, for positions in
// it to be pinned there. kustomize can say it (buildMetadata:
// [originAnnotations]), but then every transformer of the build also
// records itself on every object, parsing and writing back a YAML
// annotation each time: on a 100-resource overlay that doubled the build's
// time. Instead, as kustomize reads a file a kustomization lists as
// resources, each of its documents gets one more top-level field, with the
// number of the file in the build and the line of the document: kustomize
// carries an unknown top-level field through every transformer untouched,
// and the build takes it out before anything looks at the object.

// originKey is the field that carries a rendered object's origin.
const originKey = "x-gitops-actions-origin"

// markOrigins inserts a line "x-gitops-actions-origin: 'FILE:LINE'" before
// the first key of every document of data that is a block mapping starting
// at column 1 (a manifest as people write them), where LINE is the line of
// that key in data. Any other document (a flow mapping, JSON, a document
// opened by a directive or holding a tag or anchor at its top) stays as it
// is, and its objects are found by kind and name. ok is false when no
// document was marked.
func markOrigins(data []byte, file int) (out []byte, ok bool) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return data, false
	}
	var b bytes.Buffer
	b.Grow(len(data) + 64)
	start := true // before the first content line of a document
	prefix := originKey + ": '" + strconv.Itoa(file) + ":"
	for i, line := 0, 1; i < len(data); line++ {
		j := bytes.IndexByte(data[i:], '\n')
		end := len(data)
		if j >= 0 {
			end = i + j + 1
		}
		l := data[i:end]
		switch {
		case isMarker(l):
			if rest := bytes.TrimSpace(l[3:]); len(rest) > 0 && rest[0] != '#' {
				return data, false // content on the marker line: leave the file alone
			}
			start = true
		case bytes.HasPrefix(l, []byte("...")) && len(bytes.TrimSpace(l[3:])) == 0:
			start = true
		case start && len(l) > 0 && l[0] == '%':
			return data, false // a directive
		case start && isBlank(l):
		case start:
			start = false
			if isPlainKeyLine(l) {
				b.WriteString(prefix)
				b.WriteString(strconv.Itoa(line))
				b.WriteString("'\n")
				ok = true
			}
		}
		b.Write(l)
		i = end
	}
	if !ok {
		return data, false
	}
	return b.Bytes(), true
}

// isBlank reports whether a line holds nothing but spaces or a comment.
func isBlank(l []byte) bool {
	t := bytes.TrimSpace(l)
	return len(t) == 0 || t[0] == '#'
}

// isPlainKeyLine reports whether a line opens a block mapping at column 1
// with a plain key: a letter or underscore, then letters, digits, "_", "-",
// "." or "/", then ":" and a space or the end of the line.
func isPlainKeyLine(l []byte) bool {
	if len(l) == 0 || !(l[0] == '_' || l[0] >= 'a' && l[0] <= 'z' || l[0] >= 'A' && l[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(l); i++ {
		c := l[i]
		switch {
		case c == ':':
			return i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\n' || l[i+1] == '\r'
		case c == '_' || c == '-' || c == '.' || c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return false
}

// scalarOf turns a resolved scalar into a plain value.
func scalarOf(tag, value string) any {
	switch tag {
	case "!!null":
		return nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(value))
		if err != nil {
			return value
		}
		return b
	case "!!int":
		s := strings.ReplaceAll(value, "_", "")
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return i
		}
		if strings.HasPrefix(s, "0o") {
			if i, err := strconv.ParseInt(s[2:], 8, 64); err == nil {
				return i
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return value
	case "!!float":
		if f, err := strconv.ParseFloat(strings.ReplaceAll(value, "_", ""), 64); err == nil {
			return f
		}
		return value
	}
	return value
}
