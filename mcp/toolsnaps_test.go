package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every tool's name, description, annotations and input and output schema
// are kept in reviewed golden files (mcp/__toolsnaps__/<tool>.snap), so no
// change to what clients see slips in unnoticed.

const toolsnapsDir = "__toolsnaps__"

// allToolsets is every toolset with every tool turned on: auth, jobs and
// index tools need a backend to appear.
func allToolsets() []Toolset {
	sets := DefaultToolsets(&Env{Auth: &fakeAuth{}, Index: &fakeIndex{}, Jobs: JobsStatusFunc(nil)})
	return append(sets, Toolset{Name: "toolsets (dynamic mode)", Tools: discoveryTools(nil)})
}

// toolSnap renders a tool the way clients receive it, as indented JSON
// with sorted keys.
func toolSnap(tl Tool) ([]byte, error) {
	b, err := json.Marshal(tl.Def)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func TestToolSnaps(t *testing.T) {
	update := os.Getenv("UPDATE_TOOLSNAPS") == "true"
	const how = "review the change, then run UPDATE_TOOLSNAPS=true go test -tags sqlite_fts5 ./mcp -run TestToolSnaps and commit the files in mcp/" + toolsnapsDir
	if update {
		if err := os.MkdirAll(toolsnapsDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, ts := range allToolsets() {
		for _, tl := range ts.Tools {
			name := tl.Def.Name
			seen[name+".snap"] = true
			got, err := toolSnap(tl)
			if err != nil {
				t.Fatalf("render %s: %v", name, err)
			}
			path := filepath.Join(toolsnapsDir, name+".snap")
			if update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				t.Errorf("tool %s has no snapshot %s; %s", name, path, how)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("tool %s differs from its snapshot %s:\n%s\n%s", name, path, lineDiff(string(want), string(got)), how)
			}
		}
	}
	entries, err := os.ReadDir(toolsnapsDir)
	if err != nil {
		t.Fatalf("read %s: %v; %s", toolsnapsDir, err, how)
	}
	for _, e := range entries {
		if seen[e.Name()] {
			continue
		}
		if update && strings.HasSuffix(e.Name(), ".snap") {
			if err := os.Remove(filepath.Join(toolsnapsDir, e.Name())); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("snapshot %s/%s belongs to no tool (tool removed or renamed?); delete it or %s", toolsnapsDir, e.Name(), how)
	}
}

// lineDiff lists the lines only in want (-) and only in got (+), in order
// of appearance; enough to see what changed in a schema.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	// Longest common subsequence, small inputs.
	n, m := len(wl), len(gl)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if wl[i] == gl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && wl[i] == gl[j]:
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&b, "- %d: %s\n", i+1, wl[i])
			i++
		default:
			fmt.Fprintf(&b, "+ %d: %s\n", j+1, gl[j])
			j++
		}
	}
	return b.String()
}

func TestLineDiff(t *testing.T) {
	got := lineDiff("a\nb\nc", "a\nx\nc")
	want := "- 2: b\n+ 2: x\n"
	if got != want {
		t.Fatalf("lineDiff = %q, want %q", got, want)
	}
	if d := lineDiff("a\nb", "a\nb"); d != "" {
		t.Fatalf("lineDiff of equal texts = %q", d)
	}
}
