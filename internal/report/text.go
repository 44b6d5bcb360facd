package report

import (
	"bufio"
	"io"
	"strings"
)

// textWriter prints file:line:col: severity: message [rule], one finding a
// line, the way actionlint and compilers do, so editors and grep can use
// it; a line break inside a message becomes a space to keep that promise.
type textWriter struct {
	collector
	w io.Writer
}

func (t *textWriter) Flush() error {
	b := bufio.NewWriter(t.w)
	for _, f := range t.take() {
		f.Message = oneLine(f.Message)
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.Flush()
}

var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace
