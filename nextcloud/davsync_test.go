package nextcloud_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// davSyncKind drives the same sync tests through calendars and address
// books.
type davSyncKind struct {
	name string
	// coll is the collection's href, home its home; put and del change
	// its members.
	coll string
	home string
	put  func(t *testing.T, nc *nctest.Server, name, text string)
	del  func(t *testing.T, nc *nctest.Server, name string)
	list func(t *testing.T, nc *nctest.Server) ([]string, map[string]string)
	// sync syncs the collection at href (normally coll).
	sync func(nc *nctest.Server, href, token string) (*nextcloud.SyncChanges, error)
	// etag reads a member's ETag as a GET sees it.
	etag func(t *testing.T, nc *nctest.Server, href string) string
}

func syncKinds(t *testing.T) []davSyncKind {
	ctx := context.Background()
	ev := func(uid, summary string) string {
		return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:VEVENT\nUID:" + uid + "\nDTSTAMP:20260101T000000Z\nDTSTART:20260305T100000Z\nSUMMARY:" + summary + "\nEND:VEVENT\nEND:VCALENDAR\n"
	}
	card := func(uid, fn string) string {
		return "BEGIN:VCARD\nVERSION:3.0\nUID:" + uid + "\nFN:" + fn + "\nEND:VCARD\n"
	}
	cal := nextcloud.Calendar{ID: "personal", Href: "/remote.php/dav/calendars/alice/personal/"}
	ab := nextcloud.AddressBook{ID: "contacts", Href: "/remote.php/dav/addressbooks/users/alice/contacts/"}
	return []davSyncKind{{
		name: "caldav",
		coll: cal.Href,
		home: "/remote.php/dav/calendars/alice/",
		put: func(t *testing.T, nc *nctest.Server, name, text string) {
			nc.AddCalendarObject(t, "alice", "personal", name, ev(name, text))
		},
		del: func(t *testing.T, nc *nctest.Server, name string) {
			if err := calDAV(t, nc, "alice").Delete(ctx, cal.Href+name, ""); err != nil {
				t.Fatal(err)
			}
		},
		list: func(t *testing.T, nc *nctest.Server) ([]string, map[string]string) {
			d := calDAV(t, nc, "alice")
			return listedHrefs(t, "Calendars", d.CalendarsWithSyncTokens, d.Calendars, func(c nextcloud.Calendar) string { return c.Href })
		},
		sync: func(nc *nctest.Server, href, token string) (*nextcloud.SyncChanges, error) {
			return calDAV(t, nc, "alice").SyncCollection(ctx, nextcloud.Calendar{ID: "x", Href: href}, token)
		},
		etag: func(t *testing.T, nc *nctest.Server, href string) string {
			o, err := calDAV(t, nc, "alice").Get(ctx, href)
			if err != nil {
				t.Fatal(err)
			}
			return o.ETag
		},
	}, {
		name: "carddav",
		coll: ab.Href,
		home: "/remote.php/dav/addressbooks/users/alice/",
		put: func(t *testing.T, nc *nctest.Server, name, text string) {
			nc.AddVCard(t, "alice", "contacts", name, card(name, text))
		},
		del: func(t *testing.T, nc *nctest.Server, name string) {
			if err := cardDAV(t, nc, "alice").Delete(ctx, ab.Href+name, ""); err != nil {
				t.Fatal(err)
			}
		},
		list: func(t *testing.T, nc *nctest.Server) ([]string, map[string]string) {
			d := cardDAV(t, nc, "alice")
			return listedHrefs(t, "AddressBooks", d.AddressBooksWithSyncTokens, d.AddressBooks, func(a nextcloud.AddressBook) string { return a.Href })
		},
		sync: func(nc *nctest.Server, href, token string) (*nextcloud.SyncChanges, error) {
			return cardDAV(t, nc, "alice").SyncCollection(ctx, nextcloud.AddressBook{ID: "x", Href: href}, token)
		},
		etag: func(t *testing.T, nc *nctest.Server, href string) string {
			o, err := cardDAV(t, nc, "alice").Get(ctx, href)
			if err != nil {
				t.Fatal(err)
			}
			return o.ETag
		},
	}}
}

// listedHrefs lists the collections with their sync tokens, checks that
// the listing is the one the plain call (named plainName) gives, and
// returns their hrefs with the tokens.
func listedHrefs[T any](t *testing.T, plainName string, withTokens func(context.Context) ([]T, map[string]string, error), plain func(context.Context) ([]T, error), href func(T) string) ([]string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	list, tokens, err := withTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := plain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("listing with tokens %+v differs from %s %+v", list, plainName, want)
	}
	var hrefs []string
	for _, c := range list {
		hrefs = append(hrefs, href(c))
	}
	return hrefs, tokens
}

