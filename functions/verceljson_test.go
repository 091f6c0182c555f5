package handler

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestVercelJSONMatchesCode checks vercel.json against this package: every
// build is a file that exists and exports exactly one handler of the
// signature @vercel/go looks for (matched as text: http.ResponseWriter and
// *http.Request from an unaliased net/http), in a package that is not main;
// every route points at a built file; the service's routes reach the right
// function.
func TestVercelJSONMatchesCode(t *testing.T) {
	c := readVercelConfig(t)
	if c.Version != 2 {
		t.Errorf("version %d, want 2", c.Version)
	}
	raw, err := os.ReadFile("../vercel.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"rewrites"`, `"redirects"`, `"headers"`, `"cleanUrls"`, `"trailingSlash"`} {
		if strings.Contains(string(raw), key) {
			t.Errorf("vercel.json has %s, which cannot be mixed with routes", key)
		}
	}

	built := map[string]bool{}
	for _, b := range c.Builds {
		if b.Use != "@vercel/go" {
			t.Errorf("build %s uses %q, want @vercel/go", b.Src, b.Use)
		}
		if strings.ContainsAny(b.Src, "*?[{") {
			t.Errorf("build %s is a glob: it would also match helpers and tests", b.Src)
		}
		if built[b.Src] {
			t.Errorf("build %s listed twice", b.Src)
		}
		built[b.Src] = true
		want, ok := functionsByFile[b.Src]
		if !ok {
			t.Errorf("build %s is not one of this package's functions %v", b.Src, keys(functionsByFile))
			continue
		}
		name, problem := vercelHandler(t, "../"+b.Src)
		if problem != "" {
			t.Errorf("%s: %s", b.Src, problem)
		} else if name != want.name {
			t.Errorf("%s exports %s, the test harness calls %s", b.Src, name, want.name)
		}
	}
	for file := range functionsByFile {
		if !built[file] {
			t.Errorf("%s is not in vercel.json's builds", file)
		}
	}

	for _, rt := range c.Routes {
		if _, err := regexp.Compile("^(?:" + rt.Src + ")$"); err != nil {
			t.Errorf("route %q: %v", rt.Src, err)
		}
		dest, _, _ := strings.Cut(rt.Dest, "?")
		if !strings.HasPrefix(dest, "/") || !built[strings.TrimPrefix(dest, "/")] {
			t.Errorf("route %q goes to %q, which is not a build", rt.Src, rt.Dest)
		}
	}

	for path, want := range map[string]string{
		"/":                   "functions/index.go",
		"/healthz":            "functions/index.go",
		"/static/style.css":   "functions/index.go",
		"/static/sw.js":       "functions/index.go",
		"/stream/42":          "functions/stream.go",
		"/dl/42":              "functions/dl.go",
		"/telegram":           "functions/bot.go",
		"/dl/42/extra":        "functions/index.go",
		"/favicon.ico":        "functions/index.go",
		"/api/anything/else":  "functions/index.go",
		"/stream/" + "1x%2F2": "functions/stream.go",
	} {
		if got, ok := routeFor(c.Routes, path); !ok || got != want {
			t.Errorf("%s routes to %q (%v), want %s", path, got, ok, want)
		}
	}
}

// vercelHandler parses file and returns the name of its one exported
// handler, or what is wrong with it.
func vercelHandler(t *testing.T, file string) (name, problem string) {
	t.Helper()
	if _, err := os.Stat(file); err != nil {
		return "", "does not exist"
	}
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		return "", "does not parse: " + err.Error()
	}
	if f.Name.Name == "main" {
		return "", "package main (@vercel/go needs another package when go.mod exists)"
	}
	httpImported := false
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "net/http" {
			if imp.Name != nil {
				return "", "net/http imported as " + imp.Name.Name + "; @vercel/go matches http.ResponseWriter literally"
			}
			httpImported = true
		}
	}
	if !httpImported {
		return "", "does not import net/http"
	}
	var exported []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !fd.Name.IsExported() {
			continue
		}
		exported = append(exported, fd.Name.Name)
		if fd.Recv != nil {
			return "", fd.Name.Name + " is a method"
		}
		if fd.Type.TypeParams != nil || fd.Type.Results != nil {
			return "", fd.Name.Name + " has type parameters or results"
		}
		var params []string
		for _, field := range fd.Type.Params.List {
			for range max(1, len(field.Names)) {
				params = append(params, typeText(field.Type))
			}
		}
		if strings.Join(params, ", ") != "http.ResponseWriter, *http.Request" {
			return "", fd.Name.Name + "(" + strings.Join(params, ", ") + "): want (http.ResponseWriter, *http.Request)"
		}
		name = fd.Name.Name
	}
	if len(exported) != 1 {
		return "", "exports " + strconv.Itoa(len(exported)) + " functions " + strings.Join(exported, ", ") + ", want exactly one"
	}
	return name, ""
}

// typeText renders the type expressions a handler's parameters can have.
func typeText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + typeText(e.X)
	case *ast.SelectorExpr:
		return typeText(e.X) + "." + e.Sel.Name
	default:
		return "?"
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
