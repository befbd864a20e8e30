package nctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// Tables rows, read and written through a table or a view.

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
