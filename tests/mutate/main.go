// Command mutate is the mutation test run of the security code (make mutate):
// it plants one small bug at a time (see mutators) in a copy of a file given
// to `go test -overlay`, so the tree is never touched, runs that package's
// tests and reports per file which mutants the tests killed, which survived
// and which sit in code no test reaches.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	scope      string
	seed       uint64
	max        int
	perDir     bool
	jobs       int
	timeout    time.Duration
	equivalent string
	tags       string
	min        float64
	list       bool
	at         string
	show       bool
	run        string
	root       string
}

func main() {
	var o options
	flag.StringVar(&o.scope, "scope", "oauth/,storage/", "comma-separated: a package directory (dir/), a file, or file:Func1|Recv.Func2 for some functions only")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the sample")
	flag.IntVar(&o.max, "max", 0, "test at most this many mutants, sampled with -seed (0: all)")
	flag.BoolVar(&o.perDir, "per-dir", false, "apply -max to each package directory of the scope (a stratified sample)")
	flag.IntVar(&o.jobs, "j", 1, "mutants tested in parallel")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "time limit of one mutant's test run (build included); a mutant that hits it counts as killed")
	flag.StringVar(&o.equivalent, "equivalent", "tests/mutate/equivalent.txt", "reviewed list of equivalent mutants (excluded)")
	flag.StringVar(&o.tags, "tags", "sqlite_fts5", "build tags")
	flag.Float64Var(&o.min, "min", 0, "exit 1 when the score (percent) is below this")
	flag.BoolVar(&o.list, "list", false, "only list the mutants, run nothing")
	flag.StringVar(&o.at, "at", "", "only the mutants at file:line (as -list names them)")
	flag.BoolVar(&o.show, "show", false, "print each mutant as a diff, run nothing")
	flag.StringVar(&o.run, "run", "", "only the tests matching this -run pattern (to check a new test against -at's mutants; not for scores)")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
}

// target is one file in scope, with an optional function filter.
type target struct {
	pkgDir string // relative to the module root, e.g. "oauth"
	file   string // relative path, e.g. "oauth/verify.go"
	funcs  []string
}

type pkgInfo struct {
	dir, importPath string
	goFiles         []string // relative paths
	exports         map[string]string
}

// mut is one mutant to test.
type mut struct {
	t      target
	idx    int
	s      site
	line   int
	col    int
	result string // killed, survived, not covered, not compiled
	note   string
	// occ numbers mutants of a file whose id would be the same (the same
	// change in the same function, say two "if err != nil" guards), 1, 2,
	// ... in source order; 0 when the id is unique.
	occ int
}

func (m *mut) baseID() string {
	return strings.Join([]string{m.t.file, m.s.Func, m.s.Kind, m.s.Desc}, " | ")
}

// id names the mutant in -list, the report and equivalent.txt; " @n" tells
// apart mutants that would otherwise share it, so an equivalent entry
// excludes exactly one mutant.
func (m *mut) id() string {
	if m.occ > 0 {
		return fmt.Sprintf("%s @%d", m.baseID(), m.occ)
	}
	return m.baseID()
}

