package nextcloud

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"
)

func TestJoinInside(t *testing.T) {
	const coll = "/remote.php/dav/calendars/alice/personal/"
	ok := []struct{ id, want string }{
		{"event.ics", coll + "event.ics"},
		{coll + "event.ics", coll + "event.ics"},
		{"a b%20c.ics", coll + "a b%20c.ics"},
		{"sub/x.ics", coll + "sub/x.ics"},
		{"..ics", coll + "..ics"},
		// A "%" that starts no escape is a literal character.
		{"50% off.ics", coll + "50% off.ics"},
		{"sub/a%zz.ics", coll + "sub/a%zz.ics"},
	}
	for _, tc := range ok {
		got, err := JoinInside("event_id", coll, tc.id)
		if err != nil || got != tc.want {
			t.Errorf("JoinInside(%q) = %q, %v; want %q", tc.id, got, err, tc.want)
		}
	}
	bad := []struct{ id, reason string }{
		{coll + "../../../files/alice/secret.ics", `"." or ".."`},
		{coll + "x/../../other/e.ics", `"." or ".."`},
		{"..", `"." or ".."`},
		{".", `"." or ".."`},
		{"%2e%2e", `"." or ".."`},
		{"%2E%2e", `"." or ".."`},
		{"%252e%252e", `"." or ".."`},
		{"a%2f..%2fb", `"/"`},
		{`..\secret`, "backslash"},
		{"a%5cb", "backslash"},
		{"x\x00.ics", "control character"},
		{"x%00.ics", "control character"},
		{"/remote.php/dav/files/alice/secret.ics", "outside " + coll},
		{"/remote.php/dav/calendars/alice/personalx/e.ics", "outside " + coll},
		{coll, "names the collection"},
		{"", "names the collection"},
		{"a//b", "is empty"},
		{"\xff", "UTF-8"},
	}
	for _, tc := range bad {
		_, err := JoinInside("event_id", coll, tc.id)
		var ue *UnsafeIDError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.reason) || !strings.HasPrefix(err.Error(), "event_id ") {
			t.Errorf("JoinInside(%q) error %v; want an UnsafeIDError naming event_id and %q", tc.id, err, tc.reason)
		}
	}
}

