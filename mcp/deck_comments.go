package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type deckCommentOut struct {
	ID         int64  `json:"id" jsonschema:"comment id"`
	Message    string `json:"message" jsonschema:"comment text"`
	Author     string `json:"author" jsonschema:"user id of the author"`
	AuthorName string `json:"author_name" jsonschema:"display name of the author"`
	Created    string `json:"created" jsonschema:"creation time"`
	ReplyTo    int64  `json:"reply_to,omitempty" jsonschema:"id of the comment this one answers"`
}

func deckCommentFrom(c *nextcloud.DeckComment) deckCommentOut {
	out := deckCommentOut{ID: int64(c.ID), Message: c.Message, Author: c.ActorID, AuthorName: c.ActorDisplayName, Created: c.CreationDateTime}
	if c.ReplyTo != nil {
		out.ReplyTo = int64(c.ReplyTo.ID)
	}
	return out
}

type deckCommentsOut struct {
	CardID   int64            `json:"card_id" jsonschema:"card id"`
	Comments []deckCommentOut `json:"comments" jsonschema:"comments, newest first"`
}

func (o deckCommentsOut) Summary() string {
	return listSummary(o.Comments, fmt.Sprintf("Card #%d has no comments here.", o.CardID),
		fmt.Sprintf("%d comment(s) on card #%d:", len(o.Comments), o.CardID),
		func(c deckCommentOut) string {
			return fmt.Sprintf("- #%d %s (%s): %s", c.ID, c.AuthorName, c.Created, c.Message)
		})
}

type deckListCommentsIn struct {
	CardID int64 `json:"card_id" jsonschema:"card id"`
	Limit  int   `json:"limit,omitempty" jsonschema:"at most this many comments (default 20, max 200)"`
	Offset int   `json:"offset,omitempty" jsonschema:"skip this many of the newest comments"`
}

func (in deckListCommentsIn) Validate() error {
	if err := idArg("card_id", in.CardID, ""); err != nil {
		return err
	}
	return cmp.Or(limitArg("limit", in.Limit, 200), offsetArg("offset", in.Offset))
}

func deckListComments() Tool {
	return NewTool(Spec{Name: "nc_deck_list_comments", Title: "List Deck card comments", Scope: deckRead, Kind: Read,
		Description: "List the comments on a card, newest first, paged with limit and offset."},
		func(ctx context.Context, nc *nextcloud.Client, in deckListCommentsIn) (deckCommentsOut, error) {
			cs, err := nc.Deck(nil).Comments(ctx, in.CardID, cmp.Or(in.Limit, 20), in.Offset)
			if err != nil {
				return deckCommentsOut{}, err
			}
			return deckCommentsOut{CardID: in.CardID, Comments: mapAll(cs, deckCommentFrom)}, nil
		})
}

type deckAddCommentOut struct {
	CardID   int64            `json:"card_id" jsonschema:"card id"`
	Comments []deckCommentOut `json:"comments" jsonschema:"the comments created, in order; a long message becomes several numbered parts"`
	Parts    int              `json:"parts" jsonschema:"number of comments created"`
}

func (o deckAddCommentOut) Summary() string {
	if o.Parts == 1 {
		return fmt.Sprintf("Added comment #%d to card #%d.", o.Comments[0].ID, o.CardID)
	}
	ids := make([]string, len(o.Comments))
	for i, c := range o.Comments {
		ids[i] = "#" + strconv.FormatInt(c.ID, 10)
	}
	return fmt.Sprintf("The message exceeded Deck's limit of %d characters, so it was added to card #%d as %d numbered comments: %s.",
		nextcloud.DeckCommentMaxLength, o.CardID, o.Parts, strings.Join(ids, ", "))
}

type deckAddCommentIn struct {
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	Message string `json:"message" jsonschema:"comment text; longer than 1000 characters it is posted as several numbered comments"`
	ReplyTo int64  `json:"reply_to,omitempty" jsonschema:"id of a comment on the same card to answer"`
}

func (in deckAddCommentIn) Validate() error {
	if err := cmp.Or(idArg("card_id", in.CardID, ""), textArg("message", in.Message)); err != nil {
		return err
	}
	if in.ReplyTo < 0 {
		return Argf("reply_to must be a positive comment id")
	}
	return nil
}

