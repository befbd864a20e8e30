package nextcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Sharee is one autocomplete match: someone or something a file can be
// shared with or a card assigned to.
type Sharee struct {
	// ID is what the Share API and Deck take as shareWith / participant.
	ID    string `json:"id"`
	Label string `json:"label"`
	// Source names the provider: users, groups, emails, remotes, circles …
	Source  string `json:"source"`
	Subline string `json:"subline"`
	// UniqueName tells apart sharees with the same label (often an email).
	UniqueName string `json:"shareWithDisplayNameUnique"`
	// Status is the user status ("online", "away" …) with its message.
	Status        string `json:"-"`
	StatusMessage string `json:"-"`
}

// UnmarshalJSON reads the status, which is "" or an object.
func (s *Sharee) UnmarshalJSON(b []byte) error {
	type plain Sharee
	var v struct {
		plain
		Status json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Sharee(v.plain)
	var st struct {
		Status  string  `json:"status"`
		Message *string `json:"message"`
	}
	if json.Unmarshal(v.Status, &st) == nil {
		s.Status = st.Status
		if st.Message != nil {
			s.StatusMessage = *st.Message
		}
	}
	return nil
}

// ShareTypeOfSource maps an autocomplete source to the share type its ids
// are meant for.
func ShareTypeOfSource(source string) (ShareType, bool) {
	switch source {
	case "users":
		return ShareTypeUser, true
	case "groups":
		return ShareTypeGroup, true
	case "emails":
		return ShareTypeEmail, true
	case "remotes":
		return ShareTypeFederated, true
	case "remote_groups":
		return ShareTypeFederatedGroup, true
	case "circles":
		return ShareTypeCircle, true
	case "rooms":
		return ShareTypeTalk, true
	case "deck":
		return ShareTypeDeck, true
	}
	return 0, false
}

// AutocompleteOptions narrow an autocomplete search.
type AutocompleteOptions struct {
	// ShareTypes to search; empty means users only (Nextcloud's default).
	ShareTypes []ShareType
	// ItemType and ItemID let sorters rank people who already work on the
	// item first ("files" and a file id, "deck" and a board id).
	ItemType string
	ItemID   string
	Limit    int
}

// UsersClient finds users and groups (core and provisioning APIs).
type UsersClient struct{ app App }

// Users returns the users and groups client.
func (c *Client) Users() *UsersClient { return &UsersClient{app: c.core()} }

// Autocomplete searches users, groups and other sharees the way the
// sharing dialog does (/ocs/v2.php/core/autocomplete/get).
func (c *UsersClient) Autocomplete(ctx context.Context, search string, o AutocompleteOptions) ([]Sharee, error) {
	q := url.Values{"search": {search}}
	if o.ItemType != "" {
		q.Set("itemType", o.ItemType)
	}
	if o.ItemID != "" {
		q.Set("itemId", o.ItemID)
	}
	for _, t := range o.ShareTypes {
		q.Add("shareTypes[]", strconv.Itoa(int(t)))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	return fetch[[]Sharee](ctx, c.app, Request{Method: http.MethodGet, Path: "/ocs/v2.php/core/autocomplete/get", Query: q, OCS: true}, fmt.Sprintf("search users and groups for %q", search))
}

// Group is a group as the provisioning API details it.
type Group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayname"`
	UserCount   int    `json:"usercount"`
	Disabled    int    `json:"disabled"`
}

// SearchGroups lists the groups whose id or name contains search
// (/ocs/v2.php/cloud/groups/details). Nextcloud allows it to
// administrators and group administrators only.
func (c *UsersClient) SearchGroups(ctx context.Context, search string, limit, offset int) ([]Group, error) {
	q := pageQuery(url.Values{"search": {search}}, limit, offset)
	var out struct {
		Groups []Group `json:"groups"`
	}
	if _, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: "/ocs/v2.php/cloud/groups/details", Query: q, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("search groups for %q: %w", search, err)
	}
	return out.Groups, nil
}
