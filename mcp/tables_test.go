package mcp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

var tablesToolNames = []string{
	"nc_tables_list", "nc_tables_get_schema", "nc_tables_read_rows", "nc_tables_get_row",
	"nc_tables_insert_row", "nc_tables_update_row", "nc_tables_delete_row",
}

// seedTable creates, through the Tables API, a table of user with one
// column of every type and returns its id and the column ids by title.
func seedTable(t *testing.T, nc *nctest.Server, user, title string) (int64, map[string]int64) {
	t.Helper()
	c := nc.Client(t, user)
	ctx := context.Background()
	var tb struct {
		ID int64 `json:"id"`
	}
	if err := c.OCS(ctx, http.MethodPost, "/ocs/v2.php/apps/tables/api/2/tables", nil, map[string]any{"title": title, "emoji": "✅"}, &tb); err != nil {
		t.Fatalf("create table: %v", err)
	}
	cols := map[string]int64{}
	for _, spec := range []struct {
		kind string
		args map[string]any
	}{
		{"text", map[string]any{"title": "Name", "subtype": "line", "mandatory": true, "textMaxLength": 20}},
		{"text", map[string]any{"title": "Notes", "subtype": "long"}},
		{"text", map[string]any{"title": "Link", "subtype": "link"}},
		{"number", map[string]any{"title": "Budget", "numberMin": 0, "numberMax": 1000, "numberDecimals": 2, "numberPrefix": "€"}},
		{"number", map[string]any{"title": "Rating", "subtype": "stars"}},
		{"number", map[string]any{"title": "Progress", "subtype": "progress"}},
		{"selection", map[string]any{"title": "Status", "selectionOptions": `[{"id":1,"label":"Open"},{"id":2,"label":"Done"}]`, "selectionDefault": "1"}},
		{"selection", map[string]any{"title": "Tags", "subtype": "multi", "selectionOptions": `[{"id":1,"label":"red"},{"id":2,"label":"blue"}]`}},
		{"selection", map[string]any{"title": "Urgent", "subtype": "check"}},
		{"datetime", map[string]any{"title": "Due", "subtype": "date"}},
		{"datetime", map[string]any{"title": "Start", "subtype": "time"}},
		{"datetime", map[string]any{"title": "Meeting"}},
		{"usergroup", map[string]any{"title": "Owner", "usergroupSelectUsers": true}},
	} {
		spec.args["baseNodeId"] = tb.ID
		var col struct {
			ID int64 `json:"id"`
		}
		if err := c.OCS(ctx, http.MethodPost, "/ocs/v2.php/apps/tables/api/2/columns/"+spec.kind, nil, spec.args, &col); err != nil {
			t.Fatalf("create column %v: %v", spec.args["title"], err)
		}
		cols[spec.args["title"].(string)] = col.ID
	}
	return tb.ID, cols
}

// seedView adds a view showing the given columns.
func seedView(t *testing.T, nc *nctest.Server, user string, tableID int64, title string, columns ...int64) int64 {
	t.Helper()
	c := nc.Client(t, user)
	ctx := context.Background()
	var v struct {
		ID int64 `json:"id"`
	}
	if _, err := c.JSON(ctx, http.MethodPost, fmt.Sprintf("/index.php/apps/tables/api/1/tables/%d/views", tableID), nil, nil, map[string]any{"title": title}, &v); err != nil {
		t.Fatalf("create view: %v", err)
	}
	if _, err := c.JSON(ctx, http.MethodPut, fmt.Sprintf("/index.php/apps/tables/api/1/views/%d", v.ID), nil, nil, map[string]any{"data": map[string]any{"columns": columns}}, nil); err != nil {
		t.Fatalf("set view columns: %v", err)
	}
	return v.ID
}

func shareTable(t *testing.T, nc *nctest.Server, owner string, nodeType string, id int64, receiver string, write bool) {
	t.Helper()
	_, err := nc.Client(t, owner).JSON(context.Background(), http.MethodPost, "/index.php/apps/tables/api/1/shares", nil, nil, map[string]any{
		"nodeId": id, "nodeType": nodeType, "receiver": receiver, "receiverType": "user",
		"permissionRead": true, "permissionCreate": write, "permissionUpdate": write, "permissionDelete": write,
	}, nil)
	if err != nil {
		t.Fatalf("share %s %d: %v", nodeType, id, err)
	}
}

