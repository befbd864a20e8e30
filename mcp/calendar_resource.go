package mcp

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// calendarResource is nextcloud://calendars/{id}: a calendar's events
// from today to a week ahead (what nc_calendar_list_events shows by
// default), so that a client can read and subscribe to one calendar.
func calendarResource(dav calDAV) ResourceTemplate {
	return ResourceTemplate{
		Template: mcpgo.NewResourceTemplate("nextcloud://calendars/{id}", "Nextcloud calendar",
			mcpgo.WithTemplateDescription("A calendar's events from today to 7 days ahead, recurring events expanded, by calendar id (from nc_calendar_list_calendars)"),
			mcpgo.WithTemplateMIMEType("application/json")),
		Scope: "calendar:read",
		Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
			id, err := calendarURIID(req.Params.URI)
			if err != nil {
				return nil, err
			}
			out, err := listEvents(ctx, nc, dav, id, "", "", "", "", 500, 0, 0, 7, 7)
			if err != nil {
				return nil, err
			}
			return deckResourceJSON(req.Params.URI, out)
		},
	}
}

// calendarURIID is the calendar id of nextcloud://calendars/{id}.
func calendarURIID(uri string) (string, error) {
	raw, _ := strings.CutPrefix(uri, "nextcloud://calendars/")
	id, err := url.PathUnescape(raw)
	if err != nil || strings.TrimSpace(id) == "" || strings.Contains(id, "/") {
		return "", Argf("%q is not a calendar URI like nextcloud://calendars/personal", uri)
	}
	return id, nil
}

// calendarVersion is the calendar's {DAV:}sync-token, which changes with
// every change of its events.
func calendarVersion(id string) func(context.Context, *nextcloud.Client) (string, error) {
	return func(ctx context.Context, nc *nextcloud.Client) (string, error) {
		d, err := nc.CalDAV(ctx, nil)
		if err != nil {
			return "", err
		}
		cals, tokens, err := d.CalendarsWithSyncTokens(ctx)
		if err != nil {
			return "", err
		}
		for _, c := range cals {
			if c.ID != id {
				continue
			}
			if tokens[c.Href] == "" {
				return "", fmt.Errorf("calendar %s publishes no sync token, so its changes cannot be followed", id)
			}
			return tokens[c.Href], nil
		}
		return "", fmt.Errorf("calendar %q: %w", id, nextcloud.ErrNotFound)
	}
}
