package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

func validPageTitle(t string) error { return fileNameArg("title", t) }

type collectivePageChange struct {
	Page collectivePageOut `json:"page"`
	Note string            `json:"note,omitempty"`
}

func (o collectivePageChange) Summary() string {
	s := fmt.Sprintf("Page #%d %s (%s)", o.Page.ID, o.Page.Title, o.Page.File)
	if o.Page.Trashed {
		s += " is in the trash"
	}
	if o.Note != "" {
		s += "\n" + o.Note
	}
	return s
}

type collectiveNewPageIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	Title        string `json:"title" jsonschema:"title of the new page"`
	ParentID     int64  `json:"parent_id,omitempty" jsonschema:"page to create it below; the landing page by default"`
	Content      string `json:"content,omitempty" jsonschema:"markdown to put on the page"`
}

func (in *collectiveNewPageIn) Validate() error {
	return firstErr(validCollectiveID(in.CollectiveID), validPageTitle(in.Title), optIDArg("parent_id", in.ParentID))
}

func collectivesCreatePage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_create_page", Title: "Create collective page",
		Description: "Create a page in a collective, below the landing page or another page, optionally with markdown content.",
		Scope:       "collectives:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveNewPageIn) (collectivePageChange, error) {
		col, err := findCollective(ctx, nc, in.CollectiveID, false)
		if err != nil {
			return collectivePageChange{}, err
		}
		parent := in.ParentID
		if parent == 0 {
			pages, err := nc.Collectives().Pages(ctx, in.CollectiveID)
			if err != nil {
				return collectivePageChange{}, err
			}
			for _, p := range pages {
				if p.ParentID == 0 {
					parent = p.ID
				}
			}
			if parent == 0 {
				return collectivePageChange{}, fmt.Errorf("collective %d has no landing page to create the page below; give parent_id", in.CollectiveID)
			}
		}
		p, err := nc.Collectives().CreatePage(ctx, in.CollectiveID, parent, strings.TrimSpace(in.Title))
		if err != nil {
			return collectivePageChange{}, collectivesNotFound(err, fmt.Sprintf("parent page %d", parent))
		}
		out := collectivePageChange{Page: singlePage(col, p, nil)}
		if p.Title != strings.TrimSpace(in.Title) {
			out.Note = fmt.Sprintf("A page %q existed already, so the new one is called %q.", in.Title, p.Title)
		}
		if in.Content != "" {
			if err := nc.Collectives().WritePageMarkdown(ctx, p, col.Name, in.Content); err != nil {
				return collectivePageChange{}, fmt.Errorf("page #%d was created but its content could not be written: %w", p.ID, err)
			}
			out.Page.SizeBytes = int64(len(in.Content))
		}
		return out, nil
	})
}

type collectiveWritePageIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64  `json:"page_id" jsonschema:"page id, from nc_collectives_list_pages"`
	Content      string `json:"content" jsonschema:"the page's new markdown; replaces what is there"`
}

func (in *collectiveWritePageIn) Validate() error {
	return firstErr(validCollectiveID(in.CollectiveID), validPageID(in.PageID))
}

func collectivesWritePage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_write_page", Title: "Write collective page",
		Description: "Replace the markdown of a collective page with new content. The old text is overwritten (Nextcloud keeps file versions).",
		Scope:       "collectives:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveWritePageIn) (collectivePageChange, error) {
		col, p, err := onPage(ctx, nc, in.CollectiveID, in.PageID, pageWhat(in.CollectiveID, in.PageID), nc.Collectives().Page)
		if err != nil {
			return collectivePageChange{}, err
		}
		if err := nc.Collectives().WritePageMarkdown(ctx, p, col.Name, in.Content); err != nil {
			return collectivePageChange{}, err
		}
		out := collectivePageChange{Page: singlePage(col, p, nil)}
		out.Page.SizeBytes = int64(len(in.Content))
		return out, nil
	})
}

type collectiveMoveIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64  `json:"page_id" jsonschema:"page to move or rename"`
	ParentID     int64  `json:"parent_id,omitempty" jsonschema:"new parent page; the current one if omitted"`
	Title        string `json:"title,omitempty" jsonschema:"new title; unchanged if omitted"`
	Index        int    `json:"index,omitempty" jsonschema:"position among the parent's subpages (0 first)"`
}

func (in *collectiveMoveIn) Validate() error {
	err := firstErr(validCollectiveID(in.CollectiveID), validPageID(in.PageID), optIDArg("parent_id", in.ParentID), offsetArg("index", in.Index))
	switch {
	case err != nil:
		return err
	case in.ParentID == 0 && in.Title == "":
		return Argf("give parent_id to move the page and/or title to rename it")
	case in.Title != "":
		if err := validPageTitle(in.Title); err != nil {
			return err
		}
	}
	if in.ParentID == in.PageID {
		return Argf("a page cannot be its own parent")
	}
	return nil
}

func collectivesMovePage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_move_page", Title: "Move or rename collective page",
		Description: "Move a collective page (with its subpages) below another page of the same collective, and/or rename it.",
		Scope:       "collectives:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveMoveIn) (collectivePageChange, error) {
		col, err := findCollective(ctx, nc, in.CollectiveID, false)
		if err != nil {
			return collectivePageChange{}, err
		}
		m := nextcloud.PageMove{Title: strings.TrimSpace(in.Title), Index: in.Index}
		if in.ParentID != 0 {
			m.ParentID = &in.ParentID
		}
		p, err := nc.Collectives().MovePage(ctx, in.CollectiveID, in.PageID, m)
		if err != nil {
			if statusOf(err) == 403 {
				return collectivePageChange{}, fmt.Errorf("this move is not allowed (the landing page stays put, and a page cannot go below its own subpages): %w", err)
			}
			return collectivePageChange{}, collectivesNotFound(err, fmt.Sprintf("page %d or parent %d", in.PageID, in.ParentID))
		}
		out := collectivePageChange{Page: singlePage(col, p, nil)}
		if in.Title != "" && p.Title != strings.TrimSpace(in.Title) {
			out.Note = fmt.Sprintf("A page %q existed there already, so it is now called %q.", in.Title, p.Title)
		}
		return out, nil
	})
}

func collectivesTrashPage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_trash_page", Title: "Trash collective page",
		Description: "Move a collective page and its subpages into the collective's trash. It can be restored with nc_collectives_restore_page.",
		Scope:       "collectives:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectivePageIn) (collectivePageChange, error) {
		col, p, err := onPage(ctx, nc, in.CollectiveID, in.PageID, pageWhat(in.CollectiveID, in.PageID), trashPage(nc))
		if err != nil {
			return collectivePageChange{}, err
		}
		return collectivePageChange{Page: singlePage(col, p, nil)}, nil
	})
}

// trashPage is TrashPage, saying why a 403 happens.
func trashPage(nc *nextcloud.Client) func(context.Context, int64, int64) (*nextcloud.CollectivePage, error) {
	return func(ctx context.Context, collectiveID, pageID int64) (*nextcloud.CollectivePage, error) {
		p, err := nc.Collectives().TrashPage(ctx, collectiveID, pageID)
		if statusOf(err) == 403 {
			return nil, fmt.Errorf("this page cannot be trashed (the landing page never can): %w", err)
		}
		return p, err
	}
}

func collectivesRestorePage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_restore_page", Title: "Restore collective page",
		Description: "Take a page (with its subpages) out of the collective's trash; find its id with nc_collectives_list_pages trashed=true.",
		Scope:       "collectives:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectivePageIn) (collectivePageChange, error) {
		what := fmt.Sprintf("page %d in the trash of collective %d", in.PageID, in.CollectiveID)
		col, p, err := onPage(ctx, nc, in.CollectiveID, in.PageID, what, nc.Collectives().RestorePage)
		if err != nil {
			return collectivePageChange{}, err
		}
		return collectivePageChange{Page: singlePage(col, p, nil)}, nil
	})
}
