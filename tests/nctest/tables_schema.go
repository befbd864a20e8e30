package nctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Tables tables, columns, views and shares.

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
	tables := recordsByID(h.st.tables, func(t *tablesTableRec) bool { return h.st.canTable(user, t, tablesRead) })
	return jsonList(tables, func(t *tablesTableRec) any { return h.tableJSON(user, t) }), nil
}

func (h *tablesHandlers) getTable(_ *http.Request, user string, _ params, t *tablesTableRec) (any, *apiErr) {
	return h.tableJSON(user, t), nil
}

// tablesTitle gives the request's title; Tables refuses a blank one with
// status (a 500 for views, as the app does).
func tablesTitle(in params, status int) (string, *apiErr) {
	title, _ := in.text("title")
	if strings.TrimSpace(title) == "" {
		return "", &apiErr{status, "The title must not be empty."}
	}
	return title, nil
}

func (h *tablesHandlers) createTable(r *http.Request, user string, in params) (any, *apiErr) {
	title, e := tablesTitle(in, http.StatusBadRequest)
	if e != nil {
		return nil, e
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
	title, e := tablesTitle(in, http.StatusBadRequest)
	if e != nil {
		return nil, e
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

func (h *tablesHandlers) listViews(_ *http.Request, user string, _ params, t *tablesTableRec) (any, *apiErr) {
	return h.tableJSON(user, t)["views"], nil
}

func (h *tablesHandlers) createView(_ *http.Request, user string, in params, t *tablesTableRec) (any, *apiErr) {
	title, e := tablesTitle(in, http.StatusInternalServerError)
	if e != nil {
		return nil, e
	}
	emoji, _ := in.text("emoji")
	v := &tablesViewRec{id: h.st.id(), tableID: t.id, title: title, emoji: emoji, owner: user, created: tablesNow()}
	h.st.views[v.id] = v
	return h.viewJSON(user, v), nil
}

func (h *tablesHandlers) getView(_ *http.Request, user string, _ params, v *tablesViewRec) (any, *apiErr) {
	return h.viewJSON(user, v), nil
}

// updateView takes data as key-value pairs; only title and columns here.
func (h *tablesHandlers) updateView(_ *http.Request, user string, in params, v *tablesViewRec) (any, *apiErr) {
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
