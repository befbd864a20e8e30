package main

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

const sample = `package p

import (
	"slices"
	"time"
)

func check(iss, want string, aud []string, n int, exp time.Time, ok bool) error {
	if iss != want {
		return errBad
	}
	if !slices.Contains(aud, want) {
		return errBad
	}
	if n < 3 && ok {
		return errBad
	}
	if exp.Add(time.Minute).Before(time.Now()) {
		return nil
	}
	if n == 4 {
		return errBad
	}
	switch iss {
	case "id", "refresh":
		return errBad
	}
	return use(ok, true, "DELETE FROM t WHERE user_id = ? AND id = ?")
}

var errBad error

func use(bool, bool, string) error { return nil }
`

// One importer for every test: importing the standard library from source
// takes a second.
var (
	testFset     = token.NewFileSet()
	testImporter = importer.ForCompiler(testFset, "source", nil)
)

// sitesFor type-checks sample and returns its sites.
func sitesFor(t *testing.T) (*token.FileSet, *ast.File, []site) {
	t.Helper()
	fset := testFset
	f, err := parser.ParseFile(fset, "p.go", sample, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: testImporter}
	if _, err := conf.Check("p", fset, []*ast.File{f}, info); err != nil {
		t.Fatal(err)
	}
	return fset, f, enumerate(fset, f, info)
}

// Each mutator, applied at one place, produces exactly the intended code and
// the mutant still type-checks.
func TestMutators(t *testing.T) {
	cases := []struct {
		kind, desc string // desc: a substring of the site's description
		want       string // substring of the mutant
	}{
		{"cmp-flip", "!= -> == in iss != want", "if iss == want {"},
		{"cmp-flip", "< -> >= in n < 3", "if n >= 3 && ok {"},
		{"boundary", "< -> <= in n < 3", "if n <= 3 && ok {"},
		{"logic", "&& -> || in n < 3 && ok", "if n < 3 || ok {"},
		{"negate-if", "if !slices.Contains(aud, want)", "if !(!slices.Contains(aud, want)) {"},
		{"guard-off", "if iss != want {", "if (iss != want) && false {"},
		{"err-nil", "return ..., errBad", "return nil\n"},
		{"err-nil", "use(ok, true,", "return nil\n}\n\nvar errBad"},
		{"sql-widen", "WHERE user_id = ? AND id = ? ->", `"DELETE FROM t WHERE 1=1 OR user_id = ? AND id = ?"`},
		{"prefix-match", "iss != want -> strings.HasPrefix(iss, want)", "if !strings.HasPrefix(iss, want) && true {"},
		{"prefix-match", "slices.Contains(aud, want) -> element has prefix", "slices.ContainsFunc(aud, func(mutE string) bool {"},
		{"case-drop", `case drops "id"`, "case \"refresh\":"},
		{"case-drop", `case drops "refresh"`, "case \"id\":"},
		{"time-add-zero", "exp.Add(time.Minute)", "exp.Add(0).Before"},
		{"bool-flip", "true -> false", "use(ok, false,"},
	}
	for _, kind := range mutators {
		if !slices.ContainsFunc(cases, func(c struct{ kind, desc, want string }) bool { return c.kind == kind }) {
			t.Errorf("mutator %s has no case here", kind)
		}
	}
	for _, c := range cases {
		t.Run(c.kind+" "+c.desc, func(t *testing.T) {
			fset, f, sites := sitesFor(t)
			var hit *site
			for i := range sites {
				if sites[i].Kind == c.kind && strings.Contains(sites[i].Desc, c.desc) {
					hit = &sites[i] // the first in the source
					break
				}
			}
			if hit == nil {
				t.Fatalf("no %s site matches %q; sites: %v", c.kind, c.desc, descs(sites))
			}
			out, err := render(fset, f, *hit)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), c.want) {
				t.Fatalf("mutant lacks %q:\n%s", c.want, out)
			}
			// Apart from the change, the code is the original one.
			if strings.Contains(string(out), "DELETE FROM t WHERE 1=1") != (c.kind == "sql-widen") {
				t.Fatalf("mutant changed more than one place:\n%s", out)
			}
			f2, err := parser.ParseFile(testFset, "p.go", out, 0)
			if err != nil {
				t.Fatalf("mutant does not parse: %v\n%s", err, out)
			}
			conf := types.Config{Importer: testImporter}
			if _, err := conf.Check("p", testFset, []*ast.File{f2}, nil); err != nil {
				t.Fatalf("mutant does not type-check: %v\n%s", err, out)
			}
		})
	}
}

