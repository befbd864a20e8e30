package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// promptDef is a workflow prompt. It is listed (and can be got) only when
// every tool in Needs is enabled, allowed by the caller's scopes and, with
// DetectApps, backed by an installed app.
type promptDef struct {
	Prompt mcpgo.Prompt
	Needs  []string
	Build  func(ctx context.Context, s *Server, args map[string]string) (*mcpgo.GetPromptResult, error)
}

func (s *Server) promptDefs() []promptDef {
	boardArg := mcpgo.WithArgument("board", mcpgo.ArgumentDescription("Deck board id to focus on (optional); its content is embedded"))
	return append([]promptDef{
		{
			Prompt: mcpgo.NewPrompt("plan_my_day",
				mcpgo.WithPromptDescription("Plan a day from its calendar events, open tasks and Deck cards due"),
				mcpgo.WithArgument("date", mcpgo.ArgumentDescription("The day, YYYY-MM-DD (default today)")),
				boardArg),
			Needs: []string{"nc_calendar_list_events", "nc_tasks_list", "nc_deck_list_cards"},
			Build: func(ctx context.Context, s *Server, args map[string]string) (*mcpgo.GetPromptResult, error) {
				day, err := promptDay(args)
				if err != nil {
					return nil, err
				}
				text := fmt.Sprintf("Plan my day for %s. Use nc_calendar_list_events for that day's events, nc_tasks_list for open tasks due by then, "+
					"and nc_deck_list_cards for Deck cards due by then. Then propose a schedule in time order that fits the tasks and cards "+
					"around the events, and name what does not fit.", day)
				return s.promptResult(ctx, "Plan for "+day, text, args, "board")
			},
		},
		{
			Prompt: mcpgo.NewPrompt("meeting_notes_to_tasks",
				mcpgo.WithPromptDescription("Turn a meeting-notes note into tasks and Deck cards"),
				mcpgo.WithArgument("note", mcpgo.RequiredArgument(), mcpgo.ArgumentDescription("Id of the note with the meeting notes; its content is embedded")),
				boardArg),
			Needs: []string{"nc_notes_get", "nc_tasks_create", "nc_deck_create_card"},
			Build: func(ctx context.Context, s *Server, args map[string]string) (*mcpgo.GetPromptResult, error) {
				if args["note"] == "" {
					return nil, Argf("the note argument is required: give the id of the note with the meeting notes")
				}
				text := "Read the embedded meeting notes. List every action item with owner and due date if stated. " +
					"After I confirm, create each personal item with nc_tasks_create and each team item as a Deck card with nc_deck_create_card" +
					" (on the embedded board if there is one)."
				return s.promptResult(ctx, "Action items from note "+args["note"], text, args, "note", "board")
			},
		},
		{
			Prompt: mcpgo.NewPrompt("weekly_review",
				mcpgo.WithPromptDescription("Review the past week and plan the next: events, tasks done and open, Deck cards"),
				boardArg),
			Needs: []string{"nc_calendar_list_events", "nc_tasks_list", "nc_deck_list_cards"},
			Build: func(ctx context.Context, s *Server, args map[string]string) (*mcpgo.GetPromptResult, error) {
				now := time.Now()
				text := fmt.Sprintf("Weekly review for the week ending %s. Use nc_calendar_list_events for the past and next seven days, "+
					"nc_tasks_list for tasks completed and still open, and nc_deck_list_cards for cards overdue or due next week. "+
					"Summarise what got done, what slipped, and propose the three priorities for next week.", now.Format(time.DateOnly))
				return s.promptResult(ctx, "Weekly review", text, args, "board")
			},
		},
	}, s.appPromptDefs()...) // completions_apps.go
}

// addPrompts registers the workflow prompts; filterPrompts decides per
// caller which of them exist.
func (s *Server) addPrompts() {
	for _, p := range s.promptDefs() {
		s.mcp.AddPrompt(p.Prompt, func(ctx context.Context, req mcpgo.GetPromptRequest) (*mcpgo.GetPromptResult, error) {
			res, err := p.Build(ctx, s, req.Params.Arguments)
			if err != nil {
				return nil, fmt.Errorf("prompt %s: %s", p.Prompt.Name, ErrorText(err))
			}
			return res, nil
		})
	}
}

