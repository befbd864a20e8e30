package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// CookbookToolset manages recipes in the Cookbook app.
func CookbookToolset(env *Env) Toolset {
	return Toolset{
		Name:        "cookbook",
		Description: "Recipes in the Nextcloud Cookbook app (schema.org Recipe)",
		// CookbookApp has no capability key: older Cookbook versions
		// publish none, so the tools stay listed and say so when the app
		// is missing.
		App: nextcloud.CookbookApp,
		Tools: []Tool{
			cookbookList(env),
			cookbookSearch(env),
			cookbookGet(env),
			cookbookCreate(env),
			cookbookUpdate(env),
			cookbookDelete(env),
			cookbookImport(env),
			cookbookCategories(env),
			cookbookKeywords(env),
			cookbookGetSettingsTool(env),
			cookbookSetSettings(env),
			cookbookReindex(env),
		},
	}
}

type cookbookListIn struct {
	Category      string   `json:"category,omitempty" jsonschema:"only recipes of this category (see nc_cookbook_list_categories)"`
	Uncategorized bool     `json:"uncategorized,omitempty" jsonschema:"only recipes without a category"`
	Keywords      []string `json:"keywords,omitempty" jsonschema:"only recipes carrying all these keywords"`
	recipePage
}

func (in *cookbookListIn) Validate() error {
	n := 0
	for _, set := range []bool{in.Category != "", in.Uncategorized, len(in.Keywords) > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("give at most one filter: category, uncategorized or keywords")
	}
	return in.validate()
}

// cookbookList is nc_cookbook_list_recipes (list recipes).
func cookbookList(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_list_recipes", Title: "List recipes",
		Description: "List the user's recipes (id, name, category, keywords), optionally only those of one category, without a category, or carrying all the given keywords. Use nc_cookbook_get_recipe for ingredients and steps.",
		Scope:       "cookbook:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in cookbookListIn) (recipeListOut, error) {
			var stubs []nextcloud.RecipeStub
			var err error
			filter := ""
			switch {
			case in.Category != "":
				stubs, err = nc.Cookbook().InCategory(ctx, in.Category)
				filter = fmt.Sprintf("in category %q", in.Category)
			case in.Uncategorized:
				stubs, err = nc.Cookbook().InCategory(ctx, "")
				filter = "without a category"
			case len(in.Keywords) > 0:
				kw := cookbookNonNil(nextcloud.SplitKeywords(in.Keywords))
				stubs, err = nc.Cookbook().WithKeywords(ctx, kw)
				filter = "with keywords " + strings.Join(kw, ", ")
			default:
				stubs, err = nc.Cookbook().List(ctx)
			}
			if err != nil {
				return recipeListOut{}, err
			}
			return cookbookPage(stubs, in.recipePage, filter), nil
		})
}

type cookbookSearchIn struct {
	Query string `json:"query" jsonschema:"words to look for in recipe names, categories and keywords"`
	recipePage
}

func (in *cookbookSearchIn) Validate() error {
	return firstErr(textHintArg("query", in.Query, "give words to search for, or use nc_cookbook_list_recipes to list all recipes"), in.validate())
}

// cookbookSearch is nc_cookbook_search (search recipes).
func cookbookSearch(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_search", Title: "Search recipes",
		Description: "Search recipes whose name, category or keywords contain any of the words of the query (words separated by spaces or commas).",
		Scope:       "cookbook:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in cookbookSearchIn) (recipeListOut, error) {
			q := strings.TrimSpace(in.Query)
			stubs, err := nc.Cookbook().Search(ctx, q)
			if err != nil {
				return recipeListOut{}, err
			}
			return cookbookPage(stubs, in.recipePage, fmt.Sprintf("matching %q", q)), nil
		})
}

