package nextcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Tables API roots: OCS API v2 for tables, views and columns, REST API v1
// for rows.
const (
	tablesOCSAPI = "/ocs/v2.php/apps/tables/api/2"
	tablesAPI1   = "/index.php/apps/tables/api/1"
)

// TablesPermissions are what a share lets the user do with a table or view.
type TablesPermissions struct {
	Read   bool `json:"read"`
	Create bool `json:"create"`
	Update bool `json:"update"`
	Delete bool `json:"delete"`
	Manage bool `json:"manage"`
}

// TablesView is a saved view of a table (a column subset, filters, sort).
type TablesView struct {
	ID                 int64              `json:"id"`
	Title              string             `json:"title"`
	Emoji              string             `json:"emoji"`
	TableID            int64              `json:"tableId"`
	Ownership          string             `json:"ownership"`
	OwnerDisplayName   string             `json:"ownerDisplayName"`
	Description        string             `json:"description"`
	Columns            []int64            `json:"columns"`
	IsShared           bool               `json:"isShared"`
	Favorite           bool               `json:"favorite"`
	OnSharePermissions *TablesPermissions `json:"onSharePermissions"`
	RowsCount          int64              `json:"rowsCount"`
}

// TablesTable is a table with its views.
type TablesTable struct {
	ID                 int64              `json:"id"`
	Title              string             `json:"title"`
	Emoji              string             `json:"emoji"`
	Description        string             `json:"description"`
	Ownership          string             `json:"ownership"`
	OwnerDisplayName   string             `json:"ownerDisplayName"`
	CreatedAt          string             `json:"createdAt"`
	LastEditAt         string             `json:"lastEditAt"`
	Archived           bool               `json:"archived"`
	Favorite           bool               `json:"favorite"`
	IsShared           bool               `json:"isShared"`
	OnSharePermissions *TablesPermissions `json:"onSharePermissions"`
	RowsCount          int64              `json:"rowsCount"`
	ColumnsCount       int64              `json:"columnsCount"`
	Views              []TablesView       `json:"views"`
}

// TablesSelectionOption is one choice of a selection column.
type TablesSelectionOption struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// TablesColumn is a column definition with the options of its type.
type TablesColumn struct {
	ID                     int64                   `json:"id"`
	TableID                int64                   `json:"tableId"`
	Title                  string                  `json:"title"`
	Type                   string                  `json:"type"`
	Subtype                string                  `json:"subtype"`
	Mandatory              bool                    `json:"mandatory"`
	Description            string                  `json:"description"`
	NumberDefault          *float64                `json:"numberDefault"`
	NumberMin              *float64                `json:"numberMin"`
	NumberMax              *float64                `json:"numberMax"`
	NumberDecimals         *int                    `json:"numberDecimals"`
	NumberPrefix           string                  `json:"numberPrefix"`
	NumberSuffix           string                  `json:"numberSuffix"`
	TextDefault            string                  `json:"textDefault"`
	TextAllowedPattern     string                  `json:"textAllowedPattern"`
	TextMaxLength          *int                    `json:"textMaxLength"`
	TextUnique             bool                    `json:"textUnique"`
	SelectionOptions       []TablesSelectionOption `json:"selectionOptions"`
	SelectionDefault       string                  `json:"selectionDefault"`
	DatetimeDefault        string                  `json:"datetimeDefault"`
	UsergroupDefault       json.RawMessage         `json:"usergroupDefault"`
	UsergroupMultipleItems bool                    `json:"usergroupMultipleItems"`
	UsergroupSelectUsers   bool                    `json:"usergroupSelectUsers"`
	UsergroupSelectGroups  bool                    `json:"usergroupSelectGroups"`
	UsergroupSelectTeams   bool                    `json:"usergroupSelectTeams"`
}

// TablesCell is one value of a row.
type TablesCell struct {
	ColumnID int64           `json:"columnId"`
	Value    json.RawMessage `json:"value"`
}

// TablesRow is a row as the API sends it: values by column id.
type TablesRow struct {
	ID         int64        `json:"id"`
	TableID    int64        `json:"tableId"`
	CreatedBy  string       `json:"createdBy"`
	CreatedAt  string       `json:"createdAt"`
	LastEditBy string       `json:"lastEditBy"`
	LastEditAt string       `json:"lastEditAt"`
	Data       []TablesCell `json:"data"`
}

// TablesClient is the Tables app's API.
type TablesClient struct{ app App }

// Tables returns the Tables API client.
func (c *Client) Tables() *TablesClient { return &TablesClient{app: c.AppOf(TablesApp, nil)} }

// TablesNode says whether an id names a table or a view.
type TablesNode struct {
	View bool
	ID   int64
}

func (n TablesNode) String() string {
	if n.View {
		return fmt.Sprintf("view %d", n.ID)
	}
	return fmt.Sprintf("table %d", n.ID)
}

func (n TablesNode) collection() string {
	if n.View {
		return "views"
	}
	return "tables"
}

// Index lists the user's tables (with their views) and the views shared
// with the user on their own.
func (t *TablesClient) Index(ctx context.Context) ([]TablesTable, []TablesView, error) {
	var idx struct {
		Tables []TablesTable `json:"tables"`
		Views  []TablesView  `json:"views"`
	}
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: tablesOCSAPI + "/init", OCS: true}, &idx); err != nil {
		return nil, nil, fmt.Errorf("list tables: %w", err)
	}
	return idx.Tables, idx.Views, nil
}

