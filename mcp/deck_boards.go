package mcp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type deckBoardsOut struct {
	Boards []deckBoardOut `json:"boards" jsonschema:"the boards"`
	Count  int            `json:"count" jsonschema:"number of boards listed"`
}

func (o deckBoardsOut) Summary() string {
	return listSummary(o.Boards, "No Deck boards match.", fmt.Sprintf("%d Deck board(s):", o.Count), func(x deckBoardOut) string {
		s := fmt.Sprintf("- #%d %s", x.ID, x.Title)
		if x.Archived {
			s += " (archived)"
		}
		if x.SharedWithMe {
			s += fmt.Sprintf(" (shared by %s)", x.Owner)
		}
		return s
	})
}

type deckListBoardsIn struct {
	Archived     bool `json:"archived,omitempty" jsonschema:"true lists only archived boards; by default only active boards are listed"`
	SharedWithMe bool `json:"shared_with_me,omitempty" jsonschema:"true lists only boards other users shared with you"`
}

func deckListBoards(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_list_boards", Title: "List Deck boards", Scope: deckRead, Kind: Read,
		Description: "List the Deck boards you own or that are shared with you. By default only active boards; set archived to list archived ones, shared_with_me to list only boards of other users."},
		func(ctx context.Context, nc *nextcloud.Client, in deckListBoardsIn) (deckBoardsOut, error) {
			boards, err := nc.Deck(cache).Boards(ctx)
			if err != nil {
				return deckBoardsOut{}, err
			}
			out := deckBoardsOut{Boards: []deckBoardOut{}}
			for i := range boards {
				b := deckBoardFrom(&boards[i], nc.User())
				if boards[i].DeletedAt > 0 || b.Archived != in.Archived || (in.SharedWithMe && !b.SharedWithMe) {
					continue
				}
				out.Boards = append(out.Boards, b)
			}
			sort.SliceStable(out.Boards, func(i, j int) bool {
				return strings.ToLower(out.Boards[i].Title) < strings.ToLower(out.Boards[j].Title)
			})
			out.Count = len(out.Boards)
			return out, nil
		})
}

type deckBoardDetailOut struct {
	Board             deckBoardOut    `json:"board" jsonschema:"the board"`
	Labels            []deckLabelOut  `json:"labels" jsonschema:"labels defined on the board"`
	Members           []deckMemberOut `json:"members" jsonschema:"users with access to the board"`
	Stacks            []deckStackOut  `json:"stacks" jsonschema:"stacks in order, with card counts"`
	CardCount         int             `json:"card_count" jsonschema:"active cards on the board"`
	ArchivedCardCount int             `json:"archived_card_count" jsonschema:"archived cards on the board"`
	URL               string          `json:"url" jsonschema:"link to the board in the Deck web app"`
}

func (o deckBoardDetailOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Board #%d %s: %d active card(s), %d archived.", o.Board.ID, o.Board.Title, o.CardCount, o.ArchivedCardCount)
	for _, s := range o.Stacks {
		fmt.Fprintf(&b, "\n- stack #%d %s: %d card(s)", s.ID, s.Title, s.CardCount)
		if s.OverdueCount > 0 {
			fmt.Fprintf(&b, ", %d overdue", s.OverdueCount)
		}
	}
	if len(o.Labels) > 0 {
		names := make([]string, len(o.Labels))
		for i, l := range o.Labels {
			names[i] = l.Title
		}
		fmt.Fprintf(&b, "\nLabels: %s", strings.Join(names, ", "))
	}
	return b.String()
}

type deckBoardIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id, from nc_deck_list_boards"`
}

func (in deckBoardIn) Validate() error { return idArg("board_id", in.BoardID, "") }

func deckGetBoard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_get_board", Title: "Get Deck board", Scope: deckRead, Kind: Read,
		Description: "Show a Deck board: its stacks in order with card counts (active, archived, overdue), its labels and members."},
		func(ctx context.Context, nc *nextcloud.Client, in deckBoardIn) (deckBoardDetailOut, error) {
			return deckBoardDetail(ctx, nc, nc.Deck(cache), in.BoardID)
		})
}

// deckBoardResource is nextcloud://deck/boards/{id}: what nc_deck_get_board shows.
func deckBoardResource(cache *nextcloud.DeckCache) ResourceTemplate {
	return ResourceTemplate{
		Template: mcpgo.NewResourceTemplate("nextcloud://deck/boards/{id}", "Deck board",
			mcpgo.WithTemplateDescription("A Deck board with its stacks, card counts, labels and members"),
			mcpgo.WithTemplateMIMEType("application/json")),
		Scope: deckRead,
		Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
			id, err := deckTemplateID(req, "id")
			if err != nil {
				return nil, err
			}
			out, err := deckBoardDetail(ctx, nc, nc.Deck(cache), id)
			if err != nil {
				return nil, argErrorOf(err)
			}
			return deckResourceJSON(req.Params.URI, out)
		},
	}
}

