package cli

import (
	"fmt"

	"github.com/gitops-actions/gitops-actions/internal/workflowcmd"
)

// NoticeAt reports something the user should know that is no problem,
// pinned to a file and line: a notice annotation in Actions, a line on
// stderr locally.
func (r *Run) NoticeAt(file string, line int, msg string) {
	if r.InActions() {
		fmt.Fprintln(r.Stdout, workflowcmd.Annotation("notice", file, line, 0, "", msg))
		return
	}
	fmt.Fprintf(r.Stderr, "notice: %s%s\n", position(file, line), plain(msg))
}
