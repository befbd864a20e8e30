package nextcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func fp(f float64) *float64 { return &f }
func ip(i int) *int         { return &i }

func TestTablesColumnKind(t *testing.T) {
	for _, tc := range []struct{ typ, sub, want string }{
		{"text", "", "text-line"}, {"text", "line", "text-line"}, {"text", "long", "text-long"}, {"text", "rich", "text-rich"},
		{"text", "link", "text-link"}, {"number", "", "number"}, {"number", "stars", "number-stars"},
		{"number", "progress", "number-progress"}, {"selection", "", "selection"}, {"selection", "multi", "selection-multi"},
		{"selection", "check", "selection-check"}, {"datetime", "", "datetime"}, {"datetime", "date", "datetime-date"},
		{"datetime", "time", "datetime-time"}, {"usergroup", "", "usergroup"},
	} {
		c := nextcloud.TablesColumn{Type: tc.typ, Subtype: tc.sub}
		if got := c.Kind(); got != tc.want {
			t.Errorf("%s/%s: %s, want %s", tc.typ, tc.sub, got, tc.want)
		}
	}
}

func TestTablesEncodeValue(t *testing.T) {
	opts := []nextcloud.TablesSelectionOption{{ID: 1, Label: "Open"}, {ID: 2, Label: "Done"}, {ID: 7, Label: "7"}}
	cols := map[string]nextcloud.TablesColumn{
		"line":     {Title: "Name", Type: "text", Subtype: "line", TextMaxLength: ip(5)},
		"pattern":  {Title: "Code", Type: "text", Subtype: "line", TextAllowedPattern: "/^[A-Z]{3}$/"},
		"long":     {Title: "Notes", Type: "text", Subtype: "long"},
		"link":     {Title: "Link", Type: "text", Subtype: "link"},
		"number":   {Title: "Budget", Type: "number", NumberMin: fp(-10), NumberMax: fp(10)},
		"stars":    {Title: "Rating", Type: "number", Subtype: "stars"},
		"progress": {Title: "Progress", Type: "number", Subtype: "progress"},
		"sel":      {Title: "Status", Type: "selection", SelectionOptions: opts},
		"multi":    {Title: "Tags", Type: "selection", Subtype: "multi", SelectionOptions: opts},
		"check":    {Title: "Urgent", Type: "selection", Subtype: "check"},
		"date":     {Title: "Due", Type: "datetime", Subtype: "date"},
		"time":     {Title: "Start", Type: "datetime", Subtype: "time"},
		"dt":       {Title: "Meeting", Type: "datetime"},
		"users":    {Title: "Owner", Type: "usergroup", UsergroupSelectUsers: true, UsergroupMultipleItems: true},
		"groups":   {Title: "Team", Type: "usergroup", UsergroupSelectGroups: true},
		"must":     {Title: "Must", Type: "text", Subtype: "line", Mandatory: true},
	}
	ok := []struct {
		col  string
		in   any
		want string // JSON of the encoded value
	}{
		{"line", "abc", `"abc"`},
		{"line", 12.0, `"12"`},
		{"line", nil, `null`},
		{"pattern", "ABC", `"ABC"`},
		{"long", "a\nb", `"a\nb"`},
		{"link", " https://example.com/a ", `"https://example.com/a"`},
		{"link", "mailto:a@example.com", `"mailto:a@example.com"`},
		{"number", 2.5, `2.5`},
		{"number", "-10", `-10`},
		{"stars", 5.0, `5`},
		{"progress", "100", `100`},
		{"sel", "Done", `2`},
		{"sel", " done ", `2`},
		{"sel", 1.0, `1`},
		{"sel", "7", `7`}, // a label that looks like a number
		{"multi", []any{"Open", 2.0, "open"}, `[1,2]`},
		{"multi", "Done", `[2]`},
		{"multi", []any{}, `[]`},
		{"check", true, `"true"`},
		{"check", "no", `"false"`},
		{"check", 1.0, `"true"`},
		{"date", "2024-02-29", `"2024-02-29"`},
		{"time", "09:05", `"09:05"`},
		{"time", "23:59:30", `"23:59"`},
		{"dt", "2025-03-31 14:00", `"2025-03-31 14:00"`},
		{"dt", "2025-03-31T14:00:00+02:00", `"2025-03-31 14:00"`},
		{"dt", "2025-03-31", `"2025-03-31 00:00"`},
		{"dt", "2025-03-31T23:30:00-05:00", `"2025-03-31 23:30"`}, // the wall clock of the offset, not UTC
		{"date", " 2024-02-29 ", `"2024-02-29"`},
		{"users", "bob", `[{"id":"bob","type":0}]`},
		{"users", []any{"bob", map[string]any{"id": "ada", "type": "user"}}, `[{"id":"bob","type":0},{"id":"ada","type":0}]`},
		{"groups", map[string]any{"id": "staff", "type": "group"}, `[{"id":"staff","type":1}]`},
	}
	for _, tc := range ok {
		c := cols[tc.col]
		got, err := c.EncodeValue(tc.in)
		if err != nil {
			t.Errorf("%s %v: %v", tc.col, tc.in, err)
			continue
		}
		b, _ := json.Marshal(got)
		if string(b) != tc.want {
			t.Errorf("%s %v: %s, want %s", tc.col, tc.in, b, tc.want)
		}
	}
	bad := []struct {
		col  string
		in   any
		frag string
	}{
		{"line", "toolong", "at most 5 characters"},
		{"line", "a\nb", "line breaks"},
		{"line", map[string]any{}, "one line of text"},
		{"pattern", "AB1", "allowed pattern"},
		{"link", "www.example.com", "full URL"},
		{"link", 3.0, "URL"},
		{"number", 11.0, "above the maximum"},
		{"number", -11.0, "below the minimum"},
		{"number", "1,5", `"1,5"`},
		{"number", true, "a number"},
		{"stars", 2.5, "whole number"},
		{"stars", -1.0, "0 to 5"},
		{"progress", 101.0, "0 to 100"},
		{"sel", "Closed", `"Open", "Done", "7"`},
		{"sel", 9.0, "not 9"},
		{"multi", []any{"Open", "x"}, `not "x"`},
		{"check", "perhaps", "true or false"},
		{"date", "2023-02-29", "YYYY-MM-DD"},
		{"date", "03/31/2025", "YYYY-MM-DD"},
		{"date", "2024-02-29T10:00", "YYYY-MM-DD"},
		{"time", "25:00", "HH:MM"},
		{"dt", "31.03.2025 14:00", "YYYY-MM-DD HH:MM"},
		{"users", map[string]any{"id": "staff", "type": "group"}, "does not take groups"},
		{"users", map[string]any{"type": "user"}, "no id"},
		{"users", map[string]any{"id": "x", "type": "robot"}, `"robot"`},
		{"groups", []any{map[string]any{"id": "a", "type": "group"}, map[string]any{"id": "b", "type": "group"}}, "single"},
		{"must", nil, "mandatory"},
		{"must", "  ", "mandatory"},
	}
	for _, tc := range bad {
		c := cols[tc.col]
		_, err := c.EncodeValue(tc.in)
		var ve *nextcloud.TablesValueError
		if err == nil || !errors.As(err, &ve) || ve.Column != c.Title || !strings.Contains(err.Error(), tc.frag) {
			t.Errorf("%s %v: error %v, want one naming %q and saying %q", tc.col, tc.in, err, c.Title, tc.frag)
		}
	}
}