// cookbookGet is nc_cookbook_get_recipe (get recipe).
func cookbookGet(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_get_recipe", Title: "Get recipe",
		Description: "Get one recipe as schema.org Recipe JSON: ingredients, instructions, times (ISO 8601 durations), yield, category, keywords, nutrition.",
		Scope:       "cookbook:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in recipeIDIn) (recipeOut, error) {
			r, err := nc.Cookbook().Get(ctx, in.ID)
			if err != nil {
				return recipeOut{}, err
			}
			return toRecipeOut(r), nil
		})
}

type createRecipeIn struct {
	Name string `json:"name" jsonschema:"the recipe name, unique in the user's cookbook"`
	recipeFields
}

func (in *createRecipeIn) Validate() error {
	return firstErr(textHintArg("name", in.Name, "every recipe needs a name"), in.validate())
}

// cookbookCreate is nc_cookbook_create_recipe (create recipe).
func cookbookCreate(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_create_recipe", Title: "Create recipe",
		Description: "Create a recipe. Only the name is required; recipe names must be unique in the user's cookbook.",
		Scope:       "cookbook:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in createRecipeIn) (recipeOut, error) {
			r := nextcloud.Recipe{Name: strings.TrimSpace(in.Name), RecipeYield: 1}
			in.apply(&r)
			id, err := nc.Cookbook().Create(ctx, r)
			if err != nil {
				return recipeOut{}, err
			}
			got, err := nc.Cookbook().Get(ctx, id)
			if err != nil {
				return recipeOut{}, fmt.Errorf("recipe %d was created but reading it back failed: %w", id, err)
			}
			return toRecipeOut(got), nil
		})
}

type updateRecipeIn struct {
	ID   int64   `json:"id" jsonschema:"the recipe id, from nc_cookbook_list_recipes or nc_cookbook_search"`
	Name *string `json:"name,omitempty" jsonschema:"a new name"`
	recipeFields
}

func (in *updateRecipeIn) Validate() error {
	if err := idArg("id", in.ID, "nc_cookbook_list_recipes"); err != nil {
		return err
	}
	if in.Name != nil {
		if err := textHintArg("name", *in.Name, "leave it out to keep the current name"); err != nil {
			return err
		}
	}
	if in.Name == nil && in.empty() {
		return fmt.Errorf("nothing to change: give at least one field besides id")
	}
	return in.validate()
}

// cookbookUpdate is nc_cookbook_update_recipe (update recipe).
func cookbookUpdate(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_update_recipe", Title: "Update recipe",
		Description: "Change a recipe: only the given fields change; a given list (ingredients, instructions, tools, keywords) replaces the old list, an empty list or string clears it.",
		Scope:       "cookbook:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in updateRecipeIn) (recipeOut, error) {
			r, err := nc.Cookbook().Get(ctx, in.ID)
			if err != nil {
				return recipeOut{}, err
			}
			r.Name = newText(r.Name, in.Name)
			in.apply(r)
			if err := nc.Cookbook().Update(ctx, in.ID, *r); err != nil {
				return recipeOut{}, err
			}
			got, err := nc.Cookbook().Get(ctx, in.ID)
			if err != nil {
				return recipeOut{}, fmt.Errorf("recipe %d was updated but reading it back failed: %w", in.ID, err)
			}
			return toRecipeOut(got), nil
		})
}

type recipeDeletedOut struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Deleted bool   `json:"deleted"`
}

func (o recipeDeletedOut) Summary() string {
	return fmt.Sprintf("Deleted recipe %d %q.", o.ID, o.Name)
}

// cookbookDelete is nc_cookbook_delete_recipe (delete recipe).
func cookbookDelete(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_delete_recipe", Title: "Delete recipe",
		Description: "Delete a recipe and its folder from the user's cookbook.",
		Scope:       "cookbook:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in recipeIDIn) (recipeDeletedOut, error) {
			r, err := nc.Cookbook().Get(ctx, in.ID)
			if err != nil {
				return recipeDeletedOut{}, err
			}
			if err := nc.Cookbook().Delete(ctx, in.ID); err != nil {
				return recipeDeletedOut{}, err
			}
			return recipeDeletedOut{ID: in.ID, Name: r.Name, Deleted: true}, nil
		})
}

