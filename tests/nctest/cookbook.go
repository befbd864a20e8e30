package nctest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Cookbook stand-in follows the app's published API 0.1.x
// (docs/dev/api/*/openapi-cookbook.yaml in nextcloud/cookbook): recipes are
// schema.org JSON objects, ids are numbers, errors are JSON strings or
// {"msg": ...} objects.

type cookbookStore struct {
	recipes map[int]map[string]any
	config  map[string]any
	// unindexed are recipe folders written to the files directly; the
	// app's database learns of them at the next reindex (or cron scan).
	unindexed []map[string]any
}

type cookbookStandIn struct {
	s      *Server
	mu     sync.Mutex
	nextID int
	users  map[string]*cookbookStore
}

func (s *Server) registerCookbook() {
	cb := &cookbookStandIn{s: s, nextID: 3100, users: map[string]*cookbookStore{}}
	s.apps.cookbook = cb
	const p = "/index.php/apps/cookbook/api"
	s.mux.HandleFunc("GET "+p+"/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"cookbook_version": []int{0, 11, 2}, "api_version": map[string]int{"epoch": 0, "major": 1, "minor": 2}})
	})
	s.mux.HandleFunc("GET "+p+"/v1/recipes", cb.list)
	s.mux.HandleFunc("POST "+p+"/v1/recipes", cb.create)
	s.mux.HandleFunc("GET "+p+"/v1/recipes/{id}", cb.get)
	s.mux.HandleFunc("PUT "+p+"/v1/recipes/{id}", cb.update)
	s.mux.HandleFunc("DELETE "+p+"/v1/recipes/{id}", cb.delete)
	s.mux.HandleFunc("GET "+p+"/v1/search/{query}", cb.search)
	s.mux.HandleFunc("GET "+p+"/v1/categories", cb.categories)
	s.mux.HandleFunc("GET "+p+"/v1/category/{category}", cb.inCategory)
	s.mux.HandleFunc("GET "+p+"/v1/keywords", cb.keywords)
	s.mux.HandleFunc("GET "+p+"/v1/tags/{keywords}", cb.withKeywords)
	s.mux.HandleFunc("POST "+p+"/v1/import", cb.importURL)
	s.mux.HandleFunc("GET "+p+"/v1/config", cb.getConfig)
	s.mux.HandleFunc("POST "+p+"/v1/config", cb.setConfig)
	s.mux.HandleFunc("POST "+p+"/v1/reindex", func(w http.ResponseWriter, r *http.Request) {
		cb.mu.Lock()
		st := cb.store(UserOf(r))
		pending := st.unindexed
		st.unindexed = nil
		cb.mu.Unlock()
		for _, rec := range pending {
			cb.add(UserOf(r), rec)
		}
		writeJSON(w, http.StatusOK, "Search index rebuilt successfully")
	})
}

// store returns the user's recipes; the caller holds cb.mu.
func (cb *cookbookStandIn) store(user string) *cookbookStore {
	st := cb.users[user]
	if st == nil {
		st = &cookbookStore{recipes: map[int]map[string]any{}, config: map[string]any{
			"folder": "/Recipes", "update_interval": 5, "print_image": true,
			"visibleInfoBlocks": map[string]any{"preparation-time": true, "cooking-time": true, "total-time": true, "nutrition-information": true, "tools": true},
		}}
		cb.users[user] = st
	}
	return st
}

func cookbookError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"msg": msg, "file": "/var/www/html/custom_apps/cookbook/lib/Service/RecipeService.php", "line": 223})
}

func cookbookText(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(t))
		for _, x := range t {
			parts = append(parts, cookbookText(x))
		}
		return strings.Join(parts, ",")
	case map[string]any:
		for _, k := range []string{"text", "name", "url"} {
			if s := cookbookText(t[k]); s != "" {
				return s
			}
		}
	}
	return ""
}

