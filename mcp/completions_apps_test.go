package mcp

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/radicaletest"
)

// TestAppCompletionsThroughClient checks over stdio, streamable HTTP and
// SSE that the prompt arguments taking calendars, address books, Talk
// conversations, tables and columns complete by name, ranked; that columns
// are those of the table chosen; and that lists are reused briefly.
func TestAppCompletionsThroughClient(t *testing.T) {
	nc := nctest.New(t)
	nc.AddCalendar(t, "admin", "team-cal", "Team", "#ff0000")
	nc.AddCalendar(t, "admin", "holidays", "Holidays in team", "#00ff00")
	nc.AddAddressBook(t, "admin", "friends", "Friends")
	nc.AddAddressBook(t, "admin", "clients", "Clients")
	release := nc.AddTalkRoom("admin", 2, "Release planning")
	nc.AddTalkRoom("admin", 2, "Random")
	inventory, _ := seedTable(t, nc, "admin", "Inventory")
	invoices, _ := seedTable(t, nc, "admin", "Invoices")
	inv, invs := strconv.FormatInt(inventory, 10), strconv.FormatInt(invoices, 10)

	talk := mcpgo.PromptReference{Type: "ref/prompt", Name: "summarize_talk"}
	meeting := mcpgo.PromptReference{Type: "ref/prompt", Name: "schedule_meeting"}
	report := mcpgo.PromptReference{Type: "ref/prompt", Name: "table_report"}
	calendarTemplate := mcpgo.ResourceReference{Type: "ref/resource", URI: "nextcloud://calendars/{id}"}
	overFreshServers(t, []string{"stdio", "http", "sse"}, func(t *testing.T) *Server { return newTestServer(t, nc) }, func(t *testing.T, kind string, c *client.Client) {
		for _, tc := range []struct {
			ref         any
			arg, typed  string
			known, want []string
		}{
			{talk, "conversation", "rel", nil, []string{release}},
			{talk, "conversation", "", nil, nil},                               // checked by count below
			{meeting, "calendar", "te", nil, []string{"team-cal", "holidays"}}, // prefix first, then substring
			{meeting, "calendar", "team-", nil, []string{"team-cal"}},          // id prefix
			{meeting, "addressbook", "fr", nil, []string{"friends"}},
			{calendarTemplate, "id", "te", nil, []string{"team-cal", "holidays"}},
			{calendarTemplate, "id", "hol", nil, []string{"holidays"}},
			{report, "table", "inv", nil, []string{inv, invs}},
			{report, "column", "st", []string{"table", inv}, []string{"Start", "Status"}},
			{report, "column", "st", nil, []string{}}, // no table chosen yet
		} {
			got := complete(t, c, tc.ref, tc.arg, tc.typed, tc.known...)
			if tc.want == nil {
				if len(got) < 2 {
					t.Fatalf("%s=%q completes to %v, want every conversation", tc.arg, tc.typed, got)
				}
				continue
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("%s=%q (context %v) completes to %v, want %v", tc.arg, tc.typed, tc.known, got, tc.want)
			}
		}
	})

	t.Run("cached briefly", func(t *testing.T) {
		c := connect(t, newTestServer(t, nc), "inprocess")
		if got := complete(t, c, talk, "conversation", "rel"); len(got) != 1 {
			t.Fatalf("got %v", got)
		}
		nc.AddTalkRoom("admin", 2, "Release retro")
		if got := complete(t, c, talk, "conversation", "rel"); len(got) != 1 {
			t.Fatalf("the conversation list was fetched again at once: %v", got)
		}
		// Columns are cached per table: another table's columns are its own.
		if got := complete(t, c, report, "column", "", "table", inv); len(got) != 13 {
			t.Fatalf("columns of Inventory: %v", got)
		}
		other := seedOneColumnTable(t, nc, "Other", "Quantity")
		if got := complete(t, c, report, "column", "", "table", other); !slices.Equal(got, []string{"Quantity"}) {
			t.Fatalf("columns of another table: %v, want its one column", got)
		}
		if got := complete(t, connect(t, newTestServer(t, nc), "inprocess"), talk, "conversation", "rel"); len(got) != 2 {
			t.Fatalf("a fresh server sees %v, want both Release conversations", got)
		}
	})

	t.Run("scopes and apps decide", func(t *testing.T) {
		srv := newTestServer(t, nc, func(o *Options) {
			o.Scopes = func(context.Context) ([]string, bool) { return []string{"calendar:read", "contacts:read"}, true }
		})
		c := connect(t, srv, "inprocess")
		for _, tc := range []struct {
			ref       any
			arg       string
			wantEmpty bool
		}{
			{talk, "conversation", true},
			{report, "table", true},
			{meeting, "calendar", false},
			{meeting, "addressbook", false},
			{calendarTemplate, "id", false},
		} {
			got := complete(t, c, tc.ref, tc.arg, "")
			if (len(got) == 0) != tc.wantEmpty {
				t.Fatalf("%s with calendar and contacts scopes completes to %v", tc.arg, got)
			}
		}
		noCal := connect(t, newTestServer(t, nc, func(o *Options) {
			o.Scopes = func(context.Context) ([]string, bool) { return []string{"notes:read"}, true }
		}), "inprocess")
		if got := complete(t, noCal, calendarTemplate, "id", ""); len(got) != 0 {
			t.Fatalf("without calendar:read the calendar template completes to %v", got)
		}
		off := nctest.New(t, nctest.WithDisabledApp("spreed"))
		off.AddTalkRoom("admin", 2, "Hidden")
		c = connect(t, newTestServer(t, off, func(o *Options) { o.DetectApps = true }), "inprocess")
		if got := complete(t, c, talk, "conversation", ""); len(got) != 0 {
			t.Fatalf("Talk is off, yet conversations complete: %v", got)
		}
	})
}

