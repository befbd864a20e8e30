package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

const cookbookAPI = "/index.php/apps/cookbook/api/v1"

// Recipe is a schema.org Recipe as the Cookbook app stores it. Recipes
// imported from the web come in many shapes; decoding normalises them and
// keeps the properties it does not know in Other, so an update writes them
// back unchanged.
type Recipe struct {
	ID                 string
	Name               string
	Description        string
	URL                string
	Image              string
	PrepTime           string
	CookTime           string
	TotalTime          string
	RecipeYield        int
	RecipeCategory     string
	Keywords           []string
	Tool               []string
	RecipeIngredient   []string
	RecipeInstructions []string
	Nutrition          map[string]string
	DateCreated        string
	DateModified       string
	// ImageURL is the Nextcloud URL of the stored image (read only).
	ImageURL string
	// Other holds the remaining schema.org properties (author, ratings …).
	Other map[string]json.RawMessage
}

// recipeDerived are fields the Cookbook app computes; they are not sent back.
var recipeDerived = map[string]bool{"imageUrl": true, "imagePlaceholderUrl": true, "printImage": true, "recipe_id": true}

// UnmarshalJSON decodes a recipe leniently: ids and yields may be numbers
// or strings, lists may hold strings or HowToStep objects, nutrition may be
// an empty array.
func (r *Recipe) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("recipe is not a JSON object: %w", err)
	}
	*r = Recipe{}
	take := func(key string) json.RawMessage {
		v, ok := m[key]
		if ok {
			delete(m, key)
		}
		return v
	}
	r.ID = jsonText(take("id"))
	if r.ID == "" {
		r.ID = jsonText(m["recipe_id"])
	}
	r.Name = jsonText(take("name"))
	r.Description = jsonText(take("description"))
	r.URL = jsonText(take("url"))
	r.Image = jsonText(take("image"))
	r.PrepTime = jsonText(take("prepTime"))
	r.CookTime = jsonText(take("cookTime"))
	r.TotalTime = jsonText(take("totalTime"))
	r.RecipeYield = jsonLeadingInt(take("recipeYield"))
	r.RecipeCategory = jsonText(take("recipeCategory"))
	r.Keywords = SplitKeywords(jsonTextList(take("keywords")))
	r.Tool = jsonTextList(take("tool"))
	r.RecipeIngredient = jsonTextList(take("recipeIngredient"))
	r.RecipeInstructions = jsonTextList(take("recipeInstructions"))
	r.Nutrition = jsonNutrition(take("nutrition"))
	r.DateCreated = jsonText(take("dateCreated"))
	r.DateModified = jsonText(take("dateModified"))
	r.ImageURL = jsonText(m["imageUrl"])
	delete(m, "@type")
	for k := range recipeDerived {
		delete(m, k)
	}
	if len(m) > 0 {
		r.Other = m
	}
	return nil
}

// MarshalJSON writes the recipe as the Cookbook app expects it.
func (r Recipe) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	for k, v := range r.Other {
		m[k] = v
	}
	if _, ok := m["@context"]; !ok {
		m["@context"] = "http://schema.org"
	}
	m["@type"] = "Recipe"
	if r.ID != "" {
		m["id"] = r.ID
	}
	m["name"] = r.Name
	m["description"] = r.Description
	m["url"] = r.URL
	m["image"] = r.Image
	optional := func(key, v string) {
		if v == "" {
			m[key] = nil
		} else {
			m[key] = v
		}
	}
	optional("prepTime", r.PrepTime)
	optional("cookTime", r.CookTime)
	optional("totalTime", r.TotalTime)
	m["recipeYield"] = r.RecipeYield
	m["recipeCategory"] = r.RecipeCategory
	m["keywords"] = strings.Join(r.Keywords, ",")
	m["tool"] = nonNil(r.Tool)
	m["recipeIngredient"] = nonNil(r.RecipeIngredient)
	m["recipeInstructions"] = nonNil(r.RecipeInstructions)
	if len(r.Nutrition) > 0 {
		n := map[string]string{"@type": "NutritionInformation"}
		for k, v := range r.Nutrition {
			n[k] = v
		}
		m["nutrition"] = n
	} else {
		m["nutrition"] = map[string]string{"@type": "NutritionInformation"}
	}
	if r.DateCreated != "" {
		m["dateCreated"] = r.DateCreated
	}
	if r.DateModified != "" {
		m["dateModified"] = r.DateModified
	}
	return json.Marshal(m)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// jsonText reads a string, number, or a schema.org object carrying a
// text, url or name (ImageObject, HowToStep, Person).
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		for _, k := range []string{"text", "url", "name", "@id"} {
			if v := jsonText(obj[k]); v != "" {
				return v
			}
		}
		return ""
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil && len(arr) > 0 {
		return jsonText(arr[0])
	}
	return ""
}

