package nctest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Unified search stand-in: GET /ocs/v2.php/search/providers and
// GET /ocs/v2.php/search/providers/{id}/search?term=&limit=&cursor=, as
// documented in developer_manual/digging_deeper/search.rst and implemented
// by core's UnifiedSearchController (limit defaults to 5 and is capped at
// 25; an unknown provider makes the real server fail with a 500).

const searchPrefix = "/ocs/v2.php/search/"

// SearchHit is one entry a stand-in search provider returns.
type SearchHit struct {
	Title       string
	Subline     string
	ResourceURL string
	Icon        string
	Thumbnail   string
	Rounded     bool
	Attributes  map[string]string
}

// SearchProvider is a unified search provider of the test Nextcloud. Search
// gets the user id and the lower-cased term and returns every hit; the
// stand-in pages them with an offset cursor.
type SearchProvider struct {
	ID    string
	AppID string
	Name  string
	Order int
	// Search returns all hits for user; nil means none.
	Search func(user, term string) []SearchHit
}

type searchStandIn struct {
	s         *Server
	mu        sync.Mutex
	providers []SearchProvider
	mux       *http.ServeMux
}

// searchStandIn returns the search stand-in, mounting it on first use so
// that app stand-ins can add providers in any registration order.
func (s *Server) searchStandIn() *searchStandIn {
	if s.apps.search != nil {
		return s.apps.search
	}
	st := &searchStandIn{s: s, mux: http.NewServeMux()}
	s.apps.search = st
	st.mux.HandleFunc("GET /ocs/v2.php/search/providers", st.list)
	st.mux.HandleFunc("GET /ocs/v2.php/search/providers/{id}/search", st.search)
	s.mux.Handle(searchPrefix, st)
	return st
}

func (s *Server) registerSearch() { s.searchStandIn() }

// AddSearchProvider adds (or replaces, by id) a unified search provider.
func (s *Server) AddSearchProvider(p SearchProvider) {
	st := s.searchStandIn()
	st.mu.Lock()
	defer st.mu.Unlock()
	for i := range st.providers {
		if st.providers[i].ID == p.ID {
			st.providers[i] = p
			return
		}
	}
	st.providers = append(st.providers, p)
}

func (st *searchStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st.mux.ServeHTTP(w, r)
}

// enabled lists the providers whose app is on, ordered like Nextcloud does.
func (st *searchStandIn) enabled() []SearchProvider {
	st.mu.Lock()
	ps := append([]SearchProvider(nil), st.providers...)
	st.mu.Unlock()
	out := ps[:0]
	for _, p := range ps {
		if p.AppID != "" && st.s.isDisabled(p.AppID) {
			continue
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

func (st *searchStandIn) list(w http.ResponseWriter, r *http.Request) {
	data := []map[string]any{}
	for _, p := range st.enabled() {
		data = append(data, map[string]any{
			"id": p.ID, "appId": p.AppID, "name": p.Name,
			"icon":  "/apps/" + p.AppID + "/img/app.svg",
			"order": p.Order, "triggers": []string{p.ID},
			"filters":     map[string]string{"term": "string", "since": "datetime", "until": "datetime", "person": "person"},
			"inAppSearch": false,
		})
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", data)
}

func (st *searchStandIn) search(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var prov *SearchProvider
	for _, p := range st.enabled() {
		if p.ID == id {
			prov = &p
			break
		}
	}
	if prov == nil {
		// SearchComposer trips over the missing provider: an internal error.
		writeOCS(w, r, http.StatusInternalServerError, 500, "", nil)
		return
	}
	q := r.URL.Query()
	term := strings.TrimSpace(q.Get("term"))
	if term == "" {
		writeOCS(w, r, http.StatusBadRequest, 400, "No valid filters provided", "No valid filters provided")
		return
	}
	limit := 5
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeOCS(w, r, http.StatusBadRequest, 400, "limit must be an integer", nil)
			return
		}
		limit = max(1, min(n, 25))
	}
	offset := 0
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeOCS(w, r, http.StatusBadRequest, 400, "invalid cursor", nil)
			return
		}
		offset = n
	}
	var hits []SearchHit
	if prov.Search != nil {
		hits = prov.Search(UserOf(r), strings.ToLower(term))
	}
	entries := []map[string]any{}
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		h := hits[i]
		var attrs any = []any{} // PHP's empty array
		if len(h.Attributes) > 0 {
			attrs = h.Attributes
		}
		entries = append(entries, map[string]any{
			"thumbnailUrl": h.Thumbnail, "title": h.Title, "subline": h.Subline,
			"resourceUrl": h.ResourceURL, "icon": h.Icon, "rounded": h.Rounded,
			"attributes": attrs,
		})
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{
		"name": prov.Name, "isPaginated": true, "entries": entries, "cursor": offset + len(entries),
	})
}

// matchFold reports whether any of the texts contains the lower-cased term.
func matchFold(term string, texts ...string) bool {
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), term) {
			return true
		}
	}
	return false
}
