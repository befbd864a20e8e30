package mcp

import (
	"context"
	"regexp"
	"strconv"
	"sync"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// completionTTL is how long one user's candidate list of one kind is
// reused: a client asks again on every keystroke.
const completionTTL = 30 * time.Second

// maxCompCache bounds the cached lists; all go when it is reached.
const maxCompCache = 1000

// compCache keeps candidate lists per user, kind and parent (the chosen
// board, table or folder). The zero value is ready to use.
type compCache struct {
	mu  sync.Mutex
	m   map[string]compEntry
	dav *nextcloud.DAVCache
}

type compEntry struct {
	cands   []candidate
	expires time.Time
}

// davCache is the DAV home cache for calendar and address book lists.
func (c *compCache) davCache() *nextcloud.DAVCache {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dav == nil {
		c.dav = nextcloud.NewDAVCache()
	}
	return c.dav
}

// cached returns the candidates of kind under parent for nc's user,
// listing them with list when not cached; failures are not cached.
func (c *compCache) cached(nc *nextcloud.Client, kind, parent string, list func() ([]candidate, error)) ([]candidate, error) {
	key := nc.BaseURL().String() + "\x00" + nc.User() + "\x00" + kind + "\x00" + parent
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.cands, nil
	}
	cands, err := list()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCompCache {
		c.m = map[string]compEntry{}
	}
	c.m[key] = compEntry{cands: cands, expires: time.Now().Add(completionTTL)}
	c.mu.Unlock()
	return cands, nil
}

// appCompletionReaders are the tools whose use the caller must be allowed
// (scopes, apps) before calendars, address books, Talk conversations and
// Tables complete.
var appCompletionReaders = map[string]string{
	"calendar":     "nc_calendar_list_calendars",
	"addressbook":  "nc_contacts_list_addressbooks",
	"conversation": "nc_talk_list_conversations",
	"table":        "nc_tables_list",
	"column":       "nc_tables_get_schema",
}

// appCandidates lists the candidates of the app kinds above.
func (s *Server) appCandidates(ctx context.Context, nc *nextcloud.Client, kind string, known map[string]string) ([]candidate, error) {
	switch kind {
	case "calendar":
		return s.comps.cached(nc, kind, "", func() ([]candidate, error) {
			dav, err := nc.CalDAV(ctx, s.comps.davCache())
			if err != nil {
				return nil, err
			}
			cals, err := dav.Calendars(ctx)
			return candidatesOf(cals, err, func(c *nextcloud.Calendar) candidate { return candidate{c.ID, c.Name} })
		})
	case "addressbook":
		return s.comps.cached(nc, kind, "", func() ([]candidate, error) {
			dav, err := nc.CardDAV(ctx, s.comps.davCache())
			if err != nil {
				return nil, err
			}
			books, err := dav.AddressBooks(ctx)
			return candidatesOf(books, err, func(b *nextcloud.AddressBook) candidate { return candidate{b.ID, b.Name} })
		})
	case "conversation":
		return s.comps.cached(nc, kind, "", func() ([]candidate, error) {
			convs, err := nc.Talk().Conversations(ctx)
			return candidatesOf(convs, err, func(c *nextcloud.TalkConversation) candidate { return candidate{c.Token, c.DisplayName} })
		})
	case "table":
		return s.comps.cached(nc, kind, "", func() ([]candidate, error) {
			tables, _, err := nc.Tables().Index(ctx)
			return candidatesOf(tables, err, func(t *nextcloud.TablesTable) candidate { return candidate{strconv.FormatInt(t.ID, 10), t.Title} })
		})
	case "column":
		// Columns of the table already chosen (the table argument), by title.
		tableID, err := strconv.ParseInt(known["table"], 10, 64)
		if err != nil || tableID <= 0 {
			return nil, nil
		}
		return s.comps.cached(nc, kind, known["table"], func() ([]candidate, error) {
			cols, err := nc.Tables().Columns(ctx, nextcloud.TablesNode{ID: tableID})
			return candidatesOf(cols, err, func(c *nextcloud.TablesColumn) candidate { return candidate{c.Title, c.Title} })
		})
	}
	return nil, nil
}

// talkToken is what a Talk conversation token looks like.
var talkToken = regexp.MustCompile(`^[a-zA-Z0-9]{1,64}$`)

// davID is what a calendar or address book id (one URL segment) may be.
var davID = regexp.MustCompile(`^[a-zA-Z0-9._~-]{1,128}$`)

