package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// A site is one mutation of one file: apply changes the file's AST in place.
type site struct {
	Kind string    // mutator name
	Pos  token.Pos // where in the original file
	Func string    // enclosing function ("" at top level)
	Desc string    // the change, as "old -> new"
	// apply mutates the tree; needsImport names a package the mutant uses.
	apply       func()
	needsImport string
}

// mutators lists every mutation kind; the names appear in reports and in
// equivalent.txt.
var mutators = []string{
	"cmp-flip",      // == <-> !=, < <-> >=, > <-> <=
	"boundary",      // < <-> <=, > <-> >=
	"logic",         // && <-> ||
	"negate-if",     // if c -> if !(c), for conditions that are not a comparison
	"guard-off",     // if c { ... return } -> if c && false
	"err-nil",       // return ..., err -> return ..., nil (error result)
	"sql-widen",     // "... WHERE x" -> "... WHERE 1=1 OR x"
	"prefix-match",  // a == b -> strings.HasPrefix(a, b); slices.Contains -> prefix
	"case-drop",     // case a, b, c: -> case b, c: (one value dropped)
	"time-add-zero", // t.Add(d) -> t.Add(0) (time.Time)
	"bool-flip",     // true <-> false
}

// typeInfo is optional: with it, prefix-match is limited to strings and
// time-add-zero to time.Time; without it those mutants may not compile and are
// reported as such.
type typeInfo = types.Info

// enumerate lists the sites of f in a fixed order. info may be nil.
func enumerate(fset *token.FileSet, f *ast.File, info *typeInfo) []site {
	var out []site
	src := func(n ast.Node) string {
		var b bytes.Buffer
		_ = printer.Fprint(&b, fset, n)
		s := strings.Join(strings.Fields(b.String()), " ")
		if len(s) > 70 {
			s = s[:67] + "..."
		}
		return s
	}
	// typeIs asks whether e's type passes is; without type information
	// every expression may.
	typeIs := func(is func(types.Type) bool) func(ast.Expr) bool {
		return func(e ast.Expr) bool {
			if info == nil {
				return true
			}
			tv, ok := info.Types[e]
			return ok && is(tv.Type)
		}
	}
	stringType := func(t types.Type) bool {
		b, ok := t.Underlying().(*types.Basic)
		return ok && b.Info()&types.IsString != 0
	}
	isString := typeIs(stringType)
	isStringSlice := typeIs(func(t types.Type) bool {
		s, ok := t.Underlying().(*types.Slice)
		return ok && stringType(s.Elem())
	})
	isTime := typeIs(func(t types.Type) bool {
		n, ok := t.(*types.Named)
		return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time"
	})

	for _, decl := range f.Decls {
		fn, _ := decl.(*ast.FuncDecl)
		fname := ""
		errResult := 0
		if fn != nil {
			fname = fn.Name.Name
			if fn.Recv != nil && len(fn.Recv.List) == 1 {
				fname = recvName(fn.Recv.List[0].Type) + "." + fname
			}
			errResult = errResults(fn.Type)
		}
		// Function literals get their own err-nil decision from their results.
		var walk func(n ast.Node, errRes int)
		walk = func(n ast.Node, errRes int) {
			ast.Inspect(n, func(m ast.Node) bool {
				if m == nil {
					return false
				}
				if lit, ok := m.(*ast.FuncLit); ok && m != n {
					walk(lit, errResults(lit.Type))
					return false
				}
				out = append(out, nodeSites(m, fname, errRes, src, isString, isStringSlice, isTime)...)
				return true
			})
		}
		walk(decl, errResult)
	}
	return out
}

// errResults counts ft's results when the last one is an error, else 0.
func errResults(ft *ast.FuncType) int {
	r := ft.Results
	if r == nil || len(r.List) == 0 {
		return 0
	}
	if id, ok := r.List[len(r.List)-1].Type.(*ast.Ident); !ok || id.Name != "error" {
		return 0
	}
	n := 0
	for _, f := range r.List {
		n += max(1, len(f.Names))
	}
	return n
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	}
	return "?"
}

var cmpNeg = map[token.Token]token.Token{
	token.EQL: token.NEQ, token.NEQ: token.EQL,
	token.LSS: token.GEQ, token.GEQ: token.LSS,
	token.GTR: token.LEQ, token.LEQ: token.GTR,
}