func run(ctx context.Context, o options, w io.Writer) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	o.root = root
	targets, err := parseScope(root, o.scope)
	if err != nil {
		return err
	}
	equiv, err := readEquivalent(filepath.Join(root, o.equivalent))
	if err != nil {
		return err
	}
	pkgs := map[string]*pkgInfo{}
	var all []*mut
	excluded := 0
	for _, t := range targets {
		p := pkgs[t.pkgDir]
		if p == nil {
			if p, err = loadPkg(ctx, root, t.pkgDir, o.tags); err != nil {
				return err
			}
			pkgs[t.pkgDir] = p
		}
		fset, _, sites, err := sitesOf(root, p, t.file)
		if err != nil {
			return err
		}
		var ms []*mut
		count := map[string]int{}
		for i, s := range sites {
			if len(t.funcs) > 0 && !slices.Contains(t.funcs, s.Func) {
				continue
			}
			pos := fset.Position(s.Pos)
			m := &mut{t: t, idx: i, s: s, line: pos.Line, col: pos.Column}
			count[m.baseID()]++
			ms = append(ms, m)
		}
		seen := map[string]int{}
		for _, m := range ms {
			if count[m.baseID()] > 1 {
				seen[m.baseID()]++
				m.occ = seen[m.baseID()]
				if _, ok := equiv[m.baseID()]; ok {
					return fmt.Errorf("%s: %q names %d mutants; add \" @n\" to the change (as -list prints it) for the one that is equivalent",
						o.equivalent, m.baseID(), count[m.baseID()])
				}
			}
			if o.at != "" && o.at != fmt.Sprintf("%s:%d", m.t.file, m.line) {
				continue
			}
			if _, ok := equiv[m.id()]; ok {
				excluded++
				continue
			}
			all = append(all, m)
		}
	}
	for id := range equiv {
		found := false
		for _, t := range targets {
			if strings.HasPrefix(id, t.file+" | ") {
				found = true
			}
		}
		_ = found
	}
	if o.show {
		return show(o, pkgs, all, w)
	}
	if o.list {
		for _, m := range all {
			fmt.Fprintf(w, "%s:%d:%d: %s | %s\n", m.t.file, m.line, m.col, m.s.Kind, m.id())
		}
		fmt.Fprintf(w, "%d mutants, %d excluded as equivalent\n", len(all), excluded)
		return nil
	}
	sample := sampleOf(all, o)
	sort.SliceStable(sample, func(i, j int) bool {
		if sample[i].t.file != sample[j].t.file {
			return sample[i].t.file < sample[j].t.file
		}
		return sample[i].line < sample[j].line
	})

	// One covered run per package marks mutants no test reaches; the run
	// must pass, or every mutant would look killed.
	cover := map[string]*coverage{}
	for dir, p := range pkgs {
		c, err := coverRun(ctx, root, p, o.tags, o.run)
		if err != nil {
			return err
		}
		cover[dir] = c
	}
	var todo []*mut
	for _, m := range sample {
		if !cover[m.t.pkgDir].reached(m.t.file, m.line, m.col) {
			m.result = "not covered"
			continue
		}
		todo = append(todo, m)
	}
	fmt.Fprintf(w, "%d mutants in scope (%d equivalent excluded), %d sampled (seed %d), %d to run\n",
		len(all), excluded, len(sample), o.seed, len(todo))

	tmp, err := os.MkdirTemp("", "mutate")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var wg sync.WaitGroup
	ch := make(chan *mut)
	var mu sync.Mutex
	done := 0
	for j := 0; j < max(1, o.jobs); j++ {
		wg.Add(1)
		go func(j int) {
			defer wg.Done()
			for m := range ch {
				testMutant(ctx, o, pkgs[m.t.pkgDir], m, filepath.Join(tmp, strconv.Itoa(j)))
				mu.Lock()
				done++
				fmt.Fprintf(os.Stderr, "[%d/%d] %s:%d %s: %s\n", done, len(todo), m.t.file, m.line, m.s.Kind, m.result)
				mu.Unlock()
			}
		}(j)
	}
	for _, m := range todo {
		ch <- m
	}
	close(ch)
	wg.Wait()
	score := report(w, targets, sample)
	if score < o.min {
		return fmt.Errorf("score %.1f%% is below %.1f%%", score, o.min)
	}
	return nil
}

// sampleOf draws -max mutants (from each directory with -per-dir) with a
// generator seeded by -seed, so a run can be repeated.
func sampleOf(all []*mut, o options) []*mut {
	if o.max <= 0 {
		return all
	}
	groups := map[string][]*mut{}
	var keys []string
	for _, m := range all {
		k := ""
		if o.perDir {
			k = m.t.pkgDir
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], m)
	}
	sort.Strings(keys)
	r := rand.New(rand.NewPCG(o.seed, 0))
	var out []*mut
	for _, k := range keys {
		g := slices.Clone(groups[k])
		r.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		out = append(out, g[:min(o.max, len(g))]...)
	}
	return out
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run mutate inside the module (no go.mod found)")
	}
	return filepath.Dir(gomod), nil
}

