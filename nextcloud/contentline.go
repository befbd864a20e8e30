package nextcloud

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Content lines (RFC 5545 §3.1, RFC 6350 §3.2) as another client stored
// them. go-ical and go-vcard re-encode every property of an object they
// write (go-vcard lossily: it splits quoted parameters at commas, escapes
// commas in URIs and never quotes), so a write through them alone would
// change what the tool was not asked to change. Objects are therefore
// edited, not re-encoded: the libraries parse, the tool changes their
// model, and properties whose parsed form did not change go back with the
// exact bytes they came with; only changed properties are written anew
// (by formatContentLine, which quotes, escapes and folds properly).

// contentLine is one logical line.
type contentLine struct {
	raw    string // as stored: folds and line end included
	group  string
	name   string // upper case, without group
	params []lineParam
	value  string // as on the wire: still escaped
}

type lineParam struct {
	name   string
	values []string // unquoted
}

// rawComponent is a BEGIN…END block with its lines and sub-blocks in
// their stored order.
type rawComponent struct {
	name       string
	begin, end string // raw lines
	items      []rawItem
}

type rawItem struct {
	line  *contentLine
	child *rawComponent
}

func (c *rawComponent) children() []*rawComponent {
	var out []*rawComponent
	for _, it := range c.items {
		if it.child != nil {
			out = append(out, it.child)
		}
	}
	return out
}

// parseContentLines reads the top-level components of an iCalendar or
// vCard stream; text outside components is dropped.
func parseContentLines(data []byte) ([]*rawComponent, error) {
	var logical []string
	var raws []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var phys []byte
		if i < 0 {
			phys, data = data, nil
		} else {
			phys, data = data[:i+1], data[i+1:]
		}
		text := strings.TrimRight(string(phys), "\r\n")
		if (phys[0] == ' ' || phys[0] == '\t') && len(logical) > 0 {
			logical[len(logical)-1] += text[1:]
			raws[len(raws)-1] += string(phys)
			continue
		}
		if text == "" {
			continue
		}
		logical = append(logical, text)
		raws = append(raws, string(phys))
	}
	var top []*rawComponent
	var stack []*rawComponent
	for i, l := range logical {
		cl, err := parseContentLine(l)
		if err != nil {
			// Kept as it was (written back as is) but not read, as
			// go-vcard skips such lines.
			cl = &contentLine{}
		}
		cl.raw = raws[i]
		if !strings.HasSuffix(cl.raw, "\n") {
			cl.raw += "\r\n"
		}
		switch cl.name {
		case "BEGIN":
			c := &rawComponent{name: strings.ToUpper(strings.TrimSpace(cl.value)), begin: cl.raw}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.items = append(parent.items, rawItem{child: c})
			} else {
				top = append(top, c)
			}
			stack = append(stack, c)
		case "END":
			if len(stack) == 0 || stack[len(stack)-1].name != strings.ToUpper(strings.TrimSpace(cl.value)) {
				return nil, fmt.Errorf("line %d: END:%s does not close an open component", i+1, cl.value)
			}
			stack[len(stack)-1].end = cl.raw
			stack = stack[:len(stack)-1]
		default: // properties, and unreadable lines (name "")
			if len(stack) > 0 {
				stack[len(stack)-1].items = append(stack[len(stack)-1].items, rawItem{line: cl})
			}
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("component %s is not closed (no END)", stack[len(stack)-1].name)
	}
	return top, nil
}

