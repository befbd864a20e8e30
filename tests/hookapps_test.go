package tests

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
)

// toolsetApps maps each toolset to the Nextcloud app it needs ("" for
// Nextcloud's own features and the server's own: files, sharing, users, unified
// search, the local index, background jobs).
var toolsetApps = map[string]string{
	"core": "", "search": "", "files": "", "sharing": "", "users": "", "auth": "", "index": "", "jobs": "",
	"notes": "notes", "calendar": "calendar", "tasks": "tasks", "contacts": "contacts",
	"deck": "deck", "tables": "tables", "cookbook": "cookbook", "news": "news",
	"mail": "mail", "collectives": "collectives", "talk": "spreed",
	"bookmarks": "bookmarks", "polls": "polls", "teams": "circles", "forms": "forms",
	"notifications": "notifications", "user_status": "user_status", "activity": "activity",
	"announcements": "announcementcenter", "admin": "",
}

// The compose Nextcloud's setup hook installs the app of every toolset, so
// that every tool works in the development stack.
func TestHookInstallsEveryToolApp(t *testing.T) {
	b, err := os.ReadFile("../docker/nextcloud/hooks/10-mcp-dev-setup.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^for app in ([a-z_ ]+); do$`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("the hook has no `for app in ...; do` install loop; update this test with the hook")
	}
	installed := strings.Fields(m[1])
	for _, ts := range mcp.DefaultToolsets(&mcp.Env{}) {
		app, known := toolsetApps[ts.Name]
		if !known {
			t.Errorf("toolset %s is new: add the Nextcloud app it needs to toolsetApps and to the hook", ts.Name)
			continue
		}
		if app != "" && !slices.Contains(installed, app) {
			t.Errorf("the hook does not install %s, which the %s tools need", app, ts.Name)
		}
	}
}

// Local secrets (.env with passwords, the token database) stay out of git.
func TestGitignoreKeepsSecretsOut(t *testing.T) {
	b, err := os.ReadFile("../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for _, want := range []string{".env", "tokens.db"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".gitignore does not ignore %s", want)
		}
	}
}
