package report

import (
	"bufio"
	"io"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// textWriter prints file:line:col: severity: message [rule], one finding a
// line, the way actionlint and compilers do, so editors and grep can use
// it; a line break inside a message becomes a space to keep that promise.
type textWriter struct {
	w        io.Writer
	findings []finding.Finding
}

func (t *textWriter) Write(f finding.Finding) { t.findings = append(t.findings, f) }

func (t *textWriter) Flush() error {
	b := bufio.NewWriter(t.w)
	for _, f := range sorted(t.findings) {
		f.Message = oneLine(f.Message)
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	t.findings = nil
	return b.Flush()
}

var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace
