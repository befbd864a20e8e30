package mcp

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// CookbookToolset manages recipes in the Cookbook app.
func CookbookToolset(env *Env) Toolset {
	return Toolset{
		Name:        "cookbook",
		Description: "Recipes in the Nextcloud Cookbook app (schema.org Recipe)",
		// No Capability: older Cookbook versions publish none, so the
		// tools stay listed and say so when the app is missing.
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
				kw := cookbookCleanKeywords(in.Keywords)
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
	if strings.TrimSpace(in.Query) == "" {
		return fmt.Errorf("query is empty; give words to search for, or use nc_cookbook_list_recipes to list all recipes")
	}
	return in.validate()
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
	if strings.TrimSpace(in.Name) == "" {
		return fmt.Errorf("name is empty; every recipe needs a name")
	}
	return in.validate()
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
	if in.ID <= 0 {
		return fmt.Errorf("id must be a positive recipe id, not %d", in.ID)
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return fmt.Errorf("name must not be empty; leave it out to keep the current name")
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
			if in.Name != nil {
				r.Name = strings.TrimSpace(*in.Name)
			}
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
				out.Categories = append(out.Categories, recipeCountOut{Name: c.Name, Recipes: c.RecipeCount})
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
			out := recipeCountsOut{Kind: "keywords", Keywords: []recipeCountOut{}}
			for _, k := range kws {
				out.Keywords = append(out.Keywords, recipeCountOut{Name: k.Name, Recipes: k.RecipeCount})
			}
			return out, nil
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

type recipeStubOut struct {
	ID           int64    `json:"id" jsonschema:"the recipe id"`
	Name         string   `json:"name"`
	Category     string   `json:"category,omitempty"`
	Keywords     []string `json:"keywords,omitempty"`
	DateModified string   `json:"date_modified,omitempty"`
}

type recipeListOut struct {
	Recipes []recipeStubOut `json:"recipes"`
	Total   int             `json:"total" jsonschema:"how many recipes matched"`
	Offset  int             `json:"offset"`
	HasMore bool            `json:"has_more" jsonschema:"true if more recipes follow: call again with offset = offset + len(recipes)"`
	Filter  string          `json:"filter,omitempty" jsonschema:"what the list was filtered by"`
}

func (o recipeListOut) Summary() string {
	var b strings.Builder
	what := "recipes"
	if o.Filter != "" {
		what += " " + o.Filter
	}
	if o.Total == 0 {
		return "No " + what + "."
	}
	fmt.Fprintf(&b, "%d %s", o.Total, what)
	if o.HasMore || o.Offset > 0 {
		fmt.Fprintf(&b, " (showing %d–%d)", o.Offset+1, o.Offset+len(o.Recipes))
	}
	b.WriteString(":")
	for _, r := range o.Recipes {
		fmt.Fprintf(&b, "\n- [%d] %s", r.ID, r.Name)
		if r.Category != "" {
			fmt.Fprintf(&b, " (%s)", r.Category)
		}
		if len(r.Keywords) > 0 {
			fmt.Fprintf(&b, " #%s", strings.Join(r.Keywords, " #"))
		}
	}
	if o.HasMore {
		fmt.Fprintf(&b, "\nMore recipes follow: call again with offset %d.", o.Offset+len(o.Recipes))
	}
	return b.String()
}

// recipeOut is a recipe in schema.org Recipe terms.
type recipeOut struct {
	ID                 int64             `json:"id" jsonschema:"the recipe id"`
	Type               string            `json:"@type" jsonschema:"always Recipe"`
	Name               string            `json:"name"`
	Description        string            `json:"description,omitempty"`
	URL                string            `json:"url,omitempty" jsonschema:"the web page the recipe came from"`
	Image              string            `json:"image,omitempty" jsonschema:"the URL of the original image"`
	PrepTime           string            `json:"prepTime,omitempty" jsonschema:"ISO 8601 duration"`
	CookTime           string            `json:"cookTime,omitempty" jsonschema:"ISO 8601 duration"`
	TotalTime          string            `json:"totalTime,omitempty" jsonschema:"ISO 8601 duration"`
	RecipeYield        int               `json:"recipeYield,omitempty" jsonschema:"number of servings"`
	RecipeCategory     string            `json:"recipeCategory,omitempty"`
	Keywords           string            `json:"keywords,omitempty" jsonschema:"comma-separated keywords"`
	Tool               []string          `json:"tool"`
	RecipeIngredient   []string          `json:"recipeIngredient"`
	RecipeInstructions []string          `json:"recipeInstructions"`
	Nutrition          map[string]string `json:"nutrition,omitempty" jsonschema:"schema.org NutritionInformation properties"`
	DateCreated        string            `json:"dateCreated,omitempty"`
	DateModified       string            `json:"dateModified,omitempty"`
	Other              map[string]any    `json:"other,omitempty" jsonschema:"further schema.org properties of the recipe (author, ratings …)"`
}

func (o recipeOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Recipe %d: %s", o.ID, o.Name)
	if o.RecipeCategory != "" {
		fmt.Fprintf(&b, " (%s)", o.RecipeCategory)
	}
	if o.RecipeYield > 0 {
		fmt.Fprintf(&b, ", serves %d", o.RecipeYield)
	}
	for _, t := range []struct{ label, v string }{{"prep", o.PrepTime}, {"cook", o.CookTime}, {"total", o.TotalTime}} {
		if t.v != "" {
			fmt.Fprintf(&b, ", %s %s", t.label, t.v)
		}
	}
	if o.Description != "" {
		b.WriteString("\n" + o.Description)
	}
	if o.Keywords != "" {
		b.WriteString("\nKeywords: " + o.Keywords)
	}
	if len(o.RecipeIngredient) > 0 {
		b.WriteString("\nIngredients:")
		for _, i := range o.RecipeIngredient {
			b.WriteString("\n- " + i)
		}
	}
	if len(o.RecipeInstructions) > 0 {
		b.WriteString("\nInstructions:")
		for n, i := range o.RecipeInstructions {
			fmt.Fprintf(&b, "\n%d. %s", n+1, i)
		}
	}
	if len(o.Tool) > 0 {
		b.WriteString("\nTools: " + strings.Join(o.Tool, ", "))
	}
	if o.URL != "" {
		b.WriteString("\nSource: " + o.URL)
	}
	return b.String()
}

func toRecipeOut(r *nextcloud.Recipe) recipeOut {
	id, _ := strconv.ParseInt(r.ID, 10, 64)
	o := recipeOut{
		ID: id, Type: "Recipe", Name: r.Name, Description: r.Description, URL: r.URL, Image: r.Image,
		PrepTime: r.PrepTime, CookTime: r.CookTime, TotalTime: r.TotalTime, RecipeYield: r.RecipeYield,
		RecipeCategory: r.RecipeCategory, Keywords: strings.Join(r.Keywords, ","),
		Tool: cookbookNonNil(r.Tool), RecipeIngredient: cookbookNonNil(r.RecipeIngredient), RecipeInstructions: cookbookNonNil(r.RecipeInstructions),
		Nutrition: r.Nutrition, DateCreated: r.DateCreated, DateModified: r.DateModified,
	}
	for k, v := range r.Other {
		if k == "@context" {
			continue
		}
		if o.Other == nil {
			o.Other = map[string]any{}
		}
		o.Other[k] = v
	}
	return o
}

func cookbookNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var (
	cookbookDurationRe    = regexp.MustCompile(`^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$`)
	cookbookNutritionKeys = []string{"calories", "carbohydrateContent", "cholesterolContent", "fatContent", "fiberContent", "proteinContent",
		"saturatedFatContent", "servingSize", "sodiumContent", "sugarContent", "transFatContent", "unsaturatedFatContent"}
	cookbookInfoBlocks = []string{"preparation-time", "cooking-time", "total-time", "nutrition-information", "tools"}
)

// recipeFields are the optional parts of a recipe a tool can set.
type recipeFields struct {
	Description  *string           `json:"description,omitempty" jsonschema:"a short description of the dish"`
	Category     *string           `json:"category,omitempty" jsonschema:"the recipe category, e.g. Dessert (see nc_cookbook_list_categories)"`
	Keywords     []string          `json:"keywords,omitempty" jsonschema:"keywords (tags), e.g. [\"vegetarian\", \"quick\"]"`
	Ingredients  []string          `json:"ingredients,omitempty" jsonschema:"one ingredient with its amount per item, e.g. \"200 g flour\""`
	Instructions []string          `json:"instructions,omitempty" jsonschema:"the steps in order, one per item"`
	Tools        []string          `json:"tools,omitempty" jsonschema:"kitchen tools needed, e.g. \"oven\""`
	Yield        *int              `json:"yield,omitempty" jsonschema:"number of servings"`
	PrepTime     *string           `json:"prep_time,omitempty" jsonschema:"preparation time as ISO 8601 duration, e.g. PT15M or PT1H30M"`
	CookTime     *string           `json:"cook_time,omitempty" jsonschema:"cooking time as ISO 8601 duration, e.g. PT45M"`
	TotalTime    *string           `json:"total_time,omitempty" jsonschema:"total time as ISO 8601 duration, e.g. PT1H"`
	URL          *string           `json:"url,omitempty" jsonschema:"the web page the recipe comes from"`
	Image        *string           `json:"image,omitempty" jsonschema:"URL of an image of the dish"`
	Nutrition    map[string]string `json:"nutrition,omitempty" jsonschema:"schema.org NutritionInformation, e.g. {\"calories\": \"650 kcal\", \"proteinContent\": \"20 g\"}"`
}

func (f *recipeFields) validate() error {
	for _, d := range []struct {
		name string
		v    *string
	}{{"prep_time", f.PrepTime}, {"cook_time", f.CookTime}, {"total_time", f.TotalTime}} {
		if d.v != nil && *d.v != "" && (!cookbookDurationRe.MatchString(*d.v) || *d.v == "P" || strings.HasSuffix(*d.v, "T")) {
			return fmt.Errorf("%s %q is not an ISO 8601 duration; write e.g. PT20M for 20 minutes or PT1H30M for 1½ hours", d.name, *d.v)
		}
	}
	if f.Yield != nil && *f.Yield < 0 {
		return fmt.Errorf("yield must be a number of servings (0 or more), not %d", *f.Yield)
	}
	for k := range f.Nutrition {
		if !slices.Contains(cookbookNutritionKeys, k) {
			return fmt.Errorf("nutrition key %q is not a schema.org NutritionInformation property; use %s", k, strings.Join(cookbookNutritionKeys, ", "))
		}
	}
	for _, u := range []struct {
		name string
		v    *string
	}{{"url", f.URL}, {"image", f.Image}} {
		if u.v != nil && *u.v != "" && !cookbookWebURL(*u.v) {
			return fmt.Errorf("%s %q must be an absolute http(s) URL", u.name, *u.v)
		}
	}
	return nil
}

func (f *recipeFields) empty() bool {
	return f.Description == nil && f.Category == nil && f.Keywords == nil && f.Ingredients == nil && f.Instructions == nil &&
		f.Tools == nil && f.Yield == nil && f.PrepTime == nil && f.CookTime == nil && f.TotalTime == nil && f.URL == nil &&
		f.Image == nil && f.Nutrition == nil
}

func (f *recipeFields) apply(r *nextcloud.Recipe) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&r.Description, f.Description)
	set(&r.RecipeCategory, f.Category)
	set(&r.PrepTime, f.PrepTime)
	set(&r.CookTime, f.CookTime)
	set(&r.TotalTime, f.TotalTime)
	set(&r.URL, f.URL)
	set(&r.Image, f.Image)
	if f.Keywords != nil {
		r.Keywords = cookbookCleanKeywords(f.Keywords)
	}
	if f.Ingredients != nil {
		r.RecipeIngredient = cookbookCleanList(f.Ingredients)
	}
	if f.Instructions != nil {
		r.RecipeInstructions = cookbookCleanList(f.Instructions)
	}
	if f.Tools != nil {
		r.Tool = cookbookCleanList(f.Tools)
	}
	if f.Yield != nil {
		r.RecipeYield = *f.Yield
	}
	if f.Nutrition != nil {
		r.Nutrition = map[string]string{}
		for k, v := range f.Nutrition {
			if v = strings.TrimSpace(v); v != "" {
				r.Nutrition[k] = v
			}
		}
	}
}

func cookbookCleanList(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// cookbookCleanKeywords splits keywords given as "a, b" since the app stores them
// comma-separated.
func cookbookCleanKeywords(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, s := range in {
		for _, k := range strings.Split(s, ",") {
			k = strings.TrimSpace(k)
			if k != "" && !seen[strings.ToLower(k)] {
				seen[strings.ToLower(k)] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func cookbookWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

type recipePage struct {
	Limit  int `json:"limit,omitempty" jsonschema:"how many recipes to return (default 100, at most 1000)"`
	Offset int `json:"offset,omitempty" jsonschema:"how many matching recipes to skip, for paging"`
}

func (p recipePage) validate() error {
	if p.Limit < 0 || p.Limit > 1000 {
		return fmt.Errorf("limit must be between 1 and 1000, not %d", p.Limit)
	}
	if p.Offset < 0 {
		return fmt.Errorf("offset must not be negative")
	}
	return nil
}

func cookbookPage(stubs []nextcloud.RecipeStub, p recipePage, filter string) recipeListOut {
	limit := p.Limit
	if limit == 0 {
		limit = 100
	}
	out := recipeListOut{Total: len(stubs), Offset: p.Offset, Filter: filter, Recipes: []recipeStubOut{}}
	sort.SliceStable(stubs, func(i, j int) bool { return strings.ToLower(stubs[i].Name) < strings.ToLower(stubs[j].Name) })
	for i := p.Offset; i < len(stubs) && i < p.Offset+limit; i++ {
		s := stubs[i]
		id, _ := strconv.ParseInt(s.ID, 10, 64)
		out.Recipes = append(out.Recipes, recipeStubOut{ID: id, Name: s.Name, Category: s.Category, Keywords: s.Keywords, DateModified: s.DateModified})
	}
	out.HasMore = p.Offset+len(out.Recipes) < len(stubs)
	return out
}

type recipeIDIn struct {
	ID int64 `json:"id" jsonschema:"the recipe id, from nc_cookbook_list_recipes or nc_cookbook_search"`
}

func (in *recipeIDIn) Validate() error {
	if in.ID <= 0 {
		return fmt.Errorf("id must be a positive recipe id, not %d", in.ID)
	}
	return nil
}

type cookbookNoIn struct{}

type recipeCountOut struct {
	Name    string `json:"name"`
	Recipes int    `json:"recipes" jsonschema:"number of recipes"`
}

type recipeCountsOut struct {
	Kind          string           `json:"-"`
	Categories    []recipeCountOut `json:"categories,omitempty"`
	Keywords      []recipeCountOut `json:"keywords,omitempty"`
	Uncategorized int              `json:"uncategorized,omitempty" jsonschema:"number of recipes without a category"`
}

func (o recipeCountsOut) Summary() string {
	list := o.Categories
	if o.Kind == "keywords" {
		list = o.Keywords
	}
	if len(list) == 0 && o.Uncategorized == 0 {
		return "No " + o.Kind + "."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s:", len(list), o.Kind)
	for _, c := range list {
		fmt.Fprintf(&b, "\n- %s (%d)", c.Name, c.Recipes)
	}
	if o.Uncategorized > 0 {
		fmt.Fprintf(&b, "\n%d recipes have no category.", o.Uncategorized)
	}
	return b.String()
}

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
