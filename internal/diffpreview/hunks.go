package diffpreview

import (
	"fmt"
	"strings"
)

// A hunk of a large object says nothing of where it is: around
// `replicas: 2 → 3` in a HelmRelease, its context may be the `drop: - ALL`
// of another controller. Each hunk header therefore carries the YAML path
// of what the hunk changes, where git puts a function's name:
// `@@ -73,7 +73,7 @@ spec.values.controllers.main.replicas`. The path is
// written as diff-ignore reads it: keys joined by dots, a key that holds a
// dot in brackets, a list item by its index.

// withPaths adds to each hunk header of diff, a unified diff of a and b,
// the path of what the hunk changes: the deepest path every changed line
// lies in.
func withPaths(a, b, diff string) string {
	if diff == "" {
		return diff
	}
	pa, pb := linePaths(a), linePaths(b)
	lines := strings.SplitAfter(diff, "\n")
	var out strings.Builder
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		var fromLine, fromN, toLine, toN int
		if !strings.HasPrefix(l, "@@ ") {
			out.WriteString(l)
			continue
		}
		if _, err := fmt.Sscanf(hunkRange(l), "-%d,%d +%d,%d", &fromLine, &fromN, &toLine, &toN); err != nil {
			fromLine, toLine = scanStarts(hunkRange(l))
		}
		// The lines of the hunk: their paths, by side.
		var paths [][]string
		from, to := fromLine, toLine
		j := i + 1
		for ; j < len(lines) && lines[j] != "" && !strings.HasPrefix(lines[j], "@@ "); j++ {
			switch lines[j][0] {
			case ' ':
				from, to = from+1, to+1
			case '-':
				if from >= 1 && from <= len(pa) {
					paths = append(paths, pa[from-1])
				}
				from++
			case '+':
				if to >= 1 && to <= len(pb) {
					paths = append(paths, pb[to-1])
				}
				to++
			}
		}
		header := strings.TrimRight(l, "\n")
		if p := formatPath(commonPath(paths)); p != "" {
			header += " " + p
		}
		out.WriteString(header + "\n")
		for _, x := range lines[i+1 : j] {
			out.WriteString(x)
		}
		i = j - 1
	}
	return out.String()
}

// hunkRange is the "-a,b +c,d" of a hunk header.
func hunkRange(header string) string {
	s := strings.TrimPrefix(strings.TrimRight(header, "\n"), "@@ ")
	if i := strings.Index(s, " @@"); i >= 0 {
		s = s[:i]
	}
	return s
}

// scanStarts reads the first lines of a range whose counts are left out
// ("-3 +3", a hunk of one line).
func scanStarts(r string) (from, to int) {
	for _, f := range strings.Fields(r) {
		n := 0
		fmt.Sscanf(f[1:], "%d", &n)
		switch f[0] {
		case '-':
			from = n
		case '+':
			to = n
		}
	}
	return from, to
}

// commonPath is the longest path every one of paths starts with.
func commonPath(paths [][]string) []string {
	if len(paths) == 0 {
		return nil
	}
	common := paths[0]
	for _, p := range paths[1:] {
		n := 0
		for n < len(common) && n < len(p) && common[n] == p[n] {
			n++
		}
		common = common[:n]
	}
	return common
}

// formatPath writes a path as diff-ignore reads it.
func formatPath(p []string) string {
	var b strings.Builder
	for _, s := range p {
		switch {
		case strings.HasPrefix(s, "["):
			b.WriteString(s)
		case strings.ContainsAny(s, ".[] "):
			b.WriteString("[" + s + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// linePaths gives each line of a YAML text written as canon writes it
// (block style, keys and list items indented) the path of the node it
// writes: a key's line its key's path, a list item's line its index. A
// block scalar's lines are its key's.
func linePaths(text string) [][]string {
	type frame struct {
		indent int
		seg    string
		seq    bool
		idx    int
	}
	var stack []frame
	path := func() []string {
		out := make([]string, len(stack))
		for i, f := range stack {
			out[i] = f.seg
		}
		return out
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	out := make([][]string, len(lines))
	scalar := -1 // the indent of the key of the block scalar being read
	for n, l := range lines {
		content := strings.TrimLeft(l, " ")
		indent := len(l) - len(content)
		if scalar >= 0 && (content == "" || indent > scalar) {
			out[n] = path()
			continue
		}
		scalar = -1
		if content == "" || strings.HasPrefix(content, "#") {
			out[n] = path()
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].indent > indent {
			stack = stack[:len(stack)-1]
		}
		// Each "- " opens a list item: a new index of the list at this
		// indent, or the first of a new one.
		for strings.HasPrefix(content, "- ") || content == "-" {
			if top := len(stack) - 1; top >= 0 && stack[top].seq && stack[top].indent == indent {
				stack[top].idx++
				stack[top].seg = fmt.Sprintf("[%d]", stack[top].idx)
			} else {
				// A key at this indent is the list's own ("key:\n- a"):
				// a sibling key cannot be followed by a list item.
				stack = append(stack, frame{indent: indent, seg: "[0]", seq: true})
			}
			content = strings.TrimPrefix(strings.TrimPrefix(content, "-"), " ")
			rest := strings.TrimLeft(content, " ")
			indent += 2 + len(content) - len(rest)
			content = rest
		}
		if key, value, ok := cutKey(content); ok {
			for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
				stack = stack[:len(stack)-1]
			}
			stack = append(stack, frame{indent: indent, seg: key})
			if v := strings.TrimSpace(value); strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") {
				scalar = indent
			}
		}
		out[n] = path()
	}
	return out
}

// cutKey reads "key: value" or "key:" from a line of block YAML; a quoted
// key loses its quotes.
func cutKey(s string) (key, value string, ok bool) {
	if strings.HasPrefix(s, `"`) || strings.HasPrefix(s, `'`) {
		q := s[:1]
		end := strings.Index(s[1:], q+":")
		if end < 0 {
			return "", "", false
		}
		key, rest := s[1:1+end], s[1+end+1:]
		if rest != ":" && !strings.HasPrefix(rest, ": ") {
			return "", "", false
		}
		return key, strings.TrimPrefix(rest, ":"), true
	}
	if strings.HasSuffix(s, ":") && !strings.Contains(s, ": ") {
		return strings.TrimSuffix(s, ":"), "", true
	}
	key, value, ok = strings.Cut(s, ": ")
	if !ok || strings.HasPrefix(key, "{") || strings.HasPrefix(key, "[") {
		return "", "", false
	}
	return key, value, true
}
