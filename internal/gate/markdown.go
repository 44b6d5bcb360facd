package gate

import (
	"fmt"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/mdtext"
)

// maxDetail bounds a detail in a table cell.
const maxDetail = 1000

// Markdown renders the verdict as the job summary's table: one row per
// gate, its state and what it saw; with force, the gates that did not pass
// show as overridden, and the reason follows the table. Empty when no gate
// is set.
func Markdown(v Verdict) string {
	if len(v.Checks) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Gates\n\n| gate | state | detail |\n|---|---|---|\n")
	for _, c := range v.Checks {
		state := string(c.State)
		if c.State != Passed && v.Forced != "" {
			state = "overridden (" + state + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Gate, state, mdtext.Text(c.Detail, maxDetail))
	}
	if v.Forced != "" {
		fmt.Fprintf(&b, "\nForced: %s\n", mdtext.Text(v.Forced, maxDetail))
	}
	return b.String()
}
