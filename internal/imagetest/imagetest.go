// Package imagetest reads what the image holds from the Dockerfile, builds
// the binary the way the Dockerfile does, and lays out the image's root
// filesystem in a directory, without Docker: tests run the actions in it
// (through a chroot), and scripts/image builds a variant of the image from
// it. The Dockerfile stays the one place that says what the image is.
//
// It understands the small Dockerfile this project keeps on purpose: a
// build stage that assembles the root filesystem under one directory with
// install(1) and go build, and a final stage that copies that directory
// and names the entrypoint. Anything else that touches the image is an
// error, so that the image cannot change without the tests seeing it.
package imagetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Image is what the Dockerfile's final stage makes.
type Image struct {
	// Base is the final stage's FROM: scratch.
	Base string
	// User is the final stage's USER; empty means the image's default,
	// root.
	User string
	// Entrypoint is the exec-form ENTRYPOINT.
	Entrypoint []string
	// Dirs, Files and Binary are every path the image holds.
	Dirs   []Dir
	Files  []File
	Binary File
	// Build is the go build command that writes Binary.
	Build GoBuild
}

// Dir is a directory of the image.
type Dir struct {
	Path string
	Mode fs.FileMode // with fs.ModeSticky for the sticky bit
}

// File is a regular file of the image, with the build stage's path it is
// copied from (Source), if any.
type File struct {
	Path   string
	Mode   fs.FileMode
	Source string
}

// GoBuild is the build stage's go build: its environment assignments and
// arguments, as written (variables unexpanded), without -o.
type GoBuild struct {
	Env  []string
	Args []string
}

type instruction struct {
	keyword string
	rest    string
	line    int
}