func cookbookKeywords(rec map[string]any) []string {
	var out []string
	for _, k := range strings.Split(cookbookText(rec["keywords"]), ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func (cb *cookbookStandIn) stub(id int, rec map[string]any) map[string]any {
	return map[string]any{
		"recipe_id": id, "id": strconv.Itoa(id),
		"name":        cookbookText(rec["name"]),
		"keywords":    strings.Join(cookbookKeywords(rec), ","),
		"category":    cookbookText(rec["recipeCategory"]),
		"dateCreated": rec["dateCreated"], "dateModified": rec["dateModified"],
		"imageUrl":            fmt.Sprintf("/index.php/apps/cookbook/recipes/%d/image?size=thumb", id),
		"imagePlaceholderUrl": fmt.Sprintf("/index.php/apps/cookbook/recipes/%d/image?size=thumb16", id),
	}
}

// stubs lists the user's recipes that keep passes, ordered by name.
func (cb *cookbookStandIn) stubs(user string, keep func(map[string]any) bool) []map[string]any {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	st := cb.store(user)
	ids := make([]int, 0, len(st.recipes))
	for id, rec := range st.recipes {
		if keep(rec) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		return strings.ToLower(cookbookText(st.recipes[ids[i]]["name"])) < strings.ToLower(cookbookText(st.recipes[ids[j]]["name"]))
	})
	out := []map[string]any{}
	for _, id := range ids {
		out = append(out, cb.stub(id, st.recipes[id]))
	}
	return out
}

func (cb *cookbookStandIn) list(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, cb.stubs(UserOf(r), func(map[string]any) bool { return true }))
}

func (cb *cookbookStandIn) search(w http.ResponseWriter, r *http.Request) {
	terms := strings.FieldsFunc(strings.ToLower(r.PathValue("query")), func(c rune) bool { return c == ' ' || c == ',' })
	writeJSON(w, http.StatusOK, cb.stubs(UserOf(r), func(rec map[string]any) bool {
		hay := []string{strings.ToLower(cookbookText(rec["name"])), strings.ToLower(cookbookText(rec["recipeCategory"]))}
		for _, k := range cookbookKeywords(rec) {
			hay = append(hay, strings.ToLower(k))
		}
		for _, t := range terms {
			for _, h := range hay {
				if strings.Contains(h, t) {
					return true
				}
			}
		}
		return false
	}))
}

func (cb *cookbookStandIn) inCategory(w http.ResponseWriter, r *http.Request) {
	cat := r.PathValue("category")
	writeJSON(w, http.StatusOK, cb.stubs(UserOf(r), func(rec map[string]any) bool {
		c := cookbookText(rec["recipeCategory"])
		if cat == "_" {
			return c == ""
		}
		return strings.EqualFold(c, cat)
	}))
}

func (cb *cookbookStandIn) withKeywords(w http.ResponseWriter, r *http.Request) {
	var want []string
	for _, k := range strings.Split(r.PathValue("keywords"), ",") {
		if k = strings.TrimSpace(strings.ToLower(k)); k != "" {
			want = append(want, k)
		}
	}
	writeJSON(w, http.StatusOK, cb.stubs(UserOf(r), func(rec map[string]any) bool {
		have := map[string]bool{}
		for _, k := range cookbookKeywords(rec) {
			have[strings.ToLower(k)] = true
		}
		for _, k := range want {
			if !have[k] {
				return false
			}
		}
		return len(want) > 0
	}))
}

func (cb *cookbookStandIn) counts(w http.ResponseWriter, r *http.Request, names func(map[string]any) []string, uncategorized bool) {
	cb.mu.Lock()
	st := cb.store(UserOf(r))
	counts := map[string]int{}
	none := 0
	for _, rec := range st.recipes {
		ns := names(rec)
		if len(ns) == 0 {
			none++
		}
		for _, n := range ns {
			counts[n]++
		}
	}
	cb.mu.Unlock()
	out := []map[string]any{}
	for n, c := range counts {
		out = append(out, map[string]any{"name": n, "recipe_count": c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["name"].(string) < out[j]["name"].(string) })
	if uncategorized && none > 0 {
		out = append(out, map[string]any{"name": "*", "recipe_count": none})
	}
	writeJSON(w, http.StatusOK, out)
}

func (cb *cookbookStandIn) categories(w http.ResponseWriter, r *http.Request) {
	cb.counts(w, r, func(rec map[string]any) []string {
		if c := cookbookText(rec["recipeCategory"]); c != "" {
			return []string{c}
		}
		return nil
	}, true)
}

func (cb *cookbookStandIn) keywords(w http.ResponseWriter, r *http.Request) {
	cb.counts(w, r, cookbookKeywords, false)
}

func cookbookID(w http.ResponseWriter, r *http.Request) (int, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		writeJSON(w, http.StatusNotFound, r.PathValue("id"))
		return 0, false
	}
	return id, true
}