func deckAddComment() Tool {
	return NewTool(Spec{Name: "nc_deck_add_comment", Title: "Comment on Deck card", Scope: deckWrite, Kind: Create,
		Description: "Add a comment to a card. Deck limits a comment to 1000 characters; longer text is posted as several comments numbered (1/n), (2/n) ..."},
		func(ctx context.Context, nc *nextcloud.Client, in deckAddCommentIn) (deckAddCommentOut, error) {
			d := nc.Deck(nil)
			parts := nextcloud.SplitDeckComment(in.Message, nextcloud.DeckCommentMaxLength)
			out := deckAddCommentOut{CardID: in.CardID, Comments: []deckCommentOut{}}
			for i, p := range parts {
				c, err := d.CreateComment(ctx, in.CardID, p, in.ReplyTo)
				if err != nil {
					if i > 0 {
						warnPartial(ctx, "nc_deck_add_comment", fmt.Sprintf("%d of %d comment parts were posted to card #%d", i, len(parts), in.CardID))
						return deckAddCommentOut{}, fmt.Errorf("posted %d of %d comment parts, then: %w", i, len(parts), err)
					}
					return deckAddCommentOut{}, err
				}
				out.Comments = append(out.Comments, deckCommentFrom(c))
				if len(parts) > 1 {
					reportProgress(ctx, i+1, len(parts), fmt.Sprintf("posted %d of %d comment parts", i+1, len(parts)))
				}
			}
			out.Parts = len(out.Comments)
			return out, nil
		})
}

type deckCommentOneOut struct {
	CardID  int64          `json:"card_id" jsonschema:"card id"`
	Comment deckCommentOut `json:"comment" jsonschema:"the comment"`
}

func (o deckCommentOneOut) Summary() string {
	return fmt.Sprintf("Comment #%d on card #%d: %s", o.Comment.ID, o.CardID, o.Comment.Message)
}

type deckUpdateCommentIn struct {
	CardID    int64  `json:"card_id" jsonschema:"card id"`
	CommentID int64  `json:"comment_id" jsonschema:"comment id, from nc_deck_list_comments"`
	Message   string `json:"message" jsonschema:"new text, at most 1000 characters"`
}

func (in deckUpdateCommentIn) Validate() error {
	if err := cmp.Or(idArg("card_id", in.CardID, ""), idArg("comment_id", in.CommentID, ""), textArg("message", in.Message)); err != nil {
		return err
	}
	if n := len([]rune(in.Message)); n > nextcloud.DeckCommentMaxLength {
		return Argf("message has %d characters; Deck allows at most %d per comment. Shorten it, or add the rest with nc_deck_add_comment (which splits long text)", n, nextcloud.DeckCommentMaxLength)
	}
	return nil
}

func deckUpdateComment() Tool {
	return NewTool(Spec{Name: "nc_deck_update_comment", Title: "Edit Deck card comment", Scope: deckWrite, Kind: Write,
		Description: "Replace the text of one of your comments on a card (at most 1000 characters)."},
		func(ctx context.Context, nc *nextcloud.Client, in deckUpdateCommentIn) (deckCommentOneOut, error) {
			c, err := nc.Deck(nil).UpdateComment(ctx, in.CardID, in.CommentID, in.Message)
			if err != nil {
				return deckCommentOneOut{}, err
			}
			return deckCommentOneOut{CardID: in.CardID, Comment: deckCommentFrom(c)}, nil
		})
}

type deckCommentIn struct {
	CardID    int64 `json:"card_id" jsonschema:"card id"`
	CommentID int64 `json:"comment_id" jsonschema:"comment id"`
}

func (in deckCommentIn) Validate() error {
	return cmp.Or(idArg("card_id", in.CardID, ""), idArg("comment_id", in.CommentID, ""))
}

func deckDeleteComment() Tool {
	return NewTool(Spec{Name: "nc_deck_delete_comment", Title: "Delete Deck card comment", Scope: deckWrite, Kind: Destroy,
		Description: "Delete one of your comments on a card."},
		func(ctx context.Context, nc *nextcloud.Client, in deckCommentIn) (deckDoneOut, error) {
			if err := nc.Deck(nil).DeleteComment(ctx, in.CardID, in.CommentID); err != nil {
				return deckDoneOut{}, err
			}
			return deckDoneOut{Message: fmt.Sprintf("Deleted comment #%d from card #%d.", in.CommentID, in.CardID)}, nil
		})
}
