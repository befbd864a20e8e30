package mcp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// UsersToolset lets a model look up the signed-in user and find people and
// groups to share with or assign work to. All tools are read-only.
func UsersToolset(env *Env) Toolset {
	return Toolset{
		Name:        "users",
		Description: "The signed-in user's profile and quota; search users and groups",
		Tools: []Tool{
			usersCurrent(env),
			usersSearch(env),
			usersSearchGroups(env),
		},
	}
}

type usersNoIn struct{}

type currentUserOut struct {
	ID          string   `json:"id" jsonschema:"the user id other tools take"`
	DisplayName string   `json:"display_name"`
	Email       string   `json:"email,omitempty"`
	Groups      []string `json:"groups"`
	Language    string   `json:"language,omitempty"`
	Quota       quotaOut `json:"quota"`
}

func (o currentUserOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (user id %q)", o.DisplayName, o.ID)
	if o.Email != "" {
		fmt.Fprintf(&b, ", %s", o.Email)
	}
	if len(o.Groups) > 0 {
		fmt.Fprintf(&b, "\nGroups: %s", strings.Join(o.Groups, ", "))
	}
	if o.Quota.Unlimited {
		fmt.Fprintf(&b, "\nStorage: %s used, no quota", usersBytes(o.Quota.UsedBytes))
	} else {
		fmt.Fprintf(&b, "\nStorage: %s of %s used (%.1f%%), %s free", usersBytes(o.Quota.UsedBytes), usersBytes(o.Quota.TotalBytes), o.Quota.UsedPct, usersBytes(o.Quota.FreeBytes))
	}
	return b.String()
}

// usersCurrent is nc_users_get_current (current user and quota).
func usersCurrent(env *Env) Tool {
	return NewTool(Spec{Name: "nc_users_get_current", Title: "Current user and quota",
		Description: "Show the signed-in Nextcloud user: id, display name, email, groups, language and storage quota (used, free, total).",
		Scope:       "users:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ usersNoIn) (currentUserOut, error) {
			u, err := nc.CurrentUser(ctx)
			if err != nil {
				return currentUserOut{}, fmt.Errorf("get the signed-in user: %w", err)
			}
			name := u.DisplayName
			if name == "" {
				name = u.ID
			}
			q := u.Quota
			out := currentUserOut{ID: u.ID, DisplayName: name, Email: u.Email, Groups: u.Groups, Language: u.Language,
				Quota: quotaOut{UsedBytes: int64(q.Used), UsedPct: q.Relative}}
			if out.Groups == nil {
				out.Groups = []string{}
			}
			// Nextcloud reports a negative quota (-3) when none is set.
			if q.Quota < 0 {
				out.Quota.Unlimited = true
			} else {
				out.Quota.FreeBytes, out.Quota.TotalBytes = int64(q.Free), int64(q.Total)
			}
			return out, nil
		})
}

type usersSearchIn struct {
	Query string   `json:"query" jsonschema:"part of a name, user id or email address, e.g. Alice"`
	Types []string `json:"types,omitempty" jsonschema:"what to look for: user, group, email, federated, circle, talk (default user and group)"`
	Limit int      `json:"limit,omitempty" jsonschema:"most matches to return (default 10, at most 50)"`
}

func (in *usersSearchIn) Validate() error {
	if err := textHintArg("query", in.Query, "give part of a name, user id or email address"); err != nil {
		return err
	}
	if err := limitArg("limit", in.Limit, 50); err != nil {
		return err
	}
	for _, t := range in.Types {
		st, err := nextcloud.ParseShareType(t)
		if err != nil || !usersSearchable(st) {
			return fmt.Errorf("unknown type %q; use user, group, email, federated, circle or talk", t)
		}
	}
	return nil
}

type usersSearchOut struct {
	Query   string      `json:"query"`
	Matches []shareeOut `json:"matches"`
}

func (o usersSearchOut) Summary() string {
	return listSummary(o.Matches, fmt.Sprintf("Nobody matches %q. Try a shorter part of the name, or the email address.", o.Query),
		fmt.Sprintf("%d matches for %q:", len(o.Matches), o.Query), func(m shareeOut) string {
			s := fmt.Sprintf("- %s → %s id %q", m.Label, m.Type, m.ID)
			if m.Detail != "" && m.Detail != m.ID {
				s += fmt.Sprintf(" (%s)", m.Detail)
			}
			if m.Exact {
				s += " [exact]"
			}
			return s
		})
}

// usersSearch is nc_users_search (find users and groups).
func usersSearch(env *Env) Tool {
	return NewTool(Spec{Name: "nc_users_search", Title: "Find users and groups",
		Description: "Find users, groups and other recipients by name, id or email, as the sharing dialog does, " +
			"for the ids that sharing, Deck and other tools take. " +
			"Each match says its type and share_type; exact matches come first.",
		Scope: "users:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in usersSearchIn) (usersSearchOut, error) {
			query := strings.TrimSpace(in.Query)
			opts := nextcloud.AutocompleteOptions{Limit: in.Limit}
			if opts.Limit == 0 {
				opts.Limit = 10
			}
			if len(in.Types) == 0 {
				opts.ShareTypes = []nextcloud.ShareType{nextcloud.ShareTypeUser, nextcloud.ShareTypeGroup}
			}
			for _, t := range in.Types {
				st, _ := nextcloud.ParseShareType(t)
				opts.ShareTypes = append(opts.ShareTypes, st)
			}
			found, err := nc.Users().Autocomplete(ctx, query, opts)
			if err != nil {
				return usersSearchOut{}, err
			}
			return usersSearchOut{Query: query, Matches: mapAll(found, func(s *nextcloud.Sharee) shareeOut {
				m := shareeOut{ID: s.ID, Label: s.Label, Type: s.Source, ShareType: -1, Status: s.Status}
				if st, ok := nextcloud.ShareTypeOfSource(s.Source); ok {
					m.Type, m.ShareType = st.String(), int(st)
				}
				m.Detail = cmp.Or(s.UniqueName, s.Subline)
				m.Exact = strings.EqualFold(s.ID, query) || strings.EqualFold(s.Label, query) || strings.EqualFold(s.UniqueName, query)
				return m
			})}, nil
		})
}

