package mcp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// User status: your own and others' status, setting and clearing it,
// the predefined messages.

// UserStatusToolset offers the user status app.
func UserStatusToolset(env *Env) Toolset {
	return Toolset{
		Name:        "user_status",
		Description: "Nextcloud user status: see yours and others', set online/away/do not disturb/invisible with a message and emoji, clear it",
		App:         nextcloud.UserStatusApp,
		Tools: []Tool{
			userStatusGet(env),
			userStatusListPredefined(env),
			userStatusSet(env),
			userStatusClear(env),
		},
	}
}

type userStatusOut struct {
	UserID       string `json:"user_id"`
	HasStatus    bool   `json:"has_status" jsonschema:"false when no status was ever set"`
	Status       string `json:"status,omitempty" jsonschema:"online, away, dnd (do not disturb), invisible (only your own; others see offline) or offline"`
	Message      string `json:"message,omitempty"`
	Emoji        string `json:"emoji,omitempty"`
	ClearAt      string `json:"clear_at,omitempty" jsonschema:"when the message clears itself, RFC 3339; absent: never"`
	PredefinedID string `json:"predefined_id,omitempty" jsonschema:"the predefined message it is, from nc_user_status_list_predefined"`
}

func toUserStatus(s *nextcloud.UserStatus) userStatusOut {
	out := userStatusOut{UserID: s.UserID, HasStatus: true, Status: s.Status}
	if s.Message != nil {
		out.Message = *s.Message
	}
	if s.Icon != nil {
		out.Emoji = *s.Icon
	}
	if s.ClearAt != nil {
		out.ClearAt = fmtEpoch(*s.ClearAt)
	}
	if s.MessageID != nil && s.MessageIsPredefined {
		out.PredefinedID = *s.MessageID
	}
	return out
}

func (o userStatusOut) Summary() string {
	if !o.HasStatus {
		return o.UserID + " has no status set."
	}
	s := fmt.Sprintf("%s is %s", o.UserID, o.Status)
	if msg := strings.TrimSpace(o.Emoji + " " + o.Message); msg != "" {
		s += ": " + msg
	}
	if o.ClearAt != "" {
		s += " (until " + o.ClearAt + ")"
	}
	return s + "."
}

// ownStatus reads the caller's status; none set yet is an answer, not an
// error.
func ownStatus(ctx context.Context, nc *nextcloud.Client) (userStatusOut, error) {
	st, err := nc.UserStatus().Own(ctx)
	if errors.Is(err, nextcloud.ErrNotFound) && !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		return userStatusOut{UserID: nc.User()}, nil
	}
	if err != nil {
		return userStatusOut{}, err
	}
	return toUserStatus(st), nil
}

type userStatusGetIn struct {
	UserID string `json:"user_id,omitempty" jsonschema:"whose status; empty for your own (user ids from nc_users_search)"`
}

func userStatusGet(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_user_status_get", Title: "Get user status",
		Description: "Get your own status or another user's: online/away/dnd/offline, message, emoji and when it clears.",
		Scope:       "user_status:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in userStatusGetIn) (userStatusOut, error) {
		if in.UserID == "" || in.UserID == nc.User() {
			return ownStatus(ctx, nc)
		}
		st, err := nc.UserStatus().Of(ctx, in.UserID)
		if err != nil {
			return userStatusOut{}, explainNotFound(err, fmt.Sprintf("user %q", in.UserID),
				"has no status, or there is no such user (find user ids with nc_users_search)")
		}
		return toUserStatus(st), nil
	})
}

type predefinedStatusOut struct {
	ID      string `json:"id" jsonschema:"pass as predefined_id to nc_user_status_set"`
	Emoji   string `json:"emoji"`
	Message string `json:"message"`
	Clears  string `json:"clears" jsonschema:"when it clears itself by default: after a period (\"after 30m0s\"), at the end of the day or week, or never"`
}

type predefinedStatusesOut struct {
	Statuses []predefinedStatusOut `json:"statuses"`
}

func (o predefinedStatusesOut) Summary() string {
	return listSummary(o.Statuses, "No predefined statuses.", "Predefined statuses:", func(p predefinedStatusOut) string {
		return fmt.Sprintf("- %s: %s %s (clears %s)", p.ID, p.Emoji, p.Message, p.Clears)
	})
}

// predefinedClear gives a predefined message's default clear rule in
// words and, for now, its clear time (zero: never).
func predefinedClear(c *nextcloud.PredefinedClear, now time.Time) (string, time.Time) {
	if c == nil {
		return "never", time.Time{}
	}
	raw := strings.Trim(string(c.Time), `"`)
	switch c.Type {
	case "period":
		if secs, err := strconv.ParseInt(raw, 10, 64); err == nil && secs > 0 {
			d := time.Duration(secs) * time.Second
			return "after " + d.String(), now.Add(d)
		}
	case "end-of":
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
		switch raw {
		case "day":
			return "at the end of the day (UTC)", day
		case "week":
			for day.Weekday() != time.Monday {
				day = day.AddDate(0, 0, 1)
			}
			return "at the end of the week (UTC)", day
		}
	}
	return "never", time.Time{}
}

