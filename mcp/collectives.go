package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Collectives: team wikis of markdown pages.

type collectiveOut struct {
	ID      int64  `json:"id" jsonschema:"collective id for the other nc_collectives tools"`
	Name    string `json:"name"`
	Emoji   string `json:"emoji,omitempty"`
	Trashed bool   `json:"trashed,omitempty"`
	CanEdit bool   `json:"can_edit"`
	Admin   bool   `json:"admin" jsonschema:"whether you may trash or delete it"`
}

func toCollective(c *nextcloud.Collective) collectiveOut {
	return collectiveOut{ID: c.ID, Name: c.Name, Emoji: c.Emoji, Trashed: c.Trashed(), CanEdit: c.CanEdit, Admin: c.Level >= 8}
}

func (c collectiveOut) line() string {
	s := fmt.Sprintf("- #%d %s", c.ID, strings.TrimSpace(c.Emoji+" "+c.Name))
	if c.Trashed {
		s += " (in trash)"
	}
	return s
}

func validCollectiveID(id int64) error {
	return idArg("collective_id", id, "nc_collectives_list")
}

// collectivesNotFound explains a 404 from the Collectives API.
func collectivesNotFound(err error, what string) error {
	return explainNotFound(err, what, "not found (list collectives with nc_collectives_list and pages with nc_collectives_list_pages)")
}

// findCollective looks a collective up among the active or trashed ones.
func findCollective(ctx context.Context, nc *nextcloud.Client, id int64, trashed bool) (*nextcloud.Collective, error) {
	col, ok, err := nc.Collectives().Find(ctx, id, trashed)
	if err != nil || ok {
		return col, err
	}
	where := "among your collectives (see nc_collectives_list)"
	if trashed {
		where = "in the collectives trash (see nc_collectives_list with trashed=true)"
	}
	return nil, Argf("no collective %d %s", id, where)
}

// CollectivesToolset offers the Collectives wiki app.
func CollectivesToolset(env *Env) Toolset {
	return Toolset{
		Name:        "collectives",
		Description: "Nextcloud Collectives: team wikis of markdown pages",
		App:         nextcloud.CollectivesApp,
		Tools: []Tool{
			collectivesList(env),
			collectivesCreate(env),
			collectivesTrash(env),
			collectivesRestore(env),
			collectivesDelete(env),
			collectivesSetEmoji(env),
			collectivesListPages(env),
			collectivesGetPage(env),
			collectivesSearchPages(env),
			collectivesCreatePage(env),
			collectivesWritePage(env),
			collectivesMovePage(env),
			collectivesTrashPage(env),
			collectivesRestorePage(env),
			collectivesListTags(env),
			collectivesCreateTag(env),
			collectivesTagPage(env),
		},
	}
}

type collectivesListIn struct {
	Trashed bool `json:"trashed,omitempty" jsonschema:"list the collectives in the trash instead"`
}

type collectivesListOut struct {
	Collectives []collectiveOut `json:"collectives"`
}

func (o collectivesListOut) Summary() string {
	return listSummary(o.Collectives, "No collectives.", fmt.Sprintf("%d collectives:", len(o.Collectives)), collectiveOut.line)
}

func collectivesList(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_list", Title: "List collectives",
		Description: "List your collectives (team wikis), or those in the trash.",
		Scope:       "collectives:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectivesListIn) (collectivesListOut, error) {
		var cs []nextcloud.Collective
		var err error
		if in.Trashed {
			cs, err = nc.Collectives().Trashed(ctx)
		} else {
			cs, err = nc.Collectives().List(ctx)
		}
		if err != nil {
			return collectivesListOut{}, err
		}
		return collectivesListOut{Collectives: mapAll(cs, toCollective)}, nil
	})
}

type collectiveCreateIn struct {
	Name  string `json:"name" jsonschema:"name of the new collective (also the name of its team)"`
	Emoji string `json:"emoji,omitempty" jsonschema:"an emoji for it"`
}

func (in *collectiveCreateIn) Validate() error { return fileNameArg("name", in.Name) }

type collectiveResult struct {
	Collective collectiveOut `json:"collective"`
	Info       string        `json:"info,omitempty"`
}

func (o collectiveResult) Summary() string {
	s := strings.TrimPrefix(o.Collective.line(), "- ")
	if o.Info != "" {
		s += "\n" + o.Info
	}
	return s
}

func collectivesCreate(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_create", Title: "Create collective",
		Description: "Create a collective (a wiki with a landing page, and a team of the same name).",
		Scope:       "collectives:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveCreateIn) (collectiveResult, error) {
		c, info, err := nc.Collectives().Create(ctx, strings.TrimSpace(in.Name), in.Emoji)
		if err != nil {
			return collectiveResult{}, err
		}
		return collectiveResult{Collective: toCollective(c), Info: info}, nil
	})
}