func changedHrefs(ch *nextcloud.SyncChanges) []string {
	var out []string
	for _, m := range ch.Changed {
		out = append(out, m.Href)
	}
	return out
}

func TestSyncCollectionIncremental(t *testing.T) {
	for _, k := range syncKinds(t) {
		t.Run(k.name, func(t *testing.T) {
			nc := nctest.New(t, nctest.WithUser("alice", "pw"))
			k.put(t, nc, "a", "first")
			k.put(t, nc, "b", "second")
			hrefs, tokens := k.list(t, nc)
			if !slices.Contains(hrefs, k.coll) || !strings.HasPrefix(tokens[k.coll], "http://sabre.io/ns/sync/") {
				t.Fatalf("listing %v, tokens %v", hrefs, tokens)
			}

			// Initial sync: every member with its ETag, and the token.
			ch, err := k.sync(nc, k.coll, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := changedHrefs(ch); !slices.Equal(got, []string{k.coll + "a", k.coll + "b"}) || len(ch.Deleted) != 0 {
				t.Fatalf("initial sync: changed %v, deleted %v", got, ch.Deleted)
			}
			for _, m := range ch.Changed {
				if want := k.etag(t, nc, m.Href); m.ETag != want || want == "" {
					t.Fatalf("%s: ETag %q, GET says %q", m.Href, m.ETag, want)
				}
			}
			if ch.Token != tokens[k.coll] {
				t.Fatalf("initial token %q, listing says %q", ch.Token, tokens[k.coll])
			}

			// Nothing changed: no members, the same token, one REPORT.
			before := nc.RequestCount("REPORT " + k.coll)
			same, err := k.sync(nc, k.coll, ch.Token)
			if err != nil {
				t.Fatal(err)
			}
			if len(same.Changed)+len(same.Deleted) != 0 || same.Token != ch.Token {
				t.Fatalf("unchanged sync: %+v", same)
			}
			if d := nc.RequestCount("REPORT "+k.coll) - before; d != 1 {
				t.Fatalf("unchanged sync took %d REPORTs", d)
			}

			// An edit, a deletion, a new member.
			k.put(t, nc, "a", "edited")
			k.del(t, nc, "b")
			k.put(t, nc, "c", "third")
			next, err := k.sync(nc, k.coll, ch.Token)
			if err != nil {
				t.Fatal(err)
			}
			if got := changedHrefs(next); !slices.Equal(got, []string{k.coll + "a", k.coll + "c"}) {
				t.Fatalf("changed %v", got)
			}
			if !slices.Equal(next.Deleted, []string{k.coll + "b"}) {
				t.Fatalf("deleted %v", next.Deleted)
			}
			if next.Changed[0].ETag != k.etag(t, nc, k.coll+"a") || next.Changed[0].ETag == ch.Changed[0].ETag {
				t.Fatalf("edited member's ETag %q (was %q)", next.Changed[0].ETag, ch.Changed[0].ETag)
			}
			if _, tokens := k.list(t, nc); next.Token == ch.Token || next.Token != tokens[k.coll] {
				t.Fatalf("token after changes %q (was %q, listing %q)", next.Token, ch.Token, tokens[k.coll])
			}
			// The older token still works while the server keeps its log.
			if again, err := k.sync(nc, k.coll, ch.Token); err != nil || len(again.Changed) != 2 {
				t.Fatalf("sync from the older token again: %+v, %v", again, err)
			}
		})
	}
}

func TestSyncCollectionTruncatedAnswers(t *testing.T) {
	// Only the CalDAV client reads truncated answers page by page; the
	// CardDAV one (go-webdav) gives up and asks for a full read.
	k := syncKinds(t)[0]
	nc := nctest.New(t, nctest.WithUser("alice", "pw"))
	ch, err := k.sync(nc, k.coll, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		k.put(t, nc, fmt.Sprintf("m%d", i), "x")
	}
	k.del(t, nc, "m1")
	nc.SetDAVSyncPageSize(2)
	before := nc.RequestCount("REPORT " + k.coll)
	next, err := k.sync(nc, k.coll, ch.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got := changedHrefs(next); !slices.Equal(got, []string{k.coll + "m0", k.coll + "m2", k.coll + "m3", k.coll + "m4"}) {
		t.Fatalf("changed %v", got)
	}
	if !slices.Equal(next.Deleted, []string{k.coll + "m1"}) {
		t.Fatalf("deleted %v", next.Deleted)
	}
	if d := nc.RequestCount("REPORT "+k.coll) - before; d != 3 {
		t.Fatalf("%d REPORTs for 5 changes in pages of 2, want 3", d)
	}
	if _, tokens := k.list(t, nc); next.Token != tokens[k.coll] {
		t.Fatalf("token %q, listing %q", next.Token, tokens[k.coll])
	}

	cd := syncKinds(t)[1]
	cd.put(t, nc, "p", "x")
	cch, err := cd.sync(nc, cd.coll, "")
	if err != nil {
		t.Fatal(err)
	}
	cd.put(t, nc, "q", "x")
	cd.put(t, nc, "r", "x")
	nc.SetDAVSyncPageSize(1)
	if _, err := cd.sync(nc, cd.coll, cch.Token); !errors.Is(err, nextcloud.ErrNoSyncCollection) {
		t.Fatalf("truncated CardDAV answer: %v, want ErrNoSyncCollection", err)
	}
}

func TestSyncCollectionRefusals(t *testing.T) {
	for _, k := range syncKinds(t) {
		for _, tc := range []struct {
			name  string
			setup func(nc *nctest.Server)
			token func(initial string) string
			home  bool
			want  error
		}{
			{"pruned change log", func(nc *nctest.Server) { nc.ExpireDAVSyncTokens() }, func(s string) string { return s }, false, nextcloud.ErrSyncTokenInvalid},
			{"token not the server's", nil, func(string) string { return "http://example.org/ns/sync/1" }, false, nextcloud.ErrSyncTokenInvalid},
			{"token from the future", nil, func(string) string { return "http://sabre.io/ns/sync/999" }, false, nextcloud.ErrSyncTokenInvalid},
			{"REPORT switched off", func(nc *nctest.Server) { nc.SetDAVSyncReport(false) }, func(s string) string { return s }, false, nextcloud.ErrNoSyncCollection},
			{"no RFC 6578 at all", func(nc *nctest.Server) { nc.SetDAVSync(false) }, func(string) string { return "" }, false, nextcloud.ErrNoSyncCollection},
			{"not a collection", nil, func(string) string { return "" }, true, nextcloud.ErrNoSyncCollection},
		} {
			t.Run(k.name+"/"+tc.name, func(t *testing.T) {
				nc := nctest.New(t, nctest.WithUser("alice", "pw"))
				k.put(t, nc, "a", "first")
				ch, err := k.sync(nc, k.coll, "")
				if err != nil {
					t.Fatal(err)
				}
				k.put(t, nc, "a", "edited")
				if tc.setup != nil {
					tc.setup(nc)
				}
				href := k.coll
				if tc.home {
					href = k.home
				}
				_, err = k.sync(nc, href, tc.token(ch.Token))
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				other := nextcloud.ErrNoSyncCollection
				if tc.want == other {
					other = nextcloud.ErrSyncTokenInvalid
				}
				if errors.Is(err, other) {
					t.Fatalf("%v is also %v", err, other)
				}
			})
		}
	}
}

func TestSyncListingWithoutTokens(t *testing.T) {
	for _, k := range syncKinds(t) {
		t.Run(k.name, func(t *testing.T) {
			nc := nctest.New(t, nctest.WithUser("alice", "pw"))
			nc.SetDAVSync(false)
			hrefs, tokens := k.list(t, nc)
			if !slices.Contains(hrefs, k.coll) || len(tokens) != 0 {
				t.Fatalf("listing %v, tokens %v; want no tokens", hrefs, tokens)
			}
		})
	}
}

func TestSyncSharedCalendar(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "pw"), nctest.WithUser("bob", "pw-b"))
	nc.AddCalendar(t, "bob", "team", "Team", "#ff0000", "VEVENT", "VTODO")
	nc.ShareCalendar(t, "bob", "team", "alice", true)
	d := calDAV(t, nc, "alice")
	cals, tokens, err := d.CalendarsWithSyncTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	team, err := nextcloud.PickCalendar(cals, "team_shared_by_bob")
	if err != nil || tokens[team.Href] == "" || team.Name != "Team" || !team.Supports("VTODO") {
		t.Fatalf("shared calendar %+v, tokens %v, %v", team, tokens, err)
	}
	ch, err := d.SyncCollection(ctx, team, tokens[team.Href])
	if err != nil || len(ch.Changed) != 0 {
		t.Fatalf("unchanged shared calendar: %+v, %v", ch, err)
	}
	nc.AddCalendarObject(t, "bob", "team", "m.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:VEVENT\nUID:m\nDTSTAMP:20260101T000000Z\nDTSTART:20260305T100000Z\nSUMMARY:Meeting\nEND:VEVENT\nEND:VCALENDAR\n")
	ch, err = d.SyncCollection(ctx, team, ch.Token)
	if err != nil || !slices.Equal(changedHrefs(ch), []string{team.Href + "m.ics"}) {
		t.Fatalf("owner's change seen by the sharee: %+v, %v", ch, err)
	}
}
