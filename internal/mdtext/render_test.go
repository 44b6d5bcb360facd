package mdtext_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/mdtext"
	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
)

// hostile is text a pull request may write: links, mentions, references,
// bare URLs, markup and HTML.
var hostile = []string{
	`see [docs](https://evil.example) @acme/oncall **now** #12 _x_`,
	`@octocat, acme/config#3, GH-7 and #1`,
	`https://evil.example/path www.evil.example mail@evil.example`,
	`<img src=x onerror=alert(1)> <a href="https://evil.example">x</a> &amp; &#64;acme`,
	"# heading\n> quote\n- item\n1. one\n```\nfence\n```",
	"| a | b |\n|---|---|\n| c | d |",
	"![image](https://evil.example/i.png) <https://evil.example> [ref]: https://evil.example",
	"~~strike~~ *em* `code` \\@escaped \\#1",
}

// TestEscapeRendersInert renders each hostile text through Text, in a
// paragraph, a heading, a blockquote, a list item and a table cell, as
// GitHub would, and finds nothing live and the text whole.
func TestEscapeRendersInert(t *testing.T) {
	for _, h := range hostile {
		one := mdtext.Text(h, 1000)
		for _, md := range []string{
			one,
			"## " + one,
			"> " + one,
			"- " + one,
			"| a | b |\n|---|---|\n| " + one + " | x |",
		} {
			page := mdtexttest.Render(t, md)
			mdtexttest.CheckInert(t, page)
			mdtexttest.CheckTables(t, page)
			got := strings.ReplaceAll(mdtexttest.Text(page), "\u200d", "")
			if want := mdtext.OneLine(h, 1000); !strings.Contains(got, want) {
				t.Errorf("%q renders as %q, want the text %q", md, got, want)
			}
		}
	}
}

// TestCodeRendersInert renders each hostile text as a code span, in a
// table cell too: one code element that holds the text, nothing live.
func TestCodeRendersInert(t *testing.T) {
	for _, h := range append(hostile, "a`b", "``", "`edge`", "x | y") {
		md := "| a | b |\n|---|---|\n| " + mdtext.Code(h, 1000) + " | x |"
		page := mdtexttest.Render(t, md)
		mdtexttest.CheckInert(t, page)
		mdtexttest.CheckTables(t, page)
		tb := mdtexttest.Tables(page)
		if len(tb) != 1 || len(tb[0].Rows) != 1 {
			t.Fatalf("%q: tables %q", md, tb)
		}
		if got, want := strings.TrimSpace(tb[0].Rows[0][0]), strings.TrimSpace(mdtext.OneLine(h, 1000)); got != want {
			t.Errorf("code of %q renders %q", h, got)
		}
	}
}

// TestInspectFinds checks the checker: what GitHub would link is found.
func TestInspectFinds(t *testing.T) {
	page := mdtexttest.Render(t, "[x](https://e.example) @acme/oncall see #12 and GH-3, https://bare.example `@not #1`")
	l := mdtexttest.Inspect(page)
	if !slices.Contains(l.Links, "https://e.example") || !slices.Contains(l.Mentions, "@acme/oncall") ||
		!slices.Contains(l.References, "#12") || !slices.Contains(l.References, "GH-3") || len(l.Links) != 2 {
		t.Errorf("Inspect = %+v", l)
	}
}
