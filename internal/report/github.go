package report

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/finding"
)

// githubWriter prints one workflow command per finding, which the runner
// turns into an annotation on the pull request's diff:
// https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
type githubWriter struct {
	collector
	w io.Writer
}

func (g *githubWriter) Flush() error {
	b := bufio.NewWriter(g.w)
	for _, f := range g.take() {
		b.WriteString(annotation(f))
		b.WriteByte('\n')
	}
	return b.Flush()
}

// annotation renders ::error file=F,line=L,col=C,title=RULE::MESSAGE, with
// ::warning and ::notice for the lower severities, leaving out what is
// unknown.
func annotation(f finding.Finding) string {
	var props []string
	if f.File != "" {
		props = append(props, "file="+escapeProperty(f.File))
	}
	if f.Line > 0 {
		props = append(props, "line="+strconv.Itoa(f.Line))
		// A column without a line means nothing to the runner.
		if f.Column > 0 {
			props = append(props, "col="+strconv.Itoa(f.Column))
		}
	}
	if f.Rule != "" {
		props = append(props, "title="+escapeProperty(f.Rule))
	}
	cmd := "::" + f.Severity.String()
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + escapeData(withContext(f))
}

// escapeData escapes a command's message the way the runner unescapes it:
// actions/toolkit packages/core/src/command.ts, escapeData.
var escapeData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// escapeProperty escapes a command's property value: escapeData plus ':'
// and ',', which would otherwise end the value (command.ts, escapeProperty).
var escapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