// Without type information nothing is left out; with it, prefix-match
// and time-add-zero only go where they compile.
func TestTypedSitesOnly(t *testing.T) {
	_, _, sites := sitesFor(t)
	for _, s := range sites {
		if s.Kind == "prefix-match" && strings.Contains(s.Desc, "n ==") {
			t.Errorf("prefix-match on an int comparison: %s", s.Desc)
		}
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", sample, 0)
	if err != nil {
		t.Fatal(err)
	}
	untyped := enumerate(fset, f, nil)
	if len(untyped) <= len(sites) {
		t.Errorf("untyped enumeration has %d sites, typed %d; untyped should include the ones types rule out", len(untyped), len(sites))
	}
}

func TestEnumerateIsStable(t *testing.T) {
	fa, _, a := sitesFor(t)
	fb, _, b := sitesFor(t)
	if len(a) != len(b) {
		t.Fatalf("%d then %d sites", len(a), len(b))
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].Desc != b[i].Desc || fa.Position(a[i].Pos) != fb.Position(b[i].Pos) {
			t.Fatalf("site %d differs: %v vs %v", i, a[i].Desc, b[i].Desc)
		}
	}
}

func TestCoverageReached(t *testing.T) {
	c := &coverage{blocks: map[string][]block{"p/a.go": {
		{l1: 10, c1: 5, l2: 12, c2: 2, hit: true},
		{l1: 20, c1: 1, l2: 25, c2: 2, hit: false},
	}}}
	for _, tc := range []struct {
		line, col int
		want      bool
	}{{11, 1, true}, {10, 5, true}, {21, 3, false}, {25, 2, false}, {30, 1, true}, {10, 4, true}} {
		if got := c.reached("p/a.go", tc.line, tc.col); got != tc.want {
			t.Errorf("reached(%d:%d) = %v, want %v", tc.line, tc.col, got, tc.want)
		}
	}
}

func TestReadEquivalent(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/eq.txt"
	if err := writeFile(p, "# comment\noauth/a.go | F | cmp-flip | a | b -> x | same because\n"); err != nil {
		t.Fatal(err)
	}
	m, err := readEquivalent(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["oauth/a.go | F | cmp-flip | a | b -> x"]; !ok || len(m) != 1 {
		t.Fatalf("got %v", m)
	}
	if err := writeFile(p, "oauth/a.go | F | cmp-flip | no reason\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := readEquivalent(p); err == nil {
		t.Fatal("an entry without a reason was accepted")
	}
}

func descs(ss []site) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Kind+": "+s.Desc)
	}
	return out
}

func writeFile(p, s string) error { return os.WriteFile(p, []byte(s), 0o644) }

func TestSampleOf(t *testing.T) {
	var all []*mut
	for i := 0; i < 30; i++ {
		dir := "a"
		if i >= 20 {
			dir = "b"
		}
		all = append(all, &mut{t: target{pkgDir: dir}, idx: i})
	}
	count := func(ms []*mut) map[string]int {
		c := map[string]int{}
		for _, m := range ms {
			c[m.t.pkgDir]++
		}
		return c
	}
	if got := sampleOf(all, options{}); len(got) != 30 {
		t.Fatalf("no -max: %d mutants", len(got))
	}
	if c := count(sampleOf(all, options{max: 5, perDir: true, seed: 1})); c["a"] != 5 || c["b"] != 5 {
		t.Fatalf("per dir: %v", c)
	}
	if c := count(sampleOf(all, options{max: 15, perDir: true, seed: 1})); c["a"] != 15 || c["b"] != 10 {
		t.Fatalf("per dir, a small dir whole: %v", c)
	}
	if got := sampleOf(all, options{max: 7, seed: 1}); len(got) != 7 {
		t.Fatalf("overall: %d", len(got))
	}
	idx := func(ms []*mut) []int {
		var out []int
		for _, m := range ms {
			out = append(out, m.idx)
		}
		return out
	}
	a, b := idx(sampleOf(all, options{max: 7, seed: 3})), idx(sampleOf(all, options{max: 7, seed: 3}))
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed, other sample: %v %v", a, b)
	}
	if c := idx(sampleOf(all, options{max: 7, seed: 4})); fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatalf("another seed, same sample: %v", a)
	}
}

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{9, 10, 0.596, 0.982},
		{0, 5, 0, 0.434},
		{5, 5, 0.566, 1},
		{90, 100, 0.826, 0.945},
	} {
		lo, hi := wilson(tc.k, tc.n)
		if math.Abs(lo-tc.lo) > 0.002 || math.Abs(hi-tc.hi) > 0.002 {
			t.Errorf("wilson(%d, %d) = %.3f-%.3f, want %.3f-%.3f", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
}

// return f() of a function with several results has no err-nil mutant
// (return nil would not compile); return x, err has one.
func TestErrNilNeedsSplitResults(t *testing.T) {
	const src = `package p

func h() (int, error) { return 0, nil }

func g() (int, error) { return h() }

func k() (n int, err error) {
	n, err = h()
	return n, err
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range enumerate(fset, f, nil) {
		if s.Kind == "err-nil" {
			got = append(got, s.Func+": "+s.Desc)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "k: ") {
		t.Fatalf("err-nil sites = %v, want only the one in k", got)
	}
}
