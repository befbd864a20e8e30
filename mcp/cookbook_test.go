package mcp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

var cookbookKinds = map[string]Kind{
	"nc_cookbook_list_recipes":    Read,
	"nc_cookbook_search":          Read,
	"nc_cookbook_get_recipe":      Read,
	"nc_cookbook_create_recipe":   Create,
	"nc_cookbook_update_recipe":   Write,
	"nc_cookbook_delete_recipe":   Destroy,
	"nc_cookbook_import_recipe":   Create,
	"nc_cookbook_list_categories": Read,
	"nc_cookbook_list_keywords":   Read,
	"nc_cookbook_get_settings":    Read,
	"nc_cookbook_update_settings": Write,
	"nc_cookbook_reindex":         Write,
}

func TestCookbookToolsListed(t *testing.T) {
	collabToolsListed(t, "cookbook", cookbookKinds, func(t *testing.T, s listedClient) {
		if ow := s.listed["nc_cookbook_import_recipe"].Annotations.OpenWorldHint; ow == nil || !*ow {
			t.Errorf("import must be marked open-world")
		}
		if ow := s.listed["nc_cookbook_get_recipe"].Annotations.OpenWorldHint; ow == nil || *ow {
			t.Errorf("get must not be marked open-world")
		}
		// One call per transport shows the toolset works over each.
		var out recipeListOut
		decodeStructured(t, callTool(t, s.c, "nc_cookbook_list_recipes", map[string]any{}), &out)
	})
}

