package report

import (
	"bufio"
	"io"

	"github.com/gitops-actions/gitops-actions/internal/finding"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd"
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
// unknown. Every value goes through workflowcmd.Escape, the one escaping
// of everything printed to the log.
func annotation(f finding.Finding) string {
	return workflowcmd.Annotation(f.Severity.String(), f.File, f.Line, f.Column, f.Rule, withContext(f))
}
