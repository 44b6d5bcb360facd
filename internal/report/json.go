package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// jsonWriter writes {"findings":[...],"summary":{...}}, and for a share
// of a sharded run "shard":{"index":2,"total":4}.
type jsonWriter struct {
	collector
	w    io.Writer
	opts Options
}

// jsonFinding spells the severity out: finding.Finding leaves it out of
// its JSON because an int would mean nothing to a reader.
type jsonFinding struct {
	File        string `json:"file"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	Severity    string `json:"severity"`
	Rule        string `json:"rule"`
	Message     string `json:"message"`
	Resource    string `json:"resource,omitempty"`
	Environment string `json:"environment,omitempty"`
}

// Flush writes the report with one finding to a line: as readable as an
// indented document and as easy to diff or grep, and a third of the time
// to write (indenting 2,500 findings took 20 ms, most of the report's).
func (j *jsonWriter) Flush() error {
	var sum counts
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the output is read by people and jq, not put in a page
	fs := j.take()
	buf.WriteString("{\n  \"findings\": [")
	for i, f := range fs {
		sum.add(f.Severity)
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		if err := enc.Encode(jsonFinding{
			File:        f.File,
			Line:        f.Line,
			Column:      f.Column,
			Severity:    f.Severity.String(),
			Rule:        f.Rule,
			Message:     f.Message,
			Resource:    f.Resource,
			Environment: f.Environment,
		}); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	if len(fs) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("],\n  \"summary\": ")
	if err := enc.Encode(sum); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1)
	if j.opts.sharded() {
		fmt.Fprintf(&buf, ",\n  \"shard\": {\"index\":%d,\"total\":%d}", j.opts.Shard, j.opts.Shards)
	}
	buf.WriteString("\n}\n")
	_, err := j.w.Write(buf.Bytes())
	return err
}
