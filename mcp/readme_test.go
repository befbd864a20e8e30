package mcp

import (
	"os"
	"strings"
	"testing"
)

// The README's tool table must name every tool, so that docs cannot fall
// behind the code.
func TestREADMEListsEveryTool(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	sets := DefaultToolsets(&Env{Auth: &fakeAuth{}, Index: &fakeIndex{}, Jobs: JobsStatusFunc(nil)})
	for _, ts := range sets {
		for _, tl := range ts.Tools {
			if !strings.Contains(readme, "`"+tl.Def.Name+"`") {
				t.Errorf("README.md does not list %s (toolset %s)", tl.Def.Name, ts.Name)
			}
		}
	}
}
