package mcp

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

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

func validPageID(id int64) error {
	return idArg("page_id", id, "nc_collectives_list_pages")
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
	return listSummary(o.Pages, "No pages.", fmt.Sprintf("%d pages in %s:", len(o.Pages), o.Collective.Name), func(p collectivePageOut) string {
		return fmt.Sprintf("%s- #%d %s", strings.Repeat("  ", p.Depth), p.ID, strings.TrimSpace(p.Emoji+" "+p.Title))
	})
}

func collectivesListPages(env *Env) Tool {
	return NewTool(Spec{
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
	})
}

type collectivePageIn struct {
	CollectiveID int64 `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64 `json:"page_id" jsonschema:"page id, from nc_collectives_list_pages"`
}

func (in *collectivePageIn) Validate() error {
	return firstErr(validCollectiveID(in.CollectiveID), validPageID(in.PageID))
}

// onPage finds the active collective, then applies op (Page, TrashPage,
// RestorePage ...) to one of its pages; a 404 from op reads as "what not
// found".
func onPage(ctx context.Context, nc *nextcloud.Client, collectiveID, pageID int64, what string,
	op func(ctx context.Context, collectiveID, pageID int64) (*nextcloud.CollectivePage, error),
) (*nextcloud.Collective, *nextcloud.CollectivePage, error) {
	col, err := findCollective(ctx, nc, collectiveID, false)
	if err != nil {
		return nil, nil, err
	}
	p, err := op(ctx, collectiveID, pageID)
	if err != nil {
		return nil, nil, collectivesNotFound(err, what)
	}
	return col, p, nil
}

// pageWhat names a page of a collective in errors.
func pageWhat(collectiveID, pageID int64) string {
	return fmt.Sprintf("page %d in collective %d", pageID, collectiveID)
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
	return s + truncatedMark(o.Truncated)
}

func collectivesGetPage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_get_page", Title: "Read collective page",
		Description: "Read a collective page: its markdown (from the file in your Nextcloud) and details.",
		Scope:       "collectives:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectivePageIn) (collectivePageResult, error) {
		col, p, err := onPage(ctx, nc, in.CollectiveID, in.PageID, pageWhat(in.CollectiveID, in.PageID), nc.Collectives().Page)
		if err != nil {
			return collectivePageResult{}, err
		}
		md, truncated, err := nc.Collectives().PageMarkdown(ctx, p, col.Name, env.maxRead())
		if err != nil {
			return collectivePageResult{}, err
		}
		return collectivePageResult{Page: singlePage(col, p, tagNames(ctx, nc, in.CollectiveID)), Markdown: md, Truncated: truncated}, nil
	})
}

type collectiveSearchIn struct {
	Query        string `json:"query" jsonschema:"words to look for in page titles and content"`
	CollectiveID int64  `json:"collective_id,omitempty" jsonschema:"search only this collective; all collectives by default"`
}

func (in *collectiveSearchIn) Validate() error {
	return firstErr(textArg("query", in.Query), optIDArg("collective_id", in.CollectiveID))
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
	return listSummary(o.Hits, fmt.Sprintf("No pages match %q.", o.Query), fmt.Sprintf("%d pages match %q:", len(o.Hits), o.Query),
		func(h collectiveHit) string { return fmt.Sprintf("- %s: page #%d %s", h.Collective, h.PageID, h.Title) })
}

func collectivesSearchPages(env *Env) Tool {
	return NewTool(Spec{
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
	})
}
