package workflowcmd

import (
	"strings"
	"testing"
	"unicode"

	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

// unescape reverses Escape: every %XX it writes, in one pass.
func unescape(s string) string {
	r := strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%5B", "[", "%23", "#")
	return r.Replace(s)
}

// toolkitEscape is the toolkit's escapeData, what the runner decodes.
var toolkitEscape = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

func TestEscape(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{name: "plain", in: "ghcr.io/acme/app:v2.1.0", want: "ghcr.io/acme/app:v2.1.0"},
		{name: "line break then a command", in: "v1\n::error file=x::owned", want: "v1%0A::error file=x::owned"},
		{name: "carriage return", in: "a\rb\r\n", want: "a%0Db%0D%0A"},
		{name: "percent", in: "100% of %0A", want: "100%25 of %250A"},
		{name: "leading command", in: "::error::x", want: "%3A:error::x"},
		{name: "leading blanks then a command", in: " \t\u00a0::warning::x", want: " \t\u00a0%3A:warning::x"},
		{name: "ignorable then a command", in: "\u00ad::error::x", want: "\u00ad%3A:error::x"},
		{name: "colon inside", in: "a::b", want: "a::b"},
		{name: "old syntax inside", in: "x ##[error]y", want: "x ##%5Berror]y"},
		{name: "old syntax with an ignorable", in: "#\u00ad#\u200b[error]", want: "#\u00ad#\u200b%5Berror]"},
		{name: "opening bracket", in: "[error]y", want: "%5Berror]y"},
		{name: "closing hash", in: "issue #", want: "issue %23"},
		{name: "hash inside", in: "pull request #12", want: "pull request #12"},
		{name: "not UTF-8 kept as is", in: "a\xffb", want: "a\xffb"},
		{name: "empty", in: "", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Escape(tc.in)
			if got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if back := unescape(got); back != tc.in {
				t.Errorf("unescape(%q) = %q, want %q", got, back, tc.in)
			}
		})
	}
}

// lines puts v where values stand in what we print: alone, after and
// before fixed text, next to the characters of both command syntaxes, in a
// command's properties and data.
func lines(v string) (plain []string, commands []string) {
	e := Escape(v)
	plain = []string{
		e,
		e + ":12: ghcr.io/acme/app:v1 → ghcr.io/acme/app:v2 (pod)",
		"warning: " + e,
		":" + e,
		"#" + e,
		"##" + e,
		e + "#[error]x",
		e + e,
		" " + e + " ",
	}
	commands = []string{
		Command("warning", []Property{{"file", v}, {"title", v}}, v),
		Annotation("error", v, 3, 4, v, v),
		Mask(v),
	}
	return plain, commands
}

func checkNoForgery(t *testing.T, v string) {
	t.Helper()
	plain, commands := lines(v)
	for _, l := range plain {
		if cs := runnertest.Commands(l + "\n"); len(cs) > 0 {
			t.Errorf("value %q: the line %q gives the runner the command %+v", v, l, cs[0])
		}
	}
	for _, l := range commands {
		cs := runnertest.Commands(l + "\n")
		if len(cs) != 1 {
			t.Errorf("value %q: %q is read as %d commands, want 1", v, l, len(cs))
			continue
		}
		c := cs[0]
		if !strings.HasPrefix(l, "::"+c.Name) {
			t.Errorf("value %q: %q is read as the command %q", v, l, c.Name)
		}
		if got := unescape(c.Data); got != v {
			t.Errorf("value %q: data %q decodes to %q", v, c.Data, got)
		}
		for k, p := range c.Props() {
			if k != "file" && k != "title" && k != "line" && k != "col" {
				t.Errorf("value %q: %q is read with the property %s=%q", v, l, k, p)
			}
			// The runner decodes a property fully unless Escape had to
			// break a "##[" (which only matters outside a command); it
			// trims white space after the last one.
			trim := func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }
			if (k == "file" || k == "title") && trim(p) != trim(v) && Escape(v) == toolkitEscape(v) {
				t.Errorf("value %q: property %s=%q", v, k, p)
			}
		}
	}
}

func TestNoValueForgesACommand(t *testing.T) {
	for _, v := range []string{
		"v1\n::error file=x::owned",
		"::add-mask::x",
		"  ::stop-commands::tok",
		"\u00ad::error::x",
		"\u0000::error::x",
		"##[error]x",
		"#[error]",
		"[set-output name=changed;]false",
		"a#",
		"x\r::warning::y",
		"::",
		":",
		"#",
		"[",
		"%0A::error::x",
	} {
		checkNoForgery(t, v)
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"v1\n::error file=x::y", "##[error]x", "\u00ad::", "a#", "[", "%3A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got := unescape(Escape(v)); got != v {
			t.Fatalf("Escape is not reversible: %q → %q → %q", v, Escape(v), got)
		}
		checkNoForgery(t, v)
	})
}

func TestRunnerDecodesData(t *testing.T) {
	// In a command's data the runner decodes what the toolkit encodes, so a
	// message or a mask keeps its text.
	for _, v := range []string{"line one\nline two", "100%", "ghp_abc%0Adef", "a::b ##x"} {
		cs := runnertest.Commands(Mask(v) + "\n")
		if len(cs) != 1 || cs[0].Name != "add-mask" {
			t.Fatalf("Mask(%q) = %q: not one add-mask command", v, Mask(v))
		}
		if got := runnertest.DecodeData(cs[0].Data); got != v {
			t.Errorf("the runner masks %q, want %q", got, v)
		}
	}
}

func TestAnnotation(t *testing.T) {
	for _, tc := range []struct {
		name           string
		file           string
		line, col      int
		title, message string
		want           string
	}{
		{name: "everything", file: "env/app.yaml", line: 3, col: 7, title: "image-tag-latest", message: "tag latest", want: "::error file=env/app.yaml,line=3,col=7,title=image-tag-latest::tag latest"},
		{name: "no line: no column", file: "a.yaml", col: 7, message: "m", want: "::error file=a.yaml::m"},
		{name: "nothing known", message: "m", want: "::error::m"},
		{name: "separators in properties", file: "a,b:c.yaml", line: 1, message: "x", want: "::error file=a%2Cb%3Ac.yaml,line=1::x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Annotation("error", tc.file, tc.line, tc.col, tc.title, tc.message); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
