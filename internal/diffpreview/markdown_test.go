package diffpreview

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

// largePreview compares two trees whose difference is far larger than a
// comment: environments of ConfigMaps whose every value changed, some
// values holding code fences, one value a single line of 100 kB, one
// environment that does not render at the base, and quiet ones.
func largePreview(t *testing.T) *Preview {
	t.Helper()
	base, head := fstest.MapFS{}, fstest.MapFS{}
	cm := func(name, value string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  value: %q\n", name, value)
	}
	for e := 0; e < 6; e++ {
		for i := 0; i < 25; i++ {
			name := fmt.Sprintf("envs/e%d/cm-%02d.yaml", e, i)
			v := strings.Repeat(fmt.Sprintf("line %d of a value\n", i), 40)
			if i%5 == 0 {
				v = "```\n````\nnot a fence to close\n```````\n" + v
			}
			base[name] = &fstest.MapFile{Data: []byte(cm(fmt.Sprintf("cm-%02d", i), v))}
			head[name] = &fstest.MapFile{Data: []byte(cm(fmt.Sprintf("cm-%02d", i), strings.ToUpper(v)))}
		}
	}
	long := strings.Repeat("é", 50000)
	base["envs/long/cm.yaml"] = &fstest.MapFile{Data: []byte(cm("long", long))}
	head["envs/long/cm.yaml"] = &fstest.MapFile{Data: []byte(cm("long", long+"!"))}
	base["envs/broken/kustomization.yaml"] = &fstest.MapFile{Data: []byte("resources:\n  - missing.yaml\n")}
	head["envs/broken/kustomization.yaml"] = &fstest.MapFile{Data: []byte("resources:\n  - cm.yaml\n")}
	head["envs/broken/cm.yaml"] = &fstest.MapFile{Data: []byte(cm("x", "y"))}
	for q := 0; q < 40; q++ {
		f := &fstest.MapFile{Data: []byte(cm("same", "same"))}
		base[fmt.Sprintf("envs/0-quiet-%02d/cm.yaml", q)] = f
		head[fmt.Sprintf("envs/0-quiet-%02d/cm.yaml", q)] = f
	}
	p, err := Compare(context.Background(), base, head, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkMarkdown checks what must hold of any Markdown a preview gives:
// within the limit, every code fence closed and nothing inside one able
// to close it early, every <details> closed, every environment with
// something to show named or counted, the quiet ones counted; and, once
// rendered as GitHub renders it, nothing live but the links to the run.
func checkMarkdown(t *testing.T, p *Preview, md string, limit int) {
	t.Helper()
	if len(md) > limit {
		t.Fatalf("limit %d: %d bytes", limit, len(md))
	}
	open := 0 // the length of the open fence, 0 when none
	for i, l := range strings.Split(md, "\n") {
		ticks := len(l) - len(strings.TrimLeft(l, "`"))
		switch {
		case open == 0 && ticks >= 3:
			if strings.Contains(l[ticks:], "`") {
				t.Fatalf("limit %d: line %d opens a fence with a backquote in its info string: %q", limit, i+1, l)
			}
			open = ticks
		case open > 0 && ticks >= open && strings.TrimSpace(l[ticks:]) == "":
			if ticks != open {
				t.Fatalf("limit %d: line %d closes a fence of %d with %d", limit, i+1, open, ticks)
			}
			open = 0
		case open > 0 && strings.HasPrefix(strings.TrimLeft(l, " "), strings.Repeat("`", open)) && len(l)-len(strings.TrimLeft(l, " ")) <= 3 && strings.TrimSpace(strings.Trim(strings.TrimLeft(l, " "), "`")) == "":
			t.Fatalf("limit %d: line %d would close the fence early: %q", limit, i+1, l)
		}
	}
	if open != 0 {
		t.Fatalf("limit %d: a code fence is not closed:\n%s", limit, md)
	}
	if o, c := strings.Count(md, "<details"), strings.Count(md, "</details>"); o != c {
		t.Fatalf("limit %d: %d <details> and %d </details>", limit, o, c)
	}
	page := mdtexttest.Render(t, md)
	mdtexttest.CheckInert(t, page, "https://github.com/acme/config/actions/runs/1")
	if limit < minLimit {
		return
	}
	named, quietN := 0, 0
	for _, e := range p.Environments {
		if quiet(e) {
			quietN++
		} else if strings.Contains(md, code(e.Name)) {
			named++
		}
	}
	more, rest := 0, 0
	if i := strings.Index(md, "- … and "); i >= 0 {
		fmt.Sscanf(md[i+len("- … and "):], "%d", &more)
	}
	if i := strings.Index(md, "No change in the other "); i >= 0 {
		fmt.Sscanf(md[i+len("No change in the other "):], "%d", &rest)
	}
	if named+more+quietN != len(p.Environments) || rest != quietN {
		t.Fatalf("limit %d: %d named, %d counted and %d quiet (%d said) of %d environments:\n%s", limit, named, more, quietN, rest, len(p.Environments), md)
	}
}

// quiet reports whether an environment has nothing to show.
func quiet(e Environment) bool { return !failed(e) && nChanges(e) == 0 }

// minLimit is a limit that holds at least the header and the count of
// every environment.
const minLimit = 700

// formOf says which form a Markdown is of.
func formOf(md string) string {
	switch {
	case strings.Contains(md, "- … and "):
		return "counts, cut"
	case strings.Contains(md, "counts only"):
		return "counts"
	case strings.Contains(md, "do not fit here whole"):
		return "partial"
	}
	return "full"
}

// TestMarkdownFits renders a preview far larger than a comment at many
// limits, from a few bytes to all of it: every one within its limit, with
// its fences balanced, nothing live, and every environment named or
// counted, and every form reached on the way.
func TestMarkdownFits(t *testing.T) {
	p := largePreview(t)
	full := p.Markdown(1<<30, "https://github.com/acme/config/actions/runs/1")
	if full == "" || formOf(full) != "full" {
		t.Fatalf("the full Markdown is of form %q", formOf(full))
	}
	limits := []int{0, 10, 100, 200, 300, 500, 1000, 2000, 5000, commentLimit, len(full) - 1, len(full), 1 << 20}
	rng := rand.New(rand.NewSource(1))
	for range 60 {
		limits = append(limits, rng.Intn(len(full)+1000))
	}
	reached := map[string]bool{}
	for _, limit := range limits {
		md := p.Markdown(limit, "https://github.com/acme/config/actions/runs/1")
		checkMarkdown(t, p, md, limit)
		reached[formOf(md)] = true
	}
	for _, form := range []string{"full", "partial", "counts", "counts, cut"} {
		if !reached[form] {
			t.Errorf("form %q never reached: %v", form, reached)
		}
	}
	if got := formOf(p.Markdown(commentLimit, "")); got == "full" {
		t.Errorf("a preview of %d bytes fits a comment whole", len(full))
	}
}

// TestMarkdownFillsTheBudget: a preview too large for a comment fills it
// with whole diffs, not names alone, and the room left is less than the
// next diff.
func TestMarkdownFillsTheBudget(t *testing.T) {
	p := largePreview(t)
	md := p.Markdown(commentLimit, "https://github.com/acme/config/actions/runs/1")
	if formOf(md) != "partial" {
		t.Fatalf("form %q, want partial", formOf(md))
	}
	if len(md) < commentLimit*9/10 {
		t.Errorf("%d bytes of %d used", len(md), commentLimit)
	}
	if n := strings.Count(md, "<details open>"); n < 10 {
		t.Errorf("%d diffs shown", n)
	}
}

// TestMarkdownForms checks what each form shows of the same preview.
func TestMarkdownForms(t *testing.T) {
	p := largePreview(t)
	const run = "https://github.com/acme/config/actions/runs/1"
	tests := []struct {
		limit          int
		want, dontWant []string
	}{
		{limit: 1 << 30, want: []string{"<details open>", "````````diff\n", "+    LINE 0 OF A VALUE\n", "No change in the other 40 environments", "151 resources change in 7 of 48 environments · 1 does not render](" + run + ")"}, dontWant: []string{"do not fit"}},
		{limit: commentLimit, want: []string{"<details open>", "do not fit here whole", "[the run](" + run + ")", "- changed `v1 ConfigMap cm-", "the base did not render"}},
		{limit: 5000, want: []string{"- `envs/e0`: 0 added, 0 removed, 25 changed", "- `envs/broken`: does not render", "counts only"}, dontWant: []string{"<details", "- changed"}},
	}
	for _, tc := range tests {
		md := p.Markdown(tc.limit, run)
		for _, w := range tc.want {
			if !strings.Contains(md, w) {
				t.Errorf("limit %d lacks %q", tc.limit, w)
			}
		}
		for _, w := range tc.dontWant {
			if strings.Contains(md, w) {
				t.Errorf("limit %d holds %q", tc.limit, w)
			}
		}
	}
}

// TestNoChange says so plainly.
func TestNoChange(t *testing.T) {
	fsys := fstest.MapFS{"a/cm.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")}}
	p, err := Compare(context.Background(), fsys, fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if md := p.Markdown(commentLimit, ""); !strings.Contains(md, "No rendered resource changes in 1 environment") {
		t.Errorf("got %q", md)
	}
}
