package nextcloud

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/emersion/go-vcard"
)

// Cards are read and written here rather than through go-vcard's decoder
// and encoder, which lose data (see contentline.go). A vcard.Card read by
// decodeCard holds each value as on the wire (still escaped) and each
// parameter value whole (quoted ones are not split at commas); readers
// unescape with unescapeText and splitEscaped, writers escape with
// escapeText.

// origCard is a card as read, to write back unchanged properties byte for
// byte.
type origCard struct {
	raw  *rawComponent
	snap vcard.Card
}

func decodeCard(data []byte) (vcard.Card, *origCard, error) {
	comps, err := parseContentLines(data)
	if err != nil {
		return nil, nil, err
	}
	var raw *rawComponent
	for _, c := range comps {
		if c.name == "VCARD" {
			raw = c
			break
		}
	}
	if raw == nil {
		return nil, nil, errors.New("no BEGIN:VCARD")
	}
	card := vcard.Card{}
	for _, it := range raw.items {
		if it.line == nil || it.line.name == "" {
			continue // vCard 2.1 AGENT, unreadable lines: kept raw, not read
		}
		l := it.line
		f := &vcard.Field{Value: l.value, Group: l.group}
		if len(l.params) > 0 {
			f.Params = vcard.Params{}
			for _, p := range l.params {
				f.Params[p.name] = append(f.Params[p.name], p.values...)
			}
		}
		card[l.name] = append(card[l.name], f)
	}
	return card, &origCard{raw: raw, snap: cloneCard(card)}, nil
}

func cloneCard(c vcard.Card) vcard.Card {
	out := make(vcard.Card, len(c))
	for k, fs := range c {
		cp := make([]*vcard.Field, len(fs))
		for i, f := range fs {
			nf := *f
			if f.Params != nil {
				nf.Params = make(vcard.Params, len(f.Params))
				for pk, pv := range f.Params {
					nf.Params[pk] = slices.Clone(pv)
				}
			}
			cp[i] = &nf
		}
		out[k] = cp
	}
	return out
}

func sameFields(a, b []*vcard.Field) bool {
	return slices.EqualFunc(a, b, func(x, y *vcard.Field) bool {
		if x.Value != y.Value || x.Group != y.Group || len(x.Params) != len(y.Params) {
			return false
		}
		for k, v := range x.Params {
			if !slices.Equal(v, y.Params[k]) {
				return false
			}
		}
		return true
	})
}

func formatField(key string, f *vcard.Field) string {
	return formatContentLine(f.Group, key, f.Params, f.Value)
}

// encodeCard writes card; with orig, every property whose fields did not
// change is written with the bytes it was read with, in its place.
func encodeCard(card vcard.Card, orig *origCard) ([]byte, error) {
	if strings.TrimSpace(card.Value(vcard.FieldVersion)) == "" {
		return nil, errors.New("vCard without VERSION")
	}
	var b strings.Builder
	if orig == nil {
		b.WriteString("BEGIN:VCARD\r\n")
		b.WriteString(formatField(vcard.FieldVersion, card.Get(vcard.FieldVersion)))
		writeSorted(&b, card, map[string]bool{vcard.FieldVersion: true}, formatField)
		b.WriteString("END:VCARD\r\n")
		return []byte(b.String()), nil
	}
	b.WriteString(orig.raw.begin)
	writeOver(&b, orig.raw.items, card, func(key string) bool { return sameFields(orig.snap[key], card[key]) },
		formatField, func(c *rawComponent) { writeRawComponent(&b, c) })
	b.WriteString(orig.raw.end)
	return []byte(b.String()), nil
}

func writeRawComponent(b *strings.Builder, c *rawComponent) {
	b.WriteString(c.begin)
	for _, it := range c.items {
		if it.child != nil {
			writeRawComponent(b, it.child)
		} else {
			b.WriteString(it.line.raw)
		}
	}
	b.WriteString(c.end)
}

// getRaw GETs one DAV object and returns its body and ETag.
func (c *Client) getRaw(ctx context.Context, href string) ([]byte, string, error) {
	resp, err := c.davSend(ctx, http.MethodGet, href, nil, nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", href, err)
	}
	return data, unquoteETag(resp.Header.Get("ETag")), nil
}

// rawObject is one member of a REPORT answer.
type rawObject struct {
	Href string
	ETag string
	Data string
}

type xmlDataMultistatus struct {
	Responses []struct {
		Href     string `xml:"DAV: href"`
		Status   string `xml:"DAV: status"`
		Propstat []struct {
			Status string `xml:"DAV: status"`
			Prop   struct {
				ETag        string `xml:"DAV: getetag"`
				AddressData string `xml:"urn:ietf:params:xml:ns:carddav address-data"`
				CalData     string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
			} `xml:"DAV: prop"`
		} `xml:"DAV: propstat"`
	} `xml:"DAV: response"`
}

// reportObjects sends a CalDAV or CardDAV REPORT and returns the objects
// with their data as the server sent it; members answered 404 are left
// out.
func (c *Client) reportObjects(ctx context.Context, coll, body string) ([]rawObject, error) {
	h := http.Header{}
	h.Set("Depth", "1")
	h.Set("Content-Type", `application/xml; charset="utf-8"`)
	resp, err := c.davSend(ctx, "REPORT", coll, h, []byte(xml.Header+body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, &Error{Method: "REPORT", Path: coll, Status: resp.StatusCode, Message: "expected a 207 Multi-Status answer"}
	}
	// Decoded as it arrives, not read into a buffer first.
	var ms xmlDataMultistatus
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(&ms); err != nil {
		return nil, fmt.Errorf("REPORT answer of %s is not a multistatus: %w", coll, err)
	}
	var out []rawObject
	for _, r := range ms.Responses {
		if strings.Contains(r.Status, " 404") {
			continue
		}
		href := strings.TrimSpace(r.Href)
		if u, err := url.Parse(href); err == nil {
			href = u.Path
		}
		o := rawObject{Href: href}
		for _, ps := range r.Propstat {
			if ps.Status != "" && !strings.Contains(ps.Status, " 200") {
				continue
			}
			if ps.Prop.ETag != "" {
				o.ETag = unquoteETag(strings.TrimSpace(ps.Prop.ETag))
			}
			o.Data += ps.Prop.AddressData + ps.Prop.CalData
		}
		if o.Data == "" && o.ETag == "" {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

// xmlText escapes s for an XML text node.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