func TestCookbookRecipeLifecycle(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")

	var pancakes recipeOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_create_recipe", map[string]any{
		"name": "Pancakes", "description": "Fluffy breakfast pancakes", "category": "Breakfast",
		"keywords":     []string{"sweet, quick", "vegetarian"},
		"ingredients":  []string{"200 g flour", "2 eggs", "300 ml milk"},
		"instructions": []string{"Mix everything", "Fry in a pan"}, "tools": []string{"pan"},
		"yield": 4, "prep_time": "PT10M", "cook_time": "PT20M",
		"nutrition": map[string]string{"calories": "350 kcal"},
	}), &pancakes)
	if pancakes.ID == 0 || pancakes.Name != "Pancakes" || pancakes.Type != "Recipe" {
		t.Fatalf("created recipe: %+v", pancakes)
	}
	if pancakes.Keywords != "sweet,quick,vegetarian" || pancakes.RecipeYield != 4 || pancakes.PrepTime != "PT10M" ||
		len(pancakes.RecipeIngredient) != 3 || pancakes.RecipeInstructions[1] != "Fry in a pan" || pancakes.Nutrition["calories"] != "350 kcal" {
		t.Fatalf("created recipe fields: %+v", pancakes)
	}
	var soup recipeOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_create_recipe", map[string]any{"name": "Tomato soup", "category": "Dinner", "keywords": []string{"vegetarian"}}), &soup)
	var bread recipeOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_create_recipe", map[string]any{"name": "Bread"}), &bread)

	// A name is unique.
	wantError(t, callTool(t, c, "nc_cookbook_create_recipe", map[string]any{"name": "pancakes"}), "409", "already exists")

	var got recipeOut
	res := callTool(t, c, "nc_cookbook_get_recipe", map[string]any{"id": pancakes.ID})
	decodeStructured(t, res, &got)
	if got.Name != "Pancakes" || got.CookTime != "PT20M" || got.Tool[0] != "pan" {
		t.Fatalf("get: %+v", got)
	}
	if text := resultText(res); !strings.Contains(text, "1. Mix everything") || !strings.Contains(text, "- 2 eggs") {
		t.Fatalf("summary lacks steps or ingredients: %s", text)
	}

	list := func(args map[string]any) recipeListOut {
		t.Helper()
		var out recipeListOut
		decodeStructured(t, callTool(t, c, "nc_cookbook_list_recipes", args), &out)
		return out
	}
	names := func(o recipeListOut) string {
		var n []string
		for _, r := range o.Recipes {
			n = append(n, r.Name)
		}
		return strings.Join(n, ",")
	}
	if all := list(map[string]any{}); all.Total != 3 || names(all) != "Bread,Pancakes,Tomato soup" {
		t.Fatalf("list all: %+v", all)
	}
	if page := list(map[string]any{"limit": 2}); !page.HasMore || len(page.Recipes) != 2 {
		t.Fatalf("first page: %+v", page)
	}
	if page := list(map[string]any{"limit": 2, "offset": 2}); page.HasMore || names(page) != "Tomato soup" {
		t.Fatalf("second page: %+v", page)
	}
	if cat := list(map[string]any{"category": "Dinner"}); names(cat) != "Tomato soup" {
		t.Fatalf("category Dinner: %+v", cat)
	}
	if none := list(map[string]any{"uncategorized": true}); names(none) != "Bread" {
		t.Fatalf("uncategorized: %+v", none)
	}
	if kw := list(map[string]any{"keywords": []string{"vegetarian"}}); names(kw) != "Pancakes,Tomato soup" {
		t.Fatalf("keyword vegetarian: %+v", kw)
	}
	if kw := list(map[string]any{"keywords": []string{"vegetarian", "sweet"}}); names(kw) != "Pancakes" {
		t.Fatalf("keywords vegetarian+sweet: %+v", kw)
	}

	var found recipeListOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_search", map[string]any{"query": "tomato"}), &found)
	if names(found) != "Tomato soup" {
		t.Fatalf("search tomato: %+v", found)
	}
	decodeStructured(t, callTool(t, c, "nc_cookbook_search", map[string]any{"query": "breakfast, dinner"}), &found)
	if found.Total != 2 {
		t.Fatalf("search by two categories: %+v", found)
	}

	var cats recipeCountsOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_list_categories", map[string]any{}), &cats)
	if len(cats.Categories) != 2 || cats.Categories[0] != (recipeCountOut{"Breakfast", 1}) || cats.Uncategorized != 1 {
		t.Fatalf("categories: %+v", cats)
	}
	var kws recipeCountsOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_list_keywords", map[string]any{}), &kws)
	if fmt.Sprint(kws.Keywords) != "[{quick 1} {sweet 1} {vegetarian 2}]" {
		t.Fatalf("keywords: %+v", kws.Keywords)
	}

	// Update changes only the given fields; lists are replaced.
	var upd recipeOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_update_recipe", map[string]any{
		"id": pancakes.ID, "name": "Buttermilk pancakes", "ingredients": []string{"200 g flour", "400 ml buttermilk"}, "cook_time": "",
	}), &upd)
	if upd.Name != "Buttermilk pancakes" || len(upd.RecipeIngredient) != 2 || upd.CookTime != "" ||
		upd.PrepTime != "PT10M" || upd.RecipeCategory != "Breakfast" || len(upd.RecipeInstructions) != 2 || upd.Nutrition["calories"] != "350 kcal" {
		t.Fatalf("updated: %+v", upd)
	}
	wantError(t, callTool(t, c, "nc_cookbook_update_recipe", map[string]any{"id": pancakes.ID, "name": "Bread"}), "already exists")

	var del recipeDeletedOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_delete_recipe", map[string]any{"id": bread.ID}), &del)
	if !del.Deleted || del.Name != "Bread" {
		t.Fatalf("delete: %+v", del)
	}
	wantError(t, callTool(t, c, "nc_cookbook_get_recipe", map[string]any{"id": bread.ID}), fmt.Sprintf("no recipe with id %d", bread.ID))
	if all := list(map[string]any{}); all.Total != 2 {
		t.Fatalf("after delete: %+v", all)
	}
}

func TestCookbookSettings(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	var cfg cookbookSettingsOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_get_settings", map[string]any{}), &cfg)
	if cfg.Folder != "/Recipes" || cfg.UpdateInterval != 5 || !cfg.PrintImage || !cfg.VisibleInfoBlocks["tools"] {
		t.Fatalf("default settings: %+v", cfg)
	}
	decodeStructured(t, callTool(t, c, "nc_cookbook_update_settings", map[string]any{
		"folder": "/Kitchen/Recipes", "print_image": false, "visible_info_blocks": map[string]bool{"tools": false},
	}), &cfg)
	if cfg.Folder != "/Kitchen/Recipes" || cfg.UpdateInterval != 5 || cfg.PrintImage || cfg.VisibleInfoBlocks["tools"] || !cfg.VisibleInfoBlocks["cooking-time"] {
		t.Fatalf("changed settings: %+v", cfg)
	}
	wantBadCalls(t, c, []badCall{
		{"nc_cookbook_update_settings", map[string]any{}, []string{"nothing to change"}},
		{"nc_cookbook_update_settings", map[string]any{"folder": "Recipes"}, []string{"absolute path"}},
		{"nc_cookbook_update_settings", map[string]any{"update_interval": 0}, []string{"1 minute or more"}},
		{"nc_cookbook_update_settings", map[string]any{"visible_info_blocks": map[string]bool{"ratings": true}}, []string{"unknown info block \"ratings\""}},
		{"nc_cookbook_update_settings", map[string]any{"print_image": "yes"}, []string{"print_image"}},
	})
}