// instructions splits a Dockerfile into instructions: comments dropped,
// continuation lines joined.
func instructions(dockerfile []byte) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, l := range strings.Split(string(dockerfile), "\n") {
		t := strings.TrimSpace(l)
		if cur.Len() == 0 {
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			start = i + 1
		} else if strings.HasPrefix(t, "#") {
			continue // a comment inside a continued instruction
		}
		if strings.HasSuffix(t, `\`) {
			cur.WriteString(strings.TrimSuffix(t, `\`) + " ")
			continue
		}
		cur.WriteString(t)
		kw, rest, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(kw), strings.TrimSpace(rest), start})
		cur.Reset()
	}
	return out
}

// stage is one FROM and what follows it.
type stage struct {
	name, base string
	ins        []instruction
}

// Parse reads the image's facts from a Dockerfile.
func Parse(dockerfile []byte) (*Image, error) {
	var stages []*stage
	for _, in := range instructions(dockerfile) {
		if in.keyword == "FROM" {
			f := strings.Fields(in.rest)
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				f = f[1:]
			}
			if len(f) == 0 {
				return nil, fmt.Errorf("line %d: FROM without an image", in.line)
			}
			s := &stage{base: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			if in.keyword == "ARG" {
				continue
			}
			return nil, fmt.Errorf("line %d: %s before FROM", in.line, in.keyword)
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	if len(stages) < 2 {
		return nil, errors.New("want a build stage and a final stage")
	}
	final := stages[len(stages)-1]
	im := &Image{Base: final.base}
	var from, src, dst string
	for _, in := range final.ins {
		switch in.keyword {
		case "LABEL":
		case "USER":
			im.User = in.rest
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(in.rest), &im.Entrypoint); err != nil || len(im.Entrypoint) == 0 {
				return nil, fmt.Errorf("line %d: ENTRYPOINT is not the exec form [\"/path\", ...]: %q", in.line, in.rest)
			}
		case "COPY":
			f := strings.Fields(in.rest)
			if src != "" || len(f) != 3 || !strings.HasPrefix(f[0], "--from=") {
				return nil, fmt.Errorf("line %d: the final stage copies one directory from the build stage (COPY --from=build /rootfs/ /), not %q", in.line, in.rest)
			}
			from, src, dst = strings.TrimPrefix(f[0], "--from="), f[1], f[2]
		default:
			return nil, fmt.Errorf("line %d: %s in the final stage: imagetest does not know what it does to the image; teach it, and the tests", in.line, in.keyword)
		}
	}
	if src == "" || len(im.Entrypoint) == 0 {
		return nil, errors.New("the final stage needs a COPY --from=<build stage> and an ENTRYPOINT")
	}
	var build *stage
	for _, s := range stages[:len(stages)-1] {
		if s.name == from {
			build = s
		}
	}
	if build == nil {
		return nil, fmt.Errorf("COPY --from=%s names no stage", from)
	}
	root := path.Clean(src)
	inImage := func(p string) (string, bool) {
		p = path.Clean(p)
		if p != root && !strings.HasPrefix(p, root+"/") {
			return "", false
		}
		return path.Join(dst, strings.TrimPrefix(p, root)), true
	}
	if err := im.readBuildStage(build, root, inImage); err != nil {
		return nil, err
	}
	if im.Binary.Path == "" {
		return nil, fmt.Errorf("no go build writes into %s", root)
	}
	return im, nil
}

// readBuildStage reads the RUN commands that write under root.
func (im *Image) readBuildStage(build *stage, root string, inImage func(string) (string, bool)) error {
	for _, in := range build.ins {
		if in.keyword != "RUN" || !strings.Contains(in.rest, root) {
			continue
		}
		for _, cmd := range splitAnd(in.rest) {
			words, err := shellWords(cmd)
			if err != nil {
				return fmt.Errorf("line %d: %w", in.line, err)
			}
			if !strings.Contains(cmd, root) {
				continue
			}
			if err := im.readCommand(words, inImage); err != nil {
				return fmt.Errorf("line %d: %q: %w", in.line, cmd, err)
			}
		}
	}
	return nil
}

func (im *Image) readCommand(words []string, inImage func(string) (string, bool)) error {
	var env []string
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		env, words = append(env, words[0]), words[1:]
	}
	switch {
	case len(words) > 0 && words[0] == "install":
		return im.readInstall(words[1:], inImage)
	case len(words) > 1 && words[0] == "go" && words[1] == "build":
		var args []string
		out := ""
		for i := 2; i < len(words); i++ {
			if words[i] == "-o" && i+1 < len(words) {
				out = words[i+1]
				i++
				continue
			}
			args = append(args, words[i])
		}
		p, ok := inImage(out)
		if !ok {
			return fmt.Errorf("go build writes %q, outside the image", out)
		}
		im.Binary = File{Path: p, Mode: 0o755}
		im.Build = GoBuild{Env: env, Args: args}
		return nil
	}
	return errors.New("imagetest knows install and go build; teach it this command, and the tests")
}

// readInstall reads install -d -m MODE DIR... and install -D -m MODE SRC DST.
func (im *Image) readInstall(args []string, inImage func(string) (string, bool)) error {
	dirs, parents := false, false
	mode := fs.FileMode(0o755)
	var pos []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-d":
			dirs = true
		case a == "-D":
			parents = true
		case a == "-m" && i+1 < len(args):
			m, err := strconv.ParseUint(args[i+1], 8, 32)
			if err != nil {
				return fmt.Errorf("mode %q: %w", args[i+1], err)
			}
			mode = fs.FileMode(m & 0o777)
			if m&0o1000 != 0 {
				mode |= fs.ModeSticky
			}
			i++
		case strings.HasPrefix(a, "-"):
			return fmt.Errorf("install option %q is unknown here", a)
		default:
			pos = append(pos, a)
		}
	}
	if dirs {
		for _, d := range pos {
			p, ok := inImage(d)
			if !ok {
				return fmt.Errorf("%q is outside the image", d)
			}
			im.Dirs = append(im.Dirs, Dir{Path: p, Mode: mode | fs.ModeDir})
		}
		return nil
	}
	if !parents || len(pos) != 2 {
		return errors.New("want install -D -m MODE SOURCE DEST")
	}
	p, ok := inImage(pos[1])
	if !ok {
		return fmt.Errorf("%q is outside the image", pos[1])
	}
	im.Files = append(im.Files, File{Path: p, Mode: mode, Source: pos[0]})
	return nil
}

// splitAnd splits a shell command at the && outside quotes.
func splitAnd(s string) []string {
	var out []string
	quote := byte(0)
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '&' && i+1 < len(s) && s[i+1] == '&':
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 2
			i++
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// shellWords splits a simple command into words, honouring quotes.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				w.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		case strings.IndexByte(";|<>()`", c) >= 0:
			return nil, fmt.Errorf("%q: only simple commands are understood", s)
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("%q: unterminated quote", s)
	}
	if in {
		words = append(words, w.String())
	}
	return words, nil
}

