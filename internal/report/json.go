package report

import (
	"encoding/json"
	"io"
)

// jsonWriter writes {"findings":[...],"summary":{...}}.
type jsonWriter struct {
	collector
	w io.Writer
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

type jsonReport struct {
	Findings []jsonFinding `json:"findings"`
	Summary  counts        `json:"summary"`
}

func (j *jsonWriter) Flush() error {
	r := jsonReport{Findings: []jsonFinding{}}
	for _, f := range j.take() {
		r.Summary.add(f.Severity)
		r.Findings = append(r.Findings, jsonFinding{
			File:        f.File,
			Line:        f.Line,
			Column:      f.Column,
			Severity:    f.Severity.String(),
			Rule:        f.Rule,
			Message:     f.Message,
			Resource:    f.Resource,
			Environment: f.Environment,
		})
	}
	enc := json.NewEncoder(j.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // the output is read by people and jq, not put in a page
	return enc.Encode(r)
}
