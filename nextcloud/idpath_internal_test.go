package nextcloud

import (
	"slices"
	"testing"
)

// davRelHref keeps only hrefs below root: a sibling whose name starts like
// the user's (alicex) or another user's files are not the user's.
func TestDavRelHrefContainment(t *testing.T) {
	const root = "/remote.php/dav/files/alice/"
	tests := []struct {
		href, want string
		ok         bool
	}{
		{"/remote.php/dav/files/alice/Documents/a.txt", "Documents/a.txt", true},
		{"/remote.php/dav/files/alice/Photos/", "Photos", true},
		{"/remote.php/dav/files/alice/", "", true},
		{"/remote.php/dav/files/alice", "", true},
		{" /remote.php/dav/files/alice/x ", "x", true},
		{"http://nc.example/remote.php/dav/files/alice/a%20b.txt", "a b.txt", true},
		{"/remote.php/dav/files/alicex/secret.txt", "", false},
		{"/remote.php/dav/files/alicex", "", false},
		{"/remote.php/dav/files/bob/x", "", false},
		{"/remote.php/dav/files/", "", false},
		{"/remote.php/dav/files/ali", "", false},
		{"%zz", "", false},
	}
	for _, tc := range tests {
		got, ok := davRelHref(tc.href, root)
		if got != tc.want || ok != tc.ok {
			t.Errorf("davRelHref(%q) = %q, %v; want %q, %v", tc.href, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDavFilesPathEscapes(t *testing.T) {
	c := &Client{user: "a b"}
	for rel, want := range map[string]string{
		"":           "/remote.php/dav/files/a%20b",
		"x":          "/remote.php/dav/files/a%20b/x",
		"d/e f?.txt": "/remote.php/dav/files/a%20b/d/e%20f%3F.txt",
		"%/#":        "/remote.php/dav/files/a%20b/%25/%23",
	} {
		if got, err := c.davFilesPath(rel); err != nil || got != want {
			t.Errorf("davFilesPath(%q) = %q, %v; want %q", rel, got, err, want)
		}
	}
	if _, err := (&Client{}).davFilesPath("x"); err == nil {
		t.Error("a client without user built a files path")
	}
}

func TestCalendarOf(t *testing.T) {
	c := calendarOf("/remote.php/dav/calendars/alice/work/", "", "d", nil)
	if c.ID != "work" || c.Name != "work" || c.Description != "d" || !slices.Equal(c.Components, []string{"VEVENT", "VTODO"}) {
		t.Fatalf("calendarOf = %+v", c)
	}
	c = calendarOf("/remote.php/dav/calendars/alice/work/", "Work", "", []string{"vtodo"})
	if c.ID != "work" || c.Name != "Work" || !slices.Equal(c.Components, []string{"VTODO"}) {
		t.Fatalf("calendarOf = %+v", c)
	}
}
