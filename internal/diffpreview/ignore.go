package diffpreview

import (
	"fmt"
	"strings"
)

// DefaultIgnore are the fields left out of every comparison: checksum/*
// annotations, which Helm charts and kustomize setups stamp with a hash of
// a config to roll pods when it changes; the config's own change shows.
// Nothing that can change what runs (an image, a caBundle) is here.
var DefaultIgnore = []string{
	"metadata.annotations.checksum/*",
	"spec.template.metadata.annotations.checksum/*",
	"spec.jobTemplate.spec.template.metadata.annotations.checksum/*",
}

// fieldPath is a parsed ignore path: each step a key pattern, where * in a
// step matches any run of characters. A step applied to a list applies to
// each of its items.
type fieldPath struct {
	text  string
	steps []string
}

// howToWrite ends every error about an ignore path.
const howToWrite = "write field names separated by dots, a key holding a dot or a bracket in brackets, * for any characters within a key: metadata.annotations.checksum/*, spec.template.metadata.annotations[kubectl.kubernetes.io/restartedAt]"

// parsePath parses one ignore path.
func parsePath(s string) (fieldPath, error) {
	fp := fieldPath{text: s}
	fail := func(at int, what string) (fieldPath, error) {
		return fieldPath{}, fmt.Errorf("diff-ignore: %q: %s at character %d; %s", s, what, at+1, howToWrite)
	}
	t := strings.TrimPrefix(strings.TrimPrefix(s, "$"), ".")
	off := len(s) - len(t)
	if strings.TrimSpace(t) == "" {
		return fail(0, "an empty path")
	}
	i := 0
	for i < len(t) {
		switch t[i] {
		case '[':
			end := strings.IndexByte(t[i+1:], ']')
			if end < 0 {
				return fail(off+i, "a bracket that is not closed")
			}
			key := t[i+1 : i+1+end]
			if key == "" {
				return fail(off+i, "an empty key in brackets")
			}
			fp.steps = append(fp.steps, key)
			i += end + 2
			if i < len(t) && t[i] != '.' && t[i] != '[' {
				return fail(off+i, "a character after a closing bracket that is neither a dot nor a bracket")
			}
			if i < len(t) && t[i] == '.' {
				i++
				if i == len(t) {
					return fail(off+i-1, "a dot at the end")
				}
			}
		case ']':
			return fail(off+i, "a closing bracket without an opening one")
		case '.':
			return fail(off+i, "an empty field name")
		default:
			j := i
			for j < len(t) && t[j] != '.' && t[j] != '[' && t[j] != ']' {
				j++
			}
			fp.steps = append(fp.steps, t[i:j])
			i = j
			if i < len(t) && t[i] == '.' {
				i++
				if i == len(t) {
					return fail(off+i-1, "a dot at the end")
				}
			}
		}
	}
	return fp, nil
}

// CheckIgnore reports the first of paths that is not a field path, saying
// how to write one: what Compare would refuse, for a caller that checks
// its inputs before any work.
func CheckIgnore(paths []string) error {
	_, err := parsePaths(paths)
	return err
}

// parsePaths parses the default paths and extra, in that order.
func parsePaths(extra []string) ([]fieldPath, error) {
	var out []fieldPath
	for _, s := range append(append([]string(nil), DefaultIgnore...), extra...) {
		fp, err := parsePath(s)
		if err != nil {
			return nil, err
		}
		out = append(out, fp)
	}
	return out, nil
}

// globMatch reports whether key matches pattern, where * matches any run
// of characters (a slash or a dot included) and everything else itself.
func globMatch(pattern, key string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == key
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(key, parts[0]) {
		return false
	}
	key = key[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(key, p)
		if i < 0 {
			return false
		}
		key = key[i+len(p):]
	}
	return strings.HasSuffix(key, parts[len(parts)-1])
}

// remove deletes from v every field the path names.
func (fp fieldPath) remove(v any) {
	removeSteps(v, fp.steps)
}

func removeSteps(v any, steps []string) {
	if len(steps) == 0 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, it := range x {
			if steps[0] == "*" {
				removeSteps(it, steps[1:])
			} else {
				removeSteps(it, steps)
			}
		}
	case map[string]any:
		for k, sub := range x {
			if !globMatch(steps[0], k) {
				continue
			}
			if len(steps) == 1 {
				delete(x, k)
			} else {
				removeSteps(sub, steps[1:])
			}
		}
	}
}
