package mcp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
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

type collectivesListIn struct {
	Trashed bool `json:"trashed,omitempty" jsonschema:"list the collectives in the trash instead"`
}

type collectivesListOut struct {
	Collectives []collectiveOut `json:"collectives"`
}

func (o collectivesListOut) Summary() string {
	if len(o.Collectives) == 0 {
		return "No collectives."
	}
	lines := []string{fmt.Sprintf("%d collectives:", len(o.Collectives))}
	for _, c := range o.Collectives {
		lines = append(lines, c.line())
	}
	return strings.Join(lines, "\n")
}

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

type collectiveCreateIn struct {
	Name  string `json:"name" jsonschema:"name of the new collective (also the name of its team)"`
	Emoji string `json:"emoji,omitempty" jsonschema:"an emoji for it"`
}

func (in *collectiveCreateIn) Validate() error {
	if strings.TrimSpace(in.Name) == "" {
		return fmt.Errorf("name is empty")
	}
	if strings.ContainsAny(in.Name, "/\\") {
		return fmt.Errorf("name may not contain / or \\")
	}
	return nil
}

type collectiveIDIn struct {
	CollectiveID int64 `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
}

func (in *collectiveIDIn) Validate() error { return validCollectiveID(in.CollectiveID) }

func validCollectiveID(id int64) error {
	if id <= 0 {
		return fmt.Errorf("collective_id must be a positive id, from nc_collectives_list")
	}
	return nil
}

func validPageID(id int64) error {
	if id <= 0 {
		return fmt.Errorf("page_id must be a positive id, from nc_collectives_list_pages")
	}
	return nil
}

type collectiveDeleteIn struct {
	CollectiveID int64 `json:"collective_id" jsonschema:"id of a collective in the trash, from nc_collectives_list with trashed=true"`
	DeleteTeam   bool  `json:"delete_team,omitempty" jsonschema:"also delete the collective's team (circle)"`
}

func (in *collectiveDeleteIn) Validate() error { return validCollectiveID(in.CollectiveID) }

type collectiveEmojiIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64  `json:"page_id,omitempty" jsonschema:"set the emoji of this page instead of the collective's"`
	Emoji        string `json:"emoji" jsonschema:"the emoji; empty removes it"`
}

func (in *collectiveEmojiIn) Validate() error {
	if err := validCollectiveID(in.CollectiveID); err != nil {
		return err
	}
	if in.PageID < 0 {
		return fmt.Errorf("page_id must be a positive id")
	}
	if len([]rune(in.Emoji)) > 8 {
		return fmt.Errorf("emoji must be a single emoji, not %q", in.Emoji)
	}
	return nil
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

type collectivePageOut struct {
	ID        int64    `json:"id" jsonschema:"page id"`
	Title     string   `json:"title"`
	Emoji     string   `json:"emoji,omitempty"`
	ParentID  int64    `json:"parent_id" jsonschema:"0 for the landing page"`
	Depth     int      `json:"depth" jsonschema:"0 for the landing page, 1 for its subpages ..."`
	Path      string   `json:"path" jsonschema:"titles from the landing page down, joined by /"`
	Tags      []string `json:"tags,omitempty"`
	Modified  string   `json:"modified,omitempty"`
	LastUser  string   `json:"last_user,omitempty"`
	File      string   `json:"file" jsonschema:"the markdown file below your Nextcloud files"`
	Trashed   bool     `json:"trashed,omitempty"`
	Subpages  int      `json:"subpages"`
	SizeBytes int64    `json:"size_bytes"`
}

type collectivePagesIn struct {
	CollectiveID int64 `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	Trashed      bool  `json:"trashed,omitempty" jsonschema:"list the pages in the collective's trash instead"`
}

func (in *collectivePagesIn) Validate() error { return validCollectiveID(in.CollectiveID) }

type collectivePagesOut struct {
	Collective collectiveOut       `json:"collective"`
	Pages      []collectivePageOut `json:"pages" jsonschema:"the page tree, depth first"`
}

