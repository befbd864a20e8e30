package mcp

import (
	"context"
	"errors"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// maxCompletions is the most values one completion/complete answers (the
// MCP limit); Total and HasMore say how many more matched.
const maxCompletions = 100

// candidate is a completion value and the text it is matched by (a
// note's or board's title; a file's name).
type candidate struct{ value, label string }

// rank keeps the candidates whose label or value matches typed: label
// prefix first, then value prefix, then label substring, each
// alphabetical; case is ignored.
func rank(typed string, cands []candidate) *mcpgo.Completion {
	typed = strings.ToLower(strings.TrimSpace(typed))
	type scored struct {
		candidate
		score int
	}
	var hits []scored
	for _, c := range cands {
		label := strings.ToLower(c.label)
		switch {
		case strings.HasPrefix(label, typed):
			hits = append(hits, scored{c, 0})
		case strings.HasPrefix(strings.ToLower(c.value), typed):
			hits = append(hits, scored{c, 1})
		case strings.Contains(label, typed):
			hits = append(hits, scored{c, 2})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score < hits[j].score
		}
		return strings.ToLower(hits[i].label) < strings.ToLower(hits[j].label)
	})
	out := &mcpgo.Completion{Values: []string{}, Total: len(hits)}
	for i, h := range hits {
		if i == maxCompletions {
			out.HasMore = true
			break
		}
		out.Values = append(out.Values, h.value)
	}
	return out
}

// completeKind lists the candidates of one kind of argument, or returns
// no completion when the tool that reads them is not usable by the caller
// (scopes, enabled tools, installed apps): completion shows nothing the
// caller could not list.
func (s *Server) completeKind(ctx context.Context, kind, typed string, known map[string]string) (*mcpgo.Completion, error) {
	empty := &mcpgo.Completion{Values: []string{}}
	reader := map[string]string{"note": "nc_notes_list", "board": "nc_deck_list_boards", "path": "nc_files_list", "card": "nc_deck_list_cards"}[kind]
	if r, ok := appCompletionReaders[kind]; ok {
		reader = r // completions_apps.go
	}
	if kind == "date" {
		var cands []candidate
		for d := range 14 {
			day := time.Now().AddDate(0, 0, d).Format(time.DateOnly)
			cands = append(cands, candidate{day, day})
		}
		res := rank(typed, cands)
		sort.Strings(res.Values) // days in calendar order
		return res, nil
	}
	if reader == "" || !s.toolUsable(ctx)(reader) {
		return empty, nil
	}
	nc, err := s.opts.Client(ctx)
	if err != nil {
		return nil, err
	}
	var cands []candidate
	switch kind {
	case "note":
		cands, err = s.comps.cached(nc, kind, "", func() (out []candidate, err error) {
			page, err := nc.Notes().List(ctx, nextcloud.NotesListOptions{Exclude: []string{"content"}})
			if err != nil {
				return nil, err
			}
			return mapAll(page.Notes, func(n *nextcloud.Note) candidate { return candidate{strconv.FormatInt(n.ID, 10), n.Title} }), nil
		})
	case "board":
		cands, err = s.comps.cached(nc, kind, "", func() (out []candidate, err error) {
			boards, err := nc.Deck(nil).Boards(ctx)
			if err != nil {
				return nil, err
			}
			for _, b := range boards {
				if !b.Archived {
					out = append(out, candidate{strconv.FormatInt(b.ID, 10), b.Title})
				}
			}
			return out, nil
		})
	case "card":
		// Cards of the board already chosen (the boardId argument).
		boardID, perr := strconv.ParseInt(known["boardId"], 10, 64)
		if perr != nil || boardID <= 0 {
			return empty, nil
		}
		cands, err = s.comps.cached(nc, kind, known["boardId"], func() (out []candidate, err error) {
			stacks, err := nc.Deck(nil).Stacks(ctx, boardID)
			if err != nil {
				return nil, err
			}
			for _, st := range stacks {
				for _, c := range st.Cards {
					out = append(out, candidate{strconv.FormatInt(c.ID, 10), c.Title})
				}
			}
			return out, nil
		})
	case "path":
		// List the folder typed so far and match the last segment.
		typed = strings.TrimPrefix(typed, "/")
		dir, base := "", typed
		if i := strings.LastIndex(typed, "/"); i >= 0 {
			dir, base = typed[:i], typed[i+1:]
		}
		cands, err = s.comps.cached(nc, kind, dir, func() (out []candidate, err error) {
			_, children, err := nc.Files().List(ctx, dir)
			if err != nil {
				return nil, err
			}
			for _, f := range children {
				v := path.Join(dir, f.Name)
				if f.IsDir {
					v += "/"
				}
				out = append(out, candidate{v, f.Name})
			}
			return out, nil
		})
		if errors.Is(err, nextcloud.ErrNotFound) {
			return empty, nil // a folder that does not exist has nothing to offer
		}
		typed = base
	default:
		cands, err = s.appCandidates(ctx, nc, kind, known) // completions_apps.go
	}
	if err != nil {
		return nil, err
	}
	return rank(typed, cands), nil
}

// candidatesOf turns a client list into completion candidates, or passes
// on the error of reading it.
func candidatesOf[T any](list []T, err error, f func(*T) candidate) ([]candidate, error) {
	if err != nil {
		return nil, err
	}
	return mapAll(list, f), nil
}

// promptArgKind maps prompt arguments to the kind of value they take.
var promptArgKind = map[string]string{"note": "note", "board": "board", "date": "date",
	"calendar": "calendar", "addressbook": "addressbook", "conversation": "conversation", "table": "table", "column": "column"}

type promptCompleter struct{ s *Server }

func (p promptCompleter) CompletePromptArgument(ctx context.Context, prompt string, arg mcpgo.CompleteArgument, cc mcpgo.CompleteContext) (*mcpgo.Completion, error) {
	return p.s.completeKind(ctx, promptArgKind[arg.Name], arg.Value, cc.Arguments)
}

// templateArgKind maps resource-template arguments to kinds.
var templateArgKind = map[string]map[string]string{
	"nextcloud://notes/{id}":                           {"id": "note"},
	"nextcloud://deck/boards/{id}":                     {"id": "board"},
	"nextcloud://deck/boards/{boardId}/cards/{cardId}": {"boardId": "board", "cardId": "card"},
	"nextcloud://files/{path}":                         {"path": "path"},
	"nextcloud://calendars/{id}":                       {"id": "calendar"},
}

type resourceCompleter struct{ s *Server }

func (r resourceCompleter) CompleteResourceArgument(ctx context.Context, uri string, arg mcpgo.CompleteArgument, cc mcpgo.CompleteContext) (*mcpgo.Completion, error) {
	return r.s.completeKind(ctx, templateArgKind[uri][arg.Name], arg.Value, cc.Arguments)
}