func TestTablesDecodeValue(t *testing.T) {
	opts := []nextcloud.TablesSelectionOption{{ID: 1, Label: "Open"}, {ID: 2, Label: "Done"}}
	for _, tc := range []struct {
		col  nextcloud.TablesColumn
		raw  string
		want string
	}{
		{nextcloud.TablesColumn{Type: "selection", SelectionOptions: opts}, `2`, `"Done"`},
		{nextcloud.TablesColumn{Type: "selection", SelectionOptions: opts}, `9`, `9`},
		{nextcloud.TablesColumn{Type: "selection", Subtype: "multi", SelectionOptions: opts}, `[2,1]`, `["Done","Open"]`},
		{nextcloud.TablesColumn{Type: "selection", Subtype: "multi", SelectionOptions: opts}, `"[1]"`, `["Open"]`},
		{nextcloud.TablesColumn{Type: "selection", Subtype: "check"}, `"true"`, `true`},
		{nextcloud.TablesColumn{Type: "selection", Subtype: "check"}, `"false"`, `false`},
		{nextcloud.TablesColumn{Type: "number"}, `3.5`, `3.5`},
		{nextcloud.TablesColumn{Type: "text", Subtype: "line"}, `"x"`, `"x"`},
		{nextcloud.TablesColumn{Type: "text", Subtype: "line"}, `null`, `null`},
		{nextcloud.TablesColumn{Type: "usergroup"}, `[{"id":"g","type":1,"displayName":"Group G"}]`, `[{"display_name":"Group G","id":"g","type":"group"}]`},
	} {
		got, _ := json.Marshal(tc.col.DecodeValue(json.RawMessage(tc.raw)))
		if string(got) != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.col.Kind(), tc.raw, got, tc.want)
		}
	}
}