// BuildBinary runs the Dockerfile's go build in moduleRoot, writing out.
// vars gives the build arguments its words name (VERSION, TARGETOS,
// TARGETARCH); a variable it does not give is an error.
func (im *Image) BuildBinary(moduleRoot, out string, vars map[string]string) error {
	var missing []string
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			v, ok := vars[k]
			if !ok {
				missing = append(missing, k)
			}
			return v
		})
	}
	env := os.Environ()
	for _, e := range im.Build.Env {
		env = append(env, expand(e))
	}
	args := []string{"build"}
	for _, a := range im.Build.Args {
		args = append(args, expand(a))
	}
	args = append(args[:len(args)-1], "-o", out, args[len(args)-1])
	if len(missing) > 0 {
		return fmt.Errorf("the go build of the Dockerfile uses %q, which were not given", missing)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

// LayOut writes the image's root filesystem into dir, owned by the current
// user, with the modes the Dockerfile gives: the directories, the files
// (their content from source, keyed by the build stage's path) and the
// binary (a copy of binary). It returns the total size of the files.
func (im *Image) LayOut(dir, binary string, source func(string) ([]byte, error)) (int64, error) {
	var total int64
	mkdir := func(p string, mode fs.FileMode) error {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(full, 0o755); err != nil {
			return err
		}
		return os.Chmod(full, mode) // not subject to the umask, unlike MkdirAll
	}
	write := func(p string, b []byte, mode fs.FileMode) error {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, mode); err != nil {
			return err
		}
		total += int64(len(b))
		return os.Chmod(full, mode)
	}
	for _, d := range im.Dirs {
		if err := mkdir(d.Path, d.Mode); err != nil {
			return 0, err
		}
	}
	for _, f := range im.Files {
		b, err := source(f.Source)
		if err != nil {
			return 0, fmt.Errorf("the content of %s (%s in the build stage): %w", f.Path, f.Source, err)
		}
		if err := write(f.Path, b, f.Mode); err != nil {
			return 0, err
		}
	}
	b, err := os.ReadFile(binary)
	if err != nil {
		return 0, err
	}
	if err := write(im.Binary.Path, b, im.Binary.Mode); err != nil {
		return 0, err
	}
	return total, nil
}

// Paths lists every path the image holds, directories first.
func (im *Image) Paths() []string {
	var out []string
	for _, d := range im.Dirs {
		out = append(out, d.Path)
	}
	for _, f := range im.Files {
		out = append(out, f.Path)
	}
	return append(out, im.Binary.Path)
}

// LDFlags returns the -ldflags value of the go build, unexpanded.
func (b GoBuild) LDFlags() string {
	for i, a := range b.Args {
		if a == "-ldflags" && i+1 < len(b.Args) {
			return b.Args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "-ldflags="); ok {
			return v
		}
	}
	return ""
}

// HasFlag reports whether the go build passes flag (e.g. -trimpath).
func (b GoBuild) HasFlag(flag string) bool {
	for _, a := range b.Args {
		if a == flag {
			return true
		}
	}
	return false
}

// Getenv returns the value the go build's environment assigns to k.
func (b GoBuild) Getenv(k string) (string, bool) {
	for _, e := range b.Env {
		if name, v, ok := strings.Cut(e, "="); ok && name == k {
			return v, true
		}
	}
	return "", false
}