type collectiveIDIn struct {
	CollectiveID int64 `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
}

func (in *collectiveIDIn) Validate() error { return validCollectiveID(in.CollectiveID) }

func collectivesTrash(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_trash", Title: "Trash collective",
		Description: "Move a collective with all its pages into the trash, for every member. It can be restored with nc_collectives_restore.",
		Scope:       "collectives:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveIDIn) (collectiveResult, error) {
		c, err := nc.Collectives().Trash(ctx, in.CollectiveID)
		if err != nil {
			if statusOf(err) == 403 {
				return collectiveResult{}, fmt.Errorf("only the collective's admins may trash it: %w", err)
			}
			return collectiveResult{}, collectivesNotFound(err, fmt.Sprintf("collective %d", in.CollectiveID))
		}
		return collectiveResult{Collective: toCollective(c)}, nil
	})
}

func collectivesRestore(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_restore", Title: "Restore collective",
		Description: "Take a collective out of the trash.",
		Scope:       "collectives:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveIDIn) (collectiveResult, error) {
		c, err := nc.Collectives().Restore(ctx, in.CollectiveID)
		if err != nil {
			return collectiveResult{}, collectivesNotFound(err, fmt.Sprintf("collective %d in the trash", in.CollectiveID))
		}
		return collectiveResult{Collective: toCollective(c)}, nil
	})
}

type collectiveDeleteIn struct {
	CollectiveID int64 `json:"collective_id" jsonschema:"id of a collective in the trash, from nc_collectives_list with trashed=true"`
	DeleteTeam   bool  `json:"delete_team,omitempty" jsonschema:"also delete the collective's team (circle)"`
}

func (in *collectiveDeleteIn) Validate() error { return validCollectiveID(in.CollectiveID) }

func collectivesDelete(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_delete", Title: "Delete collective",
		Description: "Delete a collective from the trash for good, with all its pages; optionally its team too. Cannot be undone. Trash it first with nc_collectives_trash.",
		Scope:       "collectives:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveDeleteIn) (collectiveResult, error) {
		if _, err := findCollective(ctx, nc, in.CollectiveID, true); err != nil {
			var ae *ArgError
			if errors.As(err, &ae) {
				return collectiveResult{}, Argf("collective %d is not in the trash; only trashed collectives can be deleted (nc_collectives_trash first)", in.CollectiveID)
			}
			return collectiveResult{}, err
		}
		c, err := nc.Collectives().Delete(ctx, in.CollectiveID, in.DeleteTeam)
		if err != nil {
			return collectiveResult{}, collectivesNotFound(err, fmt.Sprintf("collective %d in the trash", in.CollectiveID))
		}
		note := "Deleted for good."
		if in.DeleteTeam {
			note = "Deleted for good, with its team."
		}
		return collectiveResult{Collective: toCollective(c), Info: note}, nil
	})
}

type collectiveEmojiIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64  `json:"page_id,omitempty" jsonschema:"set the emoji of this page instead of the collective's"`
	Emoji        string `json:"emoji" jsonschema:"the emoji; empty removes it"`
}

func (in *collectiveEmojiIn) Validate() error {
	return firstErr(validCollectiveID(in.CollectiveID), optIDArg("page_id", in.PageID), emojiArg("emoji", in.Emoji))
}

type collectiveEmojiOut struct {
	CollectiveID int64  `json:"collective_id"`
	PageID       int64  `json:"page_id,omitempty"`
	Emoji        string `json:"emoji"`
}

func (o collectiveEmojiOut) Summary() string {
	what := fmt.Sprintf("collective %d", o.CollectiveID)
	if o.PageID != 0 {
		what = fmt.Sprintf("page %d", o.PageID)
	}
	if o.Emoji == "" {
		return "Removed the emoji of " + what + "."
	}
	return "Set the emoji of " + what + " to " + o.Emoji + "."
}

func collectivesSetEmoji(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_set_emoji", Title: "Set collective or page emoji",
		Description: "Set or remove the emoji of a collective, or of one of its pages when page_id is given.",
		Scope:       "collectives:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveEmojiIn) (collectiveEmojiOut, error) {
		out := collectiveEmojiOut(in)
		var err error
		if in.PageID != 0 {
			_, err = nc.Collectives().SetPageEmoji(ctx, in.CollectiveID, in.PageID, in.Emoji)
			err = collectivesNotFound(err, fmt.Sprintf("collective %d or page %d", in.CollectiveID, in.PageID))
		} else {
			_, err = nc.Collectives().SetEmoji(ctx, in.CollectiveID, in.Emoji)
			err = collectivesNotFound(err, fmt.Sprintf("collective %d", in.CollectiveID))
		}
		if err != nil {
			return collectiveEmojiOut{}, err
		}
		return out, nil
	})
}
