package nextcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestRecipeDecodesTheShapesRecipesComeIn(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want nextcloud.Recipe
	}{
		{"cookbook app", `{"id":"12","name":"Soup","recipeYield":4,"keywords":"a,b","recipeIngredient":["x"],"recipeInstructions":["y"],"tool":[],"nutrition":[],"prepTime":null}`,
			nextcloud.Recipe{ID: "12", Name: "Soup", RecipeYield: 4, Keywords: []string{"a", "b"}, RecipeIngredient: []string{"x"}, RecipeInstructions: []string{"y"}, Tool: []string{}}},
		{"numbers and objects", `{"id":12,"name":"Soup","recipeYield":"6 servings","keywords":["a","b, c"],"image":{"@type":"ImageObject","url":"http://i/x.jpg"},
			"recipeInstructions":[{"@type":"HowToSection","name":"Prep","itemListElement":[{"@type":"HowToStep","text":"cut"}]},{"@type":"HowToStep","text":"cook"}],
			"nutrition":{"@type":"NutritionInformation","calories":"100 kcal","fatContent":3}}`,
			nextcloud.Recipe{ID: "12", Name: "Soup", RecipeYield: 6, Keywords: []string{"a", "b", "c"}, Image: "http://i/x.jpg",
				RecipeInstructions: []string{"cut", "cook"}, Nutrition: map[string]string{"calories": "100 kcal", "fatContent": "3"}}},
		{"single text instruction", `{"name":"Tea","recipeInstructions":"Boil water.","recipe_id":7}`,
			nextcloud.Recipe{ID: "7", Name: "Tea", RecipeInstructions: []string{"Boil water."}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got nextcloud.Recipe
			if err := json.Unmarshal([]byte(tc.in), &got); err != nil {
				t.Fatal(err)
			}
			got.Other = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if err := json.Unmarshal([]byte(`[1]`), new(nextcloud.Recipe)); err == nil {
		t.Fatal("an array is no recipe")
	}
}

func TestRecipeRoundTripKeepsUnknownProperties(t *testing.T) {
	in := `{"@context":"https://schema.org","@type":"Recipe","id":"5","name":"Curry","author":{"@type":"Person","name":"Ada"},"imageUrl":"/x","keywords":"hot"}`
	var r nextcloud.Recipe
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["author"].(map[string]any)["name"] != "Ada" || m["@context"] != "https://schema.org" || m["@type"] != "Recipe" || m["keywords"] != "hot" {
		t.Fatalf("marshalled: %s", b)
	}
	if _, ok := m["imageUrl"]; ok {
		t.Fatalf("derived imageUrl must not be written back: %s", b)
	}
	if m["prepTime"] != nil {
		t.Fatalf("empty prepTime must be null: %s", b)
	}
}

func TestCookbookClient(t *testing.T) {
	ctx := context.Background()
	srv := nctest.New(t)
	c := srv.Client(t, "admin")

	id, err := c.Cookbook().Create(ctx, nextcloud.Recipe{Name: "Soup", RecipeCategory: "Dinner", Keywords: []string{"hot", "quick"}})
	if err != nil || id == 0 {
		t.Fatalf("create: %d %v", id, err)
	}
	r, err := c.Cookbook().Get(ctx, id)
	if err != nil || r.Name != "Soup" || r.RecipeCategory != "Dinner" || len(r.Keywords) != 2 {
		t.Fatalf("get: %+v %v", r, err)
	}
	if _, err := c.Cookbook().Create(ctx, nextcloud.Recipe{Name: "Soup"}); !errors.Is(err, nextcloud.ErrConflict) {
		t.Fatalf("duplicate name: %v", err)
	}
	var apiErr *nextcloud.Error
	if _, err := c.Cookbook().Create(ctx, nextcloud.Recipe{}); !errors.As(err, &apiErr) || apiErr.Status != 422 || apiErr.App != "cookbook" || apiErr.Message == "" {
		t.Fatalf("nameless recipe: %v", err)
	}
	r.Description = "warming"
	if err := c.Cookbook().Update(ctx, id, *r); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.Cookbook().Get(ctx, id); r.Description != "warming" {
		t.Fatalf("after update: %+v", r)
	}
	for name, fn := range map[string]func() ([]nextcloud.RecipeStub, error){
		"all":      func() ([]nextcloud.RecipeStub, error) { return c.Cookbook().List(ctx) },
		"search":   func() ([]nextcloud.RecipeStub, error) { return c.Cookbook().Search(ctx, "sou") },
		"category": func() ([]nextcloud.RecipeStub, error) { return c.Cookbook().InCategory(ctx, "Dinner") },
		"keywords": func() ([]nextcloud.RecipeStub, error) {
			return c.Cookbook().WithKeywords(ctx, []string{"hot", "quick"})
		},
	} {
		stubs, err := fn()
		if err != nil || len(stubs) != 1 || stubs[0].Name != "Soup" || stubs[0].ID == "" {
			t.Fatalf("%s: %+v %v", name, stubs, err)
		}
	}
	if stubs, err := c.Cookbook().InCategory(ctx, ""); err != nil || len(stubs) != 0 {
		t.Fatalf("uncategorized: %+v %v", stubs, err)
	}
	cats, err := c.Cookbook().Categories(ctx)
	if err != nil || len(cats) != 1 || cats[0] != (nextcloud.RecipeCount{Name: "Dinner", RecipeCount: 1}) {
		t.Fatalf("categories: %+v %v", cats, err)
	}
	folder := "/Food"
	if err := c.Cookbook().SetConfig(ctx, nextcloud.CookbookConfigUpdate{Folder: &folder}); err != nil {
		t.Fatal(err)
	}
	if cfg, err := c.Cookbook().Config(ctx); err != nil || cfg.Folder != "/Food" || cfg.UpdateInterval != 5 {
		t.Fatalf("config: %+v %v", cfg, err)
	}

	if err := c.Cookbook().Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	// The app answers 404 to a missing recipe on GET and 502 on DELETE;
	// both must read as "not found".
	if _, err := c.Cookbook().Get(ctx, id); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if err := c.Cookbook().Delete(ctx, id); !errors.Is(err, nextcloud.ErrNotFound) || errors.Is(err, nextcloud.ErrUnavailable) {
		t.Fatalf("delete deleted: %v", err)
	}
}

func TestCookbookAppDisabled(t *testing.T) {
	c := nctest.New(t, nctest.WithDisabledApp("cookbook")).Client(t, "admin")
	_, err := c.Cookbook().List(context.Background())
	if !errors.Is(err, nextcloud.ErrAppNotEnabled) || errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("want ErrAppNotEnabled, got %v", err)
	}
	if _, err := c.Cookbook().Get(context.Background(), 3); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("get with app off: %v", err)
	}
}
