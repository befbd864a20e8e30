package nctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
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
	s.mux.HandleFunc("GET "+o+"/tables/{id}", h.ocs(h.getTable))
	s.mux.HandleFunc("POST "+o+"/tables", h.ocs(h.createTable))
	s.mux.HandleFunc("GET "+o+"/columns/{nodeType}/{nodeId}", h.ocs(h.listColumns))
	s.mux.HandleFunc("POST "+o+"/columns/{kind}", h.ocs(h.createColumn))

	v := "/index.php/apps/tables/api/1"
	s.mux.HandleFunc("GET "+v+"/tables/{tableId}/views", h.v1(h.listViews))
	s.mux.HandleFunc("POST "+v+"/tables/{tableId}/views", h.v1(h.createView))
	s.mux.HandleFunc("GET "+v+"/views/{viewId}", h.v1(h.getView))
	s.mux.HandleFunc("PUT "+v+"/views/{viewId}", h.v1(h.updateView))
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

func (h *tablesHandlers) index(r *http.Request, user string, _ params) (any, *apiErr) {
	v, _ := h.listTables(r, user, nil)
	views := []any{}
	// Views shared on their own, without their table.
	ids := sortedIDs(h.st.views, func(id int64, vw *tablesViewRec) bool {
		t := h.st.tables[vw.tableID]
		return t != nil && !h.st.canTable(user, t, tablesRead) && h.st.share(user, "view", id) != nil
	})
	for _, id := range ids {
		views = append(views, h.viewJSON(user, h.st.views[id]))
	}
	return map[string]any{"tables": v, "views": views}, nil
}

func (h *tablesHandlers) listTables(r *http.Request, user string, _ params) (any, *apiErr) {
	ids := sortedIDs(h.st.tables, func(_ int64, t *tablesTableRec) bool { return h.st.canTable(user, t, tablesRead) })
	out := []any{}
	for _, id := range ids {
		out = append(out, h.tableJSON(user, h.st.tables[id]))
	}
	return out, nil
}

func (h *tablesHandlers) getTable(r *http.Request, user string, _ params) (any, *apiErr) {
	t, err := h.st.table(user, pathID(r, "id"), tablesRead)
	if err != nil {
		return nil, err
	}
	return h.tableJSON(user, t), nil
}

func (h *tablesHandlers) createTable(r *http.Request, user string, in params) (any, *apiErr) {
	title, _ := in.text("title")
	if strings.TrimSpace(title) == "" {
		return nil, &apiErr{http.StatusBadRequest, "The title must not be empty."}
	}
	emoji, _ := in.text("emoji")
	desc, _ := in.text("description")
	t := &tablesTableRec{id: h.st.id(), title: title, emoji: emoji, owner: user, description: desc, created: tablesNow()}
	h.st.tables[t.id] = t
	return h.tableJSON(user, t), nil
}

func (h *tablesHandlers) listColumns(r *http.Request, user string, _ params) (any, *apiErr) {
	id := pathID(r, "nodeId")
	out := []any{}
	switch r.PathValue("nodeType") {
	case "table":
		t, err := h.st.table(user, id, tablesRead)
		if err != nil {
			return nil, err
		}
		for _, c := range h.st.tableColumns(t.id) {
			out = append(out, h.columnJSON(c, nil))
		}
	case "view":
		v, err := h.st.view(user, id, tablesRead)
		if err != nil {
			return nil, err
		}
		for _, c := range h.st.viewColumns(v) {
			out = append(out, h.columnJSON(c, v))
		}
	default:
		return nil, &apiErr{http.StatusBadRequest, "nodeType must be table or view"}
	}
	return out, nil
}

// createColumn follows ApiColumnsController::create*Column; defaults as
// the Column entity serializes them.
func (h *tablesHandlers) createColumn(r *http.Request, user string, in params) (any, *apiErr) {
	kind := r.PathValue("kind")
	switch kind {
	case "number", "text", "selection", "datetime", "usergroup":
	default:
		return nil, &apiErr{http.StatusNotFound, "No such column type."}
	}
	baseType, _ := in.text("baseNodeType")
	if baseType == "" {
		baseType = "table"
	}
	baseID, _ := in.num("baseNodeId")
	var t *tablesTableRec
	var v *tablesViewRec
	var terr *apiErr
	if baseType == "view" {
		if v, terr = h.st.view(user, baseID, tablesManage); terr == nil {
			t = h.st.tables[v.tableID]
		}
	} else {
		t, terr = h.st.table(user, baseID, tablesManage)
	}
	if terr != nil {
		return nil, terr
	}
	title, _ := in.text("title")
	if strings.TrimSpace(title) == "" {
		return nil, &apiErr{http.StatusBadRequest, "The title must not be empty."}
	}
	sub, _ := in.text("subtype")
	if kind == "text" && sub == "" {
		sub = "line"
	}
	mandatory, _ := in.flag("mandatory")
	desc, _ := in.text("description")
	num := func(k string) any {
		if f, ok := in[k].(float64); ok {
			return f
		}
		if s, ok := in[k].(string); ok && s != "" {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return f
			}
		}
		return nil
	}
	str := func(k string) string { s, _ := in.text(k); return s }
	boolean := func(k string) bool { b, _ := in.flag(k); return b }
	fields := map[string]any{
		"title": title, "createdBy": user, "createdByDisplayName": user, "createdAt": tablesNow(),
		"lastEditBy": user, "lastEditByDisplayName": user, "lastEditAt": tablesNow(),
		"type": kind, "subtype": sub, "mandatory": mandatory, "description": desc,
		"numberDefault": nil, "numberMin": nil, "numberMax": nil, "numberDecimals": nil, "numberPrefix": "", "numberSuffix": "",
		"textDefault": "", "textAllowedPattern": "", "textMaxLength": nil, "textUnique": false,
		"selectionOptions": []any{}, "selectionDefault": "", "datetimeDefault": "",
		"usergroupDefault": []any{}, "usergroupMultipleItems": false, "usergroupSelectUsers": false,
		"usergroupSelectGroups": false, "usergroupSelectTeams": false, "showUserStatus": false, "customSettings": map[string]any{},
	}
	switch kind {
	case "number":
		fields["numberDefault"], fields["numberMin"], fields["numberMax"] = num("numberDefault"), num("numberMin"), num("numberMax")
		if d := num("numberDecimals"); d != nil {
			fields["numberDecimals"] = int(d.(float64))
		}
		fields["numberPrefix"], fields["numberSuffix"] = str("numberPrefix"), str("numberSuffix")
	case "text":
		fields["textDefault"], fields["textAllowedPattern"] = str("textDefault"), str("textAllowedPattern")
		if m := num("textMaxLength"); m != nil {
			fields["textMaxLength"] = int(m.(float64))
		}
		fields["textUnique"] = boolean("textUnique")
	case "selection":
		opts := []any{}
		if s := str("selectionOptions"); s != "" {
			if err := json.Unmarshal([]byte(s), &opts); err != nil {
				return nil, &apiErr{http.StatusBadRequest, "selectionOptions must be a JSON list of {id, label}"}
			}
		}
		fields["selectionOptions"], fields["selectionDefault"] = opts, str("selectionDefault")
	case "datetime":
		fields["datetimeDefault"] = str("datetimeDefault")
	case "usergroup":
		fields["usergroupMultipleItems"] = boolean("usergroupMultipleItems")
		fields["usergroupSelectUsers"] = boolean("usergroupSelectUsers")
		fields["usergroupSelectGroups"] = boolean("usergroupSelectGroups")
		fields["usergroupSelectTeams"] = boolean("usergroupSelectTeams")
	}
	c := &tablesColumnRec{id: h.st.id(), tableID: t.id, order: len(h.st.tableColumns(t.id)), fields: fields}
	h.st.columns[c.id] = c
	if v != nil {
		v.columns = append(v.columns, c.id)
	}
	return h.columnJSON(c, v), nil
}

func (h *tablesHandlers) listViews(r *http.Request, user string, _ params) (any, *apiErr) {
	t, err := h.st.table(user, pathID(r, "tableId"), tablesRead)
	if err != nil {
		return nil, err
	}
	return h.tableJSON(user, t)["views"], nil
}

func (h *tablesHandlers) createView(r *http.Request, user string, in params) (any, *apiErr) {
	t, err := h.st.table(user, pathID(r, "tableId"), tablesManage)
	if err != nil {
		return nil, err
	}
	title, _ := in.text("title")
	if strings.TrimSpace(title) == "" {
		return nil, &apiErr{http.StatusInternalServerError, "The title must not be empty."}
	}
	emoji, _ := in.text("emoji")
	v := &tablesViewRec{id: h.st.id(), tableID: t.id, title: title, emoji: emoji, owner: user, created: tablesNow()}
	h.st.views[v.id] = v
	return h.viewJSON(user, v), nil
}

func (h *tablesHandlers) getView(r *http.Request, user string, _ params) (any, *apiErr) {
	v, err := h.st.view(user, pathID(r, "viewId"), tablesRead)
	if err != nil {
		return nil, err
	}
	return h.viewJSON(user, v), nil
}