// parseContentLine splits an unfolded line into group, name, parameters
// (quoted values kept whole) and value.
func parseContentLine(l string) (*contentLine, error) {
	cl := &contentLine{}
	i := strings.IndexAny(l, ";:")
	if i <= 0 {
		return nil, errors.New("no property name")
	}
	name := l[:i]
	if g := strings.LastIndexByte(name, '.'); g >= 0 {
		cl.group, name = name[:g], name[g+1:]
	}
	cl.name = strings.ToUpper(name)
	rest := l[i:]
	for rest != "" && rest[0] == ';' {
		rest = rest[1:]
		eq := strings.IndexAny(rest, "=;:")
		if eq < 0 {
			return nil, errors.New("malformed parameter")
		}
		p := lineParam{name: strings.ToUpper(rest[:eq])}
		if rest[eq] != '=' {
			// A bare parameter (vCard 2.1 style TYPE shorthand).
			p.values = []string{p.name}
			p.name = "TYPE"
			cl.params = append(cl.params, p)
			rest = rest[eq:]
			continue
		}
		rest = rest[eq+1:]
		for {
			var v string
			if strings.HasPrefix(rest, `"`) {
				end := strings.IndexByte(rest[1:], '"')
				if end < 0 {
					return nil, errors.New("unterminated quoted parameter value")
				}
				v, rest = rest[1:1+end], rest[end+2:]
			} else {
				end := strings.IndexAny(rest, ",;:")
				if end < 0 {
					return nil, errors.New("no value after the parameters")
				}
				v, rest = rest[:end], rest[end:]
			}
			p.values = append(p.values, v)
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
				continue
			}
			break
		}
		cl.params = append(cl.params, p)
	}
	if !strings.HasPrefix(rest, ":") {
		return nil, errors.New("no value separator")
	}
	cl.value = rest[1:]
	return cl, nil
}

// formatContentLine writes one property: parameter values quoted when they
// hold ; : or , (a double quote, which no parameter can carry, becomes
// '), and the line folded at 75 octets.
// writeOver writes the properties of a component over the lines it was
// read from (items): a property whose values did not change (same) keeps
// its bytes in its place, a changed one is written anew where it first
// stood, and the ones not written by then (new ones) follow, sorted by
// name. Nested components in items go to child.
func writeOver[P any](b *strings.Builder, items []rawItem, props map[string][]P, same func(name string) bool,
	format func(name string, p P) string, child func(*rawComponent)) {
	done := map[string]bool{}
	for _, it := range items {
		if it.line == nil {
			child(it.child)
			continue
		}
		name := it.line.name
		if name == "" {
			b.WriteString(it.line.raw)
			continue
		}
		switch {
		case same(name):
			b.WriteString(it.line.raw)
		case !done[name]:
			for _, p := range props[name] {
				b.WriteString(format(name, p))
			}
		}
		done[name] = true
	}
	writeSorted(b, props, done, format)
}

// writeSorted writes the properties not in skip, sorted by name.
func writeSorted[P any](b *strings.Builder, props map[string][]P, skip map[string]bool, format func(name string, p P) string) {
	names := make([]string, 0, len(props))
	for n := range props {
		if !skip[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		for _, p := range props[n] {
			b.WriteString(format(n, p))
		}
	}
}

func formatContentLine(group, name string, params map[string][]string, value string) string {
	var b strings.Builder
	if group != "" {
		b.WriteString(group + ".")
	}
	b.WriteString(name)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(params[k]) == 0 {
			continue
		}
		b.WriteString(";" + k + "=")
		for i, v := range params[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			v = strings.Map(func(r rune) rune {
				switch {
				case r == '"':
					return '\''
				case r < 0x20 && r != '\t' || r == 0x7f:
					return ' '
				}
				return r
			}, v)
			if strings.ContainsAny(v, ";:,") {
				v = `"` + v + `"`
			}
			b.WriteString(v)
		}
	}
	b.WriteByte(':')
	b.WriteString(value)
	return foldLine(b.String())
}

// foldLine folds a logical line at 75 octets without splitting a UTF-8
// sequence and ends it with CRLF.
func foldLine(l string) string {
	if len(l) <= 75 {
		return l + "\r\n"
	}
	var b strings.Builder
	limit := 75
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		b.WriteString(l[:cut])
		b.WriteString("\r\n ")
		l = l[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(l)
	b.WriteString("\r\n")
	return b.String()
}

// foldAll folds every line of an encoder's output (whose lines are never
// folded).
func foldAll(data []byte) []byte {
	var b bytes.Buffer
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if l = strings.TrimRight(l, "\r\n"); l != "" {
			b.WriteString(foldLine(l))
		}
	}
	return b.Bytes()
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11, RFC 6350 §3.4).
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unescapeText undoes escapeText; an unknown escape keeps its character.
func unescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// splitEscaped splits a wire value at unescaped sep (the ; of structured
// values, the , of lists), leaving the parts escaped.
func splitEscaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
