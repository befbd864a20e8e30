package mcp

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

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

func collectivesListTags(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_collectives_list_tags", Title: "List collective tags",
		Description: "List the tags pages of a collective can carry.",
		Scope:       "collectives:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in collectiveIDIn) (collectiveTagsOut, error) {
		tags, err := nc.Collectives().Tags(ctx, in.CollectiveID)
		if err != nil {
			return collectiveTagsOut{}, collectivesNotFound(err, fmt.Sprintf("collective %d", in.CollectiveID))
		}
		return collectiveTagsOut{CollectiveID: in.CollectiveID, Tags: mapAll(tags, func(t *nextcloud.CollectiveTag) collectiveTagOut {
			return collectiveTagOut{ID: t.ID, Name: t.Name, Color: t.Color}
		})}, nil
	})
}

type collectiveNewTagIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	Name         string `json:"name" jsonschema:"tag name"`
	Color        string `json:"color,omitempty" jsonschema:"hex RGB color like 0082c9 (default)"`
}

func (in *collectiveNewTagIn) Validate() error {
	if err := firstErr(validCollectiveID(in.CollectiveID), textArg("name", in.Name)); err != nil {
		return err
	}
	c := strings.TrimPrefix(in.Color, "#")
	if in.Color != "" {
		if len(c) != 6 || strings.Trim(strings.ToLower(c), "0123456789abcdef") != "" {
			return fmt.Errorf("color must be six hex digits like 0082c9, not %q", in.Color)
		}
	}
	return nil
}

func collectivesCreateTag(env *Env) Tool {
	return NewTool(Spec{
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
	})
}

type collectiveTagPageIn struct {
	CollectiveID int64  `json:"collective_id" jsonschema:"collective id, from nc_collectives_list"`
	PageID       int64  `json:"page_id" jsonschema:"page id, from nc_collectives_list_pages"`
	Tag          string `json:"tag" jsonschema:"tag name or id, from nc_collectives_list_tags"`
	Remove       bool   `json:"remove,omitempty" jsonschema:"take the tag off instead of adding it"`
}

func (in *collectiveTagPageIn) Validate() error {
	return firstErr(validCollectiveID(in.CollectiveID), validPageID(in.PageID), textArg("tag", in.Tag))
}

func collectivesTagPage(env *Env) Tool {
	return NewTool(Spec{
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
	})
}