// updateView takes data as key-value pairs; only title and columns here.
func (h *tablesHandlers) updateView(r *http.Request, user string, in params) (any, *apiErr) {
	v, err := h.st.view(user, pathID(r, "viewId"), tablesManage)
	if err != nil {
		return nil, err
	}
	data, _ := in["data"].(map[string]any)
	if t, ok := data["title"].(string); ok {
		v.title = t
	}
	if cols, ok := data["columns"]; ok {
		var list []any
		switch x := cols.(type) {
		case []any:
			list = x
		case string:
			if json.Unmarshal([]byte(x), &list) != nil {
				return nil, &apiErr{http.StatusBadRequest, "columns must be a list of column ids"}
			}
		}
		v.columns = nil
		for _, c := range list {
			id, ok := scalarInt(c)
			if col := h.st.columns[id]; !ok || col == nil || col.tableID != v.tableID {
				return nil, &apiErr{http.StatusBadRequest, fmt.Sprintf("Column %v is not part of the table", c)}
			}
			v.columns = append(v.columns, id)
		}
	}
	return h.viewJSON(user, v), nil
}

func (h *tablesHandlers) rowJSON(rw *tablesRowRec, only []*tablesColumnRec) map[string]any {
	var ids []int64
	if only != nil {
		for _, c := range only {
			ids = append(ids, c.id)
		}
	} else {
		for id := range rw.data {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	data := []any{}
	for _, id := range ids {
		if v, ok := rw.data[id]; ok && h.st.columns[id] != nil {
			data = append(data, map[string]any{"columnId": id, "value": v})
		}
	}
	return map[string]any{
		"id": rw.id, "tableId": rw.tableID, "createdBy": rw.createdBy, "createdAt": rw.created,
		"lastEditBy": rw.lastEditBy, "lastEditAt": rw.lastEdit, "data": data,
	}
}

// node resolves the table or view of a rows route.
func (h *tablesHandlers) node(r *http.Request, user string, view bool, perm int) (int64, []*tablesColumnRec, *tablesViewRec, *apiErr) {
	if view {
		v, err := h.st.view(user, pathID(r, "viewId"), perm)
		if err != nil {
			return 0, nil, nil, err
		}
		return v.tableID, h.st.viewColumns(v), v, nil
	}
	t, err := h.st.table(user, pathID(r, "tableId"), perm)
	if err != nil {
		return 0, nil, nil, err
	}
	return t.id, h.st.tableColumns(t.id), nil, nil
}

func (h *tablesHandlers) listRows(view bool) tablesFn {
	return func(r *http.Request, user string, in params) (any, *apiErr) {
		tableID, cols, _, err := h.node(r, user, view, tablesRead)
		if err != nil {
			return nil, err
		}
		rows := recordsByID(h.st.rows, func(rw *tablesRowRec) bool { return rw.tableID == tableID })
		offset, _ := in.num("offset")
		if offset > 0 {
			if int(offset) >= len(rows) {
				rows = nil
			} else {
				rows = rows[offset:]
			}
		}
		if limit, ok := in.num("limit"); ok && limit > 0 && int(limit) < len(rows) {
			rows = rows[:limit]
		}
		var only []*tablesColumnRec
		if view {
			only = cols
		}
		out := []any{}
		for _, rw := range rows {
			out = append(out, h.rowJSON(rw, only))
		}
		return out, nil
	}
}

// tablesRowData reads the "data" parameter: an object keyed by column id, or a
// JSON string of one, as Api1Controller accepts.
func tablesRowData(in params) (map[string]any, *apiErr) {
	switch d := in["data"].(type) {
	case map[string]any:
		return d, nil
	case string:
		var m map[string]any
		if json.Unmarshal([]byte(d), &m) == nil {
			return m, nil
		}
	}
	return nil, &apiErr{http.StatusInternalServerError, "Could not create row."}
}

func (h *tablesHandlers) applyData(rw *tablesRowRec, data map[string]any, cols []*tablesColumnRec, node string, nodeID int64) *apiErr {
	allowed := map[int64]bool{}
	for _, c := range cols {
		allowed[c.id] = true
	}
	for k := range data {
		id, _ := strconv.ParseInt(k, 10, 64)
		if !allowed[id] {
			return &apiErr{http.StatusInternalServerError, fmt.Sprintf("Column with id %s is not part of %s with id %d", k, node, nodeID)}
		}
	}
	for k, v := range data {
		id, _ := strconv.ParseInt(k, 10, 64)
		if v == nil {
			delete(rw.data, id)
			continue
		}
		rw.data[id] = v
	}
	return nil
}

func (h *tablesHandlers) createRow(view bool) tablesFn {
	return func(r *http.Request, user string, in params) (any, *apiErr) {
		tableID, cols, v, err := h.node(r, user, view, tablesCreate)
		if err != nil {
			return nil, err
		}
		data, err := tablesRowData(in)
		if err != nil {
			return nil, err
		}
		rw := &tablesRowRec{id: h.st.id(), tableID: tableID, createdBy: user, lastEditBy: user, created: tablesNow(), lastEdit: tablesNow(), data: map[int64]any{}}
		node, nodeID := "table", tableID
		if v != nil {
			node, nodeID = "view", v.id
		}
		if err := h.applyData(rw, data, cols, node, nodeID); err != nil {
			return nil, err
		}
		h.st.rows[rw.id] = rw
		return h.rowJSON(rw, nil), nil
	}
}

// rowAccess finds a row and checks perm through its table or a view.
func (h *tablesHandlers) rowAccess(user string, rowID, viewID int64, perm int) (*tablesRowRec, []*tablesColumnRec, *tablesViewRec, *apiErr) {
	rw := h.st.rows[rowID]
	if rw == nil {
		return nil, nil, nil, tablesNotFound("Row")
	}
	if viewID > 0 {
		v, err := h.st.view(user, viewID, perm)
		if err != nil {
			return nil, nil, nil, err
		}
		if v.tableID != rw.tableID {
			return nil, nil, nil, tablesNotFound("Row")
		}
		return rw, h.st.viewColumns(v), v, nil
	}
	t := h.st.tables[rw.tableID]
	if t == nil || !h.st.canTable(user, t, tablesRead) {
		return nil, nil, nil, tablesNotFound("Row")
	}
	if !h.st.canTable(user, t, perm) {
		return nil, nil, nil, tablesDenied()
	}
	return rw, h.st.tableColumns(t.id), nil, nil
}

func (h *tablesHandlers) getRow(r *http.Request, user string, _ params) (any, *apiErr) {
	rw, _, _, err := h.rowAccess(user, pathID(r, "rowId"), 0, tablesRead)
	if err != nil {
		return nil, err
	}
	return h.rowJSON(rw, nil), nil
}

func (h *tablesHandlers) updateRow(r *http.Request, user string, in params) (any, *apiErr) {
	viewID, _ := in.num("viewId")
	rw, cols, v, err := h.rowAccess(user, pathID(r, "rowId"), viewID, tablesUpdate)
	if err != nil {
		return nil, err
	}
	data, err := tablesRowData(in)
	if err != nil {
		err.msg = "Could not update row."
		return nil, err
	}
	node, nodeID := "table", rw.tableID
	if v != nil {
		node, nodeID = "view", v.id
	}
	if err := h.applyData(rw, data, cols, node, nodeID); err != nil {
		return nil, err
	}
	rw.lastEditBy, rw.lastEdit = user, tablesNow()
	return h.rowJSON(rw, nil), nil
}

func (h *tablesHandlers) deleteRow(view bool) tablesFn {
	return func(r *http.Request, user string, _ params) (any, *apiErr) {
		viewID := int64(0)
		if view {
			viewID = pathID(r, "viewId")
		}
		rw, _, _, err := h.rowAccess(user, pathID(r, "rowId"), viewID, tablesDelete)
		if err != nil {
			return nil, err
		}
		delete(h.st.rows, rw.id)
		return h.rowJSON(rw, nil), nil
	}
}

func (h *tablesHandlers) createShare(r *http.Request, user string, in params) (any, *apiErr) {
	nodeType, _ := in.text("nodeType")
	nodeID, _ := in.num("nodeId")
	receiver, _ := in.text("receiver")
	switch nodeType {
	case "table":
		if _, err := h.st.table(user, nodeID, tablesManage); err != nil {
			return nil, err
		}
	case "view":
		if _, err := h.st.view(user, nodeID, tablesManage); err != nil {
			return nil, err
		}
	default:
		return nil, &apiErr{http.StatusInternalServerError, "nodeType must be table or view"}
	}
	b := func(k string) bool { v, _ := in.flag(k); return v }
	sh := &tablesShareRec{id: h.st.id(), nodeType: nodeType, nodeID: nodeID, receiver: receiver,
		read: b("permissionRead"), create: b("permissionCreate"), update: b("permissionUpdate"), delete: b("permissionDelete"), mang: b("permissionManage")}
	h.st.shares[sh.id] = sh
	return map[string]any{
		"id": sh.id, "sender": user, "receiver": receiver, "receiverDisplayName": receiver, "receiverType": "user",
		"nodeId": nodeID, "nodeType": nodeType, "permissionRead": sh.read, "permissionCreate": sh.create,
		"permissionUpdate": sh.update, "permissionDelete": sh.delete, "permissionManage": sh.mang,
		"createdAt": tablesNow(), "createdBy": user,
	}, nil
}
