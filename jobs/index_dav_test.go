package jobs

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// davCounter counts the DAV requests below a path prefix by kind: the
// method, and for a REPORT the root element of its body (sync-collection,
// calendar-query, addressbook-multiget …).
type davCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func countDAV(nc *nctest.Server, prefix string) *davCounter {
	c := &davCounter{n: map[string]int{}}
	nc.SetFault(func(_ http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, prefix) {
			return false
		}
		kind := r.Method
		if r.Method == "REPORT" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			kind = "?"
			d := xml.NewDecoder(bytes.NewReader(body))
			for {
				tok, err := d.Token()
				if err != nil {
					break
				}
				if se, ok := tok.(xml.StartElement); ok {
					kind = se.Name.Local
					break
				}
			}
		}
		c.mu.Lock()
		c.n[kind]++
		c.mu.Unlock()
		return false
	})
	return c
}

// take returns the counts since the last take.
func (c *davCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.n
	c.n = map[string]int{}
	return out
}

// davIndexKind is the calendar or the contacts sync, driven alike.
type davIndexKind struct {
	name string
	// prefix is the user's DAV home; query and multiget the REPORTs that
	// read a collection in full and fetch changed members.
	prefix, query, multiget string
	run                     func(x *Indexer, nc *nextcloud.Client) error
	// put stores a member with a searchable title; del removes it.
	put func(t *testing.T, nc *nctest.Server, name, title string)
	del func(t *testing.T, nc *nctest.Server, name string)
	// spoil overwrites a member with data no parser reads.
	spoil func(t *testing.T, nc *nctest.Server, name string)
	// initial and change are the members before and what a change does:
	// edits, a new member, deletions.
	initial [][2]string
	edits   [][2]string
	deletes []string
	// want are the hits of the words after the change.
	want map[string][]string
}

// deleteObject deletes alice's DAV object at href through the client open makes.
func deleteObject[D interface {
	Delete(ctx context.Context, href, etag string) error
}](t *testing.T, open func(context.Context, *nextcloud.DAVCache) (D, error), href string) {
	t.Helper()
	d, err := open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(context.Background(), href, ""); err != nil {
		t.Fatal(err)
	}
}

func davIndexKinds() []davIndexKind {
	ctx := context.Background()
	ics := func(name, title string) string {
		comp, when := "VEVENT", "DTSTART:20260305T100000Z"
		if strings.HasPrefix(name, "task") {
			comp, when = "VTODO", "DUE:20260306T100000Z"
		}
		return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:" + comp + "\nUID:" + name + "\nDTSTAMP:20260101T000000Z\n" + when + "\nSUMMARY:" + title + "\nEND:" + comp + "\nEND:VCALENDAR\n"
	}
	return []davIndexKind{{
		name: "calendar", prefix: "/remote.php/dav/calendars/alice/", query: "calendar-query", multiget: "calendar-multiget",
		run: func(x *Indexer, nc *nextcloud.Client) error { return x.SyncCalendars(ctx, nc) },
		put: func(t *testing.T, nc *nctest.Server, name, title string) {
			nc.AddCalendarObject(t, "alice", "personal", name+".ics", ics(name, title))
		},
		del: func(t *testing.T, nc *nctest.Server, name string) {
			deleteObject(t, nc.Client(t, "alice").CalDAV, "/remote.php/dav/calendars/alice/personal/"+name+".ics")
		},
		spoil: func(t *testing.T, nc *nctest.Server, name string) {
			nc.AddBrokenCalendarObject(t, "alice", "personal", name+".ics")
		},
		// Events and tasks share the calendar's one sync REPORT.
		initial: [][2]string{{"ev1", "Dentist walrus"}, {"ev2", "Lunch pelican"}, {"task1", "Buy otter food"}},
		edits:   [][2]string{{"ev1", "Dentist giraffe"}, {"task2", "Feed the giraffe"}},
		deletes: []string{"ev2", "task1"},
		want: map[string][]string{"walrus": nil, "pelican": nil, "otter": nil,
			"giraffe": {"calendar:Dentist giraffe", "tasks:Feed the giraffe"}},
	}, {
		name: "contacts", prefix: "/remote.php/dav/addressbooks/users/alice/", query: "addressbook-query", multiget: "addressbook-multiget",
		run: func(x *Indexer, nc *nextcloud.Client) error { return x.SyncContacts(ctx, nc) },
		put: func(t *testing.T, nc *nctest.Server, name, title string) {
			nc.AddVCard(t, "alice", "contacts", name+".vcf", "BEGIN:VCARD\nVERSION:3.0\nUID:"+name+"\nFN:"+title+"\nEND:VCARD\n")
		},
		del: func(t *testing.T, nc *nctest.Server, name string) {
			deleteObject(t, nc.Client(t, "alice").CardDAV, "/remote.php/dav/addressbooks/users/alice/contacts/"+name+".vcf")
		},
		spoil: func(t *testing.T, nc *nctest.Server, name string) {
			nc.AddBrokenVCard(t, "alice", "contacts", name+".vcf")
		},
		initial: [][2]string{{"c1", "Ada Walrus"}, {"c2", "Bob Pelican"}},
		edits:   [][2]string{{"c1", "Ada Giraffe"}, {"c3", "Cy Giraffe"}},
		deletes: []string{"c2"},
		want:    map[string][]string{"walrus": nil, "pelican": nil, "giraffe": {"contacts:Ada Giraffe", "contacts:Cy Giraffe"}},
	}}
}

