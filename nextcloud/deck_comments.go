package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Attachments lists a card's attachments of all types.
func (d *DeckClient) Attachments(ctx context.Context, boardID, stackID, cardID int64) ([]DeckAttachment, error) {
	var a []DeckAttachment
	if err := d.send(ctx, http.MethodGet, cardPath11(boardID, stackID, cardID)+"/attachments", nil, &a); err != nil {
		return nil, deckFail(err, "list attachments of deck card %d", cardID)
	}
	return a, nil
}

// CardAttachments finds a card (see FindCard) and lists its attachments.
func (d *DeckClient) CardAttachments(ctx context.Context, boardID, cardID, stackID int64) (*DeckCard, []DeckAttachment, error) {
	c, err := d.FindCard(ctx, boardID, cardID, stackID)
	if err != nil {
		return nil, nil, err
	}
	as, err := d.Attachments(ctx, boardID, c.StackID, c.ID)
	return c, as, err
}

// AttachFile attaches a file from the user's Nextcloud files to a card, the
// way Deck's "Share from Files" does: it shares the file with the card
// (share type 12). It returns the share id, which is the attachment id.
func (d *DeckClient) AttachFile(ctx context.Context, cardID int64, path string) (int64, error) {
	rel, err := CleanFilePath(path)
	if err != nil {
		return 0, err
	}
	path = "/" + rel
	var share struct {
		ID DeckInt `json:"id"`
	}
	body := map[string]any{"path": path, "shareType": deckShareType, "shareWith": strconv.FormatInt(cardID, 10), "permissions": 19}
	if err := d.ocs(ctx, http.MethodPost, "/ocs/v2.php/apps/files_sharing/api/v1/shares", nil, body, &share); err != nil {
		return 0, deckFail(err, "attach %s to deck card %d", path, cardID)
	}
	return int64(share.ID), nil
}

// DeleteAttachment removes an attachment; for type "file" this unshares
// the file from the card and leaves the file itself in place.
func (d *DeckClient) DeleteAttachment(ctx context.Context, boardID, stackID, cardID int64, typ string, attachmentID int64) error {
	esc, err := EscapedSegment("type", typ)
	if err != nil {
		return err
	}
	p := fmt.Sprintf("%s/attachments/%s/%d", cardPath11(boardID, stackID, cardID), esc, attachmentID)
	if err := d.send(ctx, http.MethodDelete, p, nil, nil); err != nil {
		return deckFail(err, "delete attachment %d of deck card %d", attachmentID, cardID)
	}
	return nil
}

// Comments lists a card's comments, newest first.
func (d *DeckClient) Comments(ctx context.Context, cardID int64, limit, offset int) ([]DeckComment, error) {
	q := pageQuery(url.Values{}, limit, offset)
	var cs []DeckComment
	if err := d.ocs(ctx, http.MethodGet, fmt.Sprintf("%s/cards/%d/comments", deckOCSAPI, cardID), q, nil, &cs); err != nil {
		return nil, deckFail(err, "list comments of deck card %d", cardID)
	}
	return cs, nil
}

// CreateComment adds one comment (at most DeckCommentMaxLength characters);
// parentID > 0 makes it a reply.
func (d *DeckClient) CreateComment(ctx context.Context, cardID int64, message string, parentID int64) (*DeckComment, error) {
	body := map[string]any{"message": message, "parentId": nil}
	if parentID > 0 {
		body["parentId"] = parentID
	}
	var c DeckComment
	if err := d.ocs(ctx, http.MethodPost, fmt.Sprintf("%s/cards/%d/comments", deckOCSAPI, cardID), nil, body, &c); err != nil {
		return nil, deckFail(err, "comment on deck card %d", cardID)
	}
	return &c, nil
}

// UpdateComment replaces the text of one of the user's comments.
func (d *DeckClient) UpdateComment(ctx context.Context, cardID, commentID int64, message string) (*DeckComment, error) {
	var c DeckComment
	if err := d.ocs(ctx, http.MethodPut, fmt.Sprintf("%s/cards/%d/comments/%d", deckOCSAPI, cardID, commentID), nil, map[string]any{"message": message}, &c); err != nil {
		return nil, deckFail(err, "update comment %d of deck card %d", commentID, cardID)
	}
	return &c, nil
}

// DeleteComment deletes one of the user's comments.
func (d *DeckClient) DeleteComment(ctx context.Context, cardID, commentID int64) error {
	if err := d.ocs(ctx, http.MethodDelete, fmt.Sprintf("%s/cards/%d/comments/%d", deckOCSAPI, cardID, commentID), nil, nil, nil); err != nil {
		return deckFail(err, "delete comment %d of deck card %d", commentID, cardID)
	}
	return nil
}

// SplitDeckComment cuts a message into parts that each fit Deck's comment
// limit, numbered "(1/3) ", "(2/3) " ..., preferring to cut at paragraph,
// line, sentence and word boundaries. A message that fits is returned as is.
func SplitDeckComment(message string, limit int) []string {
	if limit <= 0 {
		limit = DeckCommentMaxLength
	}
	runes := []rune(message)
	if len(runes) <= limit {
		return []string{message}
	}
	// The prefix length depends on the number of parts; grow the guess
	// until the split is consistent.
	for n := 2; ; n++ {
		parts := splitRunes(runes, limit-len(fmt.Sprintf("(%d/%d) ", n, n)))
		if len(parts) <= n {
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = fmt.Sprintf("(%d/%d) %s", i+1, len(parts), p)
			}
			return out
		}
	}
}

func splitRunes(runes []rune, size int) []string {
	if size < 1 {
		size = 1
	}
	var parts []string
	for len(runes) > 0 {
		if len(runes) <= size {
			parts = append(parts, strings.TrimSpace(string(runes)))
			break
		}
		cut := deckCutPoint(runes[:size+1])
		parts = append(parts, strings.TrimSpace(string(runes[:cut])))
		runes = runes[cut:]
		for len(runes) > 0 && (runes[0] == ' ' || runes[0] == '\n') {
			runes = runes[1:]
		}
	}
	return parts
}

// deckCutPoint picks where to end a part within window (at most
// len(window)-1 runes go into the part); it never returns 0.
func deckCutPoint(window []rune) int {
	limit := len(window) - 1
	minCut := limit / 2 // do not make tiny parts to honour a boundary
	s := string(window)
	for _, sep := range []string{"\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " "} {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			continue
		}
		cut := len([]rune(s[:i])) + len([]rune(sep))
		if sep == "\n\n" || sep == "\n" || sep == " " {
			cut = len([]rune(s[:i]))
		}
		if cut > limit {
			cut = limit
		}
		if cut >= minCut && cut > 0 {
			return cut
		}
	}
	return limit
}
