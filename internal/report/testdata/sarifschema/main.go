// Command sarifschema writes ../sarif-schema-2.1.0.json, the SARIF 2.1.0
// JSON schema the report tests validate against, so that no test fetches
// it. The schema comes from a Go module that embeds it verbatim (OASIS
// errata01 "os" text, id
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json):
// github.com/owenrumney/go-sarif/v3, file pkg/report/v210/sarif/schema.go,
// constant "schema". It is fetched through the Go module proxy with
// `go mod download`, outside this module so go.mod and go.sum stay as
// they are. Run from internal/report:
//
//	go run ./testdata/sarifschema
//
// It also writes ../sarif-schema-2.1.0.json.source with the module,
// version, file and SHA-256 of what it wrote.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

const (
	module  = "github.com/owenrumney/go-sarif/v3"
	version = "v3.3.1"
	file    = "pkg/report/v210/sarif/schema.go"
	constNm = "schema"
	out     = "testdata/sarif-schema-2.1.0.json"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sarifschema:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := download()
	if err != nil {
		return err
	}
	src := filepath.Join(dir, filepath.FromSlash(file))
	schema, err := constant(src, constNm)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(schema), &doc); err != nil {
		return fmt.Errorf("parsing the schema from %q: %w", src, err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(schema), "", "  "); err != nil {
		return err
	}
	pretty.WriteByte('\n')
	if err := os.WriteFile(out, pretty.Bytes(), 0o644); err != nil {
		return err
	}
	sum := sha256.Sum256(pretty.Bytes())
	note := fmt.Sprintf("module: %s\nversion: %s\nfile: %s\nconstant: %s\nid: %v\nsha256: %x\ngenerator: go run ./testdata/sarifschema (from internal/report)\n",
		module, version, file, constNm, doc["id"], sum)
	return os.WriteFile(out+".source", []byte(note), 0o644)
}

// download fetches the module into the module cache and returns its
// directory, from a temporary directory so that this module's go.mod and
// go.sum are not touched.
func download() (string, error) {
	tmp, err := os.MkdirTemp("", "sarifschema")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GO111MODULE=on")
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", module, version, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(b, &info); err != nil {
		return "", err
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", module, version, info.Error)
	}
	return info.Dir, nil
}

// constant returns the value of a package-level string constant made of
// string literals, joined with +.
func constant(path, name string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, n := range v.Names {
				if n.Name == name && i < len(v.Values) {
					return literal(v.Values[i])
				}
			}
		}
	}
	return "", fmt.Errorf("no constant %q in %q", name, path)
}

func literal(e ast.Expr) (string, error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", fmt.Errorf("not a string literal: %s", e.Value)
		}
		return strconv.Unquote(e.Value)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", fmt.Errorf("unexpected operator %s", e.Op)
		}
		x, err := literal(e.X)
		if err != nil {
			return "", err
		}
		y, err := literal(e.Y)
		return x + y, err
	case *ast.ParenExpr:
		return literal(e.X)
	}
	return "", fmt.Errorf("unexpected expression %T", e)
}