// deckBoardDetail is a board with its stacks, card counts, labels and
// members (nc_deck_get_board and the board resource).
func deckBoardDetail(ctx context.Context, nc *nextcloud.Client, d *nextcloud.DeckClient, boardID int64) (deckBoardDetailOut, error) {
	b, err := d.Board(ctx, boardID)
	if err != nil {
		return deckBoardDetailOut{}, err
	}
	stacks, err := d.Stacks(ctx, boardID)
	if err != nil {
		return deckBoardDetailOut{}, err
	}
	archived, err := d.ArchivedStacks(ctx, boardID)
	if err != nil {
		return deckBoardDetailOut{}, err
	}
	out := deckBoardDetailOut{
		Board: deckBoardFrom(b, nc.User()), Labels: deckLabelsFrom(b.Labels), Members: []deckMemberOut{},
		Stacks: []deckStackOut{}, URL: deckURL(nc, boardID, 0),
	}
	seen := map[string]bool{}
	addMember := func(u nextcloud.DeckUser) {
		if u.UID != "" && !seen[u.UID] {
			seen[u.UID] = true
			out.Members = append(out.Members, deckMemberOut{UserID: u.UID, DisplayName: u.DisplayName})
		}
	}
	addMember(b.Owner)
	for _, u := range b.Users {
		addMember(u)
	}
	for _, a := range b.ACL {
		if a.Type == 0 {
			addMember(a.Participant)
		}
	}
	archivedCount := map[int64]int{}
	for _, s := range archived {
		archivedCount[s.ID] = len(s.Cards)
		out.ArchivedCardCount += len(s.Cards)
	}
	now := time.Now()
	for _, s := range stacks {
		so := deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order, CardCount: len(s.Cards), ArchivedCardCount: archivedCount[s.ID]}
		for _, c := range s.Cards {
			if c.OverdueAt(now) {
				so.OverdueCount++
			}
		}
		out.CardCount += len(s.Cards)
		out.Stacks = append(out.Stacks, so)
	}
	return out, nil
}

type deckBoardOneOut struct {
	Board deckBoardOut `json:"board" jsonschema:"the board"`
}

func (o deckBoardOneOut) Summary() string {
	s := fmt.Sprintf("Board #%d %s (color #%s)", o.Board.ID, o.Board.Title, o.Board.Color)
	if o.Board.Archived {
		s += ", archived"
	}
	return s + "."
}

type deckCreateBoardIn struct {
	Title string `json:"title" jsonschema:"board title, at most 100 characters"`
	Color string `json:"color,omitempty" jsonschema:"hex color like 0082c9 (default 0082c9)"`
}

func (in deckCreateBoardIn) Validate() error {
	return deckTitleArg(in.Title, 100)
}

func deckCreateBoard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_create_board", Title: "Create Deck board", Scope: deckWrite, Kind: Create,
		Description: "Create a Deck board. Deck adds four default labels (Finished, To review, Action needed, Later); add stacks with nc_deck_create_stack."},
		func(ctx context.Context, nc *nextcloud.Client, in deckCreateBoardIn) (deckBoardOneOut, error) {
			color := "0082c9"
			if in.Color != "" {
				c, err := deckColor("color", in.Color)
				if err != nil {
					return deckBoardOneOut{}, err
				}
				color = c
			}
			b, err := nc.Deck(cache).CreateBoard(ctx, strings.TrimSpace(in.Title), color)
			if err != nil {
				return deckBoardOneOut{}, err
			}
			return deckBoardOneOut{Board: deckBoardFrom(b, nc.User())}, nil
		})
}

type deckUpdateBoardIn struct {
	BoardID  int64   `json:"board_id" jsonschema:"board id, from nc_deck_list_boards"`
	Title    *string `json:"title,omitempty" jsonschema:"new title, at most 100 characters"`
	Color    *string `json:"color,omitempty" jsonschema:"new hex color like ff0000"`
	Archived *bool   `json:"archived,omitempty" jsonschema:"true archives the board, false unarchives it"`
}

func (in deckUpdateBoardIn) Validate() error {
	if err := idArg("board_id", in.BoardID, ""); err != nil {
		return err
	}
	if in.Title == nil && in.Color == nil && in.Archived == nil {
		return Argf("nothing to change: give title, color or archived")
	}
	if in.Title != nil {
		return deckTitleArg(*in.Title, 100)
	}
	return nil
}

func deckUpdateBoard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_update_board", Title: "Update Deck board", Scope: deckWrite, Kind: Write,
		Description: "Rename a Deck board, change its color, or archive/unarchive it. Fields not given stay as they are."},
		func(ctx context.Context, nc *nextcloud.Client, in deckUpdateBoardIn) (deckBoardOneOut, error) {
			d := nc.Deck(cache)
			b, err := d.Board(ctx, in.BoardID)
			if err != nil {
				return deckBoardOneOut{}, err
			}
			title, color, archived := newText(b.Title, in.Title), b.Color, newValue(b.Archived, in.Archived)
			if in.Color != nil {
				if color, err = deckColor("color", *in.Color); err != nil {
					return deckBoardOneOut{}, err
				}
			}
			nb, err := d.UpdateBoard(ctx, in.BoardID, title, color, archived)
			if err != nil {
				return deckBoardOneOut{}, err
			}
			return deckBoardOneOut{Board: deckBoardFrom(nb, nc.User())}, nil
		})
}

func deckDeleteBoard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_delete_board", Title: "Delete Deck board", Scope: deckWrite, Kind: Destroy,
		Description: "Delete a Deck board with all its stacks and cards. Deck keeps it restorable for a short while in its web app."},
		func(ctx context.Context, nc *nextcloud.Client, in deckBoardIn) (deckDoneOut, error) {
			d := nc.Deck(cache)
			b, err := d.Board(ctx, in.BoardID)
			if err != nil {
				return deckDoneOut{}, err
			}
			if err := d.DeleteBoard(ctx, in.BoardID); err != nil {
				return deckDoneOut{}, err
			}
			return deckDoneOut{Message: fmt.Sprintf("Deleted board #%d %s.", b.ID, b.Title)}, nil
		})
}
