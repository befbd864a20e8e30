package mcp

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// tablesValue is a cell value: text, number, boolean, or a list of
// selection labels or users and groups (its schema is in typeSchemas).
type tablesValue any

type tablesRowOut struct {
	ID         int64          `json:"id" jsonschema:"row id"`
	TableID    int64          `json:"table_id" jsonschema:"table id"`
	Values     map[string]any `json:"values" jsonschema:"values by column title; selections as labels"`
	CreatedBy  string         `json:"created_by" jsonschema:"user who created the row"`
	CreatedAt  string         `json:"created_at" jsonschema:"creation time"`
	LastEditBy string         `json:"last_edit_by" jsonschema:"user who changed it last"`
	LastEditAt string         `json:"last_edit_at" jsonschema:"time of the last change"`
}

func tablesFormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func tablesRowLine(columns []string, r tablesRowOut) string {
	parts := make([]string, 0, len(columns))
	for _, c := range columns {
		if v, ok := r.Values[c]; ok && v != nil {
			parts = append(parts, c+": "+tablesFormatValue(v))
		}
	}
	return fmt.Sprintf("#%d %s", r.ID, strings.Join(parts, "; "))
}

type tablesRowOneOut struct {
	Row     tablesRowOut `json:"row" jsonschema:"the row"`
	Columns []string     `json:"columns" jsonschema:"column titles in display order"`
	Action  string       `json:"action,omitempty" jsonschema:"what was done"`
}

func (o tablesRowOneOut) Summary() string {
	s := tablesRowLine(o.Columns, o.Row)
	if o.Action != "" {
		return o.Action + ": " + s
	}
	return s
}

func tablesRowFrom(r nextcloud.TablesRow, idx nextcloud.TablesColumnIndex) tablesRowOut {
	return tablesRowOut{
		ID: r.ID, TableID: r.TableID, Values: idx.Decode(r.Data), CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		LastEditBy: r.LastEditBy, LastEditAt: r.LastEditAt,
	}
}

type tablesReadRowsIn struct {
	TableID int64 `json:"table_id,omitempty" jsonschema:"table id (give table_id or view_id)"`
	ViewID  int64 `json:"view_id,omitempty" jsonschema:"view id (give table_id or view_id)"`
	Limit   int   `json:"limit,omitempty" jsonschema:"rows per page (default 50, max 500)"`
	Offset  int   `json:"offset,omitempty" jsonschema:"rows to skip, for the next page"`
}

func (in tablesReadRowsIn) Validate() error {
	if err := tablesCheckNode(in.TableID, in.ViewID); err != nil {
		return err
	}
	return cmp.Or(limitArg("limit", in.Limit, 500), offsetArg("offset", in.Offset))
}

type tablesRowsOut struct {
	TableID    int64          `json:"table_id" jsonschema:"table id"`
	ViewID     int64          `json:"view_id,omitempty" jsonschema:"view id, when read through a view"`
	Columns    []string       `json:"columns" jsonschema:"column titles in display order"`
	Rows       []tablesRowOut `json:"rows" jsonschema:"the rows of this page"`
	Offset     int            `json:"offset" jsonschema:"rows skipped"`
	Total      int64          `json:"total" jsonschema:"rows in the table or view"`
	HasMore    bool           `json:"has_more" jsonschema:"more rows follow; read on with next_offset"`
	NextOffset int            `json:"next_offset,omitempty" jsonschema:"offset of the next page"`
}

