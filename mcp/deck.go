package mcp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// The Deck tools are one file per resource (deck_boards.go, deck_stacks.go,
// deck_cards.go, deck_labels.go, deck_comments.go, deck_attachments.go);
// outputs several of them share are in deck_types.go. Deck's own rules
// (finding a card, moves, positions) are in nextcloud.DeckClient.

const deckRead, deckWrite = "deck:read", "deck:write"

// DeckToolset offers Deck boards, stacks, cards, labels, comments and
// attachments, plus the boards and cards as resources.
func DeckToolset(env *Env) Toolset {
	cache := nextcloud.NewDeckCache(512) // ETags of board and stack reads, per user
	return Toolset{
		Name:        "deck",
		Description: "Deck: kanban boards, stacks, cards, labels, comments and attachments",
		App:         nextcloud.DeckApp,
		Tools: []Tool{
			deckListBoards(cache), deckGetBoard(cache), deckCreateBoard(cache), deckUpdateBoard(cache), deckDeleteBoard(cache),
			deckListStacks(cache), deckGetStack(cache), deckCreateStack(cache), deckUpdateStack(cache), deckDeleteStack(cache), deckReorderStacks(cache),
			deckListCards(cache), deckGetCard(cache), deckCreateCard(cache), deckUpdateCard(cache), deckMoveCard(cache),
			deckArchiveCard(cache), deckUnarchiveCard(cache), deckDeleteCard(cache),
			deckAssignUser(cache), deckUnassignUser(cache), deckAddLabel(cache), deckRemoveLabel(cache),
			deckListComments(), deckAddComment(), deckUpdateComment(), deckDeleteComment(),
			deckListAttachments(cache), deckAttachFile(cache), deckAttachNote(cache), deckDeleteAttachment(cache),
			deckListLabels(cache), deckGetLabel(cache), deckCreateLabel(cache), deckUpdateLabel(cache), deckDeleteLabel(cache),
		},
		Templates: []ResourceTemplate{deckBoardResource(cache), deckCardResource(cache)},
	}
}

// deckTitleArg checks a title against Deck's length limit (100 for boards
// and stacks, 255 for cards).
func deckTitleArg(t string, max int) error {
	if err := textArg("title", t); err != nil {
		return err
	}
	if n := len([]rune(t)); n > max {
		return Argf("title has %d characters; Deck allows at most %d", n, max)
	}
	return nil
}

func deckURL(nc *nextcloud.Client, boardID, cardID int64) string {
	u := nc.BaseURL().String() + fmt.Sprintf("/index.php/apps/deck/board/%d", boardID)
	if cardID > 0 {
		u += fmt.Sprintf("/card/%d", cardID)
	}
	return u
}

var deckColorRe = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

// deckColor accepts "ff0000", "#FF0000" or "#f00" and returns six hex digits.
func deckColor(arg, c string) (string, error) {
	c = strings.TrimPrefix(strings.TrimSpace(c), "#")
	if len(c) == 3 {
		c = string([]byte{c[0], c[0], c[1], c[1], c[2], c[2]})
	}
	if !deckColorRe.MatchString(c) {
		return "", Argf("%s must be a hex color like \"0082c9\" or \"#0082c9\", not %q", arg, c)
	}
	return strings.ToLower(c), nil
}

// deckDueDate reads a due date given as RFC 3339 date-time, as a date-time
// without zone (UTC) or as a plain date (midnight UTC) and returns Deck's
// ISO-8601 form.
func deckDueDate(arg, s string) (string, error) {
	t, err := deckParseDue(arg, s)
	if err != nil {
		return "", err
	}
	return t.Format(time.RFC3339), nil
}

func deckParseDue(arg, s string) (time.Time, error) {
	t, _, err := nextcloud.ParseTimeInput(s, time.UTC)
	if err != nil {
		return time.Time{}, Argf("%s must be a date like 2025-03-31 or a date-time like 2025-03-31T17:00:00+02:00, not %q", arg, strings.TrimSpace(s))
	}
	return t, nil
}

func deckResourceJSON(uri string, v any) ([]mcpgo.ResourceContents, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
}

func deckTemplateID(req mcpgo.ReadResourceRequest, name string) (int64, error) {
	v := req.Params.Arguments[name]
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []string:
		if len(x) > 0 {
			s = x[0]
		}
	case []any:
		if len(x) > 0 {
			s = fmt.Sprint(x[0])
		}
	default:
		s = fmt.Sprint(x)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s in %s must be a positive number", name, req.Params.URI)
	}
	return id, nil
}