var cmpBoundary = map[token.Token]token.Token{
	token.LSS: token.LEQ, token.LEQ: token.LSS,
	token.GTR: token.GEQ, token.GEQ: token.GTR,
}

func isNil(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "nil"
}

// nodeSites returns the sites rooted at node n.
// errRes is the number of results of the enclosing function when the last
// is an error, else 0.
func nodeSites(n ast.Node, fname string, errRes int, src func(ast.Node) string,
	isString, isStringSlice, isTime func(ast.Expr) bool) []site {
	var out []site
	add := func(kind string, pos token.Pos, desc string, apply func()) {
		out = append(out, site{Kind: kind, Pos: pos, Func: fname, Desc: desc, apply: apply})
	}
	switch x := n.(type) {
	case *ast.BinaryExpr:
		op := x.Op
		if neg, ok := cmpNeg[op]; ok {
			add("cmp-flip", x.OpPos, fmt.Sprintf("%s -> %s in %s", op, neg, src(x)), func() { x.Op = neg })
		}
		if b, ok := cmpBoundary[op]; ok {
			add("boundary", x.OpPos, fmt.Sprintf("%s -> %s in %s", op, b, src(x)), func() { x.Op = b })
		}
		if op == token.LAND || op == token.LOR {
			to := token.LOR
			if op == token.LOR {
				to = token.LAND
			}
			add("logic", x.OpPos, fmt.Sprintf("%s -> %s in %s", op, to, src(x)), func() { x.Op = to })
		}
		if (op == token.EQL || op == token.NEQ) && !isNil(x.X) && !isNil(x.Y) && isString(x.X) && isString(x.Y) && !isEmptyString(x.X) && !isEmptyString(x.Y) {
			desc := fmt.Sprintf("%s -> strings.HasPrefix(%s, %s)", src(x), src(x.X), src(x.Y))
			s := site{Kind: "prefix-match", Pos: x.OpPos, Func: fname, Desc: desc, needsImport: "strings"}
			s.apply = func() {
				call := &ast.CallExpr{Fun: sel("strings", "HasPrefix"), Args: []ast.Expr{x.X, x.Y}}
				var repl ast.Expr = call
				if op == token.NEQ {
					repl = &ast.UnaryExpr{Op: token.NOT, X: call}
				}
				// The BinaryExpr node stays (its parent points to it): call && true.
				x.X, x.Op, x.Y = repl, token.LAND, ast.NewIdent("true")
			}
			out = append(out, s)
		}
	case *ast.CallExpr:
		if se, ok := x.Fun.(*ast.SelectorExpr); ok {
			if pk, ok := se.X.(*ast.Ident); ok && pk.Name == "slices" && se.Sel.Name == "Contains" && len(x.Args) == 2 && isStringSlice(x.Args[0]) {
				desc := fmt.Sprintf("%s -> element has prefix", src(x))
				s := site{Kind: "prefix-match", Pos: x.Pos(), Func: fname, Desc: desc, needsImport: "strings"}
				s.apply = func() {
					needle := x.Args[1]
					se.Sel = ast.NewIdent("ContainsFunc")
					x.Args[1] = &ast.FuncLit{
						Type: &ast.FuncType{Params: &ast.FieldList{List: []*ast.Field{{Names: []*ast.Ident{ast.NewIdent("mutE")}, Type: ast.NewIdent("string")}}},
							Results: &ast.FieldList{List: []*ast.Field{{Type: ast.NewIdent("bool")}}}},
						Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ReturnStmt{Results: []ast.Expr{
							&ast.CallExpr{Fun: sel("strings", "HasPrefix"), Args: []ast.Expr{ast.NewIdent("mutE"), needle}}}}}},
					}
				}
				out = append(out, s)
			}
			if se.Sel.Name == "Add" && len(x.Args) == 1 && isTime(se.X) {
				add("time-add-zero", x.Lparen, fmt.Sprintf("%s -> .Add(0)", src(x)), func() {
					x.Args[0] = &ast.BasicLit{Kind: token.INT, Value: "0"}
				})
			}
		}
	case *ast.IfStmt:
		if _, isCmp := cmpNeg[binOp(x.Cond)]; !isCmp {
			add("negate-if", x.If, fmt.Sprintf("if %s -> if !(%s)", src(x.Cond), src(x.Cond)), func() {
				x.Cond = &ast.UnaryExpr{Op: token.NOT, X: &ast.ParenExpr{X: x.Cond}}
			})
		}
		if leaves(x.Body) {
			add("guard-off", x.If, fmt.Sprintf("if %s { ... } never taken", src(x.Cond)), func() {
				x.Cond = &ast.BinaryExpr{X: &ast.ParenExpr{X: x.Cond}, Op: token.LAND, Y: ast.NewIdent("false")}
			})
		}
	case *ast.ReturnStmt:
		// return f() with f's several results cannot be split.
		if errRes > 0 && len(x.Results) == errRes {
			last := x.Results[len(x.Results)-1]
			if !isNil(last) {
				add("err-nil", x.Return, fmt.Sprintf("return ..., %s -> return ..., nil", src(last)), func() {
					x.Results[len(x.Results)-1] = ast.NewIdent("nil")
				})
			}
		}
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			v, err := strconv.Unquote(x.Value)
			if err == nil {
				for i := 0; ; {
					j := strings.Index(v[i:], "WHERE ")
					if j < 0 {
						break
					}
					at := i + j
					nv := v[:at] + "WHERE 1=1 OR " + v[at+len("WHERE "):]
					add("sql-widen", x.Pos(), fmt.Sprintf("WHERE %s -> WHERE 1=1 OR ...", clip(v[at+6:])), func() {
						x.Value = strconv.Quote(nv)
					})
					i = at + len("WHERE ")
				}
			}
		}
	case *ast.CaseClause:
		if len(x.List) > 1 {
			for i := range x.List {
				i := i
				add("case-drop", x.List[i].Pos(), fmt.Sprintf("case drops %s", src(x.List[i])), func() {
					x.List = append(append([]ast.Expr{}, x.List[:i]...), x.List[i+1:]...)
				})
			}
		}
	case *ast.Ident:
		if x.Name == "true" || x.Name == "false" {
			to := "false"
			if x.Name == "false" {
				to = "true"
			}
			add("bool-flip", x.Pos(), fmt.Sprintf("%s -> %s", x.Name, to), func() { x.Name = to })
		}
	}
	return out
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