func (o collectivePagesOut) Summary() string {
	if len(o.Pages) == 0 {
		return "No pages."
	}
	lines := []string{fmt.Sprintf("%d pages in %s:", len(o.Pages), o.Collective.Name)}
	for _, p := range o.Pages {
		lines = append(lines, fmt.Sprintf("%s- #%d %s", strings.Repeat("  ", p.Depth), p.ID, strings.TrimSpace(p.Emoji+" "+p.Title)))
	}
	return strings.Join(lines, "\n")
}

type collectivePageIn struct {
	CollectiveID int64 `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64 `json:"page_id" jsonschema:"page id, from nc_collectives_list_pages"`
}

func (in *collectivePageIn) Validate() error {
	if err := validCollectiveID(in.CollectiveID); err != nil {
		return err
	}
	return validPageID(in.PageID)
}

type collectivePageResult struct {
	Page      collectivePageOut `json:"page"`
	Markdown  string            `json:"markdown,omitempty"`
	Truncated bool              `json:"truncated,omitempty"`
}

func (o collectivePageResult) Summary() string {
	s := fmt.Sprintf("Page #%d %s (%s)", o.Page.ID, o.Page.Path, o.Page.File)
	if o.Markdown != "" {
		s += "\n\n" + o.Markdown
	}
	if o.Truncated {
		s += "\n[truncated]"
	}
	return s
}

type collectiveSearchIn struct {
	Query        string `json:"query" jsonschema:"words to look for in page titles and content"`
	CollectiveID int64  `json:"collective_id,omitempty" jsonschema:"search only this collective; all collectives by default"`
}

func (in *collectiveSearchIn) Validate() error {
	if strings.TrimSpace(in.Query) == "" {
		return fmt.Errorf("query is empty")
	}
	if in.CollectiveID < 0 {
		return fmt.Errorf("collective_id must be a positive id")
	}
	return nil
}

type collectiveHit struct {
	CollectiveID int64  `json:"collective_id"`
	Collective   string `json:"collective"`
	PageID       int64  `json:"page_id"`
	Title        string `json:"title"`
	File         string `json:"file"`
}

type collectiveSearchOut struct {
	Query string          `json:"query"`
	Hits  []collectiveHit `json:"hits"`
}

func (o collectiveSearchOut) Summary() string {
	if len(o.Hits) == 0 {
		return fmt.Sprintf("No pages match %q.", o.Query)
	}
	lines := []string{fmt.Sprintf("%d pages match %q:", len(o.Hits), o.Query)}
	for _, h := range o.Hits {
		lines = append(lines, fmt.Sprintf("- %s: page #%d %s", h.Collective, h.PageID, h.Title))
	}
	return strings.Join(lines, "\n")
}

type collectiveNewPageIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	Title        string `json:"title" jsonschema:"title of the new page"`
	ParentID     int64  `json:"parent_id,omitempty" jsonschema:"page to create it below; the landing page by default"`
	Content      string `json:"content,omitempty" jsonschema:"markdown to put on the page"`
}

func (in *collectiveNewPageIn) Validate() error {
	if err := validCollectiveID(in.CollectiveID); err != nil {
		return err
	}
	if err := validPageTitle(in.Title); err != nil {
		return err
	}
	if in.ParentID < 0 {
		return fmt.Errorf("parent_id must be a positive id")
	}
	return nil
}

func validPageTitle(t string) error {
	if strings.TrimSpace(t) == "" {
		return fmt.Errorf("title is empty")
	}
	if strings.ContainsAny(t, "/\\") {
		return fmt.Errorf("title may not contain / or \\")
	}
	return nil
}

type collectiveWritePageIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64  `json:"page_id" jsonschema:"page id, from nc_collectives_list_pages"`
	Content      string `json:"content" jsonschema:"the page's new markdown; replaces what is there"`
}

func (in *collectiveWritePageIn) Validate() error {
	if err := validCollectiveID(in.CollectiveID); err != nil {
		return err
	}
	return validPageID(in.PageID)
}

type collectiveMoveIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64  `json:"page_id" jsonschema:"page to move or rename"`
	ParentID     int64  `json:"parent_id,omitempty" jsonschema:"new parent page; the current one if omitted"`
	Title        string `json:"title,omitempty" jsonschema:"new title; unchanged if omitted"`
	Index        int    `json:"index,omitempty" jsonschema:"position among the parent's subpages (0 first)"`
}

func (in *collectiveMoveIn) Validate() error {
	if err := validCollectiveID(in.CollectiveID); err != nil {
		return err
	}
	if err := validPageID(in.PageID); err != nil {
		return err
	}
	if in.ParentID == 0 && in.Title == "" {
		return fmt.Errorf("give parent_id to move the page and/or title to rename it")
	}
	if in.Title != "" {
		if err := validPageTitle(in.Title); err != nil {
			return err
		}
	}
	if in.ParentID < 0 || in.Index < 0 {
		return fmt.Errorf("parent_id and index must not be negative")
	}
	if in.ParentID == in.PageID {
		return fmt.Errorf("a page cannot be its own parent")
	}
	return nil
}

type collectiveTagOut struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

type collectiveTagsOut struct {
	CollectiveID int64              `json:"collective_id"`
	Tags         []collectiveTagOut `json:"tags"`
}

func (o collectiveTagsOut) Summary() string {
	if len(o.Tags) == 0 {
		return "The collective has no tags."
	}
	names := make([]string, 0, len(o.Tags))
	for _, t := range o.Tags {
		names = append(names, fmt.Sprintf("#%d %s", t.ID, t.Name))
	}
	return "Tags: " + strings.Join(names, ", ")
}

type collectiveNewTagIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	Name         string `json:"name" jsonschema:"tag name"`
	Color        string `json:"color,omitempty" jsonschema:"hex RGB color like 0082c9 (default)"`
}

func (in *collectiveNewTagIn) Validate() error {
	if err := validCollectiveID(in.CollectiveID); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name) == "" {
		return fmt.Errorf("name is empty")
	}
	c := strings.TrimPrefix(in.Color, "#")
	if in.Color != "" {
		if len(c) != 6 || strings.Trim(strings.ToLower(c), "0123456789abcdef") != "" {
			return fmt.Errorf("color must be six hex digits like 0082c9, not %q", in.Color)
		}
	}
	return nil
}

type collectiveTagPageIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64  `json:"page_id" jsonschema:"page id, from nc_collectives_list_pages"`
	Tag          string `json:"tag" jsonschema:"tag name or id, from nc_collectives_list_tags"`
	Remove       bool   `json:"remove,omitempty" jsonschema:"take the tag off instead of adding it"`
}

func (in *collectiveTagPageIn) Validate() error {
	if err := validCollectiveID(in.CollectiveID); err != nil {
		return err
	}
	if err := validPageID(in.PageID); err != nil {
		return err
	}
	if strings.TrimSpace(in.Tag) == "" {
		return fmt.Errorf("tag is empty")
	}
	return nil
}

// collectivesNotFound explains a 404 from the Collectives API.
func collectivesNotFound(err error, what string) error {
	if errors.Is(err, nextcloud.ErrNotFound) && !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		return fmt.Errorf("%s not found (list collectives with nc_collectives_list and pages with nc_collectives_list_pages): %w", what, err)
	}
	return err
}

// findCollective looks a collective up among the active or trashed ones.
func findCollective(ctx context.Context, nc *nextcloud.Client, id int64, trashed bool) (*nextcloud.Collective, error) {
	var cs []nextcloud.Collective
	var err error
	if trashed {
		cs, err = nc.Collectives().Trashed(ctx)
	} else {
		cs, err = nc.Collectives().List(ctx)
	}
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i], nil
		}
	}
	where := "among your collectives (see nc_collectives_list)"
	if trashed {
		where = "in the collectives trash (see nc_collectives_list with trashed=true)"
	}
	return nil, Argf("no collective %d %s", id, where)
}

// pageTree orders pages depth first from the landing page and fills in
// depth, path and subpage counts.
func pageTree(col *nextcloud.Collective, pages []nextcloud.CollectivePage, tags map[int64]string) []collectivePageOut {
	byParent := map[int64][]*nextcloud.CollectivePage{}
	ids := map[int64]bool{}
	for i := range pages {
		ids[pages[i].ID] = true
	}
	for i := range pages {
		p := &pages[i]
		parent := p.ParentID
		if parent != 0 && !ids[parent] {
			parent = -1 // orphan: list at the end
		}
		byParent[parent] = append(byParent[parent], p)
	}
	for _, list := range byParent {
		sort.SliceStable(list, func(i, j int) bool {
			return strings.ToLower(list[i].Title) < strings.ToLower(list[j].Title)
		})
	}
	var out []collectivePageOut
	var walk func(parent int64, depth int, prefix string)
	walk = func(parent int64, depth int, prefix string) {
		for _, p := range byParent[parent] {
			title := p.Title
			if p.ParentID == 0 && title == "" {
				title = col.Name
			}
			pth := title
			if prefix != "" {
				pth = prefix + " / " + title
			}
			o := collectivePageOut{ID: p.ID, Title: title, Emoji: p.Emoji, ParentID: p.ParentID, Depth: depth, Path: pth,
				Modified: fmtEpoch(p.Timestamp), LastUser: p.LastUserDisplayName, File: pageFile(p, col.Name),
				Trashed: p.Trashed(), Subpages: len(byParent[p.ID]), SizeBytes: p.Size}
			if o.LastUser == "" {
				o.LastUser = p.LastUserID
			}
			for _, t := range p.Tags {
				if n, ok := tags[t]; ok {
					o.Tags = append(o.Tags, n)
				}
			}
			out = append(out, o)
			childPrefix := pth
			if p.ParentID == 0 {
				childPrefix = ""
			}
			walk(p.ID, depth+1, childPrefix)
		}
	}
	walk(0, 0, "")
	walk(-1, 1, "")
	if out == nil {
		out = []collectivePageOut{}
	}
	return out
}

func tagNames(ctx context.Context, nc *nextcloud.Client, collectiveID int64) map[int64]string {
	tags, err := nc.Collectives().Tags(ctx, collectiveID)
	if err != nil {
		return nil // older Collectives versions have no tags
	}
	m := map[int64]string{}
	for _, t := range tags {
		m[t.ID] = t.Name
	}
	return m
}

// pageFile is the page's file for display; a page whose path the app
// gave with ".." or the like shows none (reading it is refused).
func pageFile(p *nextcloud.CollectivePage, collective string) string {
	f, err := nextcloud.CollectivePageFile(p, collective)
	if err != nil {
		return ""
	}
	return f
}

func singlePage(col *nextcloud.Collective, p *nextcloud.CollectivePage, tags map[int64]string) collectivePageOut {
	o := pageTree(col, []nextcloud.CollectivePage{*p}, tags)
	if len(o) == 1 {
		o[0].Path = o[0].Title
		return o[0]
	}
	return collectivePageOut{ID: p.ID, Title: p.Title, ParentID: p.ParentID, File: pageFile(p, col.Name)}
}

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

// CollectivesToolset offers the Collectives wiki app.
func CollectivesToolset(env *Env) Toolset {
	return Toolset{
		Name:        "collectives",
		Description: "Nextcloud Collectives: team wikis of markdown pages",
		Capability:  "collectives",
		Tools: []Tool{
			NewTool(Spec{
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
				out := collectivesListOut{Collectives: []collectiveOut{}}
				for i := range cs {
					out.Collectives = append(out.Collectives, toCollective(&cs[i]))
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_create", Title: "Create collective",
				Description: "Create a collective (a wiki with a landing page, and a team of the same name).",
				Scope:       "collectives:write", Kind: Create,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectiveCreateIn) (collectiveResult, error) {
				c, info, err := nc.Collectives().Create(ctx, strings.TrimSpace(in.Name), in.Emoji)
				if err != nil {
					return collectiveResult{}, err
				}
				return collectiveResult{Collective: toCollective(c), Info: info}, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_trash", Title: "Trash collective",
				Description: "Move a collective with all its pages into the trash, for every member. It can be restored with nc_collectives_restore.",
				Scope:       "collectives:write", Kind: Destroy,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectiveIDIn) (collectiveResult, error) {
				c, err := nc.Collectives().Trash(ctx, in.CollectiveID)
				if err != nil {
					var ne *nextcloud.Error
					if errors.As(err, &ne) && ne.Status == 403 {
						return collectiveResult{}, fmt.Errorf("only the collective's admins may trash it: %w", err)
					}
					return collectiveResult{}, collectivesNotFound(err, fmt.Sprintf("collective %d", in.CollectiveID))
				}
				return collectiveResult{Collective: toCollective(c)}, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_restore", Title: "Restore collective",
				Description: "Take a collective out of the trash.",
				Scope:       "collectives:write", Kind: Write,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectiveIDIn) (collectiveResult, error) {
				c, err := nc.Collectives().Restore(ctx, in.CollectiveID)
				if err != nil {
					return collectiveResult{}, collectivesNotFound(err, fmt.Sprintf("collective %d in the trash", in.CollectiveID))
				}
				return collectiveResult{Collective: toCollective(c)}, nil
			}),
			NewTool(Spec{
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
			}),
			NewTool(Spec{
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
			}),
			NewTool(Spec{
				Name: "nc_collectives_list_pages", Title: "List collective pages",
				Description: "Show the page tree of a collective (landing page first, subpages indented), or the pages in its trash.",
				Scope:       "collectives:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectivePagesIn) (collectivePagesOut, error) {
				col, err := findCollective(ctx, nc, in.CollectiveID, false)
				if err != nil {
					return collectivePagesOut{}, err
				}
				var pages []nextcloud.CollectivePage
				if in.Trashed {
					pages, err = nc.Collectives().TrashedPages(ctx, in.CollectiveID)
				} else {
					pages, err = nc.Collectives().Pages(ctx, in.CollectiveID)
				}
				if err != nil {
					return collectivePagesOut{}, collectivesNotFound(err, fmt.Sprintf("collective %d", in.CollectiveID))
				}
				tags := tagNames(ctx, nc, in.CollectiveID)
				out := collectivePagesOut{Collective: toCollective(col)}
				if in.Trashed {
					out.Pages = []collectivePageOut{}
					for i := range pages {
						out.Pages = append(out.Pages, singlePage(col, &pages[i], tags))
					}
				} else {
					out.Pages = pageTree(col, pages, tags)
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_get_page", Title: "Read collective page",
				Description: "Read a collective page: its markdown (from the file in your Nextcloud) and details.",
				Scope:       "collectives:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectivePageIn) (collectivePageResult, error) {
				col, err := findCollective(ctx, nc, in.CollectiveID, false)
				if err != nil {
					return collectivePageResult{}, err
				}
				p, err := nc.Collectives().Page(ctx, in.CollectiveID, in.PageID)
				if err != nil {
					return collectivePageResult{}, collectivesNotFound(err, fmt.Sprintf("page %d in collective %d", in.PageID, in.CollectiveID))
				}
				md, truncated, err := nc.Collectives().PageMarkdown(ctx, p, col.Name, env.maxRead())
				if err != nil {
					return collectivePageResult{}, err
				}
				return collectivePageResult{Page: singlePage(col, p, tagNames(ctx, nc, in.CollectiveID)), Markdown: md, Truncated: truncated}, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_search_pages", Title: "Search collective pages",
				Description: "Find collective pages whose title or content contains the words, in one collective or all of yours.",
				Scope:       "collectives:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectiveSearchIn) (collectiveSearchOut, error) {
				cs, err := nc.Collectives().List(ctx)
				if err != nil {
					return collectiveSearchOut{}, err
				}
				out := collectiveSearchOut{Query: in.Query, Hits: []collectiveHit{}}
				found := false
				for i := range cs {
					col := &cs[i]
					if in.CollectiveID != 0 && col.ID != in.CollectiveID {
						continue
					}
					found = true
					pages, err := nc.Collectives().SearchPages(ctx, col.ID, in.Query)
					if err != nil {
						return collectiveSearchOut{}, err
					}
					for j := range pages {
						p := &pages[j]
						title := p.Title
						if p.ParentID == 0 && title == "" {
							title = col.Name
						}
						out.Hits = append(out.Hits, collectiveHit{CollectiveID: col.ID, Collective: col.Name, PageID: p.ID, Title: title,
							File: pageFile(p, col.Name)})
					}
				}
				if in.CollectiveID != 0 && !found {
					return collectiveSearchOut{}, Argf("no collective %d among your collectives (see nc_collectives_list)", in.CollectiveID)
				}
				return out, nil
			}),
			NewTool(Spec{
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
			}),
			NewTool(Spec{
				Name: "nc_collectives_write_page", Title: "Write collective page",
				Description: "Replace the markdown of a collective page with new content. The old text is overwritten (Nextcloud keeps file versions).",
				Scope:       "collectives:write", Kind: Destroy,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectiveWritePageIn) (collectivePageChange, error) {
				col, err := findCollective(ctx, nc, in.CollectiveID, false)
				if err != nil {
					return collectivePageChange{}, err
				}
				p, err := nc.Collectives().Page(ctx, in.CollectiveID, in.PageID)
				if err != nil {
					return collectivePageChange{}, collectivesNotFound(err, fmt.Sprintf("page %d in collective %d", in.PageID, in.CollectiveID))
				}
				if err := nc.Collectives().WritePageMarkdown(ctx, p, col.Name, in.Content); err != nil {
					return collectivePageChange{}, err
				}
				out := collectivePageChange{Page: singlePage(col, p, nil)}
				out.Page.SizeBytes = int64(len(in.Content))
				return out, nil
			}),
			NewTool(Spec{
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
					var ne *nextcloud.Error
					if errors.As(err, &ne) && ne.Status == 403 {
						return collectivePageChange{}, fmt.Errorf("this move is not allowed (the landing page stays put, and a page cannot go below its own subpages): %w", err)
					}
					return collectivePageChange{}, collectivesNotFound(err, fmt.Sprintf("page %d or parent %d", in.PageID, in.ParentID))
				}
				out := collectivePageChange{Page: singlePage(col, p, nil)}
				if in.Title != "" && p.Title != strings.TrimSpace(in.Title) {
					out.Note = fmt.Sprintf("A page %q existed there already, so it is now called %q.", in.Title, p.Title)
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_trash_page", Title: "Trash collective page",
				Description: "Move a collective page and its subpages into the collective's trash. It can be restored with nc_collectives_restore_page.",
				Scope:       "collectives:write", Kind: Destroy,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectivePageIn) (collectivePageChange, error) {
				col, err := findCollective(ctx, nc, in.CollectiveID, false)
				if err != nil {
					return collectivePageChange{}, err
				}
				p, err := nc.Collectives().TrashPage(ctx, in.CollectiveID, in.PageID)
				if err != nil {
					var ne *nextcloud.Error
					if errors.As(err, &ne) && ne.Status == 403 {
						return collectivePageChange{}, fmt.Errorf("this page cannot be trashed (the landing page never can): %w", err)
					}
					return collectivePageChange{}, collectivesNotFound(err, fmt.Sprintf("page %d in collective %d", in.PageID, in.CollectiveID))
				}
				return collectivePageChange{Page: singlePage(col, p, nil)}, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_restore_page", Title: "Restore collective page",
				Description: "Take a page (with its subpages) out of the collective's trash; find its id with nc_collectives_list_pages trashed=true.",
				Scope:       "collectives:write", Kind: Write,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectivePageIn) (collectivePageChange, error) {
				col, err := findCollective(ctx, nc, in.CollectiveID, false)
				if err != nil {
					return collectivePageChange{}, err
				}
				p, err := nc.Collectives().RestorePage(ctx, in.CollectiveID, in.PageID)
				if err != nil {
					return collectivePageChange{}, collectivesNotFound(err, fmt.Sprintf("page %d in the trash of collective %d", in.PageID, in.CollectiveID))
				}
				return collectivePageChange{Page: singlePage(col, p, nil)}, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_list_tags", Title: "List collective tags",
				Description: "List the tags pages of a collective can carry.",
				Scope:       "collectives:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectiveIDIn) (collectiveTagsOut, error) {
				tags, err := nc.Collectives().Tags(ctx, in.CollectiveID)
				if err != nil {
					return collectiveTagsOut{}, collectivesNotFound(err, fmt.Sprintf("collective %d", in.CollectiveID))
				}
				out := collectiveTagsOut{CollectiveID: in.CollectiveID, Tags: []collectiveTagOut{}}
				for _, t := range tags {
					out.Tags = append(out.Tags, collectiveTagOut{ID: t.ID, Name: t.Name, Color: t.Color})
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_create_tag", Title: "Create collective tag",
				Description: "Create a tag in a collective, to put on its pages with nc_collectives_tag_page.",
				Scope:       "collectives:write", Kind: Create,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectiveNewTagIn) (collectiveTagsOut, error) {
				color := strings.ToLower(strings.TrimPrefix(in.Color, "#"))
				if color == "" {
					color = "0082c9"
				}
				t, err := nc.Collectives().CreateTag(ctx, in.CollectiveID, strings.TrimSpace(in.Name), color)
				if err != nil {
					return collectiveTagsOut{}, collectivesNotFound(err, fmt.Sprintf("collective %d", in.CollectiveID))
				}
				return collectiveTagsOut{CollectiveID: in.CollectiveID, Tags: []collectiveTagOut{{ID: t.ID, Name: t.Name, Color: t.Color}}}, nil
			}),
			NewTool(Spec{
				Name: "nc_collectives_tag_page", Title: "Tag collective page",
				Description: "Put a tag on a collective page, or take it off with remove=true.",
				Scope:       "collectives:write", Kind: Write,
			}, func(ctx context.Context, nc *nextcloud.Client, in collectiveTagPageIn) (collectivePageChange, error) {
				col, err := findCollective(ctx, nc, in.CollectiveID, false)
				if err != nil {
					return collectivePageChange{}, err
				}
				tags, err := nc.Collectives().Tags(ctx, in.CollectiveID)
				if err != nil {
					return collectivePageChange{}, err
				}
				var tagID int64
				names := map[int64]string{}
				var known []string
				for _, t := range tags {
					names[t.ID] = t.Name
					known = append(known, t.Name)
					if strings.EqualFold(t.Name, strings.TrimSpace(in.Tag)) || strconv.FormatInt(t.ID, 10) == strings.TrimSpace(in.Tag) {
						tagID = t.ID
					}
				}
				if tagID == 0 {
					if len(known) == 0 {
						return collectivePageChange{}, Argf("the collective has no tag %q and no tags at all; create one with nc_collectives_create_tag", in.Tag)
					}
					return collectivePageChange{}, Argf("the collective has no tag %q; its tags are: %s (or create one with nc_collectives_create_tag)", in.Tag, strings.Join(known, ", "))
				}
				p, err := nc.Collectives().TagPage(ctx, in.CollectiveID, in.PageID, tagID, in.Remove)
				if err != nil {
					return collectivePageChange{}, collectivesNotFound(err, fmt.Sprintf("page %d in collective %d", in.PageID, in.CollectiveID))
				}
				return collectivePageChange{Page: singlePage(col, p, names)}, nil
			}),
		},
	}
}