// seedOneColumnTable creates a table of admin with one text column.
func seedOneColumnTable(t *testing.T, nc *nctest.Server, title, column string) string {
	t.Helper()
	c := nc.Client(t, "admin")
	var tb struct {
		ID int64 `json:"id"`
	}
	if err := c.OCS(context.Background(), http.MethodPost, "/ocs/v2.php/apps/tables/api/2/tables", nil, map[string]any{"title": title}, &tb); err != nil {
		t.Fatal(err)
	}
	if err := c.OCS(context.Background(), http.MethodPost, "/ocs/v2.php/apps/tables/api/2/columns/text", nil,
		map[string]any{"title": column, "subtype": "line", "baseNodeId": tb.ID}, nil); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(tb.ID, 10)
}

// The new prompts check their arguments and name what they got.
func TestAppPromptsArguments(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "stdio")
	for _, tc := range []struct {
		name string
		args map[string]string
		want string // in the text, or in the error when bad
		bad  bool
	}{
		{"summarize_talk", map[string]string{}, "nc_talk_list_conversations", false},
		{"summarize_talk", map[string]string{"conversation": "abc123"}, "conversation abc123", false},
		{"summarize_talk", map[string]string{"conversation": "x y"}, "not a Talk conversation token", true},
		{"schedule_meeting", map[string]string{"calendar": "team-cal", "date": "2026-03-14", "addressbook": "friends"}, "on 2026-03-14 in calendar team-cal", false},
		{"schedule_meeting", map[string]string{}, "calendar argument is required", true},
		{"schedule_meeting", map[string]string{"calendar": "../x"}, "is not an id", true},
		{"schedule_meeting", map[string]string{"calendar": "a", "date": "14.3."}, "is not a day", true},
		{"table_report", map[string]string{"table": "7", "column": "Status"}, `table 7 with nc_tables_get_schema`, false},
		{"table_report", map[string]string{"table": "seven"}, "is not a table id", true},
	} {
		res, err := getPrompt(c, tc.name, tc.args)
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s %v: error %v, want one containing %q", tc.name, tc.args, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %v: %v", tc.name, tc.args, err)
		}
		text, _ := res.Messages[0].Content.(mcpgo.TextContent)
		if !strings.Contains(text.Text, tc.want) {
			t.Fatalf("%s %v: text %q lacks %q", tc.name, tc.args, text.Text, tc.want)
		}
	}
}

// Calendars and address books also complete against Radicale, a DAV
// server nobody here wrote.
func TestDAVCompletionsAgainstRadicale(t *testing.T) {
	rs := radicaletest.Start(t)
	rs.AddAddressBook(t, "alice", "friends", "Friends")
	rs.AddAddressBook(t, "alice", "clients", "Clients")
	alice := rs.Client(t, "alice")
	dav, err := alice.CalDAV(context.Background(), nextcloud.NewDAVCache())
	if err != nil {
		t.Fatal(err)
	}
	team, err := dav.CreateCalendar(context.Background(), nextcloud.CalendarOptions{Name: "Team"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dav.CreateCalendar(context.Background(), nextcloud.CalendarOptions{Name: "Private"}); err != nil {
		t.Fatal(err)
	}
	meeting := mcpgo.PromptReference{Type: "ref/prompt", Name: "schedule_meeting"}
	for _, kind := range []string{"stdio", "http"} {
		t.Run(kind, func(t *testing.T) {
			srv, err := New(Options{Toolsets: DefaultToolsets(&Env{}), Client: func(context.Context) (*nextcloud.Client, error) { return alice, nil }})
			if err != nil {
				t.Fatal(err)
			}
			c := connect(t, srv, kind)
			if got := complete(t, c, meeting, "calendar", "tea"); !slices.Equal(got, []string{team.ID}) {
				t.Fatalf("calendar tea: %v, want [%s]", got, team.ID)
			}
			if got := complete(t, c, meeting, "addressbook", "fr"); !slices.Equal(got, []string{"friends"}) {
				t.Fatalf("addressbook fr: %v", got)
			}
			tmpl := mcpgo.ResourceReference{Type: "ref/resource", URI: "nextcloud://calendars/{id}"}
			if got := complete(t, c, tmpl, "id", "tea"); !slices.Equal(got, []string{team.ID}) {
				t.Fatalf("nextcloud://calendars/{id} id tea: %v, want [%s]", got, team.ID)
			}
		})
	}
}