func parseScope(root, scope string) ([]target, error) {
	var out []target
	for _, e := range strings.Split(scope, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		path, funcs, _ := strings.Cut(e, ":")
		var fl []string
		if funcs != "" {
			fl = strings.Split(funcs, "|")
		}
		if strings.HasSuffix(path, "/") {
			dir := strings.TrimSuffix(path, "/")
			ents, err := os.ReadDir(filepath.Join(root, dir))
			if err != nil {
				return nil, fmt.Errorf("scope %q: %w", e, err)
			}
			for _, ent := range ents {
				n := ent.Name()
				if strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
					out = append(out, target{pkgDir: dir, file: dir + "/" + n, funcs: fl})
				}
			}
			continue
		}
		if _, err := os.Stat(filepath.Join(root, path)); err != nil {
			return nil, fmt.Errorf("scope %q: %w", e, err)
		}
		out = append(out, target{pkgDir: filepath.Dir(path), file: path, funcs: fl})
	}
	if len(out) == 0 {
		return nil, errors.New("empty -scope")
	}
	return out, nil
}

// readEquivalent reads lines "file | func | kind | change | reason"; the
// first four fields are a mutant's id as -list prints it.
func readEquivalent(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " | ")
		if len(parts) < 5 || strings.TrimSpace(parts[len(parts)-1]) == "" {
			return nil, fmt.Errorf("%s:%d: want \"file | func | kind | change | reason\"", path, n)
		}
		id := strings.Join(parts[:len(parts)-1], " | ")
		out[id] = parts[len(parts)-1]
	}
	return out, sc.Err()
}

func loadPkg(ctx context.Context, root, dir, tags string) (*pkgInfo, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-tags", tags, "-export", "-deps", "-json=ImportPath,Export,GoFiles,Dir", "./"+dir)
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list ./%s: %w", dir, err)
	}
	p := &pkgInfo{dir: dir, exports: map[string]string{}}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	abs := filepath.Join(root, dir)
	for {
		var e struct {
			ImportPath, Export, Dir string
			GoFiles                 []string
		}
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		p.exports[e.ImportPath] = e.Export
		if e.Dir == abs {
			p.importPath = e.ImportPath
			for _, f := range e.GoFiles {
				p.goFiles = append(p.goFiles, dir+"/"+f)
			}
		}
	}
	if p.importPath == "" {
		return nil, fmt.Errorf("go list found no package in %s", dir)
	}
	return p, nil
}

// sitesOf parses and type-checks p and lists the sites of file. A file
// outside the build (tags) has none.
func sitesOf(root string, p *pkgInfo, file string) (*token.FileSet, *ast.File, []site, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	var target *ast.File
	for _, gf := range p.goFiles {
		f, err := parser.ParseFile(fset, filepath.Join(root, gf), nil, parser.ParseComments)
		if err != nil {
			return nil, nil, nil, err
		}
		files = append(files, f)
		if gf == file {
			target = f
		}
	}
	if target == nil {
		return fset, nil, nil, nil
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if e := p.exports[path]; e != "" {
			return os.Open(e)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})}
	if _, err := conf.Check(p.importPath, fset, files, info); err != nil {
		return nil, nil, nil, fmt.Errorf("type-check %s: %w", p.dir, err)
	}
	return fset, target, enumerate(fset, target, info), nil
}

type coverage struct {
	blocks map[string][]block // by relative file
}

type block struct {
	l1, c1, l2, c2 int
	hit            bool
}

// reached says whether a test ran the code at line:col. Positions outside
// every block (package-level declarations) count as reached.
func (c *coverage) reached(file string, line, col int) bool {
	in := false
	for _, b := range c.blocks[file] {
		after := line > b.l1 || (line == b.l1 && col >= b.c1)
		before := line < b.l2 || (line == b.l2 && col <= b.c2)
		if after && before {
			if b.hit {
				return true
			}
			in = true
		}
	}
	return !in
}