func isEmptyString(e ast.Expr) bool {
	b, ok := e.(*ast.BasicLit)
	return ok && b.Kind == token.STRING && (b.Value == `""` || b.Value == "``")
}

func binOp(e ast.Expr) token.Token {
	if b, ok := e.(*ast.BinaryExpr); ok {
		return b.Op
	}
	return token.ILLEGAL
}

func sel(pkg, name string) *ast.SelectorExpr {
	return &ast.SelectorExpr{X: ast.NewIdent(pkg), Sel: ast.NewIdent(name)}
}

// leaves reports whether the block ends by leaving (return, continue,
// break, goto or panic): the shape of a guard.
func leaves(b *ast.BlockStmt) bool {
	if b == nil || len(b.List) == 0 {
		return false
	}
	switch s := b.List[len(b.List)-1].(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return true
	case *ast.ExprStmt:
		if c, ok := s.X.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "panic" {
				return true
			}
		}
	}
	return false
}

// render applies s (a site of f) and prints the mutated file.
func render(fset *token.FileSet, f *ast.File, s site) ([]byte, error) {
	s.apply()
	if s.needsImport != "" {
		ensureImport(f, s.needsImport)
	}
	var b bytes.Buffer
	// Comments are dropped: a replaced node can leave them where the printer
	// would produce invalid code, and line numbers of the mutant do not
	// matter (reports use the original position).
	f.Comments = nil
	if err := printer.Fprint(&b, fset, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func ensureImport(f *ast.File, path string) {
	for _, im := range f.Imports {
		if v, _ := strconv.Unquote(im.Path.Value); v == path {
			return
		}
	}
	spec := &ast.ImportSpec{Path: &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(path)}}
	f.Decls = append([]ast.Decl{&ast.GenDecl{Tok: token.IMPORT, Specs: []ast.Spec{spec}}}, f.Decls...)
	f.Imports = append(f.Imports, spec)
}
