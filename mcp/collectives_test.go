package mcp

import (
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type collectivesFixture struct {
	nc                   *nctest.Server
	wiki, landing        int64
	guide, setup, faq    int64
	bobWiki, bobLanding  int64
	guidePath, setupPath string
}

func collectivesSeed(t *testing.T, opts ...nctest.Option) collectivesFixture {
	t.Helper()
	nc := commsNC(t, opts...)
	f := collectivesFixture{nc: nc}
	f.wiki, f.landing = nc.AddCollective("admin", "Handbook")
	f.guide = nc.AddCollectivePage(f.wiki, f.landing, "Guide", "# Guide\n\nHow we work.\n")
	f.setup = nc.AddCollectivePage(f.wiki, f.guide, "Setup", "# Setup\n\nInstall the **toolchain** first.\n")
	f.faq = nc.AddCollectivePage(f.wiki, f.landing, "FAQ", "# FAQ\n\nAsk away.\n")
	f.bobWiki, f.bobLanding = nc.AddCollective("bob", "Bob's notes")
	f.guidePath = nc.CollectivePagePath(f.guide)
	f.setupPath = nc.CollectivePagePath(f.setup)
	return f
}

func TestCollectivesToolsetListing(t *testing.T) {
	nc := commsNC(t)
	kinds := map[string]Kind{
		"nc_collectives_list": Read, "nc_collectives_list_pages": Read, "nc_collectives_get_page": Read,
		"nc_collectives_search_pages": Read, "nc_collectives_list_tags": Read,
		"nc_collectives_create": Create, "nc_collectives_create_page": Create, "nc_collectives_create_tag": Create,
		"nc_collectives_restore": Write, "nc_collectives_set_emoji": Write, "nc_collectives_move_page": Write,
		"nc_collectives_restore_page": Write, "nc_collectives_tag_page": Write,
		"nc_collectives_trash": Destroy, "nc_collectives_delete": Destroy, "nc_collectives_trash_page": Destroy,
		"nc_collectives_write_page": Destroy,
	}
	commsCheckToolset(t, nc, "collectives", kinds, toolScopes("collectives", kinds))
}

func TestCollectivesLifecycle(t *testing.T) {
	f := collectivesSeed(t)
	c := connectNC(t, f.nc)

	list := call[collectivesListOut](t, c, "nc_collectives_list", map[string]any{})
	if len(list.Collectives) != 1 || list.Collectives[0].Name != "Handbook" || !list.Collectives[0].Admin {
		t.Fatalf("collectives %+v", list)
	}
	created := call[collectiveResult](t, c, "nc_collectives_create", map[string]any{"name": "Recipes", "emoji": "🍲"})
	if created.Collective.Name != "Recipes" || created.Collective.Emoji != "🍲" || created.Collective.ID == 0 {
		t.Fatalf("created %+v", created)
	}
	if body, ok := f.nc.CollectiveFile("admin", "Collectives/Recipes/Readme.md"); !ok || !strings.Contains(body, "Welcome") {
		t.Fatalf("landing page file %q %v", body, ok)
	}
	wantError(t, callTool(t, c, "nc_collectives_create", map[string]any{"name": "recipes"}), "already exists", "400")

	call[collectiveEmojiOut](t, c, "nc_collectives_set_emoji", map[string]any{"collective_id": created.Collective.ID, "emoji": "📖"})
	decodeStructured(t, callTool(t, c, "nc_collectives_list", map[string]any{}), &list)
	if list.Collectives[1].Emoji != "📖" {
		t.Fatalf("emoji not set: %+v", list.Collectives[1])
	}

	// Deleting needs the trash first.
	wantError(t, callTool(t, c, "nc_collectives_delete", map[string]any{"collective_id": created.Collective.ID}), "not in the trash")
	trashed := call[collectiveResult](t, c, "nc_collectives_trash", map[string]any{"collective_id": created.Collective.ID})
	if !trashed.Collective.Trashed {
		t.Fatalf("trashed %+v", trashed)
	}
	decodeStructured(t, callTool(t, c, "nc_collectives_list", map[string]any{"trashed": true}), &list)
	if len(list.Collectives) != 1 || list.Collectives[0].ID != created.Collective.ID {
		t.Fatalf("trash %+v", list)
	}
	restored := call[collectiveResult](t, c, "nc_collectives_restore", map[string]any{"collective_id": created.Collective.ID})
	if restored.Collective.Trashed || restored.Collective.ID != created.Collective.ID {
		t.Fatalf("restored %+v", restored)
	}
	wantError(t, callTool(t, c, "nc_collectives_restore", map[string]any{"collective_id": created.Collective.ID}), "not found")
	callTool(t, c, "nc_collectives_trash", map[string]any{"collective_id": created.Collective.ID})
	del := call[collectiveResult](t, c, "nc_collectives_delete", map[string]any{"collective_id": created.Collective.ID, "delete_team": true})
	if !strings.Contains(del.Info, "team") {
		t.Fatalf("delete %+v", del)
	}
	decodeStructured(t, callTool(t, c, "nc_collectives_list", map[string]any{"trashed": true}), &list)
	if len(list.Collectives) != 0 {
		t.Fatalf("trash after delete %+v", list)
	}
	if _, ok := f.nc.CollectiveFile("admin", "Collectives/Recipes/Readme.md"); ok {
		t.Fatal("the deleted collective's files are still there")
	}
	// Another user's collective is invisible.
	wantError(t, callTool(t, c, "nc_collectives_trash", map[string]any{"collective_id": f.bobWiki}), "not found")
}

func TestCollectivesPages(t *testing.T) {
	f := collectivesSeed(t)
	c := connectNC(t, f.nc)

	tree, res := callRes[collectivePagesOut](t, c, "nc_collectives_list_pages", map[string]any{"collective_id": f.wiki})
	var got []string
	for _, p := range tree.Pages {
		got = append(got, strings.Repeat(">", p.Depth)+p.Title)
	}
	if strings.Join(got, ",") != "Handbook,>FAQ,>Guide,>>Setup" {
		t.Fatalf("tree %v", got)
	}
	if tree.Pages[3].Path != "Guide / Setup" || tree.Pages[2].Subpages != 1 || tree.Pages[3].File != "Collectives/Handbook/Guide/Setup.md" {
		t.Fatalf("setup page %+v", tree.Pages[3])
	}
	if f.guidePath != "Collectives/Handbook/Guide/Readme.md" {
		t.Fatalf("guide file %s", f.guidePath)
	}
	if !strings.Contains(resultText(res), "    - #") {
		t.Fatalf("summary is not indented: %s", resultText(res))
	}

	// The markdown comes from the file over WebDAV.
	page := call[collectivePageResult](t, c, "nc_collectives_get_page", map[string]any{"collective_id": f.wiki, "page_id": f.setup})
	if page.Markdown != "# Setup\n\nInstall the **toolchain** first.\n" || page.Page.Title != "Setup" {
		t.Fatalf("page %+v", page)
	}
	if f.nc.RequestCount("GET /remote.php/dav/files/admin/"+f.setupPath) != 1 {
		t.Fatalf("page content was not read over WebDAV")
	}

	// Search by content.
	found := call[collectiveSearchOut](t, c, "nc_collectives_search_pages", map[string]any{"query": "TOOLCHAIN"})
	if len(found.Hits) != 1 || found.Hits[0].PageID != f.setup || found.Hits[0].Collective != "Handbook" {
		t.Fatalf("search %+v", found)
	}
	decodeStructured(t, callTool(t, c, "nc_collectives_search_pages", map[string]any{"query": "ask", "collective_id": f.wiki}), &found)
	if len(found.Hits) != 1 || found.Hits[0].PageID != f.faq {
		t.Fatalf("search faq %+v", found)
	}

	// Create below a leaf page: it becomes a folder page.
	ch := call[collectivePageChange](t, c, "nc_collectives_create_page", map[string]any{"collective_id": f.wiki, "parent_id": f.faq, "title": "Billing", "content": "# Billing\n\nMonthly."})
	billing := ch.Page.ID
	if ch.Page.File != "Collectives/Handbook/FAQ/Billing.md" {
		t.Fatalf("billing %+v", ch.Page)
	}
	if body, _ := f.nc.CollectiveFile("admin", "Collectives/Handbook/FAQ/Billing.md"); body != "# Billing\n\nMonthly." {
		t.Fatalf("billing content %q", body)
	}
	if body, ok := f.nc.CollectiveFile("admin", "Collectives/Handbook/FAQ/Readme.md"); !ok || !strings.Contains(body, "Ask away") {
		t.Fatalf("faq did not become a folder page: %q", body)
	}
	// Default parent is the landing page; a clashing title gets a suffix.
	decodeStructured(t, callTool(t, c, "nc_collectives_create_page", map[string]any{"collective_id": f.wiki, "title": "Guide"}), &ch)
	if ch.Page.Title != "Guide (2)" || ch.Page.ParentID != f.landing || !strings.Contains(ch.Note, "Guide (2)") {
		t.Fatalf("duplicate title %+v", ch)
	}

	// Write, move and rename.
	decodeStructured(t, callTool(t, c, "nc_collectives_write_page", map[string]any{"collective_id": f.wiki, "page_id": billing, "content": "# Billing\n\nYearly now."}), &ch)
	decodeStructured(t, callTool(t, c, "nc_collectives_move_page", map[string]any{"collective_id": f.wiki, "page_id": billing, "parent_id": f.guide, "title": "Invoices"}), &ch)
	if ch.Page.File != "Collectives/Handbook/Guide/Invoices.md" || ch.Page.Title != "Invoices" {
		t.Fatalf("moved %+v", ch.Page)
	}
	if body, _ := f.nc.CollectiveFile("admin", "Collectives/Handbook/Guide/Invoices.md"); body != "# Billing\n\nYearly now." {
		t.Fatalf("moved content %q", body)
	}
	if _, ok := f.nc.CollectiveFile("admin", "Collectives/Handbook/FAQ/Billing.md"); ok {
		t.Fatal("old file still there after the move")
	}
	// Moving a page with subpages moves its folder.
	decodeStructured(t, callTool(t, c, "nc_collectives_move_page", map[string]any{"collective_id": f.wiki, "page_id": f.guide, "parent_id": f.faq}), &ch)
	if body, _ := f.nc.CollectiveFile("admin", "Collectives/Handbook/FAQ/Guide/Setup.md"); !strings.Contains(body, "toolchain") {
		t.Fatalf("subpage did not move along: %q", body)
	}
	wantError(t, callTool(t, c, "nc_collectives_move_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "parent_id": f.setup}), "not allowed", "403")
	wantError(t, callTool(t, c, "nc_collectives_move_page", map[string]any{"collective_id": f.wiki, "page_id": f.setup, "parent_id": 999999}), "not found")

	// Trash and restore with subpages.
	decodeStructured(t, callTool(t, c, "nc_collectives_trash_page", map[string]any{"collective_id": f.wiki, "page_id": f.guide}), &ch)
	if !ch.Page.Trashed {
		t.Fatalf("trashed %+v", ch.Page)
	}
	decodeStructured(t, callTool(t, c, "nc_collectives_list_pages", map[string]any{"collective_id": f.wiki}), &tree)
	for _, p := range tree.Pages {
		if p.ID == f.guide || p.ID == f.setup {
			t.Fatalf("trashed page %d still listed", p.ID)
		}
	}
	trash := call[collectivePagesOut](t, c, "nc_collectives_list_pages", map[string]any{"collective_id": f.wiki, "trashed": true})
	if len(trash.Pages) != 1 || trash.Pages[0].ID != f.guide || !trash.Pages[0].Trashed {
		t.Fatalf("trash %+v", trash.Pages)
	}
	wantError(t, callTool(t, c, "nc_collectives_get_page", map[string]any{"collective_id": f.wiki, "page_id": f.setup}), "not found")
	decodeStructured(t, callTool(t, c, "nc_collectives_restore_page", map[string]any{"collective_id": f.wiki, "page_id": f.guide}), &ch)
	decodeStructured(t, callTool(t, c, "nc_collectives_get_page", map[string]any{"collective_id": f.wiki, "page_id": f.setup}), &page)
	if !strings.Contains(page.Markdown, "toolchain") {
		t.Fatalf("restored subpage %+v", page)
	}
	wantError(t, callTool(t, c, "nc_collectives_restore_page", map[string]any{"collective_id": f.wiki, "page_id": f.guide}), "not found")
	wantError(t, callTool(t, c, "nc_collectives_trash_page", map[string]any{"collective_id": f.wiki, "page_id": f.landing}), "landing page", "403")
}

func TestCollectivesTagsAndEmoji(t *testing.T) {
	f := collectivesSeed(t)
	c := connectNC(t, f.nc)
	tags := call[collectiveTagsOut](t, c, "nc_collectives_list_tags", map[string]any{"collective_id": f.wiki})
	if len(tags.Tags) != 0 {
		t.Fatalf("tags %+v", tags)
	}
	wantError(t, callTool(t, c, "nc_collectives_tag_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "tag": "howto"}), "no tags at all", "nc_collectives_create_tag")
	decodeStructured(t, callTool(t, c, "nc_collectives_create_tag", map[string]any{"collective_id": f.wiki, "name": "howto"}), &tags)
	if len(tags.Tags) != 1 || tags.Tags[0].Color != "0082c9" {
		t.Fatalf("created tag %+v", tags)
	}
	decodeStructured(t, callTool(t, c, "nc_collectives_create_tag", map[string]any{"collective_id": f.wiki, "name": "draft", "color": "#FF0000"}), &tags)
	wantError(t, callTool(t, c, "nc_collectives_create_tag", map[string]any{"collective_id": f.wiki, "name": "HowTo"}), "exists", "400")
	ch := call[collectivePageChange](t, c, "nc_collectives_tag_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "tag": "HOWTO"})
	if strings.Join(ch.Page.Tags, ",") != "howto" {
		t.Fatalf("tagged %+v", ch.Page)
	}
	tree := call[collectivePagesOut](t, c, "nc_collectives_list_pages", map[string]any{"collective_id": f.wiki})
	if tree.Pages[1].ID != f.faq || strings.Join(tree.Pages[1].Tags, ",") != "howto" {
		t.Fatalf("tree tags %+v", tree.Pages[1])
	}
	untagged := call[collectivePageChange](t, c, "nc_collectives_tag_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "tag": "howto", "remove": true})
	if len(untagged.Page.Tags) != 0 || untagged.Page.ID != f.faq {
		t.Fatalf("untagged %+v", untagged.Page)
	}
	wantError(t, callTool(t, c, "nc_collectives_tag_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "tag": "nope"}), "no tag \"nope\"", "howto, draft")

	em := call[collectiveEmojiOut](t, c, "nc_collectives_set_emoji", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "emoji": "❓"})
	page := call[collectivePageResult](t, c, "nc_collectives_get_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq})
	if page.Page.Emoji != "❓" {
		t.Fatalf("page emoji %+v", page.Page)
	}
	decodeStructured(t, callTool(t, c, "nc_collectives_set_emoji", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "emoji": ""}), &em)
	plain := call[collectivePageResult](t, c, "nc_collectives_get_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq})
	if plain.Page.Emoji != "" || plain.Page.ID != f.faq {
		t.Fatalf("page emoji not removed %+v", plain.Page)
	}
	wantError(t, callTool(t, c, "nc_collectives_set_emoji", map[string]any{"collective_id": f.wiki, "page_id": 424242, "emoji": "❓"}), "not found")
}

func TestCollectivesBadInput(t *testing.T) {
	f := collectivesSeed(t)
	c := connectNC(t, f.nc)
	cases := []badCall{
		{"nc_collectives_list_pages", map[string]any{}, []string{"collective_id"}},
		{"nc_collectives_list_pages", map[string]any{"collective_id": "wiki"}, []string{"collective_id"}},
		{"nc_collectives_list_pages", map[string]any{"collective_id": 0}, []string{"collective_id"}},
		{"nc_collectives_list_pages", map[string]any{"collective_id": 9999}, []string{"no collective 9999"}},
		{"nc_collectives_list_pages", map[string]any{"collective_id": f.bobWiki}, []string{"no collective"}},
		{"nc_collectives_get_page", map[string]any{"collective_id": f.wiki}, []string{"page_id"}},
		{"nc_collectives_get_page", map[string]any{"collective_id": f.wiki, "page_id": 9999}, []string{"page 9999", "not found"}},
		{"nc_collectives_create", map[string]any{"name": " "}, []string{"name must not be empty"}},
		{"nc_collectives_create", map[string]any{"name": "a/b"}, []string{"may not contain"}},
		{"nc_collectives_create_page", map[string]any{"collective_id": f.wiki}, []string{"title"}},
		{"nc_collectives_create_page", map[string]any{"collective_id": f.wiki, "title": "x/y"}, []string{"may not contain"}},
		{"nc_collectives_create_page", map[string]any{"collective_id": f.wiki, "title": "x", "parent_id": 9999}, []string{"parent page 9999", "not found"}},
		{"nc_collectives_move_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq}, []string{"parent_id", "title"}},
		{"nc_collectives_move_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "parent_id": f.faq}, []string{"own parent"}},
		{"nc_collectives_search_pages", map[string]any{"query": ""}, []string{"query must not be empty"}},
		{"nc_collectives_search_pages", map[string]any{"query": "x", "collective_id": 9999}, []string{"no collective 9999"}},
		{"nc_collectives_create_tag", map[string]any{"collective_id": f.wiki, "name": "x", "color": "red"}, []string{"six hex digits"}},
		{"nc_collectives_tag_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq}, []string{"tag"}},
		{"nc_collectives_set_emoji", map[string]any{"collective_id": f.wiki}, []string{"emoji"}},
		{"nc_collectives_write_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq}, []string{"content"}},
		{"nc_collectives_restore_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq}, []string{"not found"}},
		{"nc_collectives_delete", map[string]any{"collective_id": f.wiki}, []string{"not in the trash"}},
		{"nc_collectives_trash", map[string]any{"collective_id": 9999}, []string{"collective 9999 not found"}},
		{"nc_collectives_list_tags", map[string]any{"collective_id": 9999}, []string{"not found"}},
	}
	wantBadCalls(t, c, cases)
}

func TestCollectivesServerErrorsAndMissingApp(t *testing.T) {
	f := collectivesSeed(t)
	calls := []toolCall{
		{"nc_collectives_list", map[string]any{}},
		{"nc_collectives_create", map[string]any{"name": "X"}},
		{"nc_collectives_trash", map[string]any{"collective_id": f.wiki}},
		{"nc_collectives_restore", map[string]any{"collective_id": f.wiki}},
		{"nc_collectives_delete", map[string]any{"collective_id": f.wiki}},
		{"nc_collectives_set_emoji", map[string]any{"collective_id": f.wiki, "emoji": "x"}},
		{"nc_collectives_list_pages", map[string]any{"collective_id": f.wiki}},
		{"nc_collectives_get_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq}},
		{"nc_collectives_search_pages", map[string]any{"query": "x"}},
		{"nc_collectives_create_page", map[string]any{"collective_id": f.wiki, "title": "x"}},
		{"nc_collectives_write_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "content": "x"}},
		{"nc_collectives_move_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "title": "y"}},
		{"nc_collectives_trash_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq}},
		{"nc_collectives_restore_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq}},
		{"nc_collectives_list_tags", map[string]any{"collective_id": f.wiki}},
		{"nc_collectives_create_tag", map[string]any{"collective_id": f.wiki, "name": "t"}},
		{"nc_collectives_tag_page", map[string]any{"collective_id": f.wiki, "page_id": f.faq, "tag": "t"}},
	}
	appMissingChecks(t, f.nc, "collectives", "Collectives", "/ocs/v2.php/apps/collectives/", calls, func() any {
		return f.nc.CollectivePagePath(f.faq)
	})
}