func TestSegment(t *testing.T) {
	for _, s := range []string{"abc", "room-token1", "file.d1700000000", "a%20b", "...", ".x", "100%", "a%zz"} {
		if _, err := Segment("token", s); err != nil {
			t.Errorf("Segment(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", " ", ".", "..", "a/b", `a\b`, "%2e%2e", "%2F", "%25%32%65%25%32%65", "a\nb"} {
		_, err := Segment("token", s)
		var ue *UnsafeIDError
		if !errors.As(err, &ue) || ue.Arg != "token" {
			t.Errorf("Segment(%q) = %v; want an UnsafeIDError for token", s, err)
		}
	}
}

// staysUnder reports whether the request path p, however many times a
// server decodes it and with backslashes read as slashes, resolves to
// prefix or below it.
func staysUnder(p, prefix string) bool {
	for range 5 {
		q := path.Clean(strings.ReplaceAll(p, `\`, "/"))
		if !strings.HasPrefix(q+"/", prefix) || strings.ContainsRune(p, 0) {
			return false
		}
		d, err := url.PathUnescape(p)
		if err != nil || d == p {
			return true
		}
		p = d
	}
	return true
}

func TestStaysUnder(t *testing.T) {
	if !staysUnder("/a/b/c%20d", "/a/b/") || staysUnder("/a/b/%2e%2e/c", "/a/b/") || staysUnder("/a/b/..%5cc", "/a/b/") || staysUnder("/a/bc", "/a/b/") {
		t.Fatal("staysUnder is wrong")
	}
}

// FuzzIDsStayInside gives arbitrary ids and paths to every client call
// that builds a URL from a caller's string (tool arguments: event, task
// and contact ids, file and trash paths, share ids, Talk tokens, note
// attachment paths, address book names, version
// and attachment ids, Cookbook search words and categories, search
// providers, Deck attachment types, the parts of a Collectives page path, Bookmarks tags, team and member ids)
// and checks that every request sent
// stays inside the collection the call is about.
func FuzzIDsStayInside(f *testing.F) {
	for _, s := range []string{
		"event.ics", "..", ".", "%2e%2e", "%252e%252e", `..\..\x`, "a/../../b", "/remote.php/dav/files/alice/secret.ics",
		"/remote.php/dav/calendars/alice/personal/../../../files/alice/secret.ics",
		"/remote.php/dav/addressbooks/users/alice/contacts/%2e%2e/%2e%2e/x", "Documents/report.pdf", "a%2f..%2f..%2fb",
		"x\x00", "?x=1", "#frag", "a b", "ü", "file.d1700000000", "",
	} {
		f.Add(s)
	}
	var mu sync.Mutex
	var sent []string
	c, err := New(Options{BaseURL: "https://cloud.example.com", MaxRetries: -1,
		Transport: fuzzRoundTrip(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			sent = append(sent, r.URL.EscapedPath())
			mu.Unlock()
			if r.Body != nil {
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
			}
			return &http.Response{StatusCode: http.StatusNotFound, Header: http.Header{"Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader("no")), Request: r}, nil
		})})
	if err != nil {
		f.Fatal(err)
	}
	c = c.WithUser("alice", BasicAuth{Username: "alice", Password: "pw"})
	calCl, _ := caldav.NewClient(c, c.davEndpoint())
	cardCl, _ := carddav.NewClient(c, c.davEndpoint())
	cal := Calendar{ID: "personal", Href: "/remote.php/dav/calendars/alice/personal/"}
	book := AddressBook{ID: "contacts", Href: "/remote.php/dav/addressbooks/users/alice/contacts/"}
	cd := &CalDAV{davHandle: davHandle{c: c, home: "/remote.php/dav/calendars/alice/"}, cl: calCl}
	kd := &CardDAV{davHandle: davHandle{c: c, home: "/remote.php/dav/addressbooks/users/alice/"}, cl: cardCl}
	deck := c.Deck(nil)
	ctx := context.Background()
	calls := []struct {
		prefix string
		call   func(id string)
	}{
		{cal.Href, func(id string) { _, _ = cd.Object(ctx, cal, "VEVENT", id) }},
		{cal.Href, func(id string) { _ = cd.DeleteEvent(ctx, cal, id, "", "") }},
		{cal.Href, func(id string) { _, _ = cd.GetTask(ctx, cal, id) }},
		{cal.Href, func(id string) { _, _ = cd.GetEvent(ctx, cal, id, time.UTC) }},
		{book.Href, func(id string) { _, _ = kd.GetContact(ctx, book, id) }},
		{book.Href, func(id string) { _, _ = kd.Object(ctx, book, id) }},
		{book.Href, func(id string) { _ = kd.DeleteContact(ctx, book, id, "") }},
		{"/remote.php/dav/files/alice/", func(id string) { _, _ = c.Files().Read(ctx, id, 10) }},
		{"/remote.php/dav/files/alice/", func(id string) { _ = c.Files().Delete(ctx, id) }},
		{"/remote.php/dav/files/alice/", func(id string) { _, _ = c.Files().Stat(ctx, id) }},
		{"/remote.php/dav/files/alice/", func(id string) { _, _, _ = c.Files().List(ctx, id) }},
		{"/remote.php/dav/files/alice/", func(id string) { _, _ = c.Files().Write(ctx, id, []byte("x"), WriteOptions{}) }},
		{"/remote.php/dav/files/alice/", func(id string) { _, _ = c.Files().MakeFolderAll(ctx, id) }},
		{"/remote.php/dav/files/alice/", func(id string) { _, _ = c.Files().Copy(ctx, id, "b", false) }},
		{"/remote.php/dav/files/alice/", func(id string) { _ = c.Files().SetFavorite(ctx, id, true) }},
		{"/remote.php/dav/files/alice/", func(id string) { _, _ = c.Files().ID(ctx, id) }},
		{"/remote.php/dav/files/alice/", func(id string) { _, _ = c.Files().Move(ctx, "a", id, false) }},
		{"/remote.php/dav/trashbin/alice/trash/", func(id string) { _ = c.Files().RestoreFromTrash(ctx, id) }},
		{"/remote.php/dav/trashbin/alice/trash/", func(id string) { _ = c.Files().DeleteFromTrash(ctx, id) }},
		{talkPollBase, func(id string) {
			_, _ = c.Talk().CreatePoll(ctx, id, TalkNewPoll{Question: "q", Options: []string{"a", "b"}})
		}},
		{talkPollBase, func(id string) { _, _ = c.Talk().VotePoll(ctx, id, 1, []int{0}) }},
		{talkChatBase, func(id string) { _, _ = c.Talk().DeleteMessage(ctx, id, 1) }},
		{talkRoomBase + "/", func(id string) { _ = c.Talk().Leave(ctx, id) }},
		{"/index.php/apps/notes/api/v1.4/attachment/1", func(id string) { _, _ = c.Notes().Attachment(ctx, 1, id, 10) }},
		{kd.home, func(id string) { _, _ = kd.CreateAddressBook(ctx, id, "") }},
		{"/remote.php/dav/versions/alice/versions/1/", func(id string) { _ = c.Files().RestoreVersion(ctx, 1, id) }},
		{sharesAPI + "/", func(id string) { _, _ = c.Sharing().Get(ctx, id) }},
		{sharesAPI + "/", func(id string) { _ = c.Sharing().Delete(ctx, id) }},
		{talkRoomBase + "/", func(id string) { _, _ = c.Talk().Conversation(ctx, id) }},
		{talkChatBase, func(id string) { _, _ = c.Talk().SendMessage(ctx, id, TalkNewMessage{Message: "x"}) }},
		{sharesAPI + "/", func(id string) { _, _ = c.Sharing().Update(ctx, id, ShareUpdate{}) }},
		{"/remote.php/dav/files/alice/Collectives/Wiki/", func(id string) {
			_, _, _ = c.Collectives().PageMarkdown(ctx, &CollectivePage{CollectivePath: "Collectives/Wiki", FilePath: id, FileName: "Readme.md"}, "Wiki", 10)
		}},
		{"/remote.php/dav/files/alice/Collectives/Wiki/", func(id string) {
			_ = c.Collectives().WritePageMarkdown(ctx, &CollectivePage{CollectivePath: "Collectives/Wiki", FileName: id}, "Wiki", "x")
		}},
		{"/remote.php/dav/files/alice/Collectives/", func(id string) {
			_, _, _ = c.Collectives().PageMarkdown(ctx, &CollectivePage{FileName: "Readme.md"}, id, 10)
		}},
		{mailBase + "messages/1/attachment/", func(id string) { _, _ = c.Mail().Attachment(ctx, 1, id, 10) }},
		{mailBase + "messages/1/tags/", func(id string) { _, _ = c.Mail().Tag(ctx, 1, id, false) }},
		{cookbookAPI + "/search/", func(id string) { _, _ = c.Cookbook().Search(ctx, id) }},
		{cookbookAPI + "/category/", func(id string) { _, _ = c.Cookbook().InCategory(ctx, id) }},
		{"/ocs/v2.php/search/providers/", func(id string) { _, _ = c.Search().Query(ctx, id, SearchQuery{Term: "x"}) }},
		{cardPath11(1, 2, 3) + "/attachments/", func(id string) { _ = deck.DeleteAttachment(ctx, 1, 2, 3, id, 4) }},
		{bookmarksBase + "tag/", func(id string) { _ = c.Bookmarks().RenameTag(ctx, id, "x") }},
		{bookmarksBase + "tag/", func(id string) { _ = c.Bookmarks().DeleteTag(ctx, id) }},
		{teamsBase + "/", func(id string) { _, _ = c.Teams().Members(ctx, id) }},
		{teamsBase + "/x/members/", func(id string) { _ = c.Teams().RemoveMember(ctx, "x", id) }},
		{userStatusBase + "statuses/", func(id string) { _, _ = c.UserStatus().Of(ctx, id) }},
		{activityBase + "/", func(id string) { _, _ = c.Activity().Page(ctx, ActivityQuery{Filter: id}) }},
		{provisioningBase + "users/", func(id string) { _, _ = c.Admin().User(ctx, id) }},
		{provisioningBase + "users/", func(id string) { _ = c.Admin().SetUserEnabled(ctx, id, false) }},
		{provisioningBase + "users/", func(id string) { _ = c.Admin().SetGroupMember(ctx, id, "g", false) }},
		{provisioningBase + "groups/", func(id string) { _, _ = c.Admin().GroupMembers(ctx, id) }},
		{provisioningBase + "apps/", func(id string) { _ = c.Admin().SetAppEnabled(ctx, id, false) }},
	}
	f.Fuzz(func(t *testing.T, id string) {
		for i, cl := range calls {
			mu.Lock()
			sent = sent[:0]
			mu.Unlock()
			cl.call(id)
			mu.Lock()
			for _, p := range sent {
				if !staysUnder(p, cl.prefix) {
					t.Errorf("call %d with %q sent a request to %s, outside %s", i, id, p, cl.prefix)
				}
			}
			mu.Unlock()
		}
	})
}
