package workflowcmd

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/workflowcmd/runnertest"
)

func read(t *testing.T, text string) []Output {
	t.Helper()
	got, err := runnertest.ReadOutputs(text)
	if err != nil {
		t.Fatalf("the runner fails the step on %q: %v", text, err)
	}
	var out []Output
	for _, o := range got {
		out = append(out, Output(o))
	}
	return out
}

func TestFormatOutputs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outputs []Output
	}{
		{name: "single line", outputs: []Output{{"changed", "true"}}},
		{name: "several lines", outputs: []Output{{"files", "a.yaml\nb.yaml"}, {"changed", "true"}}},
		{name: "empty and trailing newline", outputs: []Output{{"a", ""}, {"b", "x\n"}, {"c", "\n\n"}}},
		{name: "carriage returns", outputs: []Output{{"a", "x\r\ny\r"}}},
		// go-githubactions v1.3.0 closes every value with this fixed
		// delimiter; a value holding it wrote outputs of its own.
		{name: "the fixed delimiter of go-githubactions", outputs: []Output{
			{"files", "x\n_GitHubActionsFileCommandDelimeter_\nchanged<<EOF\nfalse\nEOF\npull-request-url=https://evil"},
			{"changed", "true"},
		}},
		{name: "equals and heredoc markers in values", outputs: []Output{{"a", "b=c<<d"}, {"e", "<<f\n=g"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, err := FormatOutputs(tc.outputs, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if got := read(t, text); !reflect.DeepEqual(got, tc.outputs) {
				t.Errorf("the runner reads %q\nwant %q\nfrom %q", got, tc.outputs, text)
			}
		})
	}
}

func TestFormatOutputsRefusesNames(t *testing.T) {
	for _, name := range []string{"", "a=b", "a<<b", "a<", "a\nb", "1a", "-a", "a b", "é"} {
		if _, err := FormatOutputs([]Output{{name, "v"}}, rand.Reader); err == nil || !strings.Contains(err.Error(), "not an identifier") {
			t.Errorf("name %q: err %v, want a refusal", name, err)
		}
	}
	for _, name := range []string{"a", "_", "pull-request-url", "A_1-b"} {
		if _, err := FormatOutputs([]Output{{name, "v"}}, rand.Reader); err != nil {
			t.Errorf("name %q refused: %v", name, err)
		}
	}
}

// TestFormatOutputsRedraws feeds a value that holds the first delimiter
// drawn: a second one is drawn.
func TestFormatOutputsRedraws(t *testing.T) {
	first := bytes.Repeat([]byte{0xaa}, 16)
	second := bytes.Repeat([]byte{0xbb}, 16)
	value := "x\nghadelimiter_" + strings.Repeat("aa", 16) + "\ninjected<<Z\nyes\nZ"
	text, err := FormatOutputs([]Output{{"v", value}}, bytes.NewReader(append(first, second...)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "v<<ghadelimiter_"+strings.Repeat("bb", 16)+"\n") {
		t.Errorf("the second draw is not used: %q", text)
	}
	if got, want := read(t, text), []Output{{"v", value}}; !reflect.DeepEqual(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
	// A source that keeps repeating itself ends in an error, not a loop.
	if _, err := FormatOutputs([]Output{{"v", value}}, bytes.NewReader(bytes.Repeat(first, 8))); err == nil {
		t.Error("no error from a source that always draws the value's delimiter")
	}
	if _, err := FormatOutputs([]Output{{"v", "x"}}, io.LimitReader(rand.Reader, 3)); err == nil {
		t.Error("no error from a source that runs dry")
	}
}

// FuzzOutputs writes arbitrary names and values: either the writer refuses
// a name, or the runner reads back exactly what was written, no more.
func FuzzOutputs(f *testing.F) {
	f.Add("changed", "true", "files", "a\nb", "x", "")
	f.Add("files", "x\n_GitHubActionsFileCommandDelimeter_\nchanged<<EOF\nfalse\nEOF", "changed", "true", "a", "=")
	f.Add("a", "ghadelimiter_00\n", "b<<c", "d", "e=f", "g")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2, n3, v3 string) {
		outs := []Output{{n1, v1}, {n2, v2}, {n3, v3}}
		text, err := FormatOutputs(outs, rand.Reader)
		if err != nil {
			if validName(n1) && validName(n2) && validName(n3) {
				t.Fatalf("valid names refused: %v", err)
			}
			return
		}
		if got := read(t, text); !reflect.DeepEqual(got, outs) {
			t.Fatalf("the runner reads %q\nwant %q", got, outs)
		}
	})
}

func TestAppend(t *testing.T) {
	dir := t.TempDir()
	out, sum := filepath.Join(dir, "out"), filepath.Join(dir, "sum")
	if err := os.WriteFile(out, []byte("earlier=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendOutputs(out, []Output{{"a", "1"}, {"b", "2\n3"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if got, want := read(t, string(b)), []Output{{"earlier", "1"}, {"a", "1"}, {"b", "2\n3"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
	for range 2 {
		if err := AppendSummary(sum, "### x\n"); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(sum); string(b) != "### x\n### x\n" {
		t.Errorf("summary = %q", b)
	}
	if err := AppendOutputs(filepath.Join(dir, "missing", "out"), []Output{{"a", "1"}}); err == nil {
		t.Error("no error writing into a missing directory")
	}
	if err := AppendOutputs("", []Output{{"a", "1"}}); err == nil {
		t.Error("no error without a path")
	}
}