type usersGroupsIn struct {
	Query  string `json:"query,omitempty" jsonschema:"part of a group id or name; empty lists all groups"`
	Limit  int    `json:"limit,omitempty" jsonschema:"most groups to return (default 50, at most 500)"`
	Offset int    `json:"offset,omitempty" jsonschema:"groups to skip, for paging"`
}

func (in *usersGroupsIn) Validate() error {
	return checkPage(in.Limit, in.Offset, 500)
}

type usersGroupsOut struct {
	Groups  []groupOut `json:"groups"`
	Offset  int        `json:"offset"`
	HasMore bool       `json:"has_more" jsonschema:"true if more groups may follow: call again with offset = offset + len(groups)"`
}

func (o usersGroupsOut) Summary() string {
	next := 0
	if o.HasMore && len(o.Groups) > 0 {
		next = o.Offset + len(o.Groups)
	}
	return listSummary(o.Groups, "No groups match.", fmt.Sprintf("%d groups:", len(o.Groups)), func(g groupOut) string {
		return fmt.Sprintf("- %s (id %q, %d members)", g.DisplayName, g.ID, g.Members)
	}) + moreHint(next, "More groups may follow: call again with offset %d.")
}

// usersSearchGroups is nc_users_search_groups (list groups (admins)).
func usersSearchGroups(env *Env) Tool {
	return NewTool(Spec{Name: "nc_users_search_groups", Title: "List groups (admins)",
		Description: "List the Nextcloud groups whose id or name contains the query, with member counts. " +
			"Only administrators and group administrators may list groups; other users find groups with nc_users_search and types [\"group\"].",
		Scope: "users:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in usersGroupsIn) (usersGroupsOut, error) {
			limit := in.Limit
			if limit == 0 {
				limit = 50
			}
			groups, err := nc.Users().SearchGroups(ctx, strings.TrimSpace(in.Query), limit, in.Offset)
			if err != nil {
				var e *nextcloud.Error
				if errors.As(err, &e) && errors.Is(err, nextcloud.ErrForbidden) {
					return usersGroupsOut{}, fmt.Errorf("only Nextcloud administrators and group administrators may list groups, and %s is neither (Nextcloud said: %s); use nc_users_search with types [\"group\"] to find groups you can share with", nc.User(), e.Message)
				}
				return usersGroupsOut{}, err
			}
			out := usersGroupsOut{Groups: []groupOut{}, Offset: in.Offset, HasMore: len(groups) == limit}
			for _, g := range groups {
				name := g.DisplayName
				if name == "" {
					name = g.ID
				}
				out.Groups = append(out.Groups, groupOut{ID: g.ID, DisplayName: name, Members: g.UserCount})
			}
			return out, nil
		})
}

type quotaOut struct {
	UsedBytes  int64   `json:"used_bytes"`
	FreeBytes  int64   `json:"free_bytes,omitempty"`
	TotalBytes int64   `json:"total_bytes,omitempty"`
	Unlimited  bool    `json:"unlimited" jsonschema:"true if no quota limits the user"`
	UsedPct    float64 `json:"used_percent" jsonschema:"share of the quota used, in percent"`
}

func usersBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

var usersSearchTypes = []nextcloud.ShareType{nextcloud.ShareTypeUser, nextcloud.ShareTypeGroup, nextcloud.ShareTypeEmail,
	nextcloud.ShareTypeFederated, nextcloud.ShareTypeCircle, nextcloud.ShareTypeTalk}

func usersSearchable(t nextcloud.ShareType) bool {
	for _, s := range usersSearchTypes {
		if s == t {
			return true
		}
	}
	return false
}

type shareeOut struct {
	ID        string `json:"id" jsonschema:"the id to pass as share_with (or as user/group id to other tools)"`
	Label     string `json:"label" jsonschema:"the display name"`
	Type      string `json:"type" jsonschema:"user, group, email, federated, circle or talk"`
	ShareType int    `json:"share_type" jsonschema:"the numeric OCS share type"`
	Detail    string `json:"detail,omitempty" jsonschema:"extra text telling same-named matches apart (email, server)"`
	Exact     bool   `json:"exact" jsonschema:"the query equals the id, name or email"`
	Status    string `json:"status,omitempty" jsonschema:"the user's status, e.g. online or away"`
}

type groupOut struct {
	ID          string `json:"id" jsonschema:"the group id to pass as share_with"`
	DisplayName string `json:"display_name"`
	Members     int    `json:"members"`
}