type importRecipeIn struct {
	URL string `json:"url" jsonschema:"the http(s) address of a recipe web page with schema.org Recipe metadata"`
}

func (in *importRecipeIn) Validate() error {
	if !cookbookWebURL(strings.TrimSpace(in.URL)) {
		return fmt.Errorf("url %q must be an absolute http(s) address of a recipe page", in.URL)
	}
	return nil
}

// cookbookImport is nc_cookbook_import_recipe (import recipe from the web).
func cookbookImport(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_import_recipe", Title: "Import recipe from the web",
		Description: "Let Nextcloud fetch a recipe web page and store the schema.org recipe it finds there. Fails if the page has no recipe metadata or a recipe of that name exists.",
		Scope:       "cookbook:write", Kind: Create, OpenWorld: true},
		func(ctx context.Context, nc *nextcloud.Client, in importRecipeIn) (recipeOut, error) {
			r, err := nc.Cookbook().Import(ctx, strings.TrimSpace(in.URL))
			if err != nil {
				return recipeOut{}, err
			}
			return toRecipeOut(r), nil
		})
}

func recipeCountOf(c *nextcloud.RecipeCount) recipeCountOut {
	return recipeCountOut{Name: c.Name, Recipes: c.RecipeCount}
}

// cookbookCategories is nc_cookbook_list_categories (list recipe categories).
func cookbookCategories(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_list_categories", Title: "List recipe categories",
		Description: "List the recipe categories with the number of recipes in each, and how many recipes have no category.",
		Scope:       "cookbook:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ cookbookNoIn) (recipeCountsOut, error) {
			cats, err := nc.Cookbook().Categories(ctx)
			if err != nil {
				return recipeCountsOut{}, err
			}
			out := recipeCountsOut{Kind: "categories", Categories: []recipeCountOut{}}
			for _, c := range cats {
				if c.Name == "*" {
					out.Uncategorized = c.RecipeCount
					continue
				}
				out.Categories = append(out.Categories, recipeCountOf(&c))
			}
			return out, nil
		})
}

// cookbookKeywords is nc_cookbook_list_keywords (list recipe keywords).
func cookbookKeywords(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_list_keywords", Title: "List recipe keywords",
		Description: "List the recipe keywords (tags) with the number of recipes carrying each.",
		Scope:       "cookbook:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ cookbookNoIn) (recipeCountsOut, error) {
			kws, err := nc.Cookbook().Keywords(ctx)
			if err != nil {
				return recipeCountsOut{}, err
			}
			return recipeCountsOut{Kind: "keywords", Keywords: mapAll(kws, recipeCountOf)}, nil
		})
}

// cookbookGetSettingsTool is nc_cookbook_get_settings (get cookbook settings).
func cookbookGetSettingsTool(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_get_settings", Title: "Get Cookbook settings",
		Description: "Show the Cookbook settings: the recipe folder, the rescan interval, whether images are printed, and which info blocks are shown.",
		Scope:       "cookbook:read", Kind: Read},
		cookbookGetSettings)
}

type cookbookSettingsIn struct {
	Folder            *string         `json:"folder,omitempty" jsonschema:"the folder in the user's files for recipes, an absolute path like /Recipes"`
	UpdateInterval    *int            `json:"update_interval,omitempty" jsonschema:"minutes between automatic rescans (1 or more)"`
	PrintImage        *bool           `json:"print_image,omitempty" jsonschema:"print recipe images"`
	VisibleInfoBlocks map[string]bool `json:"visible_info_blocks,omitempty" jsonschema:"show or hide info blocks: preparation-time, cooking-time, total-time, nutrition-information, tools"`
}

