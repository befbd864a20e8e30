package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type tablesViewOut struct {
	ID        int64  `json:"id" jsonschema:"view id"`
	Title     string `json:"title" jsonschema:"view title"`
	TableID   int64  `json:"table_id" jsonschema:"id of the view's table"`
	RowsCount int64  `json:"rows_count" jsonschema:"rows in the view"`
	Columns   int    `json:"columns" jsonschema:"number of columns the view shows"`
}

type tablesTableOut struct {
	ID           int64           `json:"id" jsonschema:"table id"`
	Title        string          `json:"title" jsonschema:"table title"`
	Emoji        string          `json:"emoji,omitempty" jsonschema:"table emoji"`
	Description  string          `json:"description,omitempty" jsonschema:"table description"`
	Owner        string          `json:"owner" jsonschema:"user id of the owner"`
	SharedWithMe bool            `json:"shared_with_me" jsonschema:"someone else owns the table and shared it with you"`
	Archived     bool            `json:"archived" jsonschema:"archived"`
	RowsCount    int64           `json:"rows_count" jsonschema:"number of rows"`
	ColumnsCount int64           `json:"columns_count" jsonschema:"number of columns"`
	Permissions  []string        `json:"permissions" jsonschema:"what you may do: read, create, update, delete, manage"`
	Views        []tablesViewOut `json:"views" jsonschema:"views of the table"`
}

type tablesColumnOut struct {
	ID          int64       `json:"id" jsonschema:"column id"`
	Title       string      `json:"title" jsonschema:"column title; use it as the key in values"`
	Type        string      `json:"type" jsonschema:"text-line, text-long, text-rich, text-link, number, number-stars, number-progress, selection, selection-multi, selection-check, datetime, datetime-date, datetime-time or usergroup"`
	Format      string      `json:"format" jsonschema:"the values the column takes"`
	Mandatory   bool        `json:"mandatory" jsonschema:"a value is required"`
	Description string      `json:"description,omitempty" jsonschema:"column description"`
	Options     []string    `json:"options,omitempty" jsonschema:"choices of a selection column"`
	Min         *float64    `json:"min,omitempty" jsonschema:"smallest number allowed"`
	Max         *float64    `json:"max,omitempty" jsonschema:"largest number allowed"`
	Decimals    *int        `json:"decimals,omitempty" jsonschema:"decimals shown"`
	Prefix      string      `json:"prefix,omitempty" jsonschema:"shown before numbers"`
	Suffix      string      `json:"suffix,omitempty" jsonschema:"shown after numbers"`
	MaxLength   *int        `json:"max_length,omitempty" jsonschema:"longest text allowed"`
	Pattern     string      `json:"pattern,omitempty" jsonschema:"regular expression text must match"`
	Default     tablesValue `json:"default,omitempty" jsonschema:"value new rows get when none is given"`
}

