package mcp

import (
	"context"
	"errors"
	"fmt"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Activity: the stream of what happened to the user's files, shares,
// calendars … with type filters, per-object filtering and paging.

// ActivityToolset offers the activity stream.
func ActivityToolset(env *Env) Toolset {
	return Toolset{
		Name:        "activity",
		Description: "Nextcloud activity stream: what happened to your files, shares, calendars and more",
		App:         nextcloud.ActivityApp,
		Tools: []Tool{
			activityList(env),
			activityListFilters(env),
		},
	}
}

type activityOut struct {
	ID         int64  `json:"id"`
	Time       string `json:"time" jsonschema:"ISO 8601"`
	App        string `json:"app" jsonschema:"the app it came from (files, files_sharing, calendar ...)"`
	Type       string `json:"type" jsonschema:"what happened (file_created, file_changed, shared ...)"`
	By         string `json:"by,omitempty" jsonschema:"user id of who did it; empty for public links and the system"`
	Subject    string `json:"subject"`
	Message    string `json:"message,omitempty"`
	Link       string `json:"link,omitempty"`
	ObjectType string `json:"object_type,omitempty"`
	ObjectID   string `json:"object_id,omitempty"`
	ObjectName string `json:"object_name,omitempty" jsonschema:"for files the path below your home folder"`
}

type activityListIn struct {
	Filter     string `json:"filter,omitempty" jsonschema:"a type filter id from nc_activity_list_filters: all (default), self (by you), by (by others), files ..."`
	ObjectType string `json:"object_type,omitempty" jsonschema:"only the activities of one object, with object_id: files for a file (object_id is its file id)"`
	ObjectID   string `json:"object_id,omitempty" jsonschema:"the object's id, with object_type"`
	Since      int64  `json:"since,omitempty" jsonschema:"next_since of the previous page, for the next (older) page"`
	Limit      int    `json:"limit,omitempty" jsonschema:"activities per page, 1-200 (default 50)"`
}

func (in *activityListIn) Validate() error {
	if (in.ObjectType == "") != (in.ObjectID == "") {
		return errors.New("object_type and object_id go together: give both or neither")
	}
	if in.ObjectType != "" && in.Filter != "" && in.Filter != "filter" {
		return fmt.Errorf("object_type/object_id cannot be combined with filter %q; leave filter out", in.Filter)
	}
	if in.Since < 0 {
		return fmt.Errorf("since must be a next_since from a previous page, not %d", in.Since)
	}
	return checkPage(in.Limit, 0, 200)
}

type activityListOut struct {
	Activities []activityOut `json:"activities" jsonschema:"newest first"`
	NextSince  int64         `json:"next_since,omitempty" jsonschema:"pass as since for the next (older) page; absent on the last page"`
}

func (o activityListOut) Summary() string {
	return listSummary(o.Activities, "No activities.", fmt.Sprintf("%d activities, newest first:", len(o.Activities)), func(a activityOut) string {
		return fmt.Sprintf("- [%d] %s: %s (%s)", a.ID, a.Time, a.Subject, a.App)
	}) + moreHint(o.NextSince, "More: call again with since=%d.")
}

func activityList(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_activity_list", Title: "List activities",
		Description: "Read your activity stream, newest first: file changes, shares, calendar and other events; optionally of one type filter or one object (a file by its id), a page at a time.",
		Scope:       "activity:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in activityListIn) (activityListOut, error) {
		q := nextcloud.ActivityQuery{Filter: in.Filter, Since: in.Since, Limit: orDefault(in.Limit, 50), ObjectType: in.ObjectType, ObjectID: in.ObjectID}
		if in.ObjectType != "" {
			q.Filter = "filter" // the API filters objects only with this type filter
		}
		page, err := nc.Activity().Page(ctx, q)
		if err != nil {
			if errors.Is(err, nextcloud.ErrForbidden) && in.Since > 0 {
				return activityListOut{}, Argf("since %d is not an activity of yours; pass the next_since of the previous page", in.Since)
			}
			return activityListOut{}, explainNotFound(err, fmt.Sprintf("activity filter %q", in.Filter), "is unknown (see nc_activity_list_filters)")
		}
		return activityListOut{Activities: mapAll(page.Activities, func(a *nextcloud.ActivityEvent) activityOut {
			return activityOut{ID: a.ID, Time: a.Datetime, App: a.App, Type: a.Type, By: a.User,
				Subject: a.Subject, Message: a.Message, Link: a.Link, ObjectType: a.ObjectType, ObjectID: a.ObjectID(), ObjectName: a.ObjectName}
		}), NextSince: page.Next}, nil
	})
}

type activityFilterOut struct {
	ID   string `json:"id" jsonschema:"pass as filter to nc_activity_list"`
	Name string `json:"name"`
}

type activityFiltersOut struct {
	Filters []activityFilterOut `json:"filters"`
}

func (o activityFiltersOut) Summary() string {
	return listSummary(o.Filters, "No activity filters.", "Activity filters:", func(f activityFilterOut) string {
		return fmt.Sprintf("- %s: %s", f.ID, f.Name)
	})
}

func activityListFilters(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_activity_list_filters", Title: "List activity filters",
		Description: "List the type filters of the activity stream (all, by you, by others, file changes, calendar ...) that nc_activity_list takes.",
		Scope:       "activity:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, _ noArgs) (activityFiltersOut, error) {
		all, err := nc.Activity().Filters(ctx)
		if err != nil {
			return activityFiltersOut{}, err
		}
		return activityFiltersOut{Filters: mapAll(all, func(f *nextcloud.ActivityFilter) activityFilterOut {
			return activityFilterOut{ID: f.ID, Name: f.Name}
		})}, nil
	})
}
