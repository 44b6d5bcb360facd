package mdtext

import (
	"strings"
	"testing"
)

func TestOneLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"a\nb\r\n\tc", 10, "a b c"},
		{"  lead  and\u2028trail  ", 20, "lead and trail"},
		{"abcdef", 4, "abc…"},
		{"héllo wörld", 5, "héll…"},
	} {
		if got := OneLine(tc.in, tc.max); got != tc.want {
			t.Errorf("OneLine(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestEscape(t *testing.T) {
	got := Text("[x](http://e) @team <b>*y*</b> | `z`\nnext", 100)
	want := `\[x\]\(http:` + "\u200d" + `//e\) @` + "\u200d" + `team \<b\>\*y\*\</b\> \| \` + "`z\\`" + ` next`
	if got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "`plain`"},
		{"a`b", "``a`b``"},
		{"`edge", "`` `edge ``"},
		{"a|b", "`a\\|b`"},
		{"", "`  `"},
	} {
		if got := Code(tc.in, 100); got != tc.want {
			t.Errorf("Code(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFence(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{"no ticks", 3},
		{"a ``` b", 4},
		{"````` x\n`", 6},
	} {
		got := Fence(tc.body)
		if len(got) != tc.want || strings.Trim(got, "`") != "" {
			t.Errorf("Fence(%q) = %q, want %d backticks", tc.body, got, tc.want)
		}
	}
}

func TestURL(t *testing.T) {
	if got, want := URL("https://e/a (b)\n"), "https://e/a%20%28b%29"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
}

func TestCellAndLink(t *testing.T) {
	if got, want := Cell("a `b` | c\nd"), "a `b` \\| c d"; got != want {
		t.Errorf("Cell = %q, want %q", got, want)
	}
	if got, want := Link("`x`", "https://e/a b"), "[`x`](https://e/a%20b)"; got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
	if got := Link("x", ""); got != "x" {
		t.Errorf("Link without a URL = %q", got)
	}
}
