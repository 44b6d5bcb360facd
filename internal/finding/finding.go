// Package finding is the shape of what verify-manifests reports: a finding
// is data with a position and a rule, never a Go error, and the formatters
// in internal/report turn findings into bytes.
package finding

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders findings; fail-on compares against it.
type Severity int

const (
	Notice Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "notice"
	}
}

// ParseSeverity reads "error", "warning" or "notice".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return Error, nil
	case "warning":
		return Warning, nil
	case "notice":
		return Notice, nil
	}
	return 0, fmt.Errorf("unknown severity %q (use error, warning or notice)", s)
}

// Finding is one problem, pinned to a file, line and column (1-based; 0
// when unknown).
type Finding struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Severity Severity `json:"-"`
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
	// Resource names the object, "Kind/namespace/name" or "Kind/name", when
	// the finding is about one.
	Resource string `json:"resource,omitempty"`
	// Environment names the rendered environment (a kustomize directory)
	// the finding was seen in, when any.
	Environment string `json:"environment,omitempty"`
	// Suppression, when set, is the annotation of the object that
	// silenced the finding: such a finding is counted apart, never
	// reported.
	Suppression *Suppression `json:"-"`
}

// Suppression is an annotation that silenced a finding on its object, and
// the reason written in it ("" when it gives none).
type Suppression struct {
	By, Reason string
}

// String renders file:line:col: severity: message [rule].
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s [%s]", f.Position(), f.Severity, f.Message, f.Rule)
}

// Position renders file:line:col, leaving out what is unknown.
func (f Finding) Position() string {
	switch {
	case f.Line > 0 && f.Column > 0:
		return fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
	case f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

// Rule describes one rule of the catalogue.
type Rule struct {
	ID          string
	Severity    Severity
	Description string
	// Default is false for rules that are off unless enabled.
	Default bool
	// Fix says what to change so that the rule no longer reports; empty
	// when the description says it.
	Fix string
}

// Sort orders findings by file, line, column, rule and message, so that
// output is stable however the work was scheduled.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}
