package nextcloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/emersion/go-ical"
)

// origCal is a calendar object as read: its lines, and a copy of each
// component's properties, so a write can tell which properties the tool
// changed (see contentline.go).
type origCal struct {
	snaps map[*ical.Component]compSnap
}

type compSnap struct {
	raw   *rawComponent
	props ical.Props
}

// decodeCal parses an iCalendar object and remembers its lines.
func decodeCal(data []byte) (*ical.Calendar, *origCal, error) {
	var cal *ical.Calendar
	err := safely(func() error {
		var err error
		cal, err = ical.NewDecoder(bytes.NewReader(data)).Decode()
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	comps, err := parseContentLines(data)
	if err != nil {
		return nil, nil, err
	}
	var root *rawComponent
	for _, c := range comps {
		if c.name == ical.CompCalendar {
			root = c
			break
		}
	}
	if root == nil {
		return nil, nil, errors.New("no BEGIN:VCALENDAR")
	}
	o := &origCal{snaps: map[*ical.Component]compSnap{}}
	var walk func(c *ical.Component, r *rawComponent)
	walk = func(c *ical.Component, r *rawComponent) {
		if c.Name != r.name {
			return
		}
		o.snaps[c] = compSnap{raw: r, props: cloneProps(c.Props)}
		rch := r.children()
		if len(rch) != len(c.Children) {
			return
		}
		for i, ch := range c.Children {
			walk(ch, rch[i])
		}
	}
	walk(cal.Component, root)
	return cal, o, nil
}

func cloneProps(p ical.Props) ical.Props {
	out := make(ical.Props, len(p))
	for name, ps := range p {
		cp := make([]ical.Prop, len(ps))
		for i, x := range ps {
			cp[i] = ical.Prop{Name: x.Name, Value: x.Value, Params: ical.Params{}}
			for k, v := range x.Params {
				cp[i].Params[k] = slices.Clone(v)
			}
		}
		out[name] = cp
	}
	return out
}

func sameProps(a, b []ical.Prop) bool {
	return slices.EqualFunc(a, b, func(x, y ical.Prop) bool {
		return x.Value == y.Value && maps.EqualFunc(x.Params, y.Params, slices.Equal[[]string])
	})
}

// encodeCal writes cal; with orig, properties and components the edit did
// not change keep the bytes they were read with.
func encodeCal(cal *ical.Calendar, orig *origCal) ([]byte, error) {
	var buf bytes.Buffer
	// go-ical's encoder checks the object (required and unique
	// properties); its output is used for new objects only.
	if err := safely(func() error { return ical.NewEncoder(&buf).Encode(cal) }); err != nil {
		return nil, err
	}
	if orig == nil {
		return foldAll(buf.Bytes()), nil
	}
	var b strings.Builder
	writeCalComponent(&b, cal.Component, orig)
	return []byte(b.String()), nil
}

func writeCalComponent(b *strings.Builder, c *ical.Component, orig *origCal) {
	s, ok := orig.snaps[c]
	if !ok {
		b.WriteString(formatContentLine("", "BEGIN", nil, c.Name))
		writeSorted(b, c.Props, nil, formatProp)
		for _, ch := range c.Children {
			writeCalComponent(b, ch, orig)
		}
		b.WriteString(formatContentLine("", "END", nil, c.Name))
		return
	}
	b.WriteString(s.raw.begin)
	// Nested components are written from c.Children below.
	writeOver(b, s.raw.items, c.Props, func(name string) bool { return sameProps(s.props[name], c.Props[name]) },
		formatProp, func(*rawComponent) {})
	for _, ch := range c.Children {
		writeCalComponent(b, ch, orig)
	}
	b.WriteString(s.raw.end)
}

func formatProp(name string, p ical.Prop) string {
	return formatContentLine("", name, p.Params, p.Value)
}

// editable returns o with the lines it was stored with, fetching it again
// when it came from a listing.
func (d *CalDAV) editable(ctx context.Context, o CalObject) (CalObject, error) {
	if o.orig != nil {
		return o, nil
	}
	o2, err := d.Get(ctx, o.Href)
	if err != nil {
		return CalObject{}, err
	}
	if o.ETag != "" && o2.ETag != "" && o2.ETag != o.ETag {
		return CalObject{}, conflictError(o.Href, "calendar object")
	}
	return o2, nil
}

// put writes an edited object (see encodeCal) conditionally.
func (d *CalDAV) put(ctx context.Context, o CalObject, etag string) error {
	data, err := encodeCal(o.Data, o.orig)
	if err != nil {
		return fmt.Errorf("encode iCalendar: %w", err)
	}
	_, err = d.c.davPutObject(ctx, o.Href, "text/calendar; charset=utf-8", data, etag, false)
	return err
}
