// Package mdtexttest renders the Markdown the tool writes as GitHub does,
// GitHub-flavoured Markdown (tables, autolinks, strikethrough, task
// lists, raw HTML), and reads back from the HTML what a reader of the
// page could click or what would notify someone: the links, and the
// mentions and references GitHub adds to the text after it has rendered
// it. Tests assert on that HTML, not on the Markdown string.
package mdtexttest

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"
)

// Render renders md as GitHub renders a comment, a pull request's body, a
// release or a job summary: GFM, raw HTML kept (GitHub keeps <details>,
// <summary>, <code>, <sub> and drops what is unsafe).
func Render(t testing.TB, md string) string {
	t.Helper()
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithUnsafe()))
	var b bytes.Buffer
	if err := gm.Convert([]byte(md), &b); err != nil {
		t.Fatalf("rendering the Markdown: %v", err)
	}
	return b.String()
}

// GitHub's own linking, after the Markdown is HTML: in text outside code,
// pre and a, a mention (@user, @org/team), a reference (#12,
// owner/repo#12, GH-12), and a URL the autolinker takes.
var (
	mentionRE   = regexp.MustCompile(`(?:^|[^A-Za-z0-9_` + "`" + `])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9][A-Za-z0-9_.-]*)?`)
	referenceRE = regexp.MustCompile(`#[0-9]+|(?i:\bgh-[0-9]+)`)
	urlRE       = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<]+|\bwww\.[^\s<]+`)
)

// Live is what a page lets a reader click, or notifies someone of.
type Live struct {
	// Links are the href of every a element.
	Links []string
	// Mentions, References and URLs are GitHub's linking of the text.
	Mentions, References, URLs []string
}

// All lists everything live, each prefixed by its kind.
func (l Live) All() []string {
	var out []string
	for _, x := range l.Links {
		out = append(out, "link "+x)
	}
	for _, x := range l.Mentions {
		out = append(out, "mention "+x)
	}
	for _, x := range l.References {
		out = append(out, "reference "+x)
	}
	for _, x := range l.URLs {
		out = append(out, "url "+x)
	}
	return out
}

// Inspect reads what is live in rendered HTML.
func Inspect(page string) Live {
	var l Live
	z := html.NewTokenizer(strings.NewReader(page))
	inert := 0 // depth of code, pre and a elements
	for {
		switch z.Next() {
		case html.ErrorToken:
			return l
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "a":
				for _, a := range tok.Attr {
					if a.Key == "href" {
						l.Links = append(l.Links, a.Val)
					}
				}
				inert++
			case "code", "pre":
				inert++
			}
		case html.EndTagToken:
			switch z.Token().Data {
			case "a", "code", "pre":
				inert--
			}
		case html.TextToken:
			if inert > 0 {
				continue
			}
			text := string(z.Text())
			for _, m := range mentionRE.FindAllString(text, -1) {
				l.Mentions = append(l.Mentions, m[strings.IndexByte(m, '@'):])
			}
			l.References = append(l.References, referenceRE.FindAllString(text, -1)...)
			l.URLs = append(l.URLs, urlRE.FindAllString(text, -1)...)
		}
	}
}

// Text is the text of rendered HTML, as a reader sees it.
func Text(page string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		}
	}
}

// Table is a rendered table: its header cells and the cells of each row,
// as text.
type Table struct {
	Header []string
	Rows   [][]string
}

// Tables reads every table of rendered HTML.
func Tables(page string) []Table {
	var out []Table
	z := html.NewTokenizer(strings.NewReader(page))
	var cur *Table
	var row []string
	var cell *strings.Builder
	head := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			switch z.Token().Data {
			case "table":
				out = append(out, Table{})
				cur = &out[len(out)-1]
			case "thead":
				head = true
			case "tbody":
				head = false
			case "tr":
				row = nil
			case "td", "th":
				cell = &strings.Builder{}
			}
		case html.EndTagToken:
			switch z.Token().Data {
			case "td", "th":
				row = append(row, cell.String())
				cell = nil
			case "tr":
				if cur != nil && head {
					cur.Header = row
				} else if cur != nil {
					cur.Rows = append(cur.Rows, row)
				}
			case "table":
				cur = nil
			}
		case html.TextToken:
			if cell != nil {
				cell.Write(z.Text())
			}
		}
	}
}

// longHex is a run of hex digits no table cell can wrap.
var longHex = regexp.MustCompile(`[0-9a-f]{20,}`)

// CheckTables fails the test when a table of the page does not stay
// within its columns: a row with more or fewer cells than its header (a
// pipe from the content split a cell), or a cell holding a long run of
// hex digits (a whole digest), which cannot wrap and pushes the columns
// after it out of sight.
func CheckTables(t testing.TB, page string) {
	t.Helper()
	for i, tb := range Tables(page) {
		for _, r := range tb.Rows {
			if len(r) != len(tb.Header) {
				t.Errorf("table %d: a row of %d cells under a header of %d: %q", i+1, len(r), len(tb.Header), r)
			}
			for _, c := range r {
				if m := longHex.FindString(c); m != "" {
					t.Errorf("table %d: a cell holds %d hex digits that cannot wrap: %q", i+1, len(m), c)
				}
			}
		}
	}
}

// CheckInert fails the test when the rendered Markdown has anything live
// but the links listed in allowed (each a prefix of an href): no other
// link, no mention, no reference, no bare URL.
func CheckInert(t testing.TB, page string, allowed ...string) {
	t.Helper()
	l := Inspect(page)
	for _, h := range l.Links {
		ok := false
		for _, a := range allowed {
			ok = ok || strings.HasPrefix(h, a)
		}
		if !ok {
			t.Errorf("a live link to %q", h)
		}
	}
	for _, m := range l.Mentions {
		t.Errorf("a live mention %q", m)
	}
	for _, r := range l.References {
		t.Errorf("a live reference %q", r)
	}
	for _, u := range l.URLs {
		t.Errorf("a bare URL GitHub links: %q", u)
	}
}
