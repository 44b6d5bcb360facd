package chartsource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// indexEntry is what the fetcher reads of one chart version in a Helm
// repository's index.yaml (Helm's repo.ChartVersion): the rest of the
// chart's metadata is the renderer's to read from the archive.
type indexEntry struct {
	Version string   `yaml:"version" json:"version"`
	URLs    []string `yaml:"urls" json:"urls"`
	// Digest is the hex SHA-256 of the archive (helm repo index writes
	// it; some servers prefix "sha256:").
	Digest string `yaml:"digest" json:"digest"`
}

// indexFile is the part of index.yaml the fetcher reads.
type indexFile struct {
	APIVersion string                  `yaml:"apiVersion" json:"apiVersion"`
	Entries    map[string][]indexEntry `yaml:"entries" json:"entries"`
}

// errNoChart says an index has no entry of that name.
var errNoChart = errors.New("no such chart in the index")

// chartEntries returns the versions an index offers of one chart.
//
// Helm decodes the whole index (repo.loadIndex, which is unexported and
// only reachable through a file), and a large public index is tens of
// megabytes that become several hundred of parsed nodes. An index that
// helm repo index (or ChartMuseum, Harbor, Artifactory) wrote is block
// YAML with each chart a key two spaces under entries:, so only the lines
// of the chart asked for are parsed; an index of any other shape (JSON,
// flow style) is decoded whole, within the size limit its download had.
func chartEntries(data []byte, name string) ([]indexEntry, error) {
	if block, found, ok := entriesBlock(data, name); ok {
		if !found {
			return nil, errNoChart
		}
		var m map[string][]indexEntry
		if err := yaml.Unmarshal(block, &m); err == nil {
			if vs, ok := m[name]; ok {
				return vs, nil
			}
		}
		// The lines did not parse on their own: read the whole index,
		// which says what is wrong with it.
	}
	var idx indexFile
	if json.Valid(data) {
		if err := json.Unmarshal(data, &idx); err != nil {
			return nil, fmt.Errorf("reading the index: %w", err)
		}
	} else if err := yaml.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	if idx.APIVersion == "" {
		return nil, errors.New("the index has no apiVersion: it is not a Helm repository's index.yaml")
	}
	vs, ok := idx.Entries[name]
	if !ok {
		return nil, errNoChart
	}
	return vs, nil
}

// entriesBlock finds the lines of chart name under the top-level
// entries: key of a block-style index. ok is false when the index is not
// of that shape (then the caller decodes it whole); found says whether
// the chart is there. The lines returned parse as a mapping of name to
// its versions.
func entriesBlock(data []byte, name string) (block []byte, found, ok bool) {
	in := false   // under entries:
	seen := false // entries: was there
	child := false
	start := -1
	pos := 0
	for pos < len(data) {
		end := bytes.IndexByte(data[pos:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += pos
		}
		line := data[pos:end]
		lineStart := pos
		pos = end + 1
		trimmed := bytes.TrimRight(line, " \t\r")
		if len(bytes.TrimLeft(trimmed, " ")) == 0 || bytes.HasPrefix(bytes.TrimLeft(trimmed, " "), []byte("#")) {
			continue
		}
		if bytes.HasPrefix(trimmed, []byte("\t")) {
			return nil, false, false
		}
		indent := len(trimmed) - len(bytes.TrimLeft(trimmed, " "))
		if in && !child && indent > 0 {
			// The first line under entries: sets its indentation: two
			// spaces, or the index is decoded whole.
			if indent != 2 {
				return nil, false, false
			}
			child = true
		}
		switch {
		case indent == 0:
			if start >= 0 {
				return data[start:lineStart], true, true
			}
			if in {
				in = false
				continue
			}
			if string(trimmed) == "entries:" {
				if seen {
					return nil, false, false // a duplicate key: let the parser say so
				}
				in, seen = true, true
			} else if bytes.HasPrefix(trimmed, []byte("entries:")) || trimmed[0] == '{' || trimmed[0] == '[' || trimmed[0] == '"' || trimmed[0] == '\'' || trimmed[0] == '-' {
				return nil, false, false // flow style, JSON, a list: decode whole
			}
		case in && indent == 2 && !bytes.HasPrefix(trimmed[2:], []byte("- ")) && string(trimmed[2:]) != "-":
			key, isKey := chartKey(trimmed[2:])
			if !isKey {
				return nil, false, false
			}
			if start >= 0 {
				return data[start:lineStart], true, true
			}
			if key == name {
				start = lineStart
			}
		case in && indent < 2:
			return nil, false, false
		}
	}
	if !seen {
		return nil, false, false
	}
	if start >= 0 {
		return data[start:], true, true
	}
	return nil, false, true
}

// chartKey reads "name:" (or a quoted name) alone on its line: the key of
// a chart under entries:. isKey is false for anything else.
func chartKey(s []byte) (key string, isKey bool) {
	if !bytes.HasSuffix(s, []byte(":")) {
		return "", false
	}
	k := string(s[:len(s)-1])
	if strings.HasPrefix(k, `"`) || strings.HasPrefix(k, "'") {
		if k[0] == '\'' {
			if len(k) < 2 || !strings.HasSuffix(k, "'") {
				return "", false
			}
			return strings.ReplaceAll(k[1:len(k)-1], "''", "'"), true
		}
		u, err := strconv.Unquote(k)
		return u, err == nil
	}
	if k == "" || strings.ContainsAny(k, ":#{}[]&*!|>'\"%@`,") || strings.TrimSpace(k) != k {
		return "", false
	}
	return k, true
}