// jsonTextList reads a list of texts; a single text is a one-item list and
// HowToSection objects are flattened into their steps.
func jsonTextList(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		if s := jsonText(raw); s != "" {
			return []string{s}
		}
		return nil
	}
	out := []string{}
	for _, item := range arr {
		var obj map[string]json.RawMessage
		if json.Unmarshal(item, &obj) == nil {
			if steps, ok := obj["itemListElement"]; ok {
				out = append(out, jsonTextList(steps)...)
				continue
			}
		}
		if s := jsonText(item); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func jsonLeadingInt(raw json.RawMessage) int {
	s := jsonText(raw)
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

func jsonNutrition(raw json.RawMessage) map[string]string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil // absent, null or the empty array the app writes
	}
	out := map[string]string{}
	for k, v := range obj {
		if k == "@type" {
			continue
		}
		if s := jsonText(v); s != "" {
			out[k] = s
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// SplitKeywords turns "a, b,c" (or a list of such) into trimmed keywords,
// each once regardless of case (the app stores them comma-separated).
func SplitKeywords(parts []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range parts {
		for _, k := range strings.Split(p, ",") {
			k = strings.TrimSpace(k)
			if k != "" && !seen[strings.ToLower(k)] {
				seen[strings.ToLower(k)] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// RecipeStub is a recipe in a list.
type RecipeStub struct {
	ID           string
	Name         string
	Keywords     []string
	Category     string
	DateCreated  string
	DateModified string
	ImageURL     string
}

// UnmarshalJSON accepts the stub shapes of the Cookbook API versions.
func (s *RecipeStub) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("recipe stub is not a JSON object: %w", err)
	}
	s.ID = jsonText(m["id"])
	if s.ID == "" {
		s.ID = jsonText(m["recipe_id"])
	}
	s.Name = jsonText(m["name"])
	s.Keywords = SplitKeywords(jsonTextList(m["keywords"]))
	s.Category = jsonText(m["category"])
	if s.Category == "" {
		s.Category = jsonText(m["recipeCategory"])
	}
	s.DateCreated = jsonText(m["dateCreated"])
	s.DateModified = jsonText(m["dateModified"])
	s.ImageURL = jsonText(m["imageUrl"])
	return nil
}

// RecipeCount is a category or keyword with the number of its recipes.
type RecipeCount struct {
	Name        string `json:"name"`
	RecipeCount int    `json:"recipe_count"`
}

// Config is the Cookbook app's per-user configuration.
type CookbookConfig struct {
	Folder            string          `json:"folder"`
	UpdateInterval    int             `json:"update_interval"`
	PrintImage        bool            `json:"print_image"`
	VisibleInfoBlocks map[string]bool `json:"visibleInfoBlocks,omitempty"`
}

// CookbookConfigUpdate changes the given settings; nil fields stay.
type CookbookConfigUpdate struct {
	Folder            *string         `json:"folder,omitempty"`
	UpdateInterval    *int            `json:"update_interval,omitempty"`
	PrintImage        *bool           `json:"print_image,omitempty"`
	VisibleInfoBlocks map[string]bool `json:"visibleInfoBlocks,omitempty"`
}

// CookbookClient is the Cookbook app's API.
type CookbookClient struct{ app App }

// Cookbook returns the Cookbook API client.
func (c *Client) Cookbook() *CookbookClient {
	return &CookbookClient{app: c.AppOf(CookbookApp, nil)}
}

func (c *CookbookClient) call(ctx context.Context, method, path string, body, out any) error {
	if _, err := c.app.Call(ctx, Request{Method: method, Path: cookbookAPI + path, Body: body}, out); err != nil {
		return fmt.Errorf("cookbook: %w", err)
	}
	return nil
}

// cookbookNotFound turns the Cookbook app's ways of saying "no such recipe"
// (404 with the id as body, 502 "Recipe with id … was not found") into a
// 404 error with a clear message.
func cookbookNotFound(err error, id int64) error {
	var e *Error
	if !errors.As(err, &e) || errors.Is(err, ErrAppNotEnabled) {
		return err
	}
	if e.Status == http.StatusNotFound || (e.Status >= 500 && strings.Contains(strings.ToLower(e.Message), "not found")) {
		return &Error{Method: e.Method, Path: e.Path, Status: http.StatusNotFound, App: "cookbook",
			Message: fmt.Sprintf("no recipe with id %d", id),
			Hint:    "list or search the recipes to find the right id"}
	}
	return err
}

// List returns every recipe of the user.
func (c *CookbookClient) List(ctx context.Context) ([]RecipeStub, error) {
	var out []RecipeStub
	if err := c.call(ctx, http.MethodGet, "/recipes", nil, &out); err != nil {
		return nil, fmt.Errorf("list recipes: %w", err)
	}
	return out, nil
}

// stubsBy lists the recipes below route/<seg>; what names the listing in
// errors and seg is checked as one path segment (named param).
func (c *CookbookClient) stubsBy(ctx context.Context, route, param, seg, what string) ([]RecipeStub, error) {
	esc, err := EscapedSegment(param, seg)
	if err != nil {
		return nil, err
	}
	var out []RecipeStub
	if err := c.call(ctx, http.MethodGet, route+esc, nil, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Search finds recipes whose name, keywords or category match any
// of the words of query.
func (c *CookbookClient) Search(ctx context.Context, query string) ([]RecipeStub, error) {
	return c.stubsBy(ctx, "/search/", "query", query, fmt.Sprintf("search recipes for %q", query))
}

// InCategory lists the recipes of a category; "" lists those
// without a category.
func (c *CookbookClient) InCategory(ctx context.Context, category string) ([]RecipeStub, error) {
	seg := category
	if seg == "" {
		seg = "_"
	}
	return c.stubsBy(ctx, "/category/", "category", seg, fmt.Sprintf("list recipes in category %q", category))
}

// WithKeywords lists the recipes that carry all the keywords.
func (c *CookbookClient) WithKeywords(ctx context.Context, keywords []string) ([]RecipeStub, error) {
	return c.stubsBy(ctx, "/tags/", "keywords", strings.Join(keywords, ","), "list recipes with keywords "+strings.Join(keywords, ", "))
}

// Get returns one recipe.
func (c *CookbookClient) Get(ctx context.Context, id int64) (*Recipe, error) {
	var r Recipe
	if err := c.call(ctx, http.MethodGet, fmt.Sprintf("/recipes/%d", id), nil, &r); err != nil {
		return nil, fmt.Errorf("get recipe %d: %w", id, cookbookNotFound(err, id))
	}
	if r.ID == "" {
		r.ID = strconv.FormatInt(id, 10)
	}
	return &r, nil
}

// Create stores a new recipe and returns its id.
func (c *CookbookClient) Create(ctx context.Context, r Recipe) (int64, error) {
	r.ID = ""
	var id json.Number
	if err := c.call(ctx, http.MethodPost, "/recipes", r, &id); err != nil {
		return 0, fmt.Errorf("create recipe %q: %w", r.Name, err)
	}
	n, err := strconv.ParseInt(id.String(), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("create recipe %q: the Cookbook app answered %q instead of the new id", r.Name, id)
	}
	return n, nil
}

// Update replaces a recipe with r.
func (c *CookbookClient) Update(ctx context.Context, id int64, r Recipe) error {
	r.ID = strconv.FormatInt(id, 10)
	if err := c.call(ctx, http.MethodPut, fmt.Sprintf("/recipes/%d", id), r, nil); err != nil {
		return fmt.Errorf("update recipe %d: %w", id, cookbookNotFound(err, id))
	}
	return nil
}

// Reindex has the app rescan the recipe folder and rebuild its search
// index; it answers with a message.
func (c *CookbookClient) Reindex(ctx context.Context) (string, error) {
	var msg string
	if err := c.call(ctx, http.MethodPost, "/reindex", nil, &msg); err != nil {
		return "", fmt.Errorf("rebuild the recipe index: %w", err)
	}
	return msg, nil
}

// Delete removes a recipe.
func (c *CookbookClient) Delete(ctx context.Context, id int64) error {
	if err := c.call(ctx, http.MethodDelete, fmt.Sprintf("/recipes/%d", id), nil, nil); err != nil {
		return fmt.Errorf("delete recipe %d: %w", id, cookbookNotFound(err, id))
	}
	return nil
}

// Import lets the Cookbook app fetch a web page and store the
// schema.org recipe it finds there.
func (c *CookbookClient) Import(ctx context.Context, pageURL string) (*Recipe, error) {
	var r Recipe
	if err := c.call(ctx, http.MethodPost, "/import", map[string]string{"url": pageURL}, &r); err != nil {
		return nil, fmt.Errorf("import recipe from %s: %w", pageURL, err)
	}
	return &r, nil
}

// Categories lists the categories with their recipe counts; the
// name "*" counts the recipes without a category.
func (c *CookbookClient) Categories(ctx context.Context) ([]RecipeCount, error) {
	return c.counts(ctx, "/categories", "list recipe categories")
}

// Keywords lists the keywords with their recipe counts.
func (c *CookbookClient) Keywords(ctx context.Context) ([]RecipeCount, error) {
	return c.counts(ctx, "/keywords", "list recipe keywords")
}

// counts reads a list of names with recipe counts, sorted by name.
func (c *CookbookClient) counts(ctx context.Context, route, what string) ([]RecipeCount, error) {
	var out []RecipeCount
	if err := c.call(ctx, http.MethodGet, route, nil, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Config returns the user's Cookbook settings.
func (c *CookbookClient) Config(ctx context.Context) (*CookbookConfig, error) {
	var cfg CookbookConfig
	if err := c.call(ctx, http.MethodGet, "/config", nil, &cfg); err != nil {
		return nil, fmt.Errorf("get cookbook settings: %w", err)
	}
	return &cfg, nil
}

// SetConfig changes the given settings.
func (c *CookbookClient) SetConfig(ctx context.Context, u CookbookConfigUpdate) error {
	if err := c.call(ctx, http.MethodPost, "/config", u, nil); err != nil {
		return fmt.Errorf("change cookbook settings: %w", err)
	}
	return nil
}
