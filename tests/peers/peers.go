package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Operations in table order; each peer maps them to its own tool.
var operations = []string{
	"notes get", "notes list", "notes search",
	"files read 100 KB", "files list",
	"calendar list 100 events", "calendar create event",
	"contacts search",
}

// wants says what every server's answer (as JSON) to an operation must
// hold, so that a fast answer without the data (an empty search, a failed
// listing) shows as an error instead of a good time.
var wants = map[string]func(answer string) error{
	"notes get":                atLeast(`Bench note 0\b`, 1),
	"notes list":               atLeast(`Bench note \d+`, nNotes),
	"notes search":             atLeast(`Bench note \d+`, nNotes),
	"files read 100 KB":        holdsFile,
	"files list":               atLeast(`small-\d`, 5),
	"calendar list 100 events": atLeast(`Bench meeting \d+`, nEvents),
	"contacts search":          atLeast(`Person \d+ Benchmark`, nContacts),
}

// atLeast wants min different matches of pattern (different, because most
// servers send the data twice, as text and as structured content).
func atLeast(pattern string, min int) func(string) error {
	re := regexp.MustCompile(pattern)
	return func(answer string) error {
		if n := distinct(re, answer); n < min {
			return fmt.Errorf("answer holds %d different %q, want at least %d", n, pattern, min)
		}
		return nil
	}
}

// holdsFile wants the whole seeded file, as a JSON string.
func holdsFile(answer string) error {
	b, _ := json.Marshal(bigFileText)
	if !strings.Contains(answer, string(b[1:len(b)-1])) {
		return fmt.Errorf("answer lacks the file's %d bytes", len(bigFileText))
	}
	return nil
}

// distinct counts the different texts re matches in s.
func distinct(re *regexp.Regexp, s string) int {
	seen := map[string]bool{}
	for _, m := range re.FindAllString(s, -1) {
		seen[m] = true
	}
	return len(seen)
}

// createAt is where created events go: a year ahead, outside the listed
// window, so the listing stays at 100 events whatever was created.
func createAt(round int) time.Time {
	return time.Now().UTC().Truncate(24*time.Hour).AddDate(1, 0, 0).Add(time.Duration(round) * time.Hour)
}

func oursPeer(bin, ncURL string) peer {
	return peer{
		name: "ours", command: bin, args: []string{"--transport", "stdio", "--log-level", "warn"},
		env: []string{"NEXTCLOUD_HOST=" + ncURL, "NEXTCLOUD_USERNAME=" + ncUser, "NEXTCLOUD_PASSWORD=" + ncPass},
		ops: map[string]call{
			"notes get":         {"nc_notes_get", func(f *fixture, _ int) map[string]any { return map[string]any{"id": f.noteID} }},
			"notes list":        {"nc_notes_list", func(*fixture, int) map[string]any { return map[string]any{"limit": 100} }},
			"notes search":      {"nc_notes_search", func(*fixture, int) map[string]any { return map[string]any{"query": "bench note"} }},
			"files read 100 KB": {"nc_files_read", func(*fixture, int) map[string]any { return map[string]any{"path": bigFile} }},
			"files list":        {"nc_files_list", func(*fixture, int) map[string]any { return map[string]any{"path": "Documents"} }},
			"calendar list 100 events": {"nc_calendar_list_events", func(f *fixture, _ int) map[string]any {
				return map[string]any{"calendar": eventsCal, "start": f.from.Format("2006-01-02"), "end": f.to.Format("2006-01-02"), "limit": 500}
			}},
			"calendar create event": {"nc_calendar_create_event", func(_ *fixture, i int) map[string]any {
				t := createAt(i)
				return map[string]any{"calendar": eventsCal, "summary": fmt.Sprintf("Created %d", i),
					"start": t.Format("2006-01-02T15:04:05"), "end": t.Add(30 * time.Minute).Format("2006-01-02T15:04:05")}
			}},
			"contacts search": {"nc_contacts_search", func(*fixture, int) map[string]any {
				return map[string]any{"query": "benchmark", "addressbook": "contacts"}
			}},
		},
	}
}

func pythonPeer(entry, ncURL string) peer {
	return peer{
		name: "python", command: entry, args: []string{"run", "--transport", "stdio", "--log-level", "warning"},
		env: []string{"NEXTCLOUD_HOST=" + ncURL, "NEXTCLOUD_USERNAME=" + ncUser, "NEXTCLOUD_PASSWORD=" + ncPass},
		ops: map[string]call{
			"notes get":         {"nc_notes_get_note", func(f *fixture, _ int) map[string]any { return map[string]any{"note_id": f.noteID} }},
			"notes list":        {"nc_notes_list_notes", func(*fixture, int) map[string]any { return map[string]any{"limit": 100} }},
			"notes search":      {"nc_notes_search_notes", func(*fixture, int) map[string]any { return map[string]any{"query": "bench note"} }},
			"files read 100 KB": {"nc_webdav_read_file", func(*fixture, int) map[string]any { return map[string]any{"path": bigFile, "parse_document": "raw"} }},
			"files list":        {"nc_webdav_list_directory", func(*fixture, int) map[string]any { return map[string]any{"path": "Documents"} }},
			"calendar list 100 events": {"nc_calendar_list_events", func(f *fixture, _ int) map[string]any {
				return map[string]any{"calendar_name": eventsCal, "start_date": f.from.Format("2006-01-02"), "end_date": f.to.Format("2006-01-02"), "limit": 500}
			}},
			"calendar create event": {"nc_calendar_create_event", func(_ *fixture, i int) map[string]any {
				t := createAt(i)
				return map[string]any{"calendar_name": eventsCal, "title": fmt.Sprintf("Created %d", i),
					"start_datetime": t.Format("2006-01-02T15:04:05"), "end_datetime": t.Add(30 * time.Minute).Format("2006-01-02T15:04:05")}
			}},
			"contacts search": {"nc_contacts_search_contacts", func(*fixture, int) map[string]any {
				// named: its address-book discovery (PROPFIND without a
				// Depth header) finds none on the stand-in
				return map[string]any{"query": "benchmark", "addressbook": "contacts"}
			}},
		},
	}
}

// caldavPeer is the TypeScript caldav-mcp (npm): calendars only.
func caldavPeer(bin, ncURL string) peer {
	calURL := ncURL + "/remote.php/dav/calendars/" + ncUser + "/" + eventsCal + "/"
	return peer{
		name: "caldav-mcp", command: bin,
		env: []string{"CALDAV_BASE_URL=" + ncURL + "/remote.php/dav", "CALDAV_USERNAME=" + ncUser, "CALDAV_PASSWORD=" + ncPass},
		ops: map[string]call{
			"calendar list 100 events": {"list-events", func(f *fixture, _ int) map[string]any {
				return map[string]any{"calendarUrl": calURL, "start": f.from.Format(time.RFC3339), "end": f.to.Format(time.RFC3339)}
			}},
			"calendar create event": {"create-event", func(_ *fixture, i int) map[string]any {
				t := createAt(i)
				return map[string]any{"calendarUrl": calURL, "summary": fmt.Sprintf("Created %d", i),
					"start": t.Format(time.RFC3339), "end": t.Add(30 * time.Minute).Format(time.RFC3339)}
			}},
		},
	}
}
