package mcp

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// HACKING.md's "Add an app" steps, kept honest: every toolset constructor
// is listed in DefaultToolsets and so registered in the server, has a row
// in README.md's tools table naming its scopes, and its scopes are client
// scopes of the Keycloak realm.
func TestEveryToolsetIsRegisteredDocumentedAndScoped(t *testing.T) {
	// Constructors declared in mcp/*.go versus those DefaultToolsets calls.
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var declared, listed []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !ast.IsExported(fd.Name.Name) {
				continue
			}
			if strings.HasSuffix(fd.Name.Name, "Toolset") {
				declared = append(declared, fd.Name.Name)
			}
			if fd.Name.Name != "DefaultToolsets" {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if id, ok := c.Fun.(*ast.Ident); ok {
						listed = append(listed, id.Name)
					}
				}
				return true
			})
		}
	}
	for _, name := range declared {
		if !slices.Contains(listed, name) {
			t.Errorf("%s is not listed in DefaultToolsets (mcp/toolsets.go), so the server never offers it", name)
		}
	}
	if len(listed) < 10 {
		t.Fatalf("found only %v in DefaultToolsets", listed)
	}

	sets := DefaultToolsets(&Env{Auth: &fakeAuth{}, Index: &fakeIndex{}, Jobs: JobsStatusFunc(nil)})
	// Naming every toolset registers the OffByDefault ones (admin) too.
	var all []string
	for _, ts := range sets {
		all = append(all, ts.Name)
	}
	srv, err := New(Options{Name: "t", Version: "0", Toolsets: sets, Apps: all, Client: func(context.Context) (*nextcloud.Client, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	registered := srv.ToolNames()

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var realm struct {
		ClientScopes []struct {
			Name string `json:"name"`
		} `json:"clientScopes"`
	}
	testutil.ReadJSON(t, "../keycloak/realm-export.json", &realm)
	realmScopes := map[string]bool{}
	for _, s := range realm.ClientScopes {
		realmScopes[s.Name] = true
	}
	// The toolsets of optional backends share one README row.
	rowName := map[string]string{"index": "(offline access)", "jobs": "(offline access)"}
	for _, ts := range sets {
		if len(ts.Tools) == 0 {
			t.Errorf("toolset %s has no tools with every backend present", ts.Name)
			continue
		}
		name := ts.Name
		if r, ok := rowName[name]; ok {
			name = r
		}
		row := regexp.MustCompile(`(?m)^\| `+regexp.QuoteMeta(name)+` \|.*$`).FindAllString(string(readme), -1)
		if row == nil {
			t.Errorf("README.md's tools table has no row for toolset %s", name)
		}
		for _, tl := range ts.Tools {
			if !slices.Contains(registered, tl.Def.Name) {
				t.Errorf("%s (toolset %s) is not registered in the server", tl.Def.Name, ts.Name)
			}
			if tl.Scope == "" {
				continue
			}
			if !realmScopes[tl.Scope] {
				t.Errorf("scope %s of %s is no client scope in keycloak/realm-export.json", tl.Scope, tl.Def.Name)
			}
			if !slices.ContainsFunc(row, func(r string) bool { return strings.Contains(r, "`"+tl.Scope+"`") }) {
				t.Errorf("README.md's row for toolset %s does not name scope %s (of %s)", name, tl.Scope, tl.Def.Name)
			}
		}
	}
}
