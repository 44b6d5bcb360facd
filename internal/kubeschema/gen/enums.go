package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/gitops-actions/gitops-actions/internal/kubeschema/convert"
)

// goEnums reads the Go API types of k8s.io/api (its module directory) and
// returns, per OpenAPI definition, the fields whose type is marked
// "// +enum" with the values of that type's constants. Only enum types
// declared in the field's own package are followed, as upstream's openapi
// enum generator does for the types it documents.
func goEnums(dir string) (convert.Enums, error) {
	out := convert.Enums{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "." {
			return nil
		}
		files, _ := filepath.Glob(filepath.Join(path, "*.go"))
		var srcs []*ast.File
		fset := token.NewFileSet()
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || strings.Contains(filepath.Base(f), "generated") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			file, err := parser.ParseFile(fset, f, src, parser.ParseComments)
			if err != nil {
				return err
			}
			srcs = append(srcs, file)
		}
		prefix := "io.k8s.api." + strings.ReplaceAll(filepath.ToSlash(rel), "/", ".") + "."
		for def, fields := range packageEnums(srcs) {
			out[prefix+def] = fields
		}
		return nil
	})
	return out, err
}

// packageEnums does goEnums for one package: struct name → json field →
// values.
func packageEnums(files []*ast.File) map[string]map[string][]string {
	enumTypes := map[string]bool{}
	values := map[string][]string{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			switch gd.Tok {
			case token.TYPE:
				for _, spec := range gd.Specs {
					ts := spec.(*ast.TypeSpec)
					if hasEnumMarker(ts.Doc) || len(gd.Specs) == 1 && hasEnumMarker(gd.Doc) {
						enumTypes[ts.Name.Name] = true
					}
				}
			case token.CONST:
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					id, ok := vs.Type.(*ast.Ident)
					if !ok {
						continue
					}
					for _, v := range vs.Values {
						if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if s, err := strconv.Unquote(lit.Value); err == nil {
								values[id.Name] = append(values[id.Name], s)
							}
						}
					}
				}
			}
		}
	}
	out := map[string]map[string][]string{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, field := range st.Fields.List {
				if field.Tag == nil || len(field.Names) == 0 {
					continue
				}
				tag, _ := strconv.Unquote(field.Tag.Value)
				name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
				if name == "" || name == "-" {
					continue
				}
				typ := field.Type
				if star, ok := typ.(*ast.StarExpr); ok {
					typ = star.X
				}
				if arr, ok := typ.(*ast.ArrayType); ok {
					typ = arr.Elt
				}
				id, ok := typ.(*ast.Ident)
				if !ok || !enumTypes[id.Name] || len(values[id.Name]) == 0 {
					continue
				}
				if out[ts.Name.Name] == nil {
					out[ts.Name.Name] = map[string][]string{}
				}
				vals := append([]string(nil), values[id.Name]...)
				sort.Strings(vals)
				out[ts.Name.Name][name] = vals
			}
			return false
		})
	}
	return out
}

func hasEnumMarker(doc *ast.CommentGroup) bool {
	if doc == nil {
		return false
	}
	for _, c := range doc.List {
		if strings.TrimSpace(strings.TrimPrefix(c.Text, "//")) == "+enum" {
			return true
		}
	}
	return false
}