func newTablesTest(t *testing.T, opts ...nctest.Option) (*nctest.Server, *client.Client) {
	t.Helper()
	opts = append([]nctest.Option{nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass")}, opts...)
	nc := nctest.New(t, opts...)
	return nc, connect(t, newTestServer(t, nc), "inprocess")
}

func TestTablesToolsListed(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc)
	tools := listedTools(t, connect(t, srv, "inprocess"))
	checkListedTools(t, srv, tools, tablesToolNames, func(name string) bool {
		return strings.Contains(name, "_list") || strings.Contains(name, "_get_") || strings.Contains(name, "_read_")
	}, "tables:read", "tables:write")
	if h := tools["nc_tables_delete_row"].Annotations.DestructiveHint; h == nil || !*h {
		t.Error("nc_tables_delete_row is not destructive")
	}
	ro := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.ReadOnly = true }), "inprocess"))
	for _, name := range tablesToolNames {
		_, listed := ro[name]
		read := !strings.Contains(name, "insert") && !strings.Contains(name, "update") && !strings.Contains(name, "delete")
		if listed != read {
			t.Errorf("read-only: %s listed=%v", name, listed)
		}
	}
	other := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"deck"} }), "inprocess"))
	for name := range other {
		if strings.HasPrefix(name, "nc_tables_") {
			t.Fatalf("--apps deck lists %s", name)
		}
	}
	only := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"tables"} }), "inprocess"))
	if len(only) != len(tablesToolNames) {
		t.Fatalf("--apps tables lists %d tools", len(only))
	}
}

func TestTablesListAndSchema(t *testing.T) {
	nc, c := newTablesTest(t)
	tid, cols := seedTable(t, nc, "admin", "Tasks")
	vid := seedView(t, nc, "admin", tid, "Short", cols["Name"], cols["Status"])
	bobTable, _ := seedTable(t, nc, "bob", "Bob's list")
	shareTable(t, nc, "bob", "table", bobTable, "admin", false)
	hidden, _ := seedTable(t, nc, "bob", "Hidden")
	bobView := seedView(t, nc, "bob", hidden, "Public part")
	shareTable(t, nc, "bob", "view", bobView, "admin", false)

	list := call[tablesListOut](t, c, "nc_tables_list", nil)
	if len(list.Tables) != 2 || list.Tables[0].Title != "Bob's list" || list.Tables[1].ID != tid {
		t.Fatalf("tables: %+v", list.Tables)
	}
	mine, bobs := list.Tables[1], list.Tables[0]
	if mine.ColumnsCount != 13 || len(mine.Views) != 1 || mine.Views[0].ID != vid || mine.SharedWithMe || len(mine.Permissions) != 5 {
		t.Fatalf("own table: %+v", mine)
	}
	if !bobs.SharedWithMe || bobs.Owner != "bob" || strings.Join(bobs.Permissions, ",") != "read" {
		t.Fatalf("shared table: %+v", bobs)
	}
	if len(list.SharedViews) != 1 || list.SharedViews[0].ID != bobView {
		t.Fatalf("shared views: %+v", list.SharedViews)
	}

	schema := call[tablesSchemaOut](t, c, "nc_tables_get_schema", map[string]any{"table_id": tid})
	kinds := map[string]string{}
	byTitle := map[string]tablesColumnOut{}
	for _, col := range schema.Columns {
		kinds[col.Title] = col.Type
		byTitle[col.Title] = col
	}
	want := map[string]string{
		"Name": "text-line", "Notes": "text-long", "Link": "text-link", "Budget": "number", "Rating": "number-stars",
		"Progress": "number-progress", "Status": "selection", "Tags": "selection-multi", "Urgent": "selection-check",
		"Due": "datetime-date", "Start": "datetime-time", "Meeting": "datetime", "Owner": "usergroup",
	}
	for title, kind := range want {
		if kinds[title] != kind {
			t.Errorf("column %s: type %q, want %q", title, kinds[title], kind)
		}
	}
	if st := byTitle["Status"]; strings.Join(st.Options, ",") != "Open,Done" || st.Default != "Open" {
		t.Errorf("Status column: %+v", st)
	}
	if b := byTitle["Budget"]; b.Min == nil || *b.Min != 0 || b.Max == nil || *b.Max != 1000 || b.Prefix != "€" || !strings.Contains(b.Format, "from 0 to 1000") {
		t.Errorf("Budget column: %+v", b)
	}
	if n := byTitle["Name"]; !n.Mandatory || n.MaxLength == nil || *n.MaxLength != 20 {
		t.Errorf("Name column: %+v", n)
	}
	if !strings.Contains(byTitle["Due"].Format, "YYYY-MM-DD") || len(schema.Views) != 1 {
		t.Errorf("schema: %+v", schema)
	}
	vs := call[tablesSchemaOut](t, c, "nc_tables_get_schema", map[string]any{"view_id": vid})
	if vs.ViewID != vid || vs.TableID != tid || len(vs.Columns) != 2 || vs.Columns[1].Title != "Status" {
		t.Fatalf("view schema: %+v", vs)
	}
	if !strings.Contains(resultText(callTool(t, c, "nc_tables_get_schema", map[string]any{"table_id": tid})), "Status (#") {
		t.Fatal("schema summary lacks columns")
	}
}

