package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Creating and deleting address books; renaming and recolouring calendars.

type createAddressBookIn struct {
	Name        string `json:"name" jsonschema:"display name of the new address book"`
	Description string `json:"description,omitempty" jsonschema:"what it is for"`
}

func (in *createAddressBookIn) Validate() error {
	return textArg("name", in.Name)
}

type addressBookOut struct {
	AddressBook nextcloud.AddressBook `json:"addressbook"`
	Action      string                `json:"action" jsonschema:"what was done"`
}

func (o addressBookOut) Summary() string {
	return fmt.Sprintf("Address book %s %q %s.", o.AddressBook.ID, o.AddressBook.Name, o.Action)
}

func contactsCreateAddressBook(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_create_addressbook", Title: "Create address book",
		Description: "Create an empty address book; its id (from the name) is what the other contact tools take.",
		Scope:       "contacts:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in createAddressBookIn) (addressBookOut, error) {
			d, err := dav.open(ctx, nc)
			if err != nil {
				return addressBookOut{}, err
			}
			ab, err := d.CreateAddressBook(ctx, in.Name, in.Description)
			if err != nil {
				return addressBookOut{}, err
			}
			return addressBookOut{AddressBook: ab, Action: "created"}, nil
		})
}

type addressBookRefIn struct {
	AddressBook string `json:"addressbook" jsonschema:"address book id from nc_contacts_list_addressbooks (or its exact display name)"`
}

func (in *addressBookRefIn) Validate() error {
	return textArg("addressbook", in.AddressBook)
}

func contactsDeleteAddressBook(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_delete_addressbook", Title: "Delete address book",
		Description: "Delete an address book with all its contacts. For an address book shared with the user, this removes the share.",
		Scope:       "contacts:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in addressBookRefIn) (deletedOut, error) {
			d, ab, err := dav.book(ctx, nc, in.AddressBook)
			if err != nil {
				return deletedOut{}, err
			}
			if err := d.DeleteAddressBook(ctx, ab); err != nil {
				return deletedOut{}, err
			}
			return deletedOut{Deleted: ab.ID, Message: fmt.Sprintf("Address book %s %q deleted.", ab.ID, ab.Name)}, nil
		})
}

type updateCalendarIn struct {
	calendarRefIn
	Name  *string `json:"name,omitempty" jsonschema:"new display name"`
	Color *string `json:"color,omitempty" jsonschema:"new colour as #RRGGBB"`
}

func (in *updateCalendarIn) Validate() error {
	if err := in.calendarRefIn.Validate(); err != nil {
		return err
	}
	switch {
	case in.Name == nil && in.Color == nil:
		return errors.New("give name, color or both; nothing to change")
	case in.Name != nil && strings.TrimSpace(*in.Name) == "":
		return errors.New("name must not be empty")
	case in.Color != nil && !colorRE.MatchString(*in.Color):
		return fmt.Errorf("color %q is not #RRGGBB", *in.Color)
	}
	return nil
}

func calendarUpdateCalendar(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_update_calendar", Title: "Rename or recolour calendar",
		Description: "Rename a calendar or change its colour; its id and its events stay as they are.",
		Scope:       "calendar:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in updateCalendarIn) (calendarOut, error) {
			d, err := dav.open(ctx, nc)
			if err != nil {
				return calendarOut{}, err
			}
			cals, err := d.CalendarsDetailed(ctx)
			if err != nil {
				return calendarOut{}, err
			}
			c, err := nextcloud.PickCalendar(cals, in.Calendar)
			if err != nil {
				return calendarOut{}, err
			}
			got, err := d.UpdateCalendar(ctx, c, nextcloud.CalendarChange{Name: in.Name, Color: in.Color})
			if err != nil {
				if c.Shared {
					return calendarOut{}, fmt.Errorf("calendar %s is shared with you by %s; only its owner may rename or recolour it: %w", c.ID, c.Owner, err)
				}
				return calendarOut{}, err
			}
			var what []string
			if in.Name != nil {
				what = append(what, "renamed")
			}
			if in.Color != nil {
				what = append(what, "recoloured")
			}
			return calendarOut{Calendar: got, Action: strings.Join(what, " and ")}, nil
		})
}