func userStatusListPredefined(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_user_status_list_predefined", Title: "List predefined statuses",
		Description: "List the predefined status messages (in a meeting, commuting, working remotely ...) that nc_user_status_set takes as predefined_id.",
		Scope:       "user_status:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, _ noArgs) (predefinedStatusesOut, error) {
		all, err := nc.UserStatus().Predefined(ctx)
		if err != nil {
			return predefinedStatusesOut{}, err
		}
		return predefinedStatusesOut{Statuses: mapAll(all, func(p *nextcloud.PredefinedStatus) predefinedStatusOut {
			clears, _ := predefinedClear(p.ClearAt, time.Now())
			return predefinedStatusOut{ID: p.ID, Emoji: p.Icon, Message: p.Message, Clears: clears}
		})}, nil
	})
}

type userStatusSetIn struct {
	Status       string `json:"status,omitempty" jsonschema:"online, away, dnd (do not disturb), invisible or offline"`
	Message      string `json:"message,omitempty" jsonschema:"a status message of your own, at most 80 characters"`
	Emoji        string `json:"emoji,omitempty" jsonschema:"one emoji shown with the message"`
	PredefinedID string `json:"predefined_id,omitempty" jsonschema:"a predefined message instead of message/emoji, from nc_user_status_list_predefined"`
	ClearAt      string `json:"clear_at,omitempty" jsonschema:"when the message clears itself: an RFC 3339 time, or a date (cleared when it begins, UTC)"`
	ClearAfter   string `json:"clear_after,omitempty" jsonschema:"clear the message after this long: 30m, 4h, PT1H, P1D"`
}

func (in *userStatusSetIn) Validate() error {
	if in.Status == "" && in.Message == "" && in.Emoji == "" && in.PredefinedID == "" {
		return errors.New("give status, message/emoji or predefined_id (to remove the message use nc_user_status_clear)")
	}
	if in.Status != "" && !slices.Contains(nextcloud.UserStatusTypes, in.Status) {
		return fmt.Errorf("status %q is not one of %s", in.Status, strings.Join(nextcloud.UserStatusTypes, ", "))
	}
	if in.PredefinedID != "" && (in.Message != "" || in.Emoji != "") {
		return errors.New("give predefined_id or message/emoji, not both")
	}
	if n := len([]rune(in.Message)); n > 80 {
		return fmt.Errorf("message is %d characters long; Nextcloud allows at most 80", n)
	}
	if in.ClearAt != "" && in.ClearAfter != "" {
		return errors.New("give clear_at or clear_after, not both")
	}
	if (in.ClearAt != "" || in.ClearAfter != "") && in.Message == "" && in.Emoji == "" && in.PredefinedID == "" {
		return errors.New("clear_at and clear_after apply to a message: give message, emoji or predefined_id with them")
	}
	return nil
}

// clearTime reads clear_at or clear_after; zero is "not given".
func (in *userStatusSetIn) clearTime(now time.Time) (time.Time, error) {
	var t time.Time
	switch {
	case in.ClearAt != "":
		at, _, err := nextcloud.ParseTimeInput(in.ClearAt, time.UTC)
		if err != nil {
			return t, Argf("clear_at: %v", err)
		}
		t = at
	case in.ClearAfter != "":
		d, err := nextcloud.ParseDurationInput(in.ClearAfter)
		if err != nil {
			return t, Argf("clear_after: %v", err)
		}
		t = now.Add(d)
	default:
		return t, nil
	}
	if !t.After(now) {
		return t, Argf("the message would clear at %s, which is not in the future", t.UTC().Format(time.RFC3339))
	}
	return t, nil
}

func userStatusSet(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_user_status_set", Title: "Set your status",
		Description: "Set your status (online, away, dnd, invisible, offline) and/or its message: your own text and emoji, or a predefined one; optionally clearing itself at a time or after a while. What you do not give stays as it is.",
		Scope:       "user_status:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in userStatusSetIn) (userStatusOut, error) {
		now := time.Now()
		clearAt, err := in.clearTime(now)
		if err != nil {
			return userStatusOut{}, err
		}
		api := nc.UserStatus()
		if in.PredefinedID != "" {
			// Check the id before anything changes.
			all, err := api.Predefined(ctx)
			if err != nil {
				return userStatusOut{}, err
			}
			i := slices.IndexFunc(all, func(p nextcloud.PredefinedStatus) bool { return p.ID == in.PredefinedID })
			if i < 0 {
				return userStatusOut{}, Argf("predefined_id %q is not a predefined status; see nc_user_status_list_predefined", in.PredefinedID)
			}
			if clearAt.IsZero() {
				_, clearAt = predefinedClear(all[i].ClearAt, now)
			}
		}
		if in.Status != "" {
			if err := api.SetStatus(ctx, in.Status); err != nil {
				return userStatusOut{}, err
			}
		}
		switch {
		case in.PredefinedID != "":
			err = api.SetPredefinedMessage(ctx, in.PredefinedID, clearAt)
		case in.Message != "" || in.Emoji != "":
			err = api.SetCustomMessage(ctx, in.Message, in.Emoji, clearAt)
		}
		if err != nil {
			return userStatusOut{}, err
		}
		return ownStatus(ctx, nc)
	})
}

func userStatusClear(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_user_status_clear", Title: "Clear your status message",
		Description: "Remove your status message and emoji; your online/away/dnd status stays.",
		Scope:       "user_status:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, _ noArgs) (userStatusOut, error) {
		if err := nc.UserStatus().ClearMessage(ctx); err != nil {
			return userStatusOut{}, err
		}
		return ownStatus(ctx, nc)
	})
}
