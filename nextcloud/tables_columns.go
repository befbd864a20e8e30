package nextcloud

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

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