func coverRun(ctx context.Context, root string, p *pkgInfo, tags, run string) (*coverage, error) {
	prof, err := os.CreateTemp("", "mutate-cover")
	if err != nil {
		return nil, err
	}
	prof.Close()
	defer os.Remove(prof.Name())
	args := []string{"test", "-tags", tags, "-count=1", "-covermode=set", "-coverprofile=" + prof.Name()}
	if run != "" {
		args = append(args, "-run", run)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./"+p.dir)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("the tests of ./%s fail without any mutant; fix them first:\n%s", p.dir, out)
	}
	data, err := os.ReadFile(prof.Name())
	if err != nil {
		return nil, err
	}
	c := &coverage{blocks: map[string][]block{}}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		// import/path/file.go:l1.c1,l2.c2 stmts count
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var b block
		var stmts, count int
		if _, err := fmt.Sscanf(rest, "%d.%d,%d.%d %d %d", &b.l1, &b.c1, &b.l2, &b.c2, &stmts, &count); err != nil {
			continue
		}
		b.hit = count > 0
		rel := p.dir + "/" + strings.TrimPrefix(name, p.importPath+"/")
		c.blocks[rel] = append(c.blocks[rel], b)
	}
	return c, nil
}

func testMutant(ctx context.Context, o options, p *pkgInfo, m *mut, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		m.result, m.note = "not compiled", err.Error()
		return
	}
	fset, f, sites, err := sitesOf(o.root, p, m.t.file)
	if err != nil || f == nil || m.idx >= len(sites) {
		m.result, m.note = "not compiled", fmt.Sprint("sites changed: ", err)
		return
	}
	src, err := render(fset, f, sites[m.idx])
	if err != nil {
		m.result, m.note = "not compiled", err.Error()
		return
	}
	mf := filepath.Join(dir, filepath.Base(m.t.file))
	ov := filepath.Join(dir, "overlay.json")
	b, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(o.root, m.t.file): mf}})
	if err := os.WriteFile(mf, src, 0o644); err != nil {
		m.result, m.note = "not compiled", err.Error()
		return
	}
	if err := os.WriteFile(ov, b, 0o644); err != nil {
		m.result, m.note = "not compiled", err.Error()
		return
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	args := []string{"test", "-tags", o.tags, "-count=1", "-failfast", "-overlay", ov,
		"-timeout", (o.timeout - 10*time.Second).String()}
	if o.run != "" {
		args = append(args, "-run", o.run)
	}
	cmd := exec.Command("go", append(args, "./"+p.dir)...)
	cmd.Dir = o.root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		m.result, m.note = "not compiled", err.Error()
		return
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-waited
		m.result, m.note = "killed", "timeout"
		return
	}
	text := out.String()
	switch {
	case err == nil:
		m.result = "survived"
	// go test vets too: a mutant vet refuses (e.g. x != a || x != b) is
	// not built, as it is for make test.
	case strings.Contains(text, "[build failed]") || strings.Contains(text, "[setup failed]"):
		m.result, m.note = "not compiled", firstLine(text)
	case strings.Contains(text, "panic: test timed out"):
		m.result, m.note = "killed", "timeout"
	default:
		m.result = "killed"
	}
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