func (cb *cookbookStandIn) get(w http.ResponseWriter, r *http.Request) {
	id, ok := cookbookID(w, r)
	if !ok {
		return
	}
	cb.mu.Lock()
	rec, found := cb.store(UserOf(r)).recipes[id]
	var out map[string]any
	if found {
		out = cookbookCopy(rec)
	}
	cb.mu.Unlock()
	if !found {
		writeJSON(w, http.StatusNotFound, id)
		return
	}
	out["id"] = strconv.Itoa(id)
	out["imageUrl"] = fmt.Sprintf("/index.php/apps/cookbook/recipes/%d/image?size=full", id)
	out["imagePlaceholderUrl"] = fmt.Sprintf("/index.php/apps/cookbook/recipes/%d/image?size=thumb16", id)
	writeJSON(w, http.StatusOK, out)
}

func cookbookCopy(rec map[string]any) map[string]any {
	b, _ := json.Marshal(rec)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// cookbookReadRecipe reads a recipe to save, cleaned (cookbookClean), or
// answers why it cannot.
func cookbookReadRecipe(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var rec map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 8<<20)).Decode(&rec); err != nil {
		writeJSON(w, http.StatusBadRequest, "Invalid JSON: "+err.Error())
		return nil, false
	}
	if cookbookText(rec["name"]) == "" {
		cookbookError(w, http.StatusUnprocessableEntity, "No recipe name was given. A name is required to save a recipe.")
		return nil, false
	}
	if msg := cookbookClean(rec); msg != "" {
		cookbookError(w, http.StatusBadRequest, msg)
		return nil, false
	}
	return rec, true
}

var cookbookDuration = regexp.MustCompile(`^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$`)

// cookbookClean normalises a recipe like the app's RecipeService does and
// reports the first problem.
func cookbookClean(rec map[string]any) string {
	for _, k := range []string{"prepTime", "cookTime", "totalTime"} {
		if v, ok := rec[k].(string); ok && v != "" && !cookbookDuration.MatchString(v) {
			return fmt.Sprintf("%s %q is not an ISO 8601 duration like PT1H30M", k, v)
		}
	}
	yield := 1
	if m := regexp.MustCompile(`^\d+`).FindString(cookbookText(rec["recipeYield"])); m != "" {
		yield, _ = strconv.Atoi(m)
	}
	rec["recipeYield"] = yield
	// The app keeps lists of plain strings (HowToStep objects become text).
	for _, k := range []string{"tool", "recipeIngredient", "recipeInstructions"} {
		items, _ := rec[k].([]any)
		list := []any{}
		for _, it := range items {
			if s := cookbookText(it); s != "" {
				list = append(list, s)
			}
		}
		rec[k] = list
	}
	rec["@type"] = "Recipe"
	rec["keywords"] = strings.Join(cookbookKeywords(rec), ",")
	delete(rec, "id")
	delete(rec, "imageUrl")
	delete(rec, "imagePlaceholderUrl")
	return ""
}

// nameTaken reports another recipe with the name; the caller holds cb.mu.
func (st *cookbookStore) nameTaken(name string, except int) bool {
	for id, rec := range st.recipes {
		if id != except && strings.EqualFold(cookbookText(rec["name"]), name) {
			return true
		}
	}
	return false
}

func (cb *cookbookStandIn) create(w http.ResponseWriter, r *http.Request) {
	rec, ok := cookbookReadRecipe(w, r)
	if !ok {
		return
	}
	if id, ok := cb.addNew(w, UserOf(r), rec); ok {
		writeJSON(w, http.StatusOK, id)
	}
}

// addNew stores a new recipe, or answers that its name is taken.
func (cb *cookbookStandIn) addNew(w http.ResponseWriter, user string, rec map[string]any) (int, bool) {
	id, ok := cb.add(user, rec)
	if !ok {
		cookbookError(w, http.StatusConflict, cookbookNameTaken)
	}
	return id, ok
}

const cookbookNameTaken = "Another recipe with that name already exists"

// add stores a new recipe; false means the name is taken.
func (cb *cookbookStandIn) add(user string, rec map[string]any) (int, bool) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	st := cb.store(user)
	if st.nameTaken(cookbookText(rec["name"]), -1) {
		return 0, false
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05-0700")
	rec["dateCreated"] = now
	rec["dateModified"] = now
	cb.nextID++
	st.recipes[cb.nextID] = rec
	return cb.nextID, true
}

