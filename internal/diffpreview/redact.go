package diffpreview

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kustomize quotes what it could not use, and that may be a Secret's value:
// "invalid literal source hunter2, expected key=value". An error from a
// build or a file is therefore redacted before it is shown: every value a
// Secret, a secretGenerator literal or a secretGenerator's file among the
// files read holds is replaced, as it is and in base64. A Secret file
// that does not parse gives every value under its data keys, found by
// indentation (secretLines).

// minSecret is the shortest value redacted: shorter ones would blank out
// the words of the message and hide nothing worth hiding.
const minSecret = 3

// redacted is the text a redacted value becomes.
const redacted = "(hidden)"

// redactError returns the error's message with every secret value of the
// files read taken out.
func redactError(fsys fs.FS, read []string, err error) error {
	msg := err.Error()
	values := secretValues(fsys, read)
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) }) // the longest first: a value may hold another
	for _, v := range values {
		msg = strings.ReplaceAll(msg, v, redacted)
	}
	return errors.New(msg)
}

// secretValues collects the secret values of the files read.
func secretValues(fsys fs.FS, read []string) []string {
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) < minSecret {
			return
		}
		out = append(out, v, base64.StdEncoding.EncodeToString([]byte(v)))
		if d, err := base64.StdEncoding.DecodeString(v); err == nil && len(d) >= minSecret {
			out = append(out, string(d))
		}
	}
	lines := func(data []byte) {
		for _, l := range strings.Split(string(data), "\n") {
			add(l)
			if _, v, ok := strings.Cut(l, "="); ok {
				add(v)
			}
			if _, v, ok := strings.Cut(l, ":"); ok {
				add(strings.Trim(strings.TrimSpace(v), `"'`))
			}
		}
	}
	for _, name := range read {
		data, err := fs.ReadFile(fsys, name)
		if err != nil || !bytes.Contains(data, []byte("ecret")) {
			continue
		}
		base := path.Base(name)
		if base == "kustomization.yaml" || base == "kustomization.yml" || base == "Kustomization" {
			generatorValues(fsys, path.Dir(name), data, add, lines)
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				secretLines(data, add) // a Secret that does not parse: every value it may hold
				break
			}
			if !isSecret(doc) {
				continue
			}
			for _, f := range []string{"data", "stringData"} {
				walkStrings(doc[f], add)
			}
		}
	}
	return out
}

// generatorValues collects the literals and the files' lines of the
// secretGenerator of a kustomization in dir.
func generatorValues(fsys fs.FS, dir string, data []byte, add func(string), lines func([]byte)) {
	var k struct {
		SecretGenerator []struct {
			Literals, Files, Envs []string
			Env                   string
		} `yaml:"secretGenerator"`
	}
	if yaml.Unmarshal(data, &k) != nil {
		secretLines(data, add)
		return
	}
	for _, g := range k.SecretGenerator {
		for _, l := range g.Literals {
			add(l)
			if _, v, ok := strings.Cut(l, "="); ok {
				add(v)
			}
		}
		for _, f := range slices.Concat(g.Files, g.Envs, []string{g.Env}) {
			if _, p, ok := strings.Cut(f, "="); ok {
				f = p
			}
			if f == "" {
				continue
			}
			if data, err := fs.ReadFile(fsys, path.Join(dir, f)); err == nil {
				add(string(data))
				lines(data)
			}
		}
	}
}

// walkStrings calls f with every string in v.
func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case map[string]any:
		for _, e := range x {
			walkStrings(e, f)
		}
	case []any:
		for _, e := range x {
			walkStrings(e, f)
		}
	}
}

// secretLines collects, from YAML that does not parse, the values under
// every data, stringData, literals, files, envs and env key, by
// indentation: the lines below such a key, indented deeper, and what
// follows the key on its own line.
func secretLines(data []byte, add func(string)) {
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " \t-")) }
	in := -1 // the indentation of the key whose block is being read, -1 outside one
	for _, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if in >= 0 && indent(l) <= in {
			in = -1
		}
		key, rest, hasColon := strings.Cut(strings.TrimLeft(l, " \t-"), ":")
		switch {
		case in >= 0:
			add(l)
			if hasColon {
				add(strings.Trim(strings.TrimSpace(rest), `"'`))
			}
			if _, v, ok := strings.Cut(l, "="); ok {
				add(strings.Trim(strings.TrimSpace(v), `"'`))
			}
		case hasColon && slices.Contains([]string{"data", "stringData", "literals", "files", "envs", "env"}, strings.TrimSpace(key)):
			in = indent(l)
			add(strings.Trim(strings.TrimSpace(rest), `"'{}[]`))
		}
	}
}
