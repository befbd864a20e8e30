package mcp

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// CalendarToolset offers the user's calendars and events over CalDAV.
func CalendarToolset(env *Env) Toolset {
	dav := newCalDAV()
	return Toolset{
		Name:        "calendar",
		Description: "Nextcloud Calendar (CalDAV): calendars, events, free time",
		Tools: []Tool{
			calendarListCalendars(dav),
			calendarCreateCalendar(dav),
			calendarUpdateCalendar(dav),
			calendarDeleteCalendar(dav),
			calendarListEvents(dav),
			calendarSearchEvents(dav),
			calendarGetEvent(dav),
			calendarCreateEvent(dav),
			calendarUpdateEvent(dav),
			calendarDeleteEvent(dav),
			calendarFindFreeSlots(dav),
		},
		Templates: []ResourceTemplate{calendarResource(dav)}, // calendar_resource.go
	}
}

type calendarsOut struct {
	Calendars []nextcloud.Calendar `json:"calendars"`
}

func (o calendarsOut) Summary() string { return collectionsText("calendars", o.Calendars, true) }

func calendarListCalendars(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_list_calendars", Title: "List calendars",
		Description: "List the user's calendars, own and shared, with id, name, colour, what they hold (VEVENT events, VTODO tasks) and whether they are read-only. Use the id in the other calendar tools.",
		Scope:       "calendar:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ noIn) (calendarsOut, error) {
			cals, err := dav.detailed(ctx, nc, "")
			if err != nil {
				return calendarsOut{}, err
			}
			return calendarsOut{Calendars: cals}, nil
		})
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$`)

type createCalendarIn struct {
	Name        string   `json:"name" jsonschema:"display name of the new calendar"`
	Color       string   `json:"color,omitempty" jsonschema:"colour as #RRGGBB"`
	Description string   `json:"description,omitempty" jsonschema:"notes, may span lines; empty clears it"`
	Components  []string `json:"components,omitempty" jsonschema:"what it holds: VEVENT (events) and/or VTODO (tasks); default both"`
}

func (in *createCalendarIn) Validate() error {
	if err := textArg("name", in.Name); err != nil {
		return err
	}
	if in.Color != "" && !colorRE.MatchString(in.Color) {
		return fmt.Errorf("color %q is not #RRGGBB", in.Color)
	}
	for i, c := range in.Components {
		in.Components[i] = strings.ToUpper(strings.TrimSpace(c))
		if in.Components[i] != "VEVENT" && in.Components[i] != "VTODO" {
			return fmt.Errorf("components may hold VEVENT and VTODO, not %q", c)
		}
	}
	return nil
}

type calendarOut struct {
	Calendar nextcloud.Calendar `json:"calendar"`
	Action   string             `json:"action" jsonschema:"what was done"`
}

func (o calendarOut) Summary() string {
	return fmt.Sprintf("Calendar %s %q %s (holds %s).", o.Calendar.ID, o.Calendar.Name, o.Action, strings.Join(o.Calendar.Components, ", "))
}

func calendarCreateCalendar(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_create_calendar", Title: "Create calendar",
		Description: "Create a calendar. It holds events and tasks unless components says otherwise.",
		Scope:       "calendar:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in createCalendarIn) (calendarOut, error) {
			d, err := dav.open(ctx, nc)
			if err != nil {
				return calendarOut{}, err
			}
			c, err := d.CreateCalendar(ctx, nextcloud.CalendarOptions{Name: in.Name, Color: in.Color, Description: in.Description, Components: in.Components})
			if err != nil {
				return calendarOut{}, err
			}
			action := "created"
			var dropped []string
			if want := strings.TrimSpace(in.Color); want != "" && !strings.EqualFold(c.Color, want[:min(len(want), 7)]) {
				dropped = append(dropped, "colour")
			}
			if strings.TrimSpace(in.Description) != "" && c.Description != in.Description {
				dropped = append(dropped, "description")
			}
			if len(dropped) > 0 {
				action += "; the server did not keep the " + strings.Join(dropped, " and ") + " asked for"
			}
			return calendarOut{Calendar: c, Action: action}, nil
		})
}

type calendarRefIn struct {
	Calendar string `json:"calendar" jsonschema:"calendar id from nc_calendar_list_calendars (or its exact display name)"`
}

func (in *calendarRefIn) Validate() error {
	return textArg("calendar", in.Calendar)
}

func calendarDeleteCalendar(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_delete_calendar", Title: "Delete calendar",
		Description: "Delete a calendar with all its events and tasks (Nextcloud keeps it in the trash bin for a while). For a calendar shared with the user, this removes the share.",
		Scope:       "calendar:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in calendarRefIn) (deletedOut, error) {
			d, c, err := dav.calendar(ctx, nc, in.Calendar)
			if err != nil {
				return deletedOut{}, err
			}
			if err := d.DeleteCalendar(ctx, c); err != nil {
				return deletedOut{}, err
			}
			return deletedOut{Deleted: c.ID, Message: fmt.Sprintf("Calendar %s %q deleted.", c.ID, c.Name)}, nil
		})
}
