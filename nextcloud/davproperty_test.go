package nextcloud_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Pieces random text is made of: everything iCalendar and vCard escape or
// quote, line breaks, spaces at the ends, emoji, combining characters,
// and long runs that get folded (with multi-byte characters at the fold).
var textPieces = []string{`"`, `;`, `,`, `:`, `\`, `\n`, `\,`, "\n", " ", "  ", "\t", "😀", "e\u0301", "Ä", "ß", "a", "Z", "0", "=", "'",
	"<b>", "&amp;", strings.Repeat("ö", 40), strings.Repeat("x", 70), "\u00a0"}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(8); n > 0; n-- {
		b.WriteString(textPieces[r.IntN(len(textPieces))])
	}
	if r.IntN(3) == 0 {
		b.WriteString(" ") // trailing space
	}
	return b.String()
}

// oneLine is what a one-line field holds after writing: control
// characters as spaces, the ends trimmed.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s))
}

// multiLine keeps line breaks and tabs, drops other control characters,
// trims the ends.
func multiLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f) {
			return -1
		}
		return r
	}, s))
}

func nonEmpty(s string) bool { return strings.TrimFunc(s, unicode.IsSpace) != "" }

func randomNonEmpty(r *rand.Rand, norm func(string) string) string {
	for {
		if s := randomText(r); nonEmpty(norm(s)) {
			return s
		}
	}
}

func listOf(in []string) []string {
	var out []string
	for _, s := range in {
		if s = oneLine(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

const propertyRounds = 12

// Random text in every text field survives create → get →
// update-something-else → get, on every target server.
func TestDAVTextRoundTripProperty(t *testing.T) {
	for name, mk := range davTargets(t) {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(16, 2026))
			cd, cal := tg.newCalendar(t, nextcloud.CalendarOptions{Name: "Property"})
			card, ab := tg.addressBook(t)
			for i := range propertyRounds {
				summary, loc, desc := randomNonEmpty(r, oneLine), randomText(r), randomText(r)
				cats := []string{randomText(r), randomText(r)}
				ev, err := cd.CreateEvent(ctx, cal, nextcloud.EventInput{Summary: &summary, Location: &loc, Description: &desc, Categories: &cats, Start: dstr("2025-05-01T10:00:00Z")})
				if err != nil {
					t.Fatalf("round %d: create event: %v", i, err)
				}
				if ev.Summary != oneLine(summary) || ev.Location != oneLine(loc) || ev.Description != multiLine(desc) || !slices.Equal(ev.Categories, listOf(cats)) {
					t.Fatalf("round %d: event written %q %q %q %q, read %q %q %q %q", i, summary, loc, desc, cats, ev.Summary, ev.Location, ev.Description, ev.Categories)
				}
				up, err := cd.UpdateEvent(ctx, cal, ev.ID, nextcloud.EventInput{Status: dstr("TENTATIVE")}, "", "")
				if err != nil {
					t.Fatalf("round %d: update event: %v", i, err)
				}
				if up.Summary != ev.Summary || up.Location != ev.Location || up.Description != ev.Description || !slices.Equal(up.Categories, ev.Categories) {
					t.Fatalf("round %d: changing the status changed text: %+v -> %+v", i, ev.Event, up.Event)
				}

				tsum, tdesc := randomNonEmpty(r, oneLine), randomText(r)
				task, err := cd.CreateTask(ctx, cal, nextcloud.TaskInput{Summary: &tsum, Description: &tdesc, Categories: &cats})
				if err != nil {
					t.Fatalf("round %d: create task: %v", i, err)
				}
				if task.Summary != oneLine(tsum) || task.Description != multiLine(tdesc) || !slices.Equal(task.Categories, listOf(cats)) {
					t.Fatalf("round %d: task written %q %q, read %q %q", i, tsum, tdesc, task.Summary, task.Description)
				}
				prio := 3
				tup, err := cd.UpdateTask(ctx, cal, task.ID, nextcloud.TaskInput{Priority: &prio}, "")
				if err != nil {
					t.Fatalf("round %d: update task: %v", i, err)
				}
				if tup.Summary != task.Summary || tup.Description != task.Description || !slices.Equal(tup.Categories, task.Categories) {
					t.Fatalf("round %d: changing the priority changed text: %+v -> %+v", i, task, tup)
				}

				fields := make([]string, 13)
				for j := range fields {
					fields[j] = randomText(r)
				}
				fields[0] = randomNonEmpty(r, oneLine)
				in := nextcloud.ContactInput{FullName: &fields[0], GivenName: &fields[1], FamilyName: &fields[2], MiddleName: &fields[3], Prefix: &fields[4], Suffix: &fields[5],
					Nickname: &fields[6], Organization: &fields[7], Department: &fields[8], Title: &fields[9], Note: &fields[10],
					Addresses:  &[]nextcloud.PostalAddress{{Street: fields[11], City: fields[12], Country: "X"}},
					Categories: &cats}
				c, err := card.CreateContact(ctx, ab, in)
				if err != nil {
					t.Fatalf("round %d: create contact: %v", i, err)
				}
				want := []string{oneLine(fields[0]), oneLine(fields[1]), oneLine(fields[2]), oneLine(fields[3]), oneLine(fields[4]), oneLine(fields[5]),
					oneLine(fields[6]), oneLine(fields[7]), oneLine(fields[8]), oneLine(fields[9]), multiLine(fields[10]), oneLine(fields[11]), oneLine(fields[12])}
				got := []string{c.FullName, c.GivenName, c.FamilyName, c.MiddleName, c.Prefix, c.Suffix, c.Nickname, c.Organization, c.Department, c.Title, c.Note, c.Addresses[0].Street, c.Addresses[0].City}
				if !slices.Equal(got, want) || !slices.Equal(c.Categories, listOf(cats)) {
					t.Fatalf("round %d: contact fields\nwant %q\ngot  %q\ncategories %q -> %q", i, want, got, listOf(cats), c.Categories)
				}
				cup, err := card.UpdateContact(ctx, ab, c.ID, nextcloud.ContactInput{Phones: &[]nextcloud.TypedValue{{Value: "+1 555 0100"}}}, "")
				if err != nil {
					t.Fatalf("round %d: update contact: %v", i, err)
				}
				cup.Phones, cup.ETag, c.ETag = nil, "", ""
				if !reflect.DeepEqual(cup, c) {
					t.Fatalf("round %d: changing the phone changed other fields:\n%+v\n%+v", i, c, cup)
				}
			}
		})
	}
}