// report prints the table and returns the score: killed over killed,
// survived and not covered (not compiled and equivalent mutants do not count).
func report(w io.Writer, targets []target, ms []*mut) float64 {
	type tally struct{ killed, survived, uncovered, broken int }
	byFile := map[string]*tally{}
	var files []string
	for _, t := range targets {
		if byFile[t.file] == nil {
			byFile[t.file] = &tally{}
			files = append(files, t.file)
		}
	}
	byDir := map[string]*tally{}
	var dirs []string
	var total tally
	for _, m := range ms {
		t := byFile[m.t.file]
		if byDir[m.t.pkgDir] == nil {
			byDir[m.t.pkgDir] = &tally{}
			dirs = append(dirs, m.t.pkgDir)
		}
		for _, x := range []*tally{t, byDir[m.t.pkgDir], &total} {
			switch m.result {
			case "killed":
				x.killed++
			case "survived":
				x.survived++
			case "not covered":
				x.uncovered++
			default:
				x.broken++
			}
		}
	}
	pct := func(t *tally) string {
		n := t.killed + t.survived + t.uncovered
		if n == 0 {
			return "   -  "
		}
		lo, hi := wilson(t.killed, n)
		return fmt.Sprintf("%5.1f%% (95%% CI %.0f-%.0f%%)", 100*float64(t.killed)/float64(n), 100*lo, 100*hi)
	}
	fmt.Fprintf(w, "\n%-34s %7s %8s %11s %12s  %s\n", "file", "killed", "survived", "not covered", "not compiled", "score")
	for _, f := range files {
		t := byFile[f]
		if t.killed+t.survived+t.uncovered+t.broken == 0 {
			continue
		}
		fmt.Fprintf(w, "%-34s %7d %8d %11d %12d  %s\n", f, t.killed, t.survived, t.uncovered, t.broken, pct(t))
	}
	sort.Strings(dirs)
	fmt.Fprintln(w)
	for _, d := range dirs {
		t := byDir[d]
		fmt.Fprintf(w, "%-34s %7d %8d %11d %12d  %s\n", d+"/ (total)", t.killed, t.survived, t.uncovered, t.broken, pct(t))
	}
	fmt.Fprintf(w, "%-34s %7d %8d %11d %12d  %s\n", "all", total.killed, total.survived, total.uncovered, total.broken, pct(&total))
	for _, kind := range []string{"survived", "not covered", "not compiled"} {
		first := true
		for _, m := range ms {
			if m.result != kind {
				continue
			}
			if first {
				fmt.Fprintf(w, "\n%s:\n", kind)
				first = false
			}
			fmt.Fprintf(w, "  %s:%d: %s (%s): %s\n", m.t.file, m.line, m.s.Kind, m.s.Func, m.s.Desc)
			if kind == "not compiled" && m.note != "" {
				fmt.Fprintf(w, "      %s\n", m.note)
			}
		}
	}
	n := total.killed + total.survived + total.uncovered
	if n == 0 {
		return 100
	}
	return 100 * float64(total.killed) / float64(n)
}

// show prints each mutant as a diff against the unmutated file (both
// printed without comments, so only the change differs).
func show(o options, pkgs map[string]*pkgInfo, all []*mut, w io.Writer) error {
	tmp, err := os.MkdirTemp("", "mutate-show")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, m := range all {
		fset, f, _, err := sitesOf(o.root, pkgs[m.t.pkgDir], m.t.file)
		if err != nil {
			return err
		}
		orig, err := render(fset, f, site{apply: func() {}})
		if err != nil {
			return err
		}
		fset, f, sites, err := sitesOf(o.root, pkgs[m.t.pkgDir], m.t.file)
		if err != nil {
			return err
		}
		mutated, err := render(fset, f, sites[m.idx])
		if err != nil {
			return err
		}
		a, b := filepath.Join(tmp, "a.go"), filepath.Join(tmp, "b.go")
		if err := os.WriteFile(a, orig, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(b, mutated, 0o644); err != nil {
			return err
		}
		out, _ := exec.Command("diff", "-U1", a, b).Output()
		lines := strings.Split(string(out), "\n")
		if len(lines) > 2 {
			lines = lines[2:] // the file names
		}
		fmt.Fprintf(w, "=== %s:%d %s (%s): %s\n%s\n", m.t.file, m.line, m.s.Kind, m.s.Func, m.s.Desc, strings.Join(lines, "\n"))
	}
	return nil
}

// wilson is the 95% Wilson score interval of k successes in n trials: how
// far a sampled score may be from the score of every mutant.
func wilson(k, n int) (lo, hi float64) {
	const z = 1.96
	p, nf := float64(k)/float64(n), float64(n)
	d := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / d
	h := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / d
	return max(0, c-h), min(1, c+h)
}