// appPromptDefs are the workflow prompts whose arguments take calendars,
// address books, Talk conversations and Tables (each completes).
func (s *Server) appPromptDefs() []promptDef {
	return []promptDef{
		{
			Prompt: mcpgo.NewPrompt("summarize_talk",
				mcpgo.WithPromptDescription("Summarise unread Talk conversations, or one conversation"),
				mcpgo.WithArgument("conversation", mcpgo.ArgumentDescription("Token of one Talk conversation to summarise (optional; default every conversation with unread messages)"))),
			Needs: []string{"nc_talk_list_conversations", "nc_talk_read_messages"},
			Build: func(ctx context.Context, s *Server, args map[string]string) (*mcpgo.GetPromptResult, error) {
				text := "Use nc_talk_list_conversations to find the conversations with unread messages, read the unread part of each with nc_talk_read_messages, " +
					"and summarise each in two or three lines: decisions, questions to me, and what needs an answer. Do not mark anything read."
				if tok := args["conversation"]; tok != "" {
					if !talkToken.MatchString(tok) {
						return nil, Argf("conversation %q is not a Talk conversation token (letters and digits; see nc_talk_list_conversations)", tok)
					}
					text = "Read the recent and unread messages of the Talk conversation " + tok + " with nc_talk_read_messages and summarise them: " +
						"decisions, questions to me, and what needs an answer. Do not mark anything read."
				}
				return s.promptResult(ctx, "Talk summary", text, args)
			},
		},
		{
			Prompt: mcpgo.NewPrompt("schedule_meeting",
				mcpgo.WithPromptDescription("Find a free slot and schedule a meeting with people from an address book"),
				mcpgo.WithArgument("calendar", mcpgo.RequiredArgument(), mcpgo.ArgumentDescription("Id of the calendar to schedule in")),
				mcpgo.WithArgument("addressbook", mcpgo.ArgumentDescription("Id of the address book to find the attendees in (optional)")),
				mcpgo.WithArgument("date", mcpgo.ArgumentDescription("The day, YYYY-MM-DD (default today)"))),
			Needs: []string{"nc_calendar_find_free_slots", "nc_calendar_create_event", "nc_contacts_search"},
			Build: func(ctx context.Context, s *Server, args map[string]string) (*mcpgo.GetPromptResult, error) {
				day, err := promptDay(args)
				if err != nil {
					return nil, err
				}
				for _, name := range []string{"calendar", "addressbook"} {
					if v := args[name]; v != "" && !davID.MatchString(v) {
						return nil, Argf("%s %q is not an id (see nc_calendar_list_calendars / nc_contacts_list_addressbooks)", name, v)
					}
				}
				if args["calendar"] == "" {
					return nil, Argf("the calendar argument is required: give a calendar id from nc_calendar_list_calendars")
				}
				book := "my address books"
				if b := args["addressbook"]; b != "" {
					book = "address book " + b
				}
				text := "Ask me who should attend and for how long. Look the attendees up in " + book + " with nc_contacts_search. " +
					"Then find free slots on " + day + " in calendar " + args["calendar"] + " with nc_calendar_find_free_slots, propose the best three, " +
					"and after I choose, create the event with nc_calendar_create_event, inviting the attendees."
				return s.promptResult(ctx, "Schedule a meeting on "+day, text, args)
			},
		},
		{
			Prompt: mcpgo.NewPrompt("table_report",
				mcpgo.WithPromptDescription("Summarise a table of Nextcloud Tables, grouped by one column"),
				mcpgo.WithArgument("table", mcpgo.RequiredArgument(), mcpgo.ArgumentDescription("Id of the table")),
				mcpgo.WithArgument("column", mcpgo.ArgumentDescription("Title of the column to group by (optional)"))),
			Needs: []string{"nc_tables_get_schema", "nc_tables_read_rows"},
			Build: func(ctx context.Context, s *Server, args map[string]string) (*mcpgo.GetPromptResult, error) {
				id, err := strconv.ParseInt(args["table"], 10, 64)
				if err != nil || id <= 0 {
					return nil, Argf("table %q is not a table id (a positive number, from nc_tables_list)", args["table"])
				}
				text := "Read the schema of table " + args["table"] + " with nc_tables_get_schema and its rows with nc_tables_read_rows (all pages). " +
					"Report how many rows there are, the notable values and anything overdue or incomplete."
				if col := args["column"]; col != "" {
					text += " Group the report by the column " + strconv.Quote(col) + "."
				}
				return s.promptResult(ctx, "Report on table "+args["table"], text, args)
			},
		},
	}
}
