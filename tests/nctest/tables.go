package nctest

import (
	"net/http"
	"sort"
	"sync"
	"time"
)

// Tables stand-in: the OCS API v2 (/ocs/v2.php/apps/tables/api/2: init,
// tables, columns) and the REST API v1 (/index.php/apps/tables/api/1:
// views, rows, shares), following nextcloud/tables openapi.json. Like the
// real app it stores row values without checking them against the column
// types (only the column must belong to the table or view); OCS errors are
// envelopes whose data is {"message": ...}, v1 errors plain
// {"message": ...}. Views have no filters here: a view shows all rows with
// the view's columns.

type tablesStore struct {
	mu      sync.Mutex
	nextID  int64
	tables  map[int64]*tablesTableRec
	views   map[int64]*tablesViewRec
	columns map[int64]*tablesColumnRec
	rows    map[int64]*tablesRowRec
	shares  map[int64]*tablesShareRec
}

type tablesTableRec struct {
	id                  int64
	title, emoji, owner string
	description         string
	archived            bool
	created             string
}

type tablesViewRec struct {
	id, tableID         int64
	title, emoji, owner string
	columns             []int64
	created             string
}

type tablesColumnRec struct {
	id, tableID int64
	order       int
	fields      map[string]any // the column's JSON fields
}

type tablesRowRec struct {
	id, tableID           int64
	createdBy, lastEditBy string
	created, lastEdit     string
	data                  map[int64]any
}

type tablesShareRec struct {
	id                                 int64
	nodeType                           string
	nodeID                             int64
	receiver                           string
	read, create, update, delete, mang bool
}

type tablesHandlers struct {
	s  *Server
	st *tablesStore
}

func (s *Server) registerTables() {
	h := &tablesHandlers{s: s, st: &tablesStore{
		tables: map[int64]*tablesTableRec{}, views: map[int64]*tablesViewRec{}, columns: map[int64]*tablesColumnRec{},
		rows: map[int64]*tablesRowRec{}, shares: map[int64]*tablesShareRec{},
	}}
	s.apps.tables = h
	o := "/ocs/v2.php/apps/tables/api/2"
	s.mux.HandleFunc("GET "+o+"/init", h.ocs(h.index))
	s.mux.HandleFunc("GET "+o+"/tables", h.ocs(h.listTables))
	s.mux.HandleFunc("GET "+o+"/tables/{id}", h.ocs(on(byPath("id", tablesRead, h.st.table), h.getTable)))
	s.mux.HandleFunc("POST "+o+"/tables", h.ocs(h.createTable))
	s.mux.HandleFunc("GET "+o+"/columns/{nodeType}/{nodeId}", h.ocs(h.listColumns))
	s.mux.HandleFunc("POST "+o+"/columns/{kind}", h.ocs(h.createColumn))

	v := "/index.php/apps/tables/api/1"
	s.mux.HandleFunc("GET "+v+"/tables/{tableId}/views", h.v1(on(byPath("tableId", tablesRead, h.st.table), h.listViews)))
	s.mux.HandleFunc("POST "+v+"/tables/{tableId}/views", h.v1(on(byPath("tableId", tablesManage, h.st.table), h.createView)))
	s.mux.HandleFunc("GET "+v+"/views/{viewId}", h.v1(on(byPath("viewId", tablesRead, h.st.view), h.getView)))
	s.mux.HandleFunc("PUT "+v+"/views/{viewId}", h.v1(on(byPath("viewId", tablesManage, h.st.view), h.updateView)))
	s.mux.HandleFunc("GET "+v+"/tables/{tableId}/rows", h.v1(h.listRows(false)))
	s.mux.HandleFunc("GET "+v+"/views/{viewId}/rows", h.v1(h.listRows(true)))
	s.mux.HandleFunc("POST "+v+"/tables/{tableId}/rows", h.v1(h.createRow(false)))
	s.mux.HandleFunc("POST "+v+"/views/{viewId}/rows", h.v1(h.createRow(true)))
	s.mux.HandleFunc("GET "+v+"/rows/{rowId}", h.v1(h.getRow))
	s.mux.HandleFunc("PUT "+v+"/rows/{rowId}", h.v1(h.updateRow))
	s.mux.HandleFunc("DELETE "+v+"/rows/{rowId}", h.v1(h.deleteRow(false)))
	s.mux.HandleFunc("DELETE "+v+"/views/{viewId}/rows/{rowId}", h.v1(h.deleteRow(true)))
	s.mux.HandleFunc("POST "+v+"/shares", h.v1(h.createShare))
}