func (o tablesRowsOut) Summary() string {
	if len(o.Rows) == 0 {
		return fmt.Sprintf("No rows at offset %d (%d in total).", o.Offset, o.Total)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Rows %d-%d of %d:", o.Offset+1, o.Offset+len(o.Rows), o.Total)
	for _, r := range o.Rows {
		b.WriteString("\n- " + tablesRowLine(o.Columns, r))
	}
	if o.HasMore {
		fmt.Fprintf(&b, "\nMore rows follow: read on with offset %d.", o.NextOffset)
	}
	return b.String()
}

// tablesReadRows is nc_tables_read_rows (read table rows).
func tablesReadRows(env *Env) Tool {
	return NewTool(Spec{Name: "nc_tables_read_rows", Title: "Read table rows",
		Description: "Read rows of a table or view a page at a time, with values keyed by column title (selection values as labels).",
		Scope:       tablesRead, Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in tablesReadRowsIn) (tablesRowsOut, error) {
			tc := nc.Tables()
			n := tablesNodeIn{TableID: in.TableID, ViewID: in.ViewID}.node()
			out := tablesRowsOut{Rows: []tablesRowOut{}, Offset: in.Offset}
			info, err := tc.Node(ctx, n)
			if err != nil {
				return out, tablesExplain(err, n)
			}
			out.TableID, out.ViewID, out.Total = info.TableID, info.ViewID, info.RowsCount
			idx, err := tablesColumns(ctx, tc, n)
			if err != nil {
				return out, err
			}
			out.Columns = tablesTitles(idx.Columns)
			limit := in.Limit
			if limit == 0 {
				limit = 50
			}
			// One row more than asked tells whether another page follows.
			rows, err := tc.Rows(ctx, n, limit+1, in.Offset)
			if err != nil {
				return out, tablesExplain(err, n)
			}
			if len(rows) > limit {
				rows = rows[:limit]
				out.HasMore = true
				out.NextOffset = in.Offset + limit
			}
			for _, r := range rows {
				out.Rows = append(out.Rows, tablesRowFrom(r, idx))
			}
			if int64(in.Offset+len(out.Rows)) > out.Total {
				out.Total = int64(in.Offset + len(out.Rows))
			}
			return out, nil
		})
}

type tablesRowIn struct {
	RowID int64 `json:"row_id" jsonschema:"row id, from nc_tables_read_rows"`
}

func (in tablesRowIn) Validate() error { return tablesCheckRow(in.RowID, 0) }

// tablesValuesArg checks the values of an insert or update.
func tablesValuesArg(values map[string]any) error {
	if len(values) == 0 {
		return Argf("values must give at least one column value")
	}
	return nil
}

// tablesCheckRow checks a row id and an optional view id.
func tablesCheckRow(rowID, viewID int64) error {
	if err := idArg("row_id", rowID, ""); err != nil {
		return err
	}
	if viewID < 0 {
		return Argf("view_id must be a positive id")
	}
	return nil
}

// tablesRowNode is where a row change goes: through the view the caller
// named, else the row's table.
func tablesRowNode(r *nextcloud.TablesRow, viewID int64) nextcloud.TablesNode {
	if viewID > 0 {
		return nextcloud.TablesNode{View: true, ID: viewID}
	}
	return nextcloud.TablesNode{ID: r.TableID}
}

// tablesRowAnswer is the answer about one row, with what was done.
func tablesRowAnswer(r *nextcloud.TablesRow, idx nextcloud.TablesColumnIndex, action string) tablesRowOneOut {
	return tablesRowOneOut{Row: tablesRowFrom(*r, idx), Columns: tablesTitles(idx.Columns), Action: action}
}

// tablesEncode checks values against the columns of n (a new row must
// give every mandatory column) and encodes them for Tables.
func tablesEncode(ctx context.Context, tc *nextcloud.TablesClient, n nextcloud.TablesNode, values map[string]any, newRow bool) (nextcloud.TablesColumnIndex, map[int64]any, error) {
	idx, err := tablesColumns(ctx, tc, n)
	if err != nil {
		return idx, nil, err
	}
	data, err := idx.Encode(values, newRow)
	if err != nil {
		return idx, nil, Argf("%s", tablesJoinErrors(err))
	}
	return idx, data, nil
}

// tablesGetRow is nc_tables_get_row (get table row).
func tablesGetRow(env *Env) Tool {
	return NewTool(Spec{Name: "nc_tables_get_row", Title: "Get table row",
		Description: "Read one row by id, with values keyed by column title.",
		Scope:       tablesRead, Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in tablesRowIn) (tablesRowOneOut, error) {
			tc := nc.Tables()
			r, err := tablesRow(ctx, tc, in.RowID)
			if err != nil {
				return tablesRowOneOut{}, err
			}
			idx, err := tablesColumns(ctx, tc, nextcloud.TablesNode{ID: r.TableID})
			if err != nil {
				return tablesRowOneOut{}, err
			}
			return tablesRowAnswer(r, idx, ""), nil
		})
}

type tablesInsertIn struct {
	TableID int64          `json:"table_id,omitempty" jsonschema:"table id (give table_id or view_id)"`
	ViewID  int64          `json:"view_id,omitempty" jsonschema:"view id to insert through (give table_id or view_id)"`
	Values  map[string]any `json:"values" jsonschema:"values by column title (or column id), e.g. {\"Name\": \"Ada\", \"Status\": \"Done\", \"Due\": \"2025-03-31\"}; see nc_tables_get_schema for each column's format"`
}

func (in tablesInsertIn) Validate() error {
	return cmp.Or(tablesCheckNode(in.TableID, in.ViewID), tablesValuesArg(in.Values))
}

// tablesInsert is nc_tables_insert_row (insert table row).
func tablesInsert(env *Env) Tool {
	return NewTool(Spec{Name: "nc_tables_insert_row", Title: "Insert table row",
		Description: "Add a row to a table or view. Give values by column title; each is checked against the column's type (numbers and their range, selection options by label, dates YYYY-MM-DD, times HH:MM, date-times YYYY-MM-DD HH:MM, URLs, users) and mandatory columns must be present.",
		Scope:       tablesWrite, Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in tablesInsertIn) (tablesRowOneOut, error) {
			tc := nc.Tables()
			n := tablesNodeIn{TableID: in.TableID, ViewID: in.ViewID}.node()
			info, err := tc.Node(ctx, n)
			if err != nil {
				return tablesRowOneOut{}, tablesExplain(err, n)
			}
			if err := tablesCheckPermission(info.Permissions, n, "create", func(p *nextcloud.TablesPermissions) bool { return p.Create }); err != nil {
				return tablesRowOneOut{}, err
			}
			idx, data, err := tablesEncode(ctx, tc, n, in.Values, true)
			if err != nil {
				return tablesRowOneOut{}, err
			}
			r, err := tc.CreateRow(ctx, n, data)
			if err != nil {
				return tablesRowOneOut{}, tablesExplain(err, n)
			}
			return tablesRowAnswer(r, idx, fmt.Sprintf("Inserted row %d into %s", r.ID, n)), nil
		})
}

type tablesUpdateIn struct {
	RowID  int64          `json:"row_id" jsonschema:"row id, from nc_tables_read_rows"`
	ViewID int64          `json:"view_id,omitempty" jsonschema:"view to update through, when you have access only via a view"`
	Values map[string]any `json:"values" jsonschema:"new values by column title (or column id); other columns stay as they are; null empties a column"`
}

func (in tablesUpdateIn) Validate() error {
	return cmp.Or(tablesCheckRow(in.RowID, in.ViewID), tablesValuesArg(in.Values))
}

// tablesUpdate is nc_tables_update_row (update table row).
func tablesUpdate(env *Env) Tool {
	return NewTool(Spec{Name: "nc_tables_update_row", Title: "Update table row",
		Description: "Change some values of a row, given by column title and checked against the column types; other columns stay as they are.",
		Scope:       tablesWrite, Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in tablesUpdateIn) (tablesRowOneOut, error) {
			tc := nc.Tables()
			r, err := tablesRow(ctx, tc, in.RowID)
			if err != nil {
				return tablesRowOneOut{}, err
			}
			n := tablesRowNode(r, in.ViewID)
			var perms *nextcloud.TablesPermissions
			info, err := tc.Node(ctx, n)
			switch {
			case err != nil && n.View:
				return tablesRowOneOut{}, tablesExplain(err, n)
			case err != nil: // Tables itself checks the table's rights on the update
			case n.View && info.TableID != r.TableID:
				return tablesRowOneOut{}, Argf("row %d belongs to table %d, not to view %d's table %d", in.RowID, r.TableID, in.ViewID, info.TableID)
			default:
				perms = info.Permissions
			}
			if err := tablesCheckPermission(perms, n, "update", func(p *nextcloud.TablesPermissions) bool { return p.Update }); err != nil {
				return tablesRowOneOut{}, err
			}
			idx, data, err := tablesEncode(ctx, tc, n, in.Values, false)
			if err != nil {
				return tablesRowOneOut{}, err
			}
			nr, err := tc.UpdateRow(ctx, in.RowID, in.ViewID, data)
			if err != nil {
				return tablesRowOneOut{}, tablesExplain(err, n)
			}
			full := idx
			if n.View { // show the whole row, not only the view's columns
				if all, err := tablesColumns(ctx, tc, nextcloud.TablesNode{ID: r.TableID}); err == nil {
					full = all
				}
			}
			return tablesRowAnswer(nr, full, fmt.Sprintf("Updated row %d", nr.ID)), nil
		})
}

type tablesDeleteIn struct {
	RowID  int64 `json:"row_id" jsonschema:"row id"`
	ViewID int64 `json:"view_id,omitempty" jsonschema:"view to delete through, when you have access only via a view"`
}

func (in tablesDeleteIn) Validate() error { return tablesCheckRow(in.RowID, in.ViewID) }

type tablesDeletedOut struct {
	RowID   int64  `json:"row_id" jsonschema:"id of the deleted row"`
	Message string `json:"message" jsonschema:"what was done"`
}

func (o tablesDeletedOut) Summary() string { return o.Message }

// tablesDelete is nc_tables_delete_row (delete table row).
func tablesDelete(env *Env) Tool {
	return NewTool(Spec{Name: "nc_tables_delete_row", Title: "Delete table row",
		Description: "Delete a row.",
		Scope:       tablesWrite, Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in tablesDeleteIn) (tablesDeletedOut, error) {
			tc := nc.Tables()
			r, err := tablesRow(ctx, tc, in.RowID)
			if err != nil {
				return tablesDeletedOut{}, err
			}
			n := tablesRowNode(r, in.ViewID)
			if err := tc.DeleteRow(ctx, in.RowID, in.ViewID); err != nil {
				return tablesDeletedOut{}, tablesExplain(err, n)
			}
			return tablesDeletedOut{RowID: in.RowID, Message: fmt.Sprintf("Deleted row %d of table %d.", in.RowID, r.TableID)}, nil
		})
}

// tablesRow reads a row, saying what a 404 means.
func tablesRow(ctx context.Context, tc *nextcloud.TablesClient, rowID int64) (*nextcloud.TablesRow, error) {
	r, err := tc.Row(ctx, rowID)
	var e *nextcloud.Error
	if errors.As(err, &e) && e.Status == 404 {
		return nil, fmt.Errorf("row %d does not exist or is not shared with you (find rows with nc_tables_read_rows): %w", rowID, err)
	}
	return r, err
}

// tablesCheckPermission refuses early when a share forbids the change.
func tablesCheckPermission(p *nextcloud.TablesPermissions, n nextcloud.TablesNode, verb string, allowed func(*nextcloud.TablesPermissions) bool) error {
	if p != nil && !allowed(p) {
		return Argf("%s is shared with you without the right to %s rows (you may: %s)", n, verb, strings.Join(tablesPermNames(p), ", "))
	}
	return nil
}

func tablesJoinErrors(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