const cookbookCurryPage = `<!DOCTYPE html><html><head><title>Lentil curry</title>
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"WebPage","name":"Lentil curry page"},
 {"@type":"Recipe","name":"Lentil curry","recipeYield":"4 servings","totalTime":"PT45M",
  "author":{"@type":"Person","name":"Ada"},"keywords":"vegan, spicy","recipeCategory":"Dinner",
  "recipeIngredient":["250 g red lentils","1 can coconut milk"],
  "recipeInstructions":[{"@type":"HowToStep","text":"Rinse the lentils."},{"@type":"HowToStep","text":"Simmer for 30 minutes."}]}
]}</script></head><body>Lentil curry</body></html>`

func TestCookbookImport(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/curry" {
			_, _ = w.Write([]byte(cookbookCurryPage))
			return
		}
		_, _ = w.Write([]byte("<html><body>No recipe here</body></html>"))
	}))
	defer web.Close()
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")

	var r recipeOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_import_recipe", map[string]any{"url": web.URL + "/curry"}), &r)
	if r.ID == 0 || r.Name != "Lentil curry" || r.RecipeYield != 4 || r.URL != web.URL+"/curry" ||
		len(r.RecipeInstructions) != 2 || r.RecipeInstructions[0] != "Rinse the lentils." || r.Keywords != "vegan,spicy" {
		t.Fatalf("imported: %+v", r)
	}
	if r.Other["author"] == nil {
		t.Fatalf("imported recipe lost its author: %+v", r.Other)
	}
	// Updating keeps schema.org properties the tools do not know.
	var upd recipeOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_update_recipe", map[string]any{"id": r.ID, "yield": 6}), &upd)
	if upd.RecipeYield != 6 || upd.Other["author"] == nil {
		t.Fatalf("update after import: %+v", upd)
	}

	wantError(t, callTool(t, c, "nc_cookbook_import_recipe", map[string]any{"url": web.URL + "/curry"}), "409", "already exists")
	wantError(t, callTool(t, c, "nc_cookbook_import_recipe", map[string]any{"url": web.URL + "/plain"}), "400")
	wantError(t, callTool(t, c, "nc_cookbook_import_recipe", map[string]any{"url": "ftp://example.com/x"}), "http(s)")
}

func TestCookbookBadInput(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	cases := []badCall{
		{"nc_cookbook_get_recipe", map[string]any{}, []string{"id"}},
		{"nc_cookbook_get_recipe", map[string]any{"id": "soup"}, []string{"id"}},
		{"nc_cookbook_get_recipe", map[string]any{"id": 999999}, []string{"no recipe with id 999999", "404"}},
		{"nc_cookbook_get_recipe", map[string]any{"id": -1}, []string{"positive"}},
		{"nc_cookbook_delete_recipe", map[string]any{"id": 999999}, []string{"no recipe with id 999999"}},
		{"nc_cookbook_update_recipe", map[string]any{"id": 999999, "yield": 2}, []string{"no recipe with id 999999"}},
		{"nc_cookbook_update_recipe", map[string]any{"id": 5}, []string{"nothing to change"}},
		{"nc_cookbook_create_recipe", map[string]any{}, []string{"name"}},
		{"nc_cookbook_create_recipe", map[string]any{"name": "  "}, []string{"name must not be empty; every recipe needs a name"}},
		{"nc_cookbook_create_recipe", map[string]any{"name": "X", "prep_time": "10 minutes"}, []string{"ISO 8601", "PT20M"}},
		{"nc_cookbook_create_recipe", map[string]any{"name": "X", "nutrition": map[string]string{"kcal": "1"}}, []string{"kcal", "calories"}},
		{"nc_cookbook_create_recipe", map[string]any{"name": "X", "ingredients": "flour"}, []string{"ingredients"}},
		{"nc_cookbook_create_recipe", map[string]any{"name": "X", "servings": 2}, []string{"servings"}},
		{"nc_cookbook_list_recipes", map[string]any{"category": "Dinner", "keywords": []string{"x"}}, []string{"at most one filter"}},
		{"nc_cookbook_list_recipes", map[string]any{"limit": 5000}, []string{"limit"}},
		{"nc_cookbook_search", map[string]any{"query": " "}, []string{"query must not be empty; give words to search for"}},
		{"nc_cookbook_search", map[string]any{}, []string{"query"}},
	}
	wantBadCalls(t, c, cases)
}