// TestIndexDAVSync checks what calendar and contacts syncs cost and that
// they keep the index right, with sync tokens and in each fallback.
func TestIndexDAVSync(t *testing.T) {
	for _, k := range davIndexKinds() {
		for _, mode := range []struct {
			name string
			// before runs before the first sync, afterChange after the
			// change.
			before, afterChange func(nc *nctest.Server)
			// Requests of an unchanged sync and of the sync after the change.
			unchanged, changed map[string]int
		}{{
			name:      "sync token",
			unchanged: map[string]int{"PROPFIND": 1},
			changed:   map[string]int{"PROPFIND": 1, "sync-collection": 1, k.multiget: 1},
		}, {
			name:        "token expired",
			afterChange: func(nc *nctest.Server) { nc.ExpireDAVSyncTokens() },
			unchanged:   map[string]int{"PROPFIND": 1},
			changed:     map[string]int{"PROPFIND": 1, "sync-collection": 1, k.query: 1},
		}, {
			name:      "no sync-collection REPORT",
			before:    func(nc *nctest.Server) { nc.SetDAVSyncReport(false) },
			unchanged: map[string]int{"PROPFIND": 1},
			changed:   map[string]int{"PROPFIND": 1, "sync-collection": 1, k.query: 1},
		}, {
			name:      "no sync tokens",
			before:    func(nc *nctest.Server) { nc.SetDAVSync(false) },
			unchanged: map[string]int{"PROPFIND": 1, k.query: 1},
			changed:   map[string]int{"PROPFIND": 1, k.query: 1},
		}} {
			t.Run(k.name+"/"+mode.name, func(t *testing.T) {
				nc := nctest.New(t, nctest.WithUser("alice", "pw-a"), nctest.WithUser("bob", "pw-b"))
				for _, m := range k.initial {
					k.put(t, nc, m[0], m[1])
				}
				if mode.before != nil {
					mode.before(nc)
				}
				idx := newTestIndex(t)
				x := NewIndexer(idx)
				alice := nc.Client(t, "alice")
				run := func(what string, want map[string]int) {
					t.Helper()
					reqs := countDAV(nc, k.prefix)
					if err := k.run(x, alice); err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					if got := reqs.take(); want != nil && !maps.Equal(got, want) {
						t.Fatalf("%s made requests %v, want %v", what, got, want)
					}
				}
				run("first sync", nil)
				for _, w := range []string{"walrus", "pelican"} {
					if got := search(t, idx, "alice", w); len(got) != 1 {
						t.Fatalf("after the first sync %s = %v", w, got)
					}
				}
				if err := k.run(x, nc.Client(t, "bob")); err != nil {
					t.Fatal(err)
				}
				run("unchanged sync", mode.unchanged)

				for _, m := range k.edits {
					k.put(t, nc, m[0], m[1])
				}
				for _, name := range k.deletes {
					k.del(t, nc, name)
				}
				if mode.afterChange != nil {
					mode.afterChange(nc)
				}
				run("sync after changes", mode.changed)
				for w, want := range k.want {
					if got := search(t, idx, "alice", w); !slices.Equal(got, want) {
						t.Fatalf("after the change %s = %v, want %v", w, got, want)
					}
				}
				// The fallbacks store a fresh token: unchanged again costs
				// what an unchanged sync costs.
				run("unchanged sync after the change", mode.unchanged)
				wantNoHits(t, idx, "bob", "giraffe", "bob sees alice's items")
			})
		}
	}
}

