package nextcloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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
		ids := []int64{}
		seen := map[int64]bool{}
		for _, it := range asList(v) {
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
		t, dateOnly, err := ParseTimeInput(s, time.UTC)
		if err != nil || !dateOnly {
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
		t, _, err := ParseTimeInput(s, time.UTC)
		if err != nil {
			return nil, c.bad("takes a date and time YYYY-MM-DD HH:MM like 2025-03-31 14:00, not %q", s)
		}
		// Tables keeps the wall clock of the given offset.
		return t.Format("2006-01-02 15:04"), nil
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
	items := asList(v)
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

// asList is v when it is a list, else the list of v alone: where a cell
// takes several values, one value is a list of one.
func asList(v any) []any {
	if x, ok := v.([]any); ok {
		return x
	}
	return []any{v}
}