func (cb *cookbookStandIn) update(w http.ResponseWriter, r *http.Request) {
	id, ok := cookbookID(w, r)
	if !ok {
		return
	}
	rec, ok := cookbookReadRecipe(w, r)
	if !ok {
		return
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	st := cb.store(UserOf(r))
	old, found := st.recipes[id]
	if !found {
		// The app looks the recipe file up by id and fails inside.
		writeJSON(w, http.StatusInternalServerError, fmt.Sprintf("Recipe with id %d was not found.", id))
		return
	}
	if st.nameTaken(cookbookText(rec["name"]), id) {
		cookbookError(w, http.StatusConflict, cookbookNameTaken)
		return
	}
	rec["dateCreated"] = old["dateCreated"]
	rec["dateModified"] = time.Now().UTC().Format("2006-01-02T15:04:05-0700")
	st.recipes[id] = rec
	writeJSON(w, http.StatusOK, id)
}

func (cb *cookbookStandIn) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := cookbookID(w, r)
	if !ok {
		return
	}
	cb.mu.Lock()
	st := cb.store(UserOf(r))
	_, found := st.recipes[id]
	delete(st.recipes, id)
	cb.mu.Unlock()
	if !found {
		writeJSON(w, http.StatusBadGateway, fmt.Sprintf("Recipe with id %d was not found.", id))
		return
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf("Recipe %d deleted successfully", id))
}

var cookbookLDJSON = regexp.MustCompile(`(?is)<script[^>]*type=["']application/ld\+json["'][^>]*>(.*?)</script>`)

// cookbookFindLD looks for a schema.org Recipe in JSON-LD, also inside
// arrays and @graph.
func cookbookFindLD(v any) map[string]any {
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if rec := cookbookFindLD(x); rec != nil {
				return rec
			}
		}
	case map[string]any:
		switch typ := t["@type"].(type) {
		case string:
			if typ == "Recipe" {
				return t
			}
		case []any:
			if slices.Contains(typ, any("Recipe")) {
				return t
			}
		}
		if g, ok := t["@graph"]; ok {
			return cookbookFindLD(g)
		}
	}
	return nil
}

func (cb *cookbookStandIn) importURL(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL string `json:"url"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.URL == "" {
		writeJSON(w, http.StatusBadRequest, `Field "url" is required`)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.URL, nil)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "Could not parse the URL: "+err.Error())
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "Could not fetch the site: "+err.Error())
		return
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		writeJSON(w, http.StatusBadRequest, fmt.Sprintf("Could not fetch the site: it answered %d", resp.StatusCode))
		return
	}
	var rec map[string]any
	for _, m := range cookbookLDJSON.FindAllSubmatch(page, -1) {
		var v any
		if json.Unmarshal(m[1], &v) == nil {
			if rec = cookbookFindLD(v); rec != nil {
				break
			}
		}
	}
	if rec == nil || cookbookText(rec["name"]) == "" {
		writeJSON(w, http.StatusBadRequest, "No parser found for the given import.")
		return
	}
	rec["url"] = in.URL
	if msg := cookbookClean(rec); msg != "" {
		writeJSON(w, http.StatusBadRequest, msg)
		return
	}
	id, ok := cb.addNew(w, UserOf(r), rec)
	if !ok {
		return
	}
	cb.mu.Lock()
	out := cookbookCopy(rec)
	cb.mu.Unlock()
	out["id"] = strconv.Itoa(id)
	writeJSON(w, http.StatusOK, out)
}

func (cb *cookbookStandIn) getConfig(w http.ResponseWriter, r *http.Request) {
	cb.mu.Lock()
	out := cookbookCopy(cb.store(UserOf(r)).config)
	cb.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (cb *cookbookStandIn) setConfig(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, "Invalid JSON: "+err.Error())
		return
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	cfg := cb.store(UserOf(r)).config
	if v, ok := in["folder"]; ok {
		f, _ := v.(string)
		if !strings.HasPrefix(f, "/") {
			writeJSON(w, http.StatusBadRequest, "The recipe folder must be an absolute path like /Recipes")
			return
		}
		cfg["folder"] = f
	}
	if v, ok := in["update_interval"].(float64); ok {
		cfg["update_interval"] = int(v)
	}
	if v, ok := in["print_image"].(bool); ok {
		cfg["print_image"] = v
	}
	if v, ok := in["visibleInfoBlocks"].(map[string]any); ok {
		blocks := cfg["visibleInfoBlocks"].(map[string]any)
		for k, b := range v {
			blocks[k] = b
		}
	}
	writeJSON(w, http.StatusOK, "OK")
}

// AddCookbookRecipeFile puts a recipe into user's recipe folder behind the
// app's back: it is listed only after a reindex.
func (s *Server) AddCookbookRecipeFile(user, name string) {
	cb := s.apps.cookbook
	cb.mu.Lock()
	defer cb.mu.Unlock()
	st := cb.store(user)
	st.unindexed = append(st.unindexed, map[string]any{"@context": "http://schema.org", "@type": "Recipe", "name": name})
}