// TestIndexDAVSpoiledMemberDropped checks that a member that can no
// longer be read leaves the index on a sync with tokens, while the others
// stay.
func TestIndexDAVSpoiledMemberDropped(t *testing.T) {
	for _, k := range davIndexKinds() {
		t.Run(k.name, func(t *testing.T) {
			nc := nctest.New(t, nctest.WithUser("alice", "pw-a"))
			for _, m := range k.initial {
				k.put(t, nc, m[0], m[1])
			}
			idx := newTestIndex(t)
			x := NewIndexer(idx)
			alice := nc.Client(t, "alice")
			if err := k.run(x, alice); err != nil {
				t.Fatal(err)
			}
			if got := search(t, idx, "alice", "walrus"); len(got) != 1 {
				t.Fatalf("after the first sync walrus = %v", got)
			}
			k.spoil(t, nc, k.initial[0][0])
			reqs := countDAV(nc, k.prefix)
			if err := k.run(x, alice); err != nil {
				t.Fatal(err)
			}
			if got := reqs.take(); got["sync-collection"] != 1 || got[k.query] != 0 {
				t.Fatalf("the second sync made requests %v, want one sync-collection and no full read", got)
			}
			wantNoHits(t, idx, "alice", "walrus", "the unreadable member is still indexed")
			if got := search(t, idx, "alice", "pelican"); len(got) != 1 {
				t.Fatalf("the readable member left the index: %v", got)
			}
		})
	}
}

// TestIndexDAVCollectionsComeAndGo checks that a new calendar or address
// book is read in full, and a deleted one's items and tokens are dropped.
func TestIndexDAVCollectionsComeAndGo(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"))
	idx := newTestIndex(t)
	x := NewIndexer(idx)
	alice := nc.Client(t, "alice")
	syncAll := func() {
		t.Helper()
		if err := x.SyncCalendars(ctx, alice); err != nil {
			t.Fatal(err)
		}
		if err := x.SyncContacts(ctx, alice); err != nil {
			t.Fatal(err)
		}
	}
	syncAll()
	nc.AddCalendar(t, "alice", "chores", "Chores", "#00ff00", "VTODO")
	nc.AddCalendarObject(t, "alice", "chores", "t.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:VTODO\nUID:t\nDTSTAMP:20260101T000000Z\nSUMMARY:Sweep the tundra\nEND:VTODO\nEND:VCALENDAR\n")
	nc.AddAddressBook(t, "alice", "work", "Work")
	nc.AddVCard(t, "alice", "work", "w.vcf", "BEGIN:VCARD\nVERSION:3.0\nUID:w\nFN:Tundra Person\nEND:VCARD\n")
	syncAll()
	wantHits(t, idx, "alice", "tundra", "new collections", "contacts:Tundra Person", "tasks:Sweep the tundra")
	tokens := func() []string {
		var out []string
		for _, app := range []string{storage.AppCalendar, storage.AppTasks, storage.AppContacts} {
			st, err := idx.SyncState(ctx, "alice", app)
			if err != nil {
				t.Fatal(err)
			}
			for k := range st {
				out = append(out, app+" "+k)
			}
		}
		slices.Sort(out)
		return out
	}
	if got := fmt.Sprint(tokens()); !strings.Contains(got, "calendar sync:/remote.php/dav/calendars/alice/chores/") ||
		!strings.Contains(got, "contacts sync:/remote.php/dav/addressbooks/users/alice/work/") {
		t.Fatalf("sync state %s lacks the new collections' tokens", got)
	}

	cd, err := alice.CalDAV(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cd.DeleteCalendar(ctx, nextcloud.Calendar{ID: "chores", Href: "/remote.php/dav/calendars/alice/chores/"}); err != nil {
		t.Fatal(err)
	}
	ab, err := alice.CardDAV(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ab.Delete(ctx, "/remote.php/dav/addressbooks/users/alice/work/", ""); err != nil {
		t.Fatal(err)
	}
	syncAll()
	wantNoHits(t, idx, "alice", "tundra", "items of deleted collections still found")
	for _, k := range tokens() {
		if strings.Contains(k, "/chores/") || strings.Contains(k, "/work/") {
			t.Fatalf("sync state of a deleted collection kept: %s", k)
		}
	}
}
