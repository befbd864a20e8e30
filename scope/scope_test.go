package scope

import "testing"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"notes.read": "notes:read", "notes:read": "notes:read", "deck.write": "deck:write",
		"files.write": "files:write", "openid": "openid", "offline_access": "offline_access",
		".read": ".read", ".write": ".write", "a.b.read": "a.b.read", "a/b.read": "a/b.read",
		"a:b.write": "a:b.write", "api://x.read": "api://x.read", "notes.readx": "notes.readx",
		"notes.writex": "notes.writex", "": "",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHas(t *testing.T) {
	tests := []struct {
		held []string
		want string
		ok   bool
	}{
		{[]string{"notes:read"}, "notes:read", true},
		{[]string{"notes.read"}, "notes:read", true},
		{[]string{"notes:read"}, "notes.read", true},
		{[]string{"notes.write"}, "notes.read", true},
		{[]string{"notes:write"}, "notes:read", true},
		{[]string{"notes:write"}, "notes:write", true},
		{[]string{"notes:read"}, "notes:write", false},
		{[]string{"notesx:write"}, "notes:read", false},
		{[]string{"xnotes:write"}, "notes:read", false},
		{[]string{"notes:readx"}, "notes:read", false},
		{[]string{"notes:writex"}, "notes:read", false},
		{[]string{"notes"}, "notes:read", false},
		{[]string{"files:write"}, "notes:read", false},
		// Only <app>.<verb> is rewritten: a dotted resource scope stays
		// itself and does not become "a:b.read".
		{[]string{"a.b.read"}, "a:b.read", false},
		{[]string{"a.b.read"}, "a.b.read", true},
		{[]string{"openid"}, "openid", true},
		{nil, "", true},
		{nil, "notes:read", false},
	}
	for _, tc := range tests {
		if got := Has(tc.held, tc.want); got != tc.ok {
			t.Errorf("Has(%v, %q) = %v, want %v", tc.held, tc.want, got, tc.ok)
		}
	}
}
