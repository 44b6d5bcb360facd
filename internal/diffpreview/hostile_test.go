package diffpreview

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/mdtext/mdtexttest"
	"github.com/gitops-actions/gitops-actions/internal/workspace"
)

// TestHostileTrees compares trees a pull request can commit: links out of
// the tree and to devices, a FIFO named like a manifest, a file over the
// size limit, names that would be Markdown. Compare ends, reads nothing
// outside the trees, and no output holds what it must not.
func TestHostileTrees(t *testing.T) {
	outside := t.TempDir()
	const secret = "ghp_SENTINEL0123456789abcdef"
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  token: "+secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(root, name, data string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(root, name, target string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	trees := map[string]string{}
	for _, side := range []string{"base", "head"} {
		root := filepath.Join(t.TempDir(), side)
		trees[side] = root
		write(root, "plain/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"[click](https://evil.example) @acme/admins <img src=x> | `x`\"\ndata:\n  side: "+side+"\n")
		link(root, "plain/zero.yaml", "/dev/zero")
		link(root, "plain/leak.yaml", filepath.Join(outside, "secret.yaml"))
		write(root, "k/kustomization.yaml", "resources:\n  - leak.yaml\n# "+side+"\n") // changed, so that it renders
		link(root, "k/leak.yaml", "../../"+filepath.Base(outside)+"/secret.yaml")
		if err := syscall.Mkfifo(filepath.Join(root, "plain", "fifo.yaml"), 0o644); err != nil {
			t.Fatal(err)
		}
		write(root, "big/big.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: \""+strings.Repeat("x", 2<<20)+"\"\n")
	}
	open := func(side string) *workspace.Tree {
		tree, err := workspace.Open(trees[side], 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tree.Close() })
		return tree
	}
	done := make(chan struct{})
	var p *Preview
	var err error
	go func() {
		defer close(done)
		p, err = Compare(context.Background(), open("base"), open("head"), Options{})
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Compare blocked")
	}
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	md := p.Markdown(commentLimit, "https://example.com/run")
	out.WriteString(md)
	if err := p.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Environments {
		out.WriteString(e.BaseError + e.HeadError)
	}
	if strings.Contains(out.String(), secret) {
		t.Errorf("an output holds the file outside the tree:\n%s", out.String())
	}
	text := outsideCode(t, outsideFences(md))
	if !strings.Contains(md, "```diff\n") || !strings.Contains(outsideFences(md), "v1 ConfigMap [click]") {
		t.Fatalf("the resource is not shown:\n%s", md)
	}
	for _, bad := range []string{"[click]", "@acme", "<img", "| `x`"} {
		if strings.Contains(text, bad) {
			t.Errorf("the Markdown holds %q unescaped outside a code fence", bad)
		}
	}
	mdtexttest.CheckInert(t, mdtexttest.Render(t, md), "https://example.com/run")
	names := map[string]string{}
	for _, e := range p.Environments {
		names[e.Name] = e.BaseError + e.HeadError
	}
	if !strings.Contains(names["big"], "-byte limit") {
		t.Errorf("the big file: %q, want a limit error", names["big"])
	}
	if !strings.Contains(names["k"], "is not in or below") {
		t.Errorf("the kustomization reading through a link out of the tree: %q", names["k"])
	}
	if _, ok := names["plain"]; !ok {
		t.Errorf("no environment plain: %v", names)
	}
}

// TestMaxFileSize: a tree that does not cap its files itself (an archive
// read into memory) is capped by MaxFileSize.
func TestMaxFileSize(t *testing.T) {
	big := fstest.MapFS{"a/big.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: \"" + strings.Repeat("x", 5000) + "\"\n")}}
	p, err := Compare(context.Background(), fstest.MapFS{}, big, Options{MaxFileSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Environments) != 1 || !strings.Contains(p.Environments[0].HeadError, "over the 1000-byte limit") {
		t.Errorf("got %+v", p.Environments)
	}
}

// TestMissingEnvironment: an environments entry on neither side is an
// error of that environment, never dropped; one on one side only is all
// added or all removed.
func TestMissingEnvironment(t *testing.T) {
	cm := &fstest.MapFile{Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")}
	base := fstest.MapFS{"old/cm.yaml": cm}
	head := fstest.MapFS{"new/cm.yaml": cm}
	p, err := Compare(context.Background(), base, head, Options{Environments: []string{"new", "old", "gone/"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range p.Environments {
		got[e.Name] = strings.Join([]string{e.BaseError, e.HeadError, summary(e)}, "|")
	}
	want := map[string]string{
		"gone": `no directory "gone"|no directory "gone"|not compared`,
		"new":  "||1 added, 0 removed, 0 changed",
		"old":  "||0 added, 1 removed, 0 changed",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
}

// outsideFences returns the lines of md outside its code fences: what
// GitHub reads as Markdown.
func outsideFences(md string) string {
	var b strings.Builder
	open := 0
	for _, l := range strings.Split(md, "\n") {
		ticks := len(l) - len(strings.TrimLeft(l, "`"))
		switch {
		case open == 0 && ticks >= 3:
			open = ticks
		case open > 0 && ticks >= open && strings.TrimSpace(l[ticks:]) == "":
			open = 0
		case open == 0:
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// outsideCode returns text without its <code> elements (checked to hold
// no raw HTML) and code spans: what GitHub reads as Markdown or HTML and
// may link or mention from.
func outsideCode(t *testing.T, text string) string {
	t.Helper()
	for {
		i := strings.Index(text, "<code>")
		if i < 0 {
			break
		}
		j := strings.Index(text[i:], "</code>")
		if j < 0 {
			t.Fatalf("a <code> not closed: %q", text[i:])
		}
		if inner := text[i+len("<code>") : i+j]; strings.ContainsAny(inner, "<>") {
			t.Errorf("raw HTML in a <code> element: %q", inner)
		}
		text = text[:i] + text[i+j+len("</code>"):]
	}
	// A code span opens with a run of backticks and closes with the next
	// run of the same length.
	var b strings.Builder
	for i := 0; i < len(text); {
		if text[i] != '`' {
			b.WriteByte(text[i])
			i++
			continue
		}
		n := 0
		for i+n < len(text) && text[i+n] == '`' {
			n++
		}
		end := -1
		for j := i + n; j < len(text); {
			if text[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(text) && text[j+m] == '`' {
				m++
			}
			if m == n {
				end = j + m
				break
			}
			j += m
		}
		if end < 0 {
			b.WriteString(text[i : i+n])
			i += n
			continue
		}
		i = end
	}
	return b.String()
}