func tablesNotFound(what string) *apiErr {
	return &apiErr{http.StatusNotFound, what + " not found."}
}

func tablesDenied() *apiErr {
	return &apiErr{http.StatusForbidden, "A permission error occurred. More details can be found in the logs. Please reach out to your administration."}
}

type tablesFn = apiFn

// ocs answers in an OCS envelope; errors carry {"message"} as data, with an
// empty meta message, as Tables' DataResponse errors do.
func (h *tablesHandlers) ocs(fn tablesFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := runLocked(&h.st.mu, r, fn)
		if err != nil {
			writeOCS(w, r, err.status, err.status, "", map[string]any{"message": err.msg})
			return
		}
		writeOCS(w, r, http.StatusOK, 200, "OK", v)
	}
}

// v1 answers plain JSON; errors are {"message"}.
func (h *tablesHandlers) v1(fn tablesFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := runLocked(&h.st.mu, r, fn)
		if err != nil {
			writeJSON(w, err.status, map[string]any{"message": err.msg})
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (st *tablesStore) id() int64 { st.nextID++; return st.nextID }

func tablesNow() string { return time.Now().UTC().Format("2006-01-02 15:04:05") }

const (
	tablesRead = iota
	tablesCreate
	tablesUpdate
	tablesDelete
	tablesManage
)

func (sh *tablesShareRec) allows(perm int) bool {
	switch perm {
	case tablesRead:
		return sh.read
	case tablesCreate:
		return sh.create
	case tablesUpdate:
		return sh.update
	case tablesDelete:
		return sh.delete
	}
	return sh.mang
}

// share returns the user's share of a node, if any.
func (st *tablesStore) share(user, nodeType string, id int64) *tablesShareRec {
	for _, sh := range st.shares {
		if sh.nodeType == nodeType && sh.nodeID == id && sh.receiver == user {
			return sh
		}
	}
	return nil
}

func (st *tablesStore) canTable(user string, t *tablesTableRec, perm int) bool {
	if t.owner == user {
		return true
	}
	sh := st.share(user, "table", t.id)
	return sh != nil && sh.allows(perm)
}

func (st *tablesStore) canView(user string, v *tablesViewRec, perm int) bool {
	if t := st.tables[v.tableID]; t != nil && st.canTable(user, t, perm) {
		return true
	}
	sh := st.share(user, "view", v.id)
	return sh != nil && sh.allows(perm)
}

func (st *tablesStore) table(user string, id int64, perm int) (*tablesTableRec, *apiErr) {
	t := st.tables[id]
	if t == nil {
		return nil, tablesNotFound("Table")
	}
	if !st.canTable(user, t, tablesRead) && !st.viewOfTableShared(user, t.id) {
		return nil, tablesNotFound("Table")
	}
	if !st.canTable(user, t, perm) {
		return nil, tablesDenied()
	}
	return t, nil
}

func (st *tablesStore) viewOfTableShared(user string, tableID int64) bool {
	for _, v := range st.views {
		if v.tableID == tableID && st.share(user, "view", v.id) != nil {
			return true
		}
	}
	return false
}

func (st *tablesStore) view(user string, id int64, perm int) (*tablesViewRec, *apiErr) {
	v := st.views[id]
	if v == nil || !st.canView(user, v, tablesRead) {
		return nil, tablesNotFound("View")
	}
	if !st.canView(user, v, perm) {
		return nil, tablesDenied()
	}
	return v, nil
}

func (st *tablesStore) tableColumns(tableID int64) []*tablesColumnRec {
	var out []*tablesColumnRec
	for _, c := range st.columns {
		if c.tableID == tableID {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].order != out[j].order {
			return out[i].order < out[j].order
		}
		return out[i].id < out[j].id
	})
	return out
}

func (st *tablesStore) viewColumns(v *tablesViewRec) []*tablesColumnRec {
	var out []*tablesColumnRec
	for _, id := range v.columns {
		if c := st.columns[id]; c != nil {
			out = append(out, c)
		}
	}
	return out
}

func (st *tablesStore) rowCount(tableID int64) int {
	n := 0
	for _, r := range st.rows {
		if r.tableID == tableID {
			n++
		}
	}
	return n
}

func tablesPerms(sh *tablesShareRec) any {
	if sh == nil {
		return nil
	}
	return map[string]any{"read": sh.read, "create": sh.create, "update": sh.update, "delete": sh.delete, "manage": sh.mang}
}

func (h *tablesHandlers) viewJSON(user string, v *tablesViewRec) map[string]any {
	st := h.st
	settings := []any{}
	for i, id := range v.columns {
		settings = append(settings, map[string]any{"columnId": id, "order": i, "readonly": false})
	}
	sh := st.share(user, "view", v.id)
	return map[string]any{
		"id": v.id, "title": v.title, "emoji": v.emoji, "tableId": v.tableID, "ownership": v.owner,
		"ownerDisplayName": v.owner, "createdBy": v.owner, "createdAt": v.created, "lastEditBy": v.owner,
		"lastEditAt": v.created, "description": "", "columns": append([]int64{}, v.columns...), "columnSettings": settings,
		"sort": []any{}, "filter": []any{}, "isShared": v.owner != user, "favorite": false,
		"onSharePermissions": tablesPerms(sh), "hasShares": false, "rowsCount": st.rowCount(v.tableID),
	}
}

func (h *tablesHandlers) tableJSON(user string, t *tablesTableRec) map[string]any {
	st := h.st
	views := []any{}
	ids := sortedIDs(st.views, func(_ int64, v *tablesViewRec) bool { return v.tableID == t.id && st.canView(user, v, tablesRead) })
	for _, id := range ids {
		views = append(views, h.viewJSON(user, st.views[id]))
	}
	hasShares := false
	for _, sh := range st.shares {
		if sh.nodeType == "table" && sh.nodeID == t.id {
			hasShares = true
		}
	}
	var emoji any = t.emoji
	if t.emoji == "" {
		emoji = nil
	}
	return map[string]any{
		"id": t.id, "title": t.title, "emoji": emoji, "ownership": t.owner, "ownerDisplayName": t.owner,
		"createdBy": t.owner, "createdAt": t.created, "lastEditBy": t.owner, "lastEditAt": t.created,
		"description": t.description, "archived": t.archived, "favorite": false, "isShared": t.owner != user,
		"onSharePermissions": tablesPerms(st.share(user, "table", t.id)), "hasShares": hasShares,
		"rowsCount": st.rowCount(t.id), "columnsCount": len(st.tableColumns(t.id)), "views": views,
	}
}

func (h *tablesHandlers) columnJSON(c *tablesColumnRec, v *tablesViewRec) map[string]any {
	out := map[string]any{}
	for k, x := range c.fields {
		out[k] = x
	}
	out["id"], out["tableId"] = c.id, c.tableID
	out["viewColumnInformation"] = nil
	if v != nil {
		for i, id := range v.columns {
			if id == c.id {
				out["viewColumnInformation"] = map[string]any{"columnId": c.id, "order": i, "readonly": false}
			}
		}
	}
	return out
}