func TestCookbookNextcloudFailures(t *testing.T) {
	t.Run("500", func(t *testing.T) {
		nc := nctest.New(t)
		fail := commsFault(nc, "/index.php/apps/cookbook/", commsFail500)
		c := connect(t, newTestServer(t, nc), "inprocess")
		var r recipeOut
		decodeStructured(t, callTool(t, c, "nc_cookbook_create_recipe", map[string]any{"name": "Soup"}), &r)
		fail.Store(true)
		for tool, args := range map[string]map[string]any{
			"nc_cookbook_list_recipes":    {},
			"nc_cookbook_search":          {"query": "soup"},
			"nc_cookbook_get_recipe":      {"id": r.ID},
			"nc_cookbook_create_recipe":   {"name": "Stew"},
			"nc_cookbook_update_recipe":   {"id": r.ID, "yield": 3},
			"nc_cookbook_delete_recipe":   {"id": r.ID},
			"nc_cookbook_import_recipe":   {"url": "https://example.com/r"},
			"nc_cookbook_list_categories": {},
			"nc_cookbook_list_keywords":   {},
			"nc_cookbook_get_settings":    {},
			"nc_cookbook_update_settings": {"print_image": true},
			"nc_cookbook_reindex":         {},
		} {
			wantError(t, callTool(t, c, tool, args), "500", "Nextcloud failed internally")
		}
	})
	t.Run("app disabled", func(t *testing.T) {
		nc := nctest.New(t, nctest.WithDisabledApp("cookbook"))
		c := connect(t, newTestServer(t, nc), "inprocess")
		wantError(t, callTool(t, c, "nc_cookbook_list_recipes", map[string]any{}), `app "cookbook" (Cookbook) is not installed or not enabled`)
		wantError(t, callTool(t, c, "nc_cookbook_get_recipe", map[string]any{"id": 1}), `app "cookbook" (Cookbook) is not installed`)
		wantError(t, callTool(t, c, "nc_cookbook_reindex", map[string]any{}), `app "cookbook" (Cookbook) is not installed`)
	})
}

func TestCookbookReindex(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	c := connect(t, newTestServer(t, nc), "inprocess")
	var r recipeOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_create_recipe", map[string]any{"name": "Soup"}), &r)
	nc.AddCookbookRecipeFile("admin", "Copied Pie")
	nc.AddCookbookRecipeFile("bob", "Bob's Stew")
	var list recipeListOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_list_recipes", map[string]any{}), &list)
	if len(list.Recipes) != 1 {
		t.Fatalf("before reindex %+v", list.Recipes)
	}
	var out cookbookReindexOut
	decodeStructured(t, callTool(t, c, "nc_cookbook_reindex", map[string]any{}), &out)
	if out.Recipes != 2 || out.Message == "" {
		t.Fatalf("reindex %+v", out)
	}
	decodeStructured(t, callTool(t, c, "nc_cookbook_search", map[string]any{"query": "pie"}), &list)
	if len(list.Recipes) != 1 || list.Recipes[0].Name != "Copied Pie" {
		t.Fatalf("search after reindex %+v", list.Recipes)
	}
	// Bob's folder is his own: rescanning admin's leaves it alone.
	rs, err := nc.Client(t, "bob").Cookbook().List(t.Context())
	if err != nil || len(rs) != 0 {
		t.Fatalf("bob's recipes %+v, %v", rs, err)
	}
	wantError(t, callTool(t, c, "nc_cookbook_reindex", map[string]any{"force": true}), "force")
}
