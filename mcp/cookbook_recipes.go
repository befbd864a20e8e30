package mcp

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

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
		r.Keywords = cookbookNonNil(nextcloud.SplitKeywords(f.Keywords))
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

func cookbookWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

type recipePage struct {
	Limit  int `json:"limit,omitempty" jsonschema:"how many recipes to return (default 100, at most 1000)"`
	Offset int `json:"offset,omitempty" jsonschema:"how many matching recipes to skip, for paging"`
}

func (p recipePage) validate() error {
	return cmp.Or(limitArg("limit", p.Limit, 1000), offsetArg("offset", p.Offset))
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
	return idArg("id", in.ID, "nc_cookbook_list_recipes")
}

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