// filterPrompts keeps the prompts whose tools the caller can use.
func (s *Server) filterPrompts(ctx context.Context, prompts []mcpgo.Prompt) []mcpgo.Prompt {
	needs := map[string][]string{}
	for _, p := range s.promptDefs() {
		needs[p.Prompt.Name] = p.Needs
	}
	usable := s.toolUsable(ctx)
	kept := prompts[:0:0]
	for _, p := range prompts {
		ok := true
		for _, tool := range needs[p.Name] {
			ok = ok && usable(tool)
		}
		if ok {
			kept = append(kept, p)
		}
	}
	return kept
}

// toolUsable returns whether the caller of ctx may use an enabled tool:
// the same rules as the tools/list filter.
func (s *Server) toolUsable(ctx context.Context) func(string) bool {
	var installed func(string) bool
	if s.opts.DetectApps {
		if nc, err := s.opts.Client(ctx); err == nil {
			if caps, err := s.caps.get(ctx, nc); err == nil {
				installed = caps.HasApp
			}
		}
	}
	return func(name string) bool {
		t, ok := s.tools[name]
		if !ok {
			return false
		}
		if ok, _ := s.allowed(ctx, t.Scope); !ok {
			return false
		}
		ref := s.appOf[name]
		return installed == nil || ref.capability == "" || installed(ref.capability)
	}
}

// promptResult is one user message: the instructions, then the resources
// named by the given arguments, read through resources/read (so with the
// caller's scopes and identity).
func (s *Server) promptResult(ctx context.Context, desc, text string, args map[string]string, embed ...string) (*mcpgo.GetPromptResult, error) {
	msgs := []mcpgo.PromptMessage{mcpgo.NewPromptMessage(mcpgo.RoleUser, mcpgo.NewTextContent(text))}
	for _, name := range embed {
		v := strings.TrimSpace(args[name])
		if v == "" {
			continue
		}
		if id, err := strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
			return nil, Argf("%s %q is not an id (a positive number)", name, v)
		}
		uri := map[string]string{"note": "nextcloud://notes/", "board": "nextcloud://deck/boards/"}[name] + v
		contents, err := s.readResource(ctx, uri)
		if err != nil {
			return nil, err
		}
		for _, c := range contents {
			msgs = append(msgs, mcpgo.NewPromptMessage(mcpgo.RoleUser, mcpgo.NewEmbeddedResource(c)))
		}
	}
	return mcpgo.NewGetPromptResult(desc, msgs), nil
}

// readResource reads uri through the server's own resources/read, with
// its scope checks and handlers.
func (s *Server) readResource(ctx context.Context, uri string) ([]mcpgo.ResourceContents, error) {
	raw, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": "prompt-embed", "method": "resources/read", "params": map[string]string{"uri": uri}})
	if err != nil {
		return nil, err
	}
	switch m := s.mcp.HandleMessage(ctx, raw).(type) {
	case mcpgo.JSONRPCResponse:
		switch r := m.Result.(type) {
		case *mcpgo.ReadResourceResult:
			return r.Contents, nil
		case mcpgo.ReadResourceResult:
			return r.Contents, nil
		}
		return nil, fmt.Errorf("reading %s gave an unexpected %T", uri, m.Result)
	case mcpgo.JSONRPCError:
		return nil, fmt.Errorf("cannot read %s: %s", uri, m.Error.Message)
	default:
		return nil, fmt.Errorf("reading %s gave an unexpected %T", uri, m)
	}
}

// promptDay is a prompt's date argument (YYYY-MM-DD), today when empty.
func promptDay(args map[string]string) (string, error) {
	d := args["date"]
	if d == "" {
		return time.Now().Format(time.DateOnly), nil
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return "", Argf("date %q is not a day like 2026-03-14", d)
	}
	return d, nil
}