func TestTablesRows(t *testing.T) {
	nc, c := newTablesTest(t)
	tid, _ := seedTable(t, nc, "admin", "Tasks")
	in := call[tablesRowOneOut](t, c, "nc_tables_insert_row", map[string]any{"table_id": tid, "values": map[string]any{
		"Name": "Plan", "Notes": "line 1\nline 2", "Link": "https://example.com/x", "Budget": "12.5", "Rating": 4,
		"Progress": 30, "status": "done", "Tags": []any{"red", "blue", "red"}, "Urgent": true, "Due": "2025-03-31",
		"Start": "09:30", "Meeting": "2025-03-31T14:00:00+02:00", "Owner": "bob",
	}})
	v := in.Row.Values
	checks := map[string]any{
		"Name": "Plan", "Notes": "line 1\nline 2", "Link": "https://example.com/x", "Budget": 12.5, "Rating": float64(4),
		"Progress": float64(30), "Status": "Done", "Urgent": true, "Due": "2025-03-31", "Start": "09:30", "Meeting": "2025-03-31 14:00",
	}
	for k, want := range checks {
		if v[k] != want {
			t.Errorf("%s = %#v, want %#v", k, v[k], want)
		}
	}
	if fmt.Sprint(v["Tags"]) != "[red blue]" || fmt.Sprint(v["Owner"]) != "[map[id:bob type:user]]" {
		t.Errorf("Tags %v, Owner %v", v["Tags"], v["Owner"])
	}
	if !strings.HasPrefix(resultText(callTool(t, c, "nc_tables_get_row", map[string]any{"row_id": in.Row.ID})), fmt.Sprintf("#%d Name: Plan", in.Row.ID)) {
		t.Fatal("row summary")
	}
	rowID := in.Row.ID

	// The stored values are what Tables expects: ids for selections.
	stored, err := nc.Client(t, "admin").Tables().Row(context.Background(), rowID)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[int64]string{}
	for _, cell := range stored.Data {
		raw[cell.ColumnID] = string(cell.Value)
	}
	schema := call[tablesSchemaOut](t, c, "nc_tables_get_schema", map[string]any{"table_id": tid})
	ids := map[string]int64{}
	for _, col := range schema.Columns {
		ids[col.Title] = col.ID
	}
	if raw[ids["Status"]] != "2" || raw[ids["Tags"]] != "[1,2]" || raw[ids["Urgent"]] != `"true"` || raw[ids["Owner"]] != `[{"id":"bob","type":0}]` {
		t.Fatalf("stored values %v", raw)
	}

	for i := 0; i < 4; i++ {
		call[tablesRowOneOut](t, c, "nc_tables_insert_row", map[string]any{"table_id": tid, "values": map[string]any{"Name": fmt.Sprintf("Row %d", i)}})
	}
	page := call[tablesRowsOut](t, c, "nc_tables_read_rows", map[string]any{"table_id": tid, "limit": 2})
	if len(page.Rows) != 2 || !page.HasMore || page.NextOffset != 2 || page.Total != 5 || page.Rows[0].Values["Name"] != "Plan" || len(page.Columns) != 13 {
		t.Fatalf("page 1: %+v", page)
	}
	last := call[tablesRowsOut](t, c, "nc_tables_read_rows", map[string]any{"table_id": tid, "limit": 2, "offset": 4})
	if len(last.Rows) != 1 || last.HasMore || last.Rows[0].Values["Name"] != "Row 3" {
		t.Fatalf("last page: %+v", last)
	}
	if !strings.Contains(resultText(callTool(t, c, "nc_tables_read_rows", map[string]any{"table_id": tid, "limit": 2})), "read on with offset 2") {
		t.Fatal("summary does not say how to read on")
	}

	// Update some values; null empties a column; the rest stays.
	up := call[tablesRowOneOut](t, c, "nc_tables_update_row", map[string]any{"row_id": rowID, "values": map[string]any{"Status": "Open", "notes": nil, "#" + fmt.Sprint(ids["Rating"]): 5}})
	if up.Row.Values["Status"] != "Open" || up.Row.Values["Notes"] != nil || up.Row.Values["Rating"] != float64(5) || up.Row.Values["Name"] != "Plan" {
		t.Fatalf("after update: %+v", up.Row.Values)
	}
	got := call[tablesRowOneOut](t, c, "nc_tables_get_row", map[string]any{"row_id": rowID})
	if got.Row.Values["Status"] != "Open" || got.Row.TableID != tid {
		t.Fatalf("get row: %+v", got.Row)
	}

	del := call[tablesDeletedOut](t, c, "nc_tables_delete_row", map[string]any{"row_id": rowID})
	if del.RowID != rowID {
		t.Fatalf("delete: %+v", del)
	}
	wantError(t, callTool(t, c, "nc_tables_get_row", map[string]any{"row_id": rowID}), fmt.Sprintf("row %d does not exist", rowID))
	if n := call[tablesRowsOut](t, c, "nc_tables_read_rows", map[string]any{"table_id": tid}).Total; n != 4 {
		t.Fatalf("%d rows after delete", n)
	}
}