// Table returns one table.
func (t *TablesClient) Table(ctx context.Context, id int64) (*TablesTable, error) {
	var tb TablesTable
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/tables/%d", tablesOCSAPI, id), OCS: true}, &tb); err != nil {
		return nil, fmt.Errorf("get table %d: %w", id, err)
	}
	return &tb, nil
}

// View returns one view.
func (t *TablesClient) View(ctx context.Context, id int64) (*TablesView, error) {
	var v TablesView
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/views/%d", tablesAPI1, id)}, &v); err != nil {
		return nil, fmt.Errorf("get view %d: %w", id, err)
	}
	return &v, nil
}

// TablesNodeInfo is what a table and a view have in common.
type TablesNodeInfo struct {
	TableID int64
	// ViewID is 0 for a table.
	ViewID    int64
	Title     string
	RowsCount int64
	// Permissions are what its share lets the user do; nil when the user
	// owns it.
	Permissions *TablesPermissions
	// Views are a table's views (none for a view).
	Views []TablesView
}

// Node reads a table or a view.
func (t *TablesClient) Node(ctx context.Context, n TablesNode) (*TablesNodeInfo, error) {
	if n.View {
		v, err := t.View(ctx, n.ID)
		if err != nil {
			return nil, err
		}
		return &TablesNodeInfo{TableID: v.TableID, ViewID: v.ID, Title: v.Title, RowsCount: v.RowsCount, Permissions: v.OnSharePermissions}, nil
	}
	tb, err := t.Table(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	return &TablesNodeInfo{TableID: tb.ID, Title: tb.Title, RowsCount: tb.RowsCount, Permissions: tb.OnSharePermissions, Views: tb.Views}, nil
}

// Columns lists the columns of a table or view, in display order.
func (t *TablesClient) Columns(ctx context.Context, n TablesNode) ([]TablesColumn, error) {
	typ := "table"
	if n.View {
		typ = "view"
	}
	var cols []TablesColumn
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/columns/%s/%d", tablesOCSAPI, typ, n.ID), OCS: true}, &cols); err != nil {
		return nil, fmt.Errorf("list columns of %s: %w", n, err)
	}
	return cols, nil
}

// Rows reads a page of rows of a table or view.
func (t *TablesClient) Rows(ctx context.Context, n TablesNode, limit, offset int) ([]TablesRow, error) {
	q := pageQuery(url.Values{}, limit, offset)
	var rows []TablesRow
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/%s/%d/rows", tablesAPI1, n.collection(), n.ID), Query: q}, &rows); err != nil {
		return nil, fmt.Errorf("read rows of %s: %w", n, err)
	}
	return rows, nil
}

// Row returns one row.
func (t *TablesClient) Row(ctx context.Context, rowID int64) (*TablesRow, error) {
	var r TablesRow
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: fmt.Sprintf("%s/rows/%d", tablesAPI1, rowID)}, &r); err != nil {
		return nil, fmt.Errorf("get row %d: %w", rowID, err)
	}
	return &r, nil
}

func tablesData(data map[int64]any) map[string]any {
	out := make(map[string]any, len(data))
	for id, v := range data {
		out[strconv.FormatInt(id, 10)] = v
	}
	return out
}

// CreateRow inserts a row; data maps column ids to API values (see
// TablesColumn.EncodeValue).
func (t *TablesClient) CreateRow(ctx context.Context, n TablesNode, data map[int64]any) (*TablesRow, error) {
	var r TablesRow
	if _, err := t.app.Call(ctx, Request{Method: http.MethodPost, Path: fmt.Sprintf("%s/%s/%d/rows", tablesAPI1, n.collection(), n.ID), Body: map[string]any{"data": tablesData(data)}}, &r); err != nil {
		return nil, fmt.Errorf("insert row into %s: %w", n, err)
	}
	return &r, nil
}

// UpdateRow changes the given columns of a row; viewID > 0 checks the
// user's rights through that view.
func (t *TablesClient) UpdateRow(ctx context.Context, rowID, viewID int64, data map[int64]any) (*TablesRow, error) {
	body := map[string]any{"data": tablesData(data)}
	if viewID > 0 {
		body["viewId"] = viewID
	}
	var r TablesRow
	if _, err := t.app.Call(ctx, Request{Method: http.MethodPut, Path: fmt.Sprintf("%s/rows/%d", tablesAPI1, rowID), Body: body}, &r); err != nil {
		return nil, fmt.Errorf("update row %d: %w", rowID, err)
	}
	return &r, nil
}

// DeleteRow deletes a row, through a view when viewID > 0.
func (t *TablesClient) DeleteRow(ctx context.Context, rowID, viewID int64) error {
	p := fmt.Sprintf("%s/rows/%d", tablesAPI1, rowID)
	if viewID > 0 {
		p = fmt.Sprintf("%s/views/%d/rows/%d", tablesAPI1, viewID, rowID)
	}
	if _, err := t.app.Call(ctx, Request{Method: http.MethodDelete, Path: p}, nil); err != nil {
		return fmt.Errorf("delete row %d: %w", rowID, err)
	}
	return nil
}
