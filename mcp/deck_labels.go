package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type deckLabelsOut struct {
	BoardID int64          `json:"board_id" jsonschema:"board id"`
	Labels  []deckLabelOut `json:"labels" jsonschema:"labels"`
}

func (o deckLabelsOut) Summary() string {
	return listSummary(o.Labels, fmt.Sprintf("Board #%d has no labels.", o.BoardID),
		fmt.Sprintf("%d label(s) on board #%d:", len(o.Labels), o.BoardID),
		func(l deckLabelOut) string { return fmt.Sprintf("- #%d %s (#%s)", l.ID, l.Title, l.Color) })
}

func deckListLabels(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_list_labels", Title: "List Deck labels", Scope: deckRead, Kind: Read,
		Description: "List the labels defined on a board."},
		func(ctx context.Context, nc *nextcloud.Client, in deckBoardIn) (deckLabelsOut, error) {
			b, err := nc.Deck(cache).Board(ctx, in.BoardID)
			if err != nil {
				return deckLabelsOut{}, err
			}
			return deckLabelsOut{BoardID: in.BoardID, Labels: deckLabelsFrom(b.Labels)}, nil
		})
}

type deckLabelOneOut struct {
	BoardID int64        `json:"board_id" jsonschema:"board id"`
	Label   deckLabelOut `json:"label" jsonschema:"the label"`
}

func (o deckLabelOneOut) Summary() string {
	return fmt.Sprintf("Label #%d %s (#%s) on board #%d.", o.Label.ID, o.Label.Title, o.Label.Color, o.BoardID)
}

type deckCreateLabelIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	Title   string `json:"title" jsonschema:"label title, unique on the board"`
	Color   string `json:"color" jsonschema:"hex color like 31cc7c"`
}

func (in deckCreateLabelIn) Validate() error {
	if err := cmp.Or(idArg("board_id", in.BoardID, ""), textArg("title", in.Title)); err != nil {
		return err
	}
	_, err := deckColor("color", in.Color)
	return err
}

func deckCreateLabel(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_create_label", Title: "Create Deck label", Scope: deckWrite, Kind: Create,
		Description: "Define a new label on a board."},
		func(ctx context.Context, nc *nextcloud.Client, in deckCreateLabelIn) (deckLabelOneOut, error) {
			color, _ := deckColor("color", in.Color) // checked in Validate
			l, err := nc.Deck(cache).AddLabel(ctx, in.BoardID, strings.TrimSpace(in.Title), color)
			if err != nil {
				return deckLabelOneOut{}, err
			}
			return deckLabelOneOut{BoardID: in.BoardID, Label: deckLabelFrom(l)}, nil
		})
}

type deckUpdateLabelIn struct {
	BoardID int64   `json:"board_id" jsonschema:"board id"`
	LabelID int64   `json:"label_id" jsonschema:"label id, from nc_deck_list_labels"`
	Title   *string `json:"title,omitempty" jsonschema:"new title"`
	Color   *string `json:"color,omitempty" jsonschema:"new hex color"`
}

func (in deckUpdateLabelIn) Validate() error {
	if err := cmp.Or(idArg("board_id", in.BoardID, ""), idArg("label_id", in.LabelID, "")); err != nil {
		return err
	}
	if in.Title == nil && in.Color == nil {
		return Argf("nothing to change: give title or color")
	}
	if err := newTextArg("title", in.Title); err != nil {
		return err
	}
	if in.Color != nil {
		if _, err := deckColor("color", *in.Color); err != nil {
			return err
		}
	}
	return nil
}

func deckUpdateLabel(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_update_label", Title: "Update Deck label", Scope: deckWrite, Kind: Write,
		Description: "Rename a board label or change its color."},
		func(ctx context.Context, nc *nextcloud.Client, in deckUpdateLabelIn) (deckLabelOneOut, error) {
			d := nc.Deck(cache)
			l, err := d.FindLabel(ctx, in.BoardID, in.LabelID)
			if err != nil {
				return deckLabelOneOut{}, err
			}
			title, color := newText(l.Title, in.Title), l.Color
			if in.Color != nil {
				color, _ = deckColor("color", *in.Color) // checked in Validate
			}
			nl, err := d.UpdateLabel(ctx, in.BoardID, in.LabelID, title, color)
			if err != nil {
				return deckLabelOneOut{}, err
			}
			return deckLabelOneOut{BoardID: in.BoardID, Label: deckLabelFrom(nl)}, nil
		})
}

type deckLabelIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id"`
	LabelID int64 `json:"label_id" jsonschema:"label id"`
}

func (in deckLabelIn) Validate() error {
	return cmp.Or(idArg("board_id", in.BoardID, ""), idArg("label_id", in.LabelID, ""))
}

func deckGetLabel(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_get_label", Title: "Get Deck label", Scope: deckRead, Kind: Read,
		Description: "Show one label of a board: its title and color."},
		func(ctx context.Context, nc *nextcloud.Client, in deckLabelIn) (deckLabelOneOut, error) {
			d := nc.Deck(cache)
			l, err := d.Label(ctx, in.BoardID, in.LabelID)
			if err != nil {
				// Deck answers 403 for a label of another board; the board
				// says which labels it has.
				if _, ferr := d.FindLabel(ctx, in.BoardID, in.LabelID); ferr != nil {
					return deckLabelOneOut{}, ferr
				}
				return deckLabelOneOut{}, err
			}
			return deckLabelOneOut{BoardID: in.BoardID, Label: deckLabelFrom(l)}, nil
		})
}

func deckDeleteLabel(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_delete_label", Title: "Delete Deck label", Scope: deckWrite, Kind: Destroy,
		Description: "Delete a label from a board; it disappears from all cards."},
		func(ctx context.Context, nc *nextcloud.Client, in deckLabelIn) (deckDoneOut, error) {
			d := nc.Deck(cache)
			l, err := d.FindLabel(ctx, in.BoardID, in.LabelID)
			if err != nil {
				return deckDoneOut{}, err
			}
			if err := d.DeleteLabel(ctx, in.BoardID, in.LabelID); err != nil {
				return deckDoneOut{}, err
			}
			return deckDoneOut{Message: fmt.Sprintf("Deleted label #%d %s from board #%d and its cards.", l.ID, l.Title, in.BoardID)}, nil
		})
}