func tablesPermNames(p *nextcloud.TablesPermissions) []string {
	if p == nil {
		return []string{"read", "create", "update", "delete", "manage"}
	}
	var out []string
	for _, x := range []struct {
		ok   bool
		name string
	}{{p.Read, "read"}, {p.Create, "create"}, {p.Update, "update"}, {p.Delete, "delete"}, {p.Manage, "manage"}} {
		if x.ok {
			out = append(out, x.name)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func tablesViewFrom(v *nextcloud.TablesView) tablesViewOut {
	return tablesViewOut{ID: v.ID, Title: v.Title, TableID: v.TableID, RowsCount: v.RowsCount, Columns: len(v.Columns)}
}

func tablesTableFrom(t nextcloud.TablesTable, me string) tablesTableOut {
	out := tablesTableOut{
		ID: t.ID, Title: t.Title, Emoji: t.Emoji, Description: t.Description, Owner: t.Ownership,
		SharedWithMe: t.Ownership != "" && t.Ownership != me, Archived: t.Archived,
		RowsCount: t.RowsCount, ColumnsCount: t.ColumnsCount, Views: mapAll(t.Views, tablesViewFrom),
		Permissions: tablesPermNames(t.OnSharePermissions),
	}
	return out
}

func tablesColumnFrom(c *nextcloud.TablesColumn) tablesColumnOut {
	out := tablesColumnOut{
		ID: c.ID, Title: c.Title, Type: c.Kind(), Format: c.Format(), Mandatory: c.Mandatory, Description: c.Description,
	}
	switch c.Type {
	case "number":
		out.Min, out.Max, out.Decimals, out.Prefix, out.Suffix = c.NumberMin, c.NumberMax, c.NumberDecimals, c.NumberPrefix, c.NumberSuffix
		if c.NumberDefault != nil {
			out.Default = *c.NumberDefault
		}
	case "text":
		if c.TextMaxLength != nil && *c.TextMaxLength > 0 {
			out.MaxLength = c.TextMaxLength
		}
		out.Pattern = c.TextAllowedPattern
		if c.TextDefault != "" {
			out.Default = c.TextDefault
		}
	case "selection":
		out.Options = c.OptionLabels()
		if c.HasDefault() {
			out.Default = c.DecodeValue(json.RawMessage(c.SelectionDefault))
		}
	case "datetime":
		if c.HasDefault() {
			out.Default = c.DatetimeDefault
		}
	case "usergroup":
		if c.HasDefault() {
			out.Default = c.DecodeValue(c.UsergroupDefault)
		}
	}
	return out
}

func tablesTitles(cols []nextcloud.TablesColumn) []string {
	count := map[string]int{}
	for _, c := range cols {
		count[c.Title]++
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Title
		if count[c.Title] > 1 {
			out[i] = fmt.Sprintf("%s (#%d)", c.Title, c.ID)
		}
	}
	return out
}

func tablesCheckNode(tableID, viewID int64) error {
	switch {
	case tableID < 0 || viewID < 0:
		return Argf("table_id and view_id must be positive ids")
	case tableID > 0 && viewID > 0:
		return Argf("give table_id or view_id, not both")
	case tableID == 0 && viewID == 0:
		return Argf("give table_id or view_id; find them with nc_tables_list")
	}
	return nil
}

// The scopes of the Tables tools.
const tablesRead, tablesWrite = "tables:read", "tables:write"

// TablesToolset offers the Tables app: tables, views, schemas and rows.
func TablesToolset(env *Env) Toolset {
	return Toolset{
		Name:        "tables",
		Description: "Tables: structured tables and views, their columns and rows",
		App:         nextcloud.TablesApp,
		Tools: []Tool{
			tablesList(env),
			tablesSchema(env),
			tablesReadRows(env),
			tablesGetRow(env),
			tablesInsert(env),
			tablesUpdate(env),
			tablesDelete(env),
		},
	}
}

type tablesListIn struct {
	IncludeArchived bool `json:"include_archived,omitempty" jsonschema:"also list archived tables"`
}

type tablesListOut struct {
	Tables      []tablesTableOut `json:"tables" jsonschema:"tables you own or that are shared with you"`
	SharedViews []tablesViewOut  `json:"shared_views" jsonschema:"views shared with you whose table is not"`
}

func (o tablesListOut) Summary() string {
	if len(o.Tables) == 0 && len(o.SharedViews) == 0 {
		return "No tables."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d table(s):", len(o.Tables))
	for _, t := range o.Tables {
		title := t.Title
		if t.Emoji != "" {
			title = t.Emoji + " " + title
		}
		fmt.Fprintf(&b, "\n- #%d %s (%d rows, %d columns)", t.ID, title, t.RowsCount, t.ColumnsCount)
		if t.SharedWithMe {
			fmt.Fprintf(&b, " shared by %s", t.Owner)
		}
		for _, v := range t.Views {
			fmt.Fprintf(&b, "\n  - view #%d %s (%d rows)", v.ID, v.Title, v.RowsCount)
		}
	}
	for _, v := range o.SharedViews {
		fmt.Fprintf(&b, "\n- shared view #%d %s of table #%d (%d rows)", v.ID, v.Title, v.TableID, v.RowsCount)
	}
	return b.String()
}

// tablesList is nc_tables_list (list tables).
func tablesList(env *Env) Tool {
	return NewTool(Spec{Name: "nc_tables_list", Title: "List tables",
		Description: "List your Nextcloud Tables with their views, row and column counts, and the views shared with you on their own.",
		Scope:       tablesRead, Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in tablesListIn) (tablesListOut, error) {
			tables, views, err := nc.Tables().Index(ctx)
			if err != nil {
				return tablesListOut{}, err
			}
			out := tablesListOut{Tables: []tablesTableOut{}, SharedViews: []tablesViewOut{}}
			for _, t := range tables {
				if t.Archived && !in.IncludeArchived {
					continue
				}
				out.Tables = append(out.Tables, tablesTableFrom(t, nc.User()))
			}
			sort.SliceStable(out.Tables, func(i, j int) bool {
				return strings.ToLower(out.Tables[i].Title) < strings.ToLower(out.Tables[j].Title)
			})
			out.SharedViews = mapAll(views, tablesViewFrom)
			return out, nil
		})
}

type tablesNodeIn struct {
	TableID int64 `json:"table_id,omitempty" jsonschema:"table id, from nc_tables_list (give table_id or view_id)"`
	ViewID  int64 `json:"view_id,omitempty" jsonschema:"view id, from nc_tables_list (give table_id or view_id)"`
}

func (in tablesNodeIn) node() nextcloud.TablesNode {
	if in.ViewID > 0 {
		return nextcloud.TablesNode{View: true, ID: in.ViewID}
	}
	return nextcloud.TablesNode{ID: in.TableID}
}

func (in tablesNodeIn) Validate() error { return tablesCheckNode(in.TableID, in.ViewID) }

type tablesSchemaOut struct {
	TableID   int64             `json:"table_id" jsonschema:"table id"`
	ViewID    int64             `json:"view_id,omitempty" jsonschema:"view id, when the schema is a view's"`
	Title     string            `json:"title" jsonschema:"table or view title"`
	RowsCount int64             `json:"rows_count" jsonschema:"number of rows"`
	Columns   []tablesColumnOut `json:"columns" jsonschema:"columns in display order"`
	Views     []tablesViewOut   `json:"views,omitempty" jsonschema:"views of the table"`
}

func (o tablesSchemaOut) Summary() string {
	var b strings.Builder
	what := fmt.Sprintf("table #%d", o.TableID)
	if o.ViewID > 0 {
		what = fmt.Sprintf("view #%d of table #%d", o.ViewID, o.TableID)
	}
	fmt.Fprintf(&b, "%s %s: %d row(s), %d column(s):", what, o.Title, o.RowsCount, len(o.Columns))
	for _, c := range o.Columns {
		fmt.Fprintf(&b, "\n- %s (#%d, %s): %s", c.Title, c.ID, c.Type, c.Format)
		if c.Mandatory {
			b.WriteString(", mandatory")
		}
	}
	return b.String()
}

// tablesSchema is nc_tables_get_schema (get table schema).
func tablesSchema(env *Env) Tool {
	return NewTool(Spec{Name: "nc_tables_get_schema", Title: "Get table schema",
		Description: "Show the columns of a table or view: title, type, the values each takes (selection options, number ranges, date formats), mandatory flags and defaults. Read this before inserting or updating rows.",
		Scope:       tablesRead, Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in tablesNodeIn) (tablesSchemaOut, error) {
			tc := nc.Tables()
			n := in.node()
			out := tablesSchemaOut{Columns: []tablesColumnOut{}}
			info, err := tc.Node(ctx, n)
			if err != nil {
				return out, tablesExplain(err, n)
			}
			out.TableID, out.ViewID, out.Title, out.RowsCount = info.TableID, info.ViewID, info.Title, info.RowsCount
			out.Views = mapAll(info.Views, tablesViewFrom)
			idx, err := tablesColumns(ctx, tc, n)
			if err != nil {
				return out, err
			}
			out.Columns = mapAll(idx.Columns, tablesColumnFrom)
			return out, nil
		})
}

// tablesColumns loads the columns of a table or view.
func tablesColumns(ctx context.Context, tc *nextcloud.TablesClient, n nextcloud.TablesNode) (nextcloud.TablesColumnIndex, error) {
	cols, err := tc.Columns(ctx, n)
	if err != nil {
		return nextcloud.TablesColumnIndex{}, tablesExplain(err, n)
	}
	return nextcloud.TablesColumnIndex{Columns: cols}, nil
}

// tablesExplain says in words what a 404 or 403 of a table or view means.
func tablesExplain(err error, n nextcloud.TablesNode) error {
	var e *nextcloud.Error
	if errors.As(err, &e) {
		switch e.Status {
		case 404:
			return fmt.Errorf("%s does not exist or is not shared with you (list them with nc_tables_list): %w", n, err)
		case 403:
			return fmt.Errorf("you lack the permission for this on %s: %w", n, err)
		}
	}
	return err
}
