package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// TablesClient calls the Tables app's APIs.
type TablesClient struct{ c *Client }

// Tables returns a Tables API client.
func (c *Client) Tables() *TablesClient { return &TablesClient{c: c} }

// tablesMessage finds the error text in a Tables answer: OCS meta message,
// the {"message": ...} of a DataResponse, inside or outside an envelope.
func tablesMessage(body []byte) string {
	var v struct {
		OCS *struct {
			Meta struct {
				Message string `json:"message"`
			} `json:"meta"`
			Data json.RawMessage `json:"data"`
		} `json:"ocs"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &v) != nil {
		return messageFrom("", body)
	}
	if v.OCS != nil {
		if v.OCS.Meta.Message != "" {
			return v.OCS.Meta.Message
		}
		var d struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(v.OCS.Data, &d) == nil {
			return d.Message
		}
		return ""
	}
	return v.Message
}

// call sends one request to the Tables app; ocs unpacks the envelope.
func (t *TablesClient) call(ctx context.Context, method, path string, query url.Values, body any, ocs bool, out any) error {
	req, err := t.c.newJSONRequest(ctx, method, withQuery(path, query), nil, body, "tables request body")
	if err != nil {
		return err
	}
	resp, err := t.c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read answer of %s %s: %w", method, req.URL.Path, err)
	}
	if resp.StatusCode >= 300 {
		ct := resp.Header.Get("Content-Type")
		msg := tablesMessage(data)
		// An app that is off answers its routes with an HTML 404 page, and
		// OCS routes with 404 "Invalid query ..." (no such route).
		if resp.StatusCode == http.StatusNotFound && (strings.HasPrefix(ct, "text/html") || len(bytes.TrimSpace(data)) == 0 || strings.HasPrefix(msg, "Invalid query")) {
			return fmt.Errorf("nextcloud %s %s: the Nextcloud app \"tables\" (Tables) is not installed or not enabled for this user; ask an administrator to enable it: %w",
				method, req.URL.Path, ErrAppNotEnabled)
		}
		return &Error{Method: method, Path: req.URL.Path, Status: resp.StatusCode, Message: msg, Hint: hintFor(resp.StatusCode), App: "tables"}
	}
	if ocs {
		return DecodeOCS(method, req.URL.Path, data, out)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("nextcloud %s %s: unexpected answer: %w", method, req.URL.Path, err)
	}
	return nil
}

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
	if err := t.call(ctx, http.MethodGet, tablesOCSAPI+"/init", nil, nil, true, &idx); err != nil {
		return nil, nil, fmt.Errorf("list tables: %w", err)
	}
	return idx.Tables, idx.Views, nil
}

// Table returns one table.
func (t *TablesClient) Table(ctx context.Context, id int64) (*TablesTable, error) {
	var tb TablesTable
	if err := t.call(ctx, http.MethodGet, fmt.Sprintf("%s/tables/%d", tablesOCSAPI, id), nil, nil, true, &tb); err != nil {
		return nil, fmt.Errorf("get table %d: %w", id, err)
	}
	return &tb, nil
}

// View returns one view.
func (t *TablesClient) View(ctx context.Context, id int64) (*TablesView, error) {
	var v TablesView
	if err := t.call(ctx, http.MethodGet, fmt.Sprintf("%s/views/%d", tablesAPI1, id), nil, nil, false, &v); err != nil {
		return nil, fmt.Errorf("get view %d: %w", id, err)
	}
	return &v, nil
}

// Columns lists the columns of a table or view, in display order.
func (t *TablesClient) Columns(ctx context.Context, n TablesNode) ([]TablesColumn, error) {
	typ := "table"
	if n.View {
		typ = "view"
	}
	var cols []TablesColumn
	if err := t.call(ctx, http.MethodGet, fmt.Sprintf("%s/columns/%s/%d", tablesOCSAPI, typ, n.ID), nil, nil, true, &cols); err != nil {
		return nil, fmt.Errorf("list columns of %s: %w", n, err)
	}
	return cols, nil
}

// Rows reads a page of rows of a table or view.
func (t *TablesClient) Rows(ctx context.Context, n TablesNode, limit, offset int) ([]TablesRow, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	var rows []TablesRow
	if err := t.call(ctx, http.MethodGet, fmt.Sprintf("%s/%s/%d/rows", tablesAPI1, n.collection(), n.ID), q, nil, false, &rows); err != nil {
		return nil, fmt.Errorf("read rows of %s: %w", n, err)
	}
	return rows, nil
}

// Row returns one row.
func (t *TablesClient) Row(ctx context.Context, rowID int64) (*TablesRow, error) {
	var r TablesRow
	if err := t.call(ctx, http.MethodGet, fmt.Sprintf("%s/rows/%d", tablesAPI1, rowID), nil, nil, false, &r); err != nil {
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
	if err := t.call(ctx, http.MethodPost, fmt.Sprintf("%s/%s/%d/rows", tablesAPI1, n.collection(), n.ID), nil, map[string]any{"data": tablesData(data)}, false, &r); err != nil {
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
	if err := t.call(ctx, http.MethodPut, fmt.Sprintf("%s/rows/%d", tablesAPI1, rowID), nil, body, false, &r); err != nil {
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
	if err := t.call(ctx, http.MethodDelete, p, nil, nil, false, nil); err != nil {
		return fmt.Errorf("delete row %d: %w", rowID, err)
	}
	return nil
}

// ---- column types ----

// Kind is the column type as one word: text-line, text-long, text-rich,
// text-link, number, number-stars, number-progress, selection,
// selection-multi, selection-check, datetime, datetime-date,
// datetime-time, usergroup.
func (c *TablesColumn) Kind() string {
	sub := c.Subtype
	if c.Type == "text" && sub == "" {
		sub = "line"
	}
	if sub == "" || sub == "default" {
		return c.Type
	}
	return c.Type + "-" + sub
}

// HasDefault reports whether Tables fills the column when a row omits it.
func (c *TablesColumn) HasDefault() bool {
	switch c.Type {
	case "number":
		return c.NumberDefault != nil
	case "text":
		return c.TextDefault != ""
	case "selection":
		return c.SelectionDefault != "" && c.SelectionDefault != "null" && c.SelectionDefault != "[]"
	case "datetime":
		return c.DatetimeDefault != "" && c.DatetimeDefault != "none"
	case "usergroup":
		d := strings.TrimSpace(string(c.UsergroupDefault))
		return d != "" && d != "null" && d != "[]"
	}
	return false
}

// OptionLabels lists the labels of a selection column.
func (c *TablesColumn) OptionLabels() []string {
	out := make([]string, len(c.SelectionOptions))
	for i, o := range c.SelectionOptions {
		out[i] = o.Label
	}
	return out
}

// Format describes the values the column takes, for schemas and errors.
func (c *TablesColumn) Format() string {
	switch c.Kind() {
	case "text-line":
		s := "one line of text"
		if c.TextMaxLength != nil && *c.TextMaxLength > 0 {
			s += fmt.Sprintf(", at most %d characters", *c.TextMaxLength)
		}
		return s
	case "text-long", "text-rich":
		s := "text, may span several lines"
		if c.Kind() == "text-rich" {
			s = "rich text (Markdown)"
		}
		if c.TextMaxLength != nil && *c.TextMaxLength > 0 {
			s += fmt.Sprintf(", at most %d characters", *c.TextMaxLength)
		}
		return s
	case "text-link":
		return "a URL like https://example.com"
	case "number":
		s := "a number"
		switch {
		case c.NumberMin != nil && c.NumberMax != nil:
			s += fmt.Sprintf(" from %s to %s", tablesNum(*c.NumberMin), tablesNum(*c.NumberMax))
		case c.NumberMin != nil:
			s += " of at least " + tablesNum(*c.NumberMin)
		case c.NumberMax != nil:
			s += " of at most " + tablesNum(*c.NumberMax)
		}
		return s
	case "number-stars":
		return "a whole number of stars from 0 to 5"
	case "number-progress":
		return "a whole percentage from 0 to 100"
	case "selection":
		return "one of: " + tablesQuoteList(c.OptionLabels())
	case "selection-multi":
		return "a list of any of: " + tablesQuoteList(c.OptionLabels())
	case "selection-check":
		return "true or false"
	case "datetime-date":
		return "a date YYYY-MM-DD"
	case "datetime-time":
		return "a time HH:MM"
	case "datetime":
		return "a date and time YYYY-MM-DD HH:MM"
	case "usergroup":
		var kinds []string
		if c.UsergroupSelectUsers || (!c.UsergroupSelectGroups && !c.UsergroupSelectTeams) {
			kinds = append(kinds, "user ids")
		}
		if c.UsergroupSelectGroups {
			kinds = append(kinds, `groups as {"id": "…", "type": "group"}`)
		}
		if c.UsergroupSelectTeams {
			kinds = append(kinds, `teams as {"id": "…", "type": "team"}`)
		}
		s := strings.Join(kinds, " or ")
		if c.UsergroupMultipleItems {
			return "a list of " + s
		}
		return "a single entry: " + s
	}
	return "a value"
}

func tablesQuoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func tablesNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// TablesValueError is a value that does not fit its column.
type TablesValueError struct {
	Column string
	Kind   string
	Reason string
}

func (e *TablesValueError) Error() string {
	return fmt.Sprintf("column %q (%s): %s", e.Column, e.Kind, e.Reason)
}

func (c *TablesColumn) bad(format string, a ...any) error {
	return &TablesValueError{Column: c.Title, Kind: c.Kind(), Reason: fmt.Sprintf(format, a...)}
}

func tablesShow(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

// EncodeValue checks v (as decoded from JSON: string, float64, bool,
// []any, map[string]any or nil) against the column and returns the value
// the Tables API stores. Errors name the column and say what it takes.
func (c *TablesColumn) EncodeValue(v any) (any, error) {
	v = tablesNormalize(v)
	if v == nil {
		if c.Mandatory {
			return nil, c.bad("is mandatory and cannot be empty")
		}
		return nil, nil
	}
	switch c.Kind() {
	case "text-line", "text-long", "text-rich":
		s, ok := tablesText(v)
		if !ok {
			return nil, c.bad("takes %s, not %s", c.Format(), tablesShow(v))
		}
		if c.Kind() == "text-line" && strings.ContainsAny(s, "\r\n") {
			return nil, c.bad("takes a single line of text; the value has line breaks")
		}
		if c.TextMaxLength != nil && *c.TextMaxLength > 0 && utf8.RuneCountInString(s) > *c.TextMaxLength {
			return nil, c.bad("takes at most %d characters, the value has %d", *c.TextMaxLength, utf8.RuneCountInString(s))
		}
		if c.Mandatory && strings.TrimSpace(s) == "" {
			return nil, c.bad("is mandatory and cannot be empty")
		}
		if re := tablesPattern(c.TextAllowedPattern); re != nil && s != "" && !re.MatchString(s) {
			return nil, c.bad("the value %q does not match the column's allowed pattern %s", s, c.TextAllowedPattern)
		}
		return s, nil
	case "text-link":
		s, ok := v.(string)
		if !ok {
			return nil, c.bad("takes %s, not %s", c.Format(), tablesShow(v))
		}
		s = strings.TrimSpace(s)
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
			return nil, c.bad("takes a full URL with scheme like https://example.com, not %q", s)
		}
		return s, nil
	case "number", "number-stars", "number-progress":
		f, ok := tablesNumber(v)
		if !ok {
			return nil, c.bad("takes %s, not %s", c.Format(), tablesShow(v))
		}
		switch c.Kind() {
		case "number-stars":
			if f != math.Trunc(f) || f < 0 || f > 5 {
				return nil, c.bad("takes a whole number of stars from 0 to 5, not %s", tablesNum(f))
			}
		case "number-progress":
			if f != math.Trunc(f) || f < 0 || f > 100 {
				return nil, c.bad("takes a whole percentage from 0 to 100, not %s", tablesNum(f))
			}
		default:
			if c.NumberMin != nil && f < *c.NumberMin {
				return nil, c.bad("takes %s; %s is below the minimum", c.Format(), tablesNum(f))
			}
			if c.NumberMax != nil && f > *c.NumberMax {
				return nil, c.bad("takes %s; %s is above the maximum", c.Format(), tablesNum(f))
			}
		}
		return f, nil
	case "selection":
		id, err := c.option(v)
		if err != nil {
			return nil, err
		}
		return id, nil
	case "selection-multi":
		var items []any
		switch x := v.(type) {
		case []any:
			items = x
		default:
			items = []any{x}
		}
		ids := []int64{}
		seen := map[int64]bool{}
		for _, it := range items {
			id, err := c.option(it)
			if err != nil {
				return nil, err
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if c.Mandatory && len(ids) == 0 {
			return nil, c.bad("is mandatory and cannot be empty")
		}
		return ids, nil
	case "selection-check":
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x), nil
		case float64:
			if x == 1 || x == 0 {
				return strconv.FormatBool(x == 1), nil
			}
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "yes", "1", "checked", "x":
				return "true", nil
			case "false", "no", "0", "unchecked", "":
				return "false", nil
			}
		}
		return nil, c.bad("takes true or false, not %s", tablesShow(v))
	case "datetime-date":
		s, ok := v.(string)
		if !ok {
			return nil, c.bad("takes a date YYYY-MM-DD, not %s", tablesShow(v))
		}
		t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
		if err != nil {
			return nil, c.bad("takes a date YYYY-MM-DD like 2025-03-31, not %q", s)
		}
		return t.Format("2006-01-02"), nil
	case "datetime-time":
		s, ok := v.(string)
		if !ok {
			return nil, c.bad("takes a time HH:MM, not %s", tablesShow(v))
		}
		for _, layout := range []string{"15:04", "15:04:05"} {
			if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
				return t.Format("15:04"), nil
			}
		}
		return nil, c.bad("takes a time HH:MM like 09:30, not %q", s)
	case "datetime":
		s, ok := v.(string)
		if !ok {
			return nil, c.bad("takes a date and time YYYY-MM-DD HH:MM, not %s", tablesShow(v))
		}
		s = strings.TrimSpace(s)
		for _, layout := range []string{"2006-01-02 15:04", time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				// Tables keeps the wall clock of the given offset.
				return t.Format("2006-01-02 15:04"), nil
			}
		}
		return nil, c.bad("takes a date and time YYYY-MM-DD HH:MM like 2025-03-31 14:00, not %q", s)
	case "usergroup":
		return c.usergroup(v)
	}
	return v, nil
}

// tablesNormalize turns Go numbers (from Go callers rather than JSON) into
// float64, as encoding/json would have produced them.
func tablesNormalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = tablesNormalize(e)
		}
		return out
	}
	return v
}

func tablesText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return tablesNum(x), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func tablesNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// tablesPattern compiles a column's allowed pattern, with or without
// /.../ delimiters; a pattern Go cannot compile is not checked.
func tablesPattern(p string) *regexp.Regexp {
	p = strings.TrimSpace(p)
	if p == "" {
		return nil
	}
	if len(p) >= 2 && p[0] == '/' {
		if i := strings.LastIndex(p, "/"); i > 0 {
			flags := p[i+1:]
			p = p[1:i]
			if strings.Contains(flags, "i") {
				p = "(?i)" + p
			}
		}
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil
	}
	return re
}

// option resolves a selection value given as label (exact, then without
// regard to case) or option id.
func (c *TablesColumn) option(v any) (int64, error) {
	switch x := v.(type) {
	case string:
		for _, o := range c.SelectionOptions {
			if o.Label == x {
				return o.ID, nil
			}
		}
		var found []TablesSelectionOption
		for _, o := range c.SelectionOptions {
			if strings.EqualFold(strings.TrimSpace(o.Label), strings.TrimSpace(x)) {
				found = append(found, o)
			}
		}
		if len(found) == 1 {
			return found[0].ID, nil
		}
	case float64:
		for _, o := range c.SelectionOptions {
			if float64(o.ID) == x {
				return o.ID, nil
			}
		}
	}
	if len(c.SelectionOptions) == 0 {
		return 0, c.bad("has no options to choose from")
	}
	return 0, c.bad("takes one of %s, not %s", tablesQuoteList(c.OptionLabels()), tablesShow(v))
}

var tablesUsergroupTypes = map[string]int{"user": 0, "group": 1, "team": 2, "circle": 2}

func (c *TablesColumn) usergroup(v any) (any, error) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	default:
		items = []any{x}
	}
	type entry struct {
		ID   string `json:"id"`
		Type int    `json:"type"`
	}
	out := []entry{}
	for _, it := range items {
		var e entry
		switch x := it.(type) {
		case string:
			e = entry{ID: strings.TrimSpace(x)}
		case map[string]any:
			id, _ := x["id"].(string)
			e.ID = strings.TrimSpace(id)
			switch tv := x["type"].(type) {
			case nil:
			case float64:
				e.Type = int(tv)
			case string:
				n, ok := tablesUsergroupTypes[strings.ToLower(tv)]
				if !ok {
					return nil, c.bad("type %q is not one of user, group, team", tv)
				}
				e.Type = n
			default:
				return nil, c.bad("type must be user, group or team")
			}
		default:
			return nil, c.bad("takes %s, not %s", c.Format(), tablesShow(it))
		}
		if e.ID == "" {
			return nil, c.bad("an entry has no id")
		}
		if e.Type < 0 || e.Type > 2 {
			return nil, c.bad("type %d is not one of 0 (user), 1 (group), 2 (team)", e.Type)
		}
		restricted := c.UsergroupSelectUsers || c.UsergroupSelectGroups || c.UsergroupSelectTeams
		if restricted {
			allowed := []bool{c.UsergroupSelectUsers, c.UsergroupSelectGroups, c.UsergroupSelectTeams}[e.Type]
			if !allowed {
				return nil, c.bad("does not take %ss (%q); it takes %s", []string{"user", "group", "team"}[e.Type], e.ID, c.Format())
			}
		}
		out = append(out, e)
	}
	if !c.UsergroupMultipleItems && len(out) > 1 {
		return nil, c.bad("takes a single user or group, not %d", len(out))
	}
	if c.Mandatory && len(out) == 0 {
		return nil, c.bad("is mandatory and cannot be empty")
	}
	return out, nil
}

// DecodeValue turns a stored value into a readable one: selection ids
// become labels, checkboxes booleans, user/group lists their ids.
func (c *TablesColumn) DecodeValue(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	label := func(x any) any {
		f, ok := tablesNumber(x)
		if !ok {
			return x
		}
		for _, o := range c.SelectionOptions {
			if float64(o.ID) == f {
				return o.Label
			}
		}
		return x
	}
	switch c.Kind() {
	case "selection":
		return label(v)
	case "selection-multi":
		if s, ok := v.(string); ok { // some versions store the JSON list as a string
			var inner any
			if json.Unmarshal([]byte(s), &inner) == nil {
				v = inner
			}
		}
		list, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(list))
		for i, x := range list {
			out[i] = label(x)
		}
		return out
	case "selection-check":
		switch x := v.(type) {
		case bool:
			return x
		case string:
			return x == "true" || x == "1" || x == "yes"
		}
		return v
	case "usergroup":
		list, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, 0, len(list))
		for _, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				out = append(out, x)
				continue
			}
			e := map[string]any{"id": m["id"]}
			if f, ok := m["type"].(float64); ok && f >= 0 && f <= 2 {
				e["type"] = []string{"user", "group", "team"}[int(f)]
			}
			if dn, ok := m["displayName"].(string); ok && dn != "" {
				e["display_name"] = dn
			}
			out = append(out, e)
		}
		return out
	}
	return v
}

// TablesColumnIndex resolves column references (titles or ids) of one
// table or view.
type TablesColumnIndex struct {
	Columns []TablesColumn
}

// Resolve finds a column by exact title, title regardless of case, or id
// ("12" or "#12").
func (x TablesColumnIndex) Resolve(ref string) (*TablesColumn, error) {
	var exact, folded []*TablesColumn
	for i := range x.Columns {
		c := &x.Columns[i]
		if c.Title == ref {
			exact = append(exact, c)
		} else if strings.EqualFold(strings.TrimSpace(c.Title), strings.TrimSpace(ref)) {
			folded = append(folded, c)
		}
	}
	for _, set := range [][]*TablesColumn{exact, folded} {
		if len(set) == 1 {
			return set[0], nil
		}
		if len(set) > 1 {
			return nil, fmt.Errorf("%d columns are titled %q; name the one you mean by its id (%s)", len(set), ref, tablesIDs(set))
		}
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(ref), "#"), 10, 64); err == nil {
		for i := range x.Columns {
			if x.Columns[i].ID == id {
				return &x.Columns[i], nil
			}
		}
	}
	return nil, fmt.Errorf("unknown column %q; the columns are %s", ref, x.Describe())
}

func tablesIDs(cs []*TablesColumn) string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = "#" + strconv.FormatInt(c.ID, 10)
	}
	return strings.Join(ids, ", ")
}

// Describe lists the columns with their kinds, for error messages.
func (x TablesColumnIndex) Describe() string {
	if len(x.Columns) == 0 {
		return "none (the table has no columns yet)"
	}
	parts := make([]string, len(x.Columns))
	for i, c := range x.Columns {
		parts[i] = fmt.Sprintf("%q (#%d, %s)", c.Title, c.ID, c.Kind())
	}
	return strings.Join(parts, ", ")
}

// Encode turns values keyed by column title or id into API data keyed by
// column id, checking every value. With requireMandatory, mandatory
// columns without a default must be present.
func (x TablesColumnIndex) Encode(values map[string]any, requireMandatory bool) (map[int64]any, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[int64]any{}
	var errs []error
	for _, k := range keys {
		c, err := x.Resolve(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := out[c.ID]; dup {
			errs = append(errs, fmt.Errorf("column %q is given twice", c.Title))
			continue
		}
		v, err := c.EncodeValue(values[k])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[c.ID] = v
	}
	if requireMandatory {
		for i := range x.Columns {
			c := &x.Columns[i]
			if _, ok := out[c.ID]; !ok && c.Mandatory && !c.HasDefault() {
				errs = append(errs, c.bad("is mandatory; give a value (%s)", c.Format()))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Decode turns a row's cells into values keyed by column title (titles
// that repeat get their id appended). Cells of columns not in the index
// are left out.
func (x TablesColumnIndex) Decode(cells []TablesCell) map[string]any {
	count := map[string]int{}
	for _, c := range x.Columns {
		count[c.Title]++
	}
	byID := map[int64]*TablesColumn{}
	for i := range x.Columns {
		byID[x.Columns[i].ID] = &x.Columns[i]
	}
	out := map[string]any{}
	for _, cell := range cells {
		c, ok := byID[cell.ColumnID]
		if !ok {
			continue
		}
		key := c.Title
		if count[key] > 1 {
			key = fmt.Sprintf("%s (#%d)", c.Title, c.ID)
		}
		out[key] = c.DecodeValue(cell.Value)
	}
	return out
}