func (in *cookbookSettingsIn) Validate() error {
	if in.Folder == nil && in.UpdateInterval == nil && in.PrintImage == nil && in.VisibleInfoBlocks == nil {
		return fmt.Errorf("nothing to change: give folder, update_interval, print_image or visible_info_blocks")
	}
	if in.Folder != nil && !strings.HasPrefix(strings.TrimSpace(*in.Folder), "/") {
		return fmt.Errorf("folder must be an absolute path in the user's files like /Recipes, not %q", *in.Folder)
	}
	if in.UpdateInterval != nil && *in.UpdateInterval < 1 {
		return fmt.Errorf("update_interval must be 1 minute or more, not %d", *in.UpdateInterval)
	}
	for k := range in.VisibleInfoBlocks {
		if !slices.Contains(cookbookInfoBlocks, k) {
			return fmt.Errorf("unknown info block %q; known blocks: %s", k, strings.Join(cookbookInfoBlocks, ", "))
		}
	}
	return nil
}

// cookbookSetSettings is nc_cookbook_update_settings (change cookbook settings).
func cookbookSetSettings(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_update_settings", Title: "Change Cookbook settings",
		Description: "Change Cookbook settings; only the given ones change.",
		Scope:       "cookbook:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in cookbookSettingsIn) (cookbookSettingsOut, error) {
			u := nextcloud.CookbookConfigUpdate{UpdateInterval: in.UpdateInterval, PrintImage: in.PrintImage, VisibleInfoBlocks: in.VisibleInfoBlocks}
			if in.Folder != nil {
				f := strings.TrimSpace(*in.Folder)
				u.Folder = &f
			}
			if err := nc.Cookbook().SetConfig(ctx, u); err != nil {
				return cookbookSettingsOut{}, err
			}
			return cookbookGetSettings(ctx, nc, cookbookNoIn{})
		})
}

type cookbookNoIn struct{}

type cookbookSettingsOut struct {
	Folder            string          `json:"folder" jsonschema:"the folder in the user's files that holds the recipes"`
	UpdateInterval    int             `json:"update_interval" jsonschema:"minutes between automatic rescans of the recipe folder"`
	PrintImage        bool            `json:"print_image" jsonschema:"whether recipe images are printed"`
	VisibleInfoBlocks map[string]bool `json:"visible_info_blocks,omitempty" jsonschema:"which info blocks the web app shows"`
}

func (o cookbookSettingsOut) Summary() string {
	return fmt.Sprintf("Recipe folder %s, rescanned every %d minutes, print images: %t.", o.Folder, o.UpdateInterval, o.PrintImage)
}

func cookbookGetSettings(ctx context.Context, nc *nextcloud.Client, _ cookbookNoIn) (cookbookSettingsOut, error) {
	cfg, err := nc.Cookbook().Config(ctx)
	if err != nil {
		return cookbookSettingsOut{}, err
	}
	return cookbookSettingsOut{Folder: cfg.Folder, UpdateInterval: cfg.UpdateInterval, PrintImage: cfg.PrintImage, VisibleInfoBlocks: cfg.VisibleInfoBlocks}, nil
}

type cookbookReindexOut struct {
	Message string `json:"message" jsonschema:"what the Cookbook app answered"`
	Recipes int    `json:"recipes" jsonschema:"recipes known after the rescan"`
}

func (o cookbookReindexOut) Summary() string {
	return fmt.Sprintf("%s; %d recipes now.", strings.TrimSuffix(o.Message, "."), o.Recipes)
}

func cookbookReindex(env *Env) Tool {
	return NewTool(Spec{Name: "nc_cookbook_reindex", Title: "Rescan recipes",
		Description: "Have the Cookbook app rescan your recipe folder and rebuild its search index, so that recipes added or changed as files show up.",
		Scope:       "cookbook:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, _ noIn) (cookbookReindexOut, error) {
			msg, err := nc.Cookbook().Reindex(ctx)
			if err != nil {
				return cookbookReindexOut{}, err
			}
			rs, err := nc.Cookbook().List(ctx)
			if err != nil {
				return cookbookReindexOut{}, fmt.Errorf("the index was rebuilt, but listing the recipes failed: %w", err)
			}
			return cookbookReindexOut{Message: msg, Recipes: len(rs)}, nil
		})
}