func TestTablesValueChecks(t *testing.T) {
	nc, c := newTablesTest(t)
	tid, _ := seedTable(t, nc, "admin", "Tasks")
	cases := []struct {
		name   string
		values map[string]any
		want   []string
	}{
		{"number above max", map[string]any{"Budget": 5000}, []string{`column "Budget" (number)`, "above the maximum", "from 0 to 1000"}},
		{"number below min", map[string]any{"Budget": -1}, []string{`"Budget"`, "below the minimum"}},
		{"number not a number", map[string]any{"Budget": "lots"}, []string{`"Budget"`, `"lots"`}},
		{"stars", map[string]any{"Rating": 7}, []string{`column "Rating" (number-stars)`, "0 to 5"}},
		{"progress fraction", map[string]any{"Progress": 50.5}, []string{`"Progress"`, "0 to 100"}},
		{"unknown option", map[string]any{"Status": "Closed"}, []string{`column "Status" (selection)`, `"Open", "Done"`, `"Closed"`}},
		{"unknown multi option", map[string]any{"Tags": []any{"red", "green"}}, []string{`column "Tags" (selection-multi)`, `"green"`}},
		{"checkbox", map[string]any{"Urgent": "maybe"}, []string{`column "Urgent" (selection-check)`, "true or false"}},
		{"date format", map[string]any{"Due": "31.03.2025"}, []string{`column "Due" (datetime-date)`, "YYYY-MM-DD"}},
		{"time format", map[string]any{"Start": "2pm"}, []string{`column "Start" (datetime-time)`, "HH:MM"}},
		{"datetime format", map[string]any{"Meeting": "tomorrow"}, []string{`column "Meeting" (datetime)`, "YYYY-MM-DD HH:MM"}},
		{"link without scheme", map[string]any{"Link": "example.com"}, []string{`column "Link" (text-link)`, "https://"}},
		{"line break", map[string]any{"Name": "a\nb"}, []string{`column "Name" (text-line)`, "line breaks"}},
		{"too long", map[string]any{"Name": strings.Repeat("n", 21)}, []string{`"Name"`, "at most 20 characters"}},
		{"list for text", map[string]any{"Name": []any{"a"}}, []string{`"Name"`, "one line of text"}},
		{"group in a users column", map[string]any{"Owner": map[string]any{"id": "admins", "type": "group"}}, []string{`column "Owner" (usergroup)`, "does not take groups"}},
		{"two users in a single column", map[string]any{"Owner": []any{"bob", "admin"}}, []string{`"Owner"`, "single user"}},
		{"unknown column", map[string]any{"Prio": 1}, []string{`unknown column "Prio"`, `"Name" (#`, "text-line"}},
		{"mandatory missing", map[string]any{"Notes": "x"}, []string{`column "Name" (text-line)`, "mandatory"}},
		{"mandatory emptied", map[string]any{"Name": nil}, []string{`"Name"`, "mandatory"}},
		{"several at once", map[string]any{"Name": "ok", "Rating": 9, "Due": "soon"}, []string{`"Rating"`, `"Due"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, callTool(t, c, "nc_tables_insert_row", map[string]any{"table_id": tid, "values": tc.values}), tc.want...)
		})
	}
	if n := call[tablesRowsOut](t, c, "nc_tables_read_rows", map[string]any{"table_id": tid}).Total; n != 0 {
		t.Fatalf("a rejected row was stored (%d rows)", n)
	}
	// Updates are checked too, but mandatory columns need not be repeated.
	row := call[tablesRowOneOut](t, c, "nc_tables_insert_row", map[string]any{"table_id": tid, "values": map[string]any{"Name": "x"}})
	if row.Row.Values["Status"] != nil {
		t.Logf("default applied: %v", row.Row.Values["Status"])
	}
	wantError(t, callTool(t, c, "nc_tables_update_row", map[string]any{"row_id": row.Row.ID, "values": map[string]any{"Status": "Nope"}}), `column "Status"`, `"Open", "Done"`)
	call[tablesRowOneOut](t, c, "nc_tables_update_row", map[string]any{"row_id": row.Row.ID, "values": map[string]any{"Budget": 999.99}})
}

func TestTablesViewsAndSharing(t *testing.T) {
	nc, c := newTablesTest(t)
	tid, cols := seedTable(t, nc, "admin", "Tasks")
	vid := seedView(t, nc, "admin", tid, "Short", cols["Name"], cols["Status"])
	in := call[tablesRowOneOut](t, c, "nc_tables_insert_row", map[string]any{"view_id": vid, "values": map[string]any{"Name": "via view", "Status": "Done"}})
	if in.Row.Values["Status"] != "Done" {
		t.Fatalf("insert via view: %+v", in)
	}
	wantError(t, callTool(t, c, "nc_tables_insert_row", map[string]any{"view_id": vid, "values": map[string]any{"Name": "x", "Budget": 3}}), `unknown column "Budget"`, `"Status"`)
	rows := call[tablesRowsOut](t, c, "nc_tables_read_rows", map[string]any{"view_id": vid})
	if rows.ViewID != vid || rows.TableID != tid || len(rows.Columns) != 2 || len(rows.Rows) != 1 || rows.Rows[0].Values["Name"] != "via view" {
		t.Fatalf("rows via view: %+v", rows)
	}
	up := call[tablesRowOneOut](t, c, "nc_tables_update_row", map[string]any{"row_id": in.Row.ID, "view_id": vid, "values": map[string]any{"Status": "Open"}})
	if up.Row.Values["Status"] != "Open" || len(up.Columns) != 13 {
		t.Fatalf("update via view shows %+v", up)
	}
	call[tablesDeletedOut](t, c, "nc_tables_delete_row", map[string]any{"row_id": in.Row.ID, "view_id": vid})

	// A table bob shares read-only: reading works, writing is refused.
	bobTable, _ := seedTable(t, nc, "bob", "Bob's")
	bobRow, err := nc.Client(t, "bob").Tables().CreateRow(context.Background(), nextcloud.TablesNode{ID: bobTable}, map[int64]any{})
	if err != nil {
		t.Fatal(err)
	}
	shareTable(t, nc, "bob", "table", bobTable, "admin", false)
	call[tablesRowsOut](t, c, "nc_tables_read_rows", map[string]any{"table_id": bobTable})
	wantError(t, callTool(t, c, "nc_tables_insert_row", map[string]any{"table_id": bobTable, "values": map[string]any{"Name": "x"}}), fmt.Sprintf("table %d is shared with you without the right to create", bobTable), "read")
	wantError(t, callTool(t, c, "nc_tables_update_row", map[string]any{"row_id": bobRow.ID, "values": map[string]any{"Name": "x"}}), "without the right to update")
	wantError(t, callTool(t, c, "nc_tables_delete_row", map[string]any{"row_id": bobRow.ID}), "403", "lack the permission")
	other, _ := seedTable(t, nc, "bob", "Private")
	wantError(t, callTool(t, c, "nc_tables_read_rows", map[string]any{"table_id": other}), fmt.Sprintf("table %d does not exist or is not shared with you", other))
}

func TestTablesBadInput(t *testing.T) {
	nc, c := newTablesTest(t)
	tid, _ := seedTable(t, nc, "admin", "Tasks")
	cases := []badCall{
		{"nc_tables_list", map[string]any{"include_archived": "yes"}, []string{"include_archived"}},
		{"nc_tables_list", map[string]any{"bogus": true}, []string{"bogus"}},
		{"nc_tables_get_schema", map[string]any{}, []string{"give table_id or view_id"}},
		{"nc_tables_get_schema", map[string]any{"table_id": tid, "view_id": 2}, []string{"not both"}},
		{"nc_tables_get_schema", map[string]any{"table_id": "Tasks"}, []string{"table_id"}},
		{"nc_tables_get_schema", map[string]any{"table_id": 99999}, []string{"table 99999 does not exist or is not shared with you"}},
		{"nc_tables_get_schema", map[string]any{"view_id": 99999}, []string{"view 99999 does not exist"}},
		{"nc_tables_read_rows", map[string]any{"table_id": tid, "limit": 1000}, []string{"limit"}},
		{"nc_tables_read_rows", map[string]any{"table_id": tid, "offset": -1}, []string{"offset"}},
		{"nc_tables_read_rows", map[string]any{"table_id": 99999}, []string{"does not exist"}},
		{"nc_tables_get_row", map[string]any{}, []string{"row_id"}},
		{"nc_tables_get_row", map[string]any{"row_id": 99999}, []string{"row 99999 does not exist"}},
		{"nc_tables_insert_row", map[string]any{"table_id": tid}, []string{"values"}},
		{"nc_tables_insert_row", map[string]any{"table_id": tid, "values": map[string]any{}}, []string{"at least one"}},
		{"nc_tables_insert_row", map[string]any{"table_id": tid, "values": "Name=x"}, []string{"values"}},
		{"nc_tables_insert_row", map[string]any{"table_id": 99999, "values": map[string]any{"Name": "x"}}, []string{"does not exist"}},
		{"nc_tables_update_row", map[string]any{"row_id": 99999, "values": map[string]any{"Name": "x"}}, []string{"row 99999 does not exist"}},
		{"nc_tables_update_row", map[string]any{"row_id": 1}, []string{"values"}},
		{"nc_tables_delete_row", map[string]any{"row_id": 99999}, []string{"row 99999 does not exist"}},
		{"nc_tables_delete_row", map[string]any{"row_id": -1}, []string{"row_id"}},
	}
	wantBadCalls(t, c, cases)
	wantEveryToolCovered(t, cases, tablesToolNames)
}

func TestTablesNextcloudFailures(t *testing.T) {
	nc, c := newTablesTest(t)
	tid, _ := seedTable(t, nc, "admin", "Tasks")
	row := call[tablesRowOneOut](t, c, "nc_tables_insert_row", map[string]any{"table_id": tid, "values": map[string]any{"Name": "x"}}).Row.ID
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/apps/tables/") {
			writeFault500(w, r)
			return true
		}
		return false
	})
	for name, args := range map[string]map[string]any{
		"nc_tables_list":       {},
		"nc_tables_get_schema": {"table_id": tid},
		"nc_tables_read_rows":  {"table_id": tid},
		"nc_tables_get_row":    {"row_id": row},
		"nc_tables_insert_row": {"table_id": tid, "values": map[string]any{"Name": "y"}},
		"nc_tables_update_row": {"row_id": row, "values": map[string]any{"Name": "y"}},
		"nc_tables_delete_row": {"row_id": row},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, callTool(t, c, name, args), "500", "An unexpected error occurred")
		})
	}
}

// writeFault500 answers like Tables does when it fails internally.
func writeFault500(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	msg := `"message":"An unexpected error occurred. More details can be found in the logs. Please reach out to your administration."`
	if strings.HasPrefix(r.URL.Path, "/ocs/") {
		_, _ = w.Write([]byte(`{"ocs":{"meta":{"status":"failure","statuscode":500,"message":""},"data":{` + msg + `}}}`))
		return
	}
	_, _ = w.Write([]byte(`{` + msg + `}`))
}

func TestTablesAppDisabled(t *testing.T) {
	_, c := newTablesTest(t, nctest.WithDisabledApp("tables"))
	for name, args := range map[string]map[string]any{
		"nc_tables_list":       {},
		"nc_tables_read_rows":  {"table_id": 1},
		"nc_tables_insert_row": {"table_id": 1, "values": map[string]any{"Name": "x"}},
	} {
		wantError(t, callTool(t, c, name, args), `"tables"`, "not installed or not enabled")
	}
}
