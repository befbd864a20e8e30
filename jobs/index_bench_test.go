package jobs

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// BenchmarkIndexSyncUnchanged runs every index sync for a user whose data
// did not change (500 notes, 20 folders of files, three calendars with
// events and tasks, two address books, a Deck board) and reports the
// requests each app's sync made.
func BenchmarkIndexSyncUnchanged(b *testing.B) {
	ctx := context.Background()
	nc := nctest.New(b, nctest.WithUser("alice", "pw-a"))
	var mu sync.Mutex
	reqs := 0
	nc.SetFault(func(http.ResponseWriter, *http.Request) bool { mu.Lock(); reqs++; mu.Unlock(); return false })
	count := func() int { mu.Lock(); defer mu.Unlock(); return reqs }
	c := nc.Client(b, "alice")
	str := func(s string) *string { return &s }
	for i := range 500 {
		if _, err := c.Notes().Create(ctx, nextcloud.NoteInput{Title: str(fmt.Sprintf("n%d", i)), Content: str("text")}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 20 {
		if _, err := c.Files().MakeFolderAll(ctx, fmt.Sprintf("d%d/sub", i)); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Files().Write(ctx, fmt.Sprintf("d%d/sub/f.md", i), []byte("hello"), nextcloud.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	dk := c.Deck(nil)
	board, st := deckStack(b, dk, "B", "S")
	for i := range 20 {
		if _, err := dk.CreateCard(ctx, board.ID, st.ID, nextcloud.DeckCardCreate{Title: fmt.Sprint("card ", i), Type: "plain"}); err != nil {
			b.Fatal(err)
		}
	}
	fillDAV(b, nc, "alice")
	// Notes changed in the second of a listing are listed again.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	x := NewIndexer(newTestIndex(b))
	syncs := []struct {
		name string
		run  func(context.Context, *nextcloud.Client) error
	}{{"notes", x.SyncNotes}, {"files", x.SyncFiles}, {"calendar", x.SyncCalendars}, {"contacts", x.SyncContacts}, {"deck", x.SyncDeck}}
	for _, s := range syncs {
		if err := s.run(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	per := make([]int, len(syncs))
	for b.Loop() {
		for i, s := range syncs {
			before := count()
			if err := s.run(ctx, c); err != nil {
				b.Fatal(err)
			}
			per[i] += count() - before
		}
	}
	for i, s := range syncs {
		b.ReportMetric(float64(per[i])/float64(b.N), s.name+"-requests/op")
	}
}

// fillDAV gives user three calendars (one for tasks only) holding 150
// events and 30 tasks, and two address books holding 200 contacts.
func fillDAV(b *testing.B, nc *nctest.Server, user string) {
	nc.AddCalendar(b, user, "work", "Work", "#ff0000", "VEVENT")
	nc.AddCalendar(b, user, "chores", "Chores", "#00ff00", "VTODO")
	for i := range 150 {
		cal := []string{"personal", "work"}[i%2]
		nc.AddCalendarObject(b, user, cal, fmt.Sprintf("e%d.ics", i), benchICS("VEVENT", fmt.Sprint("e", i), fmt.Sprint("Event ", i)))
	}
	for i := range 30 {
		nc.AddCalendarObject(b, user, []string{"personal", "chores"}[i%2], fmt.Sprintf("t%d.ics", i), benchICS("VTODO", fmt.Sprint("t", i), fmt.Sprint("Task ", i)))
	}
	nc.AddAddressBook(b, user, "work", "Work")
	for i := range 200 {
		nc.AddVCard(b, user, []string{"contacts", "work"}[i%2], fmt.Sprintf("c%d.vcf", i), benchVCard(fmt.Sprint("c", i), fmt.Sprint("Person ", i)))
	}
}

func benchICS(comp, uid, summary string) string {
	return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//b//b//EN\nBEGIN:" + comp + "\nUID:" + uid +
		"\nDTSTAMP:20260101T000000Z\nDTSTART:20260305T100000Z\nSUMMARY:" + summary + "\nEND:" + comp + "\nEND:VCALENDAR\n"
}

func benchVCard(uid, fn string) string {
	return "BEGIN:VCARD\nVERSION:3.0\nUID:" + uid + "\nFN:" + fn + "\nEMAIL:" + strings.ReplaceAll(fn, " ", ".") + "@example.org\nEND:VCARD\n"
}

// BenchmarkIndexDAVSync measures the calendar and contacts syncs of the
// data of fillDAV: unchanged, and with one event and one contact edited
// before each run; with sync tokens (as Nextcloud) and on a server without
// them (full rescans).
func BenchmarkIndexDAVSync(b *testing.B) {
	for _, server := range []struct {
		name   string
		tokens bool
	}{{"sync-token", true}, {"no-sync-token", false}} {
		for _, run := range []struct {
			name   string
			change bool
		}{{"unchanged", false}, {"one-change", true}} {
			tokens, change := server.tokens, run.change
			b.Run(server.name+"/"+run.name, func(b *testing.B) {
				ctx := context.Background()
				nc := nctest.New(b, nctest.WithUser("alice", "pw-a"))
				nc.SetDAVSync(tokens)
				fillDAV(b, nc, "alice")
				var mu sync.Mutex
				reqs := 0
				nc.SetFault(func(http.ResponseWriter, *http.Request) bool { mu.Lock(); reqs++; mu.Unlock(); return false })
				count := func() int { mu.Lock(); defer mu.Unlock(); return reqs }
				c := nc.Client(b, "alice")
				x := NewIndexer(newTestIndex(b))
				if err := x.SyncCalendars(ctx, c); err != nil {
					b.Fatal(err)
				}
				if err := x.SyncContacts(ctx, c); err != nil {
					b.Fatal(err)
				}
				var cal, card int
				i := 0
				for b.Loop() {
					if change {
						b.StopTimer()
						i++
						nc.AddCalendarObject(b, "alice", "work", "e1.ics", benchICS("VEVENT", "e1", fmt.Sprint("Edited ", i)))
						nc.AddVCard(b, "alice", "work", "c1.vcf", benchVCard("c1", fmt.Sprint("Edited ", i)))
						b.StartTimer()
					}
					before := count()
					if err := x.SyncCalendars(ctx, c); err != nil {
						b.Fatal(err)
					}
					mid := count()
					if err := x.SyncContacts(ctx, c); err != nil {
						b.Fatal(err)
					}
					cal += mid - before
					card += count() - mid
				}
				b.ReportMetric(float64(cal)/float64(b.N), "calendar-requests/op")
				b.ReportMetric(float64(card)/float64(b.N), "contacts-requests/op")
			})
		}
	}
}
