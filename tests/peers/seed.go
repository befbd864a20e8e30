package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

const (
	ncUser = "admin"
	ncPass = "admin-pass"
	// seeded data, named so both servers can be pointed at the same items
	bigFile   = "Documents/bench-100k.txt"
	eventsCal = "personal"
	nEvents   = 100
	nNotes    = 20
	nContacts = 20
)

// bigFileText is the 100 KB text file's content.
var bigFileText = func() string {
	line := "The quick brown fox jumps over the lazy dog, a line of benchmark text.\n"
	return strings.Repeat(line, 100*1024/len(line)+1)[:100*1024]
}()

// fixture is the seeded test Nextcloud.
type fixture struct {
	nc     *nctest.Server
	noteID int64
	// window holds every seeded event.
	from, to time.Time
}

// startNextcloud starts the test Nextcloud on loopback and seeds notes, a
// 100 KB text file, 100 events and contacts through its public APIs.
func startNextcloud(ctx context.Context, trace bool) (*fixture, error) {
	nc := nctest.NewUnstarted()
	if trace {
		next := nc.Config.Handler
		nc.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			fmt.Fprintf(os.Stderr, "nextcloud: %s %s depth=%q -> %d\n", r.Method, r.URL.RequestURI(), r.Header.Get("Depth"), rec.status)
		})
	}
	nc.Start()
	f := &fixture{nc: nc}
	if err := f.seed(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return f, nil
}

// statusRecorder remembers the status a handler wrote (-trace).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (f *fixture) close() {
	f.nc.CloseClientConnections()
	f.nc.Close()
}

func (f *fixture) seed(ctx context.Context) error {
	base, err := nextcloud.New(nextcloud.Options{BaseURL: f.nc.URL})
	if err != nil {
		return err
	}
	c := base.WithUser(ncUser, nextcloud.BasicAuth{Username: ncUser, Password: ncPass})
	for i := range nNotes {
		title := fmt.Sprintf("Bench note %d", i)
		content := fmt.Sprintf("# Bench note %d\n\nShopping list for the benchmark, item %d: apples, pears.", i, i)
		cat := "Bench"
		n, err := c.Notes().Create(ctx, nextcloud.NoteInput{Title: &title, Content: &content, Category: &cat})
		if err != nil {
			return fmt.Errorf("seed note: %w", err)
		}
		if i == 0 {
			f.noteID = n.ID
		}
	}
	if _, err := c.Files().MakeFolderAll(ctx, "Documents"); err != nil {
		return fmt.Errorf("seed folder: %w", err)
	}
	if _, err := c.Files().Write(ctx, bigFile, []byte(bigFileText), nextcloud.WriteOptions{}); err != nil {
		return fmt.Errorf("seed file: %w", err)
	}
	for i := range 5 {
		if _, err := c.Files().Write(ctx, fmt.Sprintf("Documents/small-%d.txt", i), []byte("small file\n"), nextcloud.WriteOptions{}); err != nil {
			return fmt.Errorf("seed file: %w", err)
		}
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	f.from, f.to = day.AddDate(0, 0, -1), day.AddDate(0, 0, nEvents/4+2)
	for i := range nEvents {
		start := day.Add(time.Duration(i/4)*24*time.Hour + time.Duration(9+2*(i%4))*time.Hour)
		ics := strings.Join([]string{
			"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN", "BEGIN:VEVENT",
			fmt.Sprintf("UID:bench-%d@example.org", i),
			"DTSTAMP:" + day.Format("20060102T150405Z"),
			"DTSTART:" + start.Format("20060102T150405Z"),
			"DTEND:" + start.Add(time.Hour).Format("20060102T150405Z"),
			fmt.Sprintf("SUMMARY:Bench meeting %d", i),
			"LOCATION:Room 1", "DESCRIPTION:Seeded for the side-by-side benchmark.",
			"END:VEVENT", "END:VCALENDAR", ""}, "\r\n")
		p := fmt.Sprintf("/remote.php/dav/calendars/%s/%s/bench-%d.ics", ncUser, eventsCal, i)
		if err := f.put(ctx, p, "text/calendar; charset=utf-8", ics); err != nil {
			return err
		}
	}
	for i := range nContacts {
		vcf := strings.Join([]string{
			"BEGIN:VCARD", "VERSION:3.0",
			fmt.Sprintf("UID:bench-contact-%d", i),
			fmt.Sprintf("FN:Person %d Benchmark", i),
			fmt.Sprintf("N:Benchmark;Person %d;;;", i),
			fmt.Sprintf("EMAIL;TYPE=work:person%d@example.org", i),
			"TEL;TYPE=cell:+49 30 1234567",
			"END:VCARD", ""}, "\r\n")
		p := fmt.Sprintf("/remote.php/dav/addressbooks/users/%s/contacts/bench-%d.vcf", ncUser, i)
		if err := f.put(ctx, p, "text/vcard; charset=utf-8", vcf); err != nil {
			return err
		}
	}
	return nil
}

func (f *fixture) put(ctx context.Context, path, ctype, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, f.nc.URL+path, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(ncUser, ncPass)
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("seed PUT %s: %s", path, resp.Status)
	}
	return nil
}