func TestTablesColumnIndex(t *testing.T) {
	idx := nextcloud.TablesColumnIndex{Columns: []nextcloud.TablesColumn{
		{ID: 1, Title: "Name", Type: "text", Subtype: "line", Mandatory: true},
		{ID: 2, Title: "Status", Type: "selection", Mandatory: true, SelectionOptions: []nextcloud.TablesSelectionOption{{ID: 1, Label: "Open"}}, SelectionDefault: "1"},
		{ID: 3, Title: "Dup", Type: "number"},
		{ID: 4, Title: "Dup", Type: "number"},
		{ID: 5, Title: "name", Type: "text", Subtype: "long"},
	}}
	for ref, want := range map[string]int64{"Name": 1, "name": 5, "STATUS": 2, "#3": 3, "4": 4} {
		c, err := idx.Resolve(ref)
		if err != nil || c.ID != want {
			t.Errorf("resolve %q: %v %v", ref, c, err)
		}
	}
	if _, err := idx.Resolve("Dup"); err == nil || !strings.Contains(err.Error(), "#3, #4") {
		t.Errorf("duplicate title: %v", err)
	}
	if _, err := idx.Resolve("Nope"); err == nil || !strings.Contains(err.Error(), `"Status" (#2, selection)`) {
		t.Errorf("unknown column: %v", err)
	}
	// Name is mandatory without default; Status has a default.
	if _, err := idx.Encode(map[string]any{"#3": 1}, true); err == nil || !strings.Contains(err.Error(), `"Name"`) || strings.Contains(err.Error(), `"Status"`) {
		t.Errorf("mandatory check: %v", err)
	}
	if _, err := idx.Encode(map[string]any{"#3": 1}, false); err != nil {
		t.Errorf("update needs no mandatory columns: %v", err)
	}
	if _, err := idx.Encode(map[string]any{"Name": "a", "#1": "b"}, false); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("same column twice: %v", err)
	}
	data, err := idx.Encode(map[string]any{"Name": "a", "status": "Open"}, true)
	if err != nil || data[1] != "a" || data[2] != int64(1) {
		t.Errorf("encode: %v %v", data, err)
	}
	got := idx.Decode([]nextcloud.TablesCell{{ColumnID: 2, Value: json.RawMessage(`1`)}, {ColumnID: 3, Value: json.RawMessage(`5`)}, {ColumnID: 99, Value: json.RawMessage(`1`)}})
	if fmt.Sprint(got) != "map[Dup (#3):5 Status:Open]" {
		t.Errorf("decode: %v", got)
	}
}

func TestTablesClientErrors(t *testing.T) {
	ctx := context.Background()
	off := nctest.New(t, nctest.WithDisabledApp("tables"))
	if _, _, err := off.Client(t, "admin").Tables().Index(ctx); !errors.Is(err, nextcloud.ErrAppNotEnabled) || !strings.Contains(err.Error(), `"tables"`) {
		t.Fatalf("disabled app (OCS): %v", err)
	}
	if _, err := off.Client(t, "admin").Tables().Rows(ctx, nextcloud.TablesNode{ID: 1}, 0, 0); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("disabled app (v1): %v", err)
	}
	// Nextcloud answers OCS routes of an app that is off with 404 "Invalid query".
	ocsOff := ocsAppOff(t, "tables")
	if _, _, err := ocsOff.Client(t, "admin").Tables().Index(ctx); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("OCS route missing: %v", err)
	}

	nc := nctest.New(t)
	tc := nc.Client(t, "admin").Tables()
	// Tables' OCS errors carry the text in data.message, not meta.
	_, err := tc.Table(ctx, 77)
	var e *nextcloud.Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound || e.Message != "Table not found." || e.App != "tables" || !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("unknown table: %#v", err)
	}
	_, err = tc.Row(ctx, 77)
	if !errors.As(err, &e) || e.Message != "Row not found." {
		t.Fatalf("unknown row: %v", err)
	}
	// A column outside the table is refused by Tables itself.
	var tb struct {
		ID int64 `json:"id"`
	}
	if err := nc.Client(t, "admin").OCS(ctx, http.MethodPost, "/ocs/v2.php/apps/tables/api/2/tables", nil, map[string]any{"title": "T"}, &tb); err != nil {
		t.Fatal(err)
	}
	_, err = tc.CreateRow(ctx, nextcloud.TablesNode{ID: tb.ID}, map[int64]any{12345: "x"})
	if err == nil || !strings.Contains(err.Error(), "Column with id 12345 is not part of table") {
		t.Fatalf("foreign column: %v", err)
	}
}
