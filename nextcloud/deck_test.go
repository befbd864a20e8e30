package nextcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestSplitDeckComment(t *testing.T) {
	words := strings.Repeat("word ", 600)  // 3000 chars
	umlauts := strings.Repeat("äöü ", 400) // 1600 runes, 2800 bytes
	noSpaces := strings.Repeat("x", 2500)  // must be cut hard
	paragraphs := strings.Repeat("a", 700) + "\n\n" + strings.Repeat("b", 700)
	cases := []struct {
		name  string
		in    string
		parts int
	}{
		{"short", "hello", 1},
		{"exactly the limit", strings.Repeat("y", 1000), 1},
		{"one over", strings.Repeat("y ", 500) + "z", 2},
		{"words", words, 4},
		{"multibyte counted as characters", umlauts, 2},
		{"no spaces", noSpaces, 3},
		{"paragraphs", paragraphs, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := nextcloud.SplitDeckComment(tc.in, 1000)
			if len(got) != tc.parts {
				t.Fatalf("%d parts, want %d", len(got), tc.parts)
			}
			if tc.parts == 1 {
				if got[0] != tc.in {
					t.Fatal("a message that fits was changed")
				}
				return
			}
			var body strings.Builder
			for i, p := range got {
				if n := utf8.RuneCountInString(p); n > 1000 {
					t.Fatalf("part %d has %d characters", i+1, n)
				}
				prefix := "(" + itoa(i+1) + "/" + itoa(len(got)) + ") "
				if !strings.HasPrefix(p, prefix) {
					t.Fatalf("part %d starts %q", i+1, p[:12])
				}
				body.WriteString(strings.TrimPrefix(p, prefix))
			}
			// Only whitespace at the cuts may be lost.
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if squash(body.String()) != squash(tc.in) {
				t.Fatal("parts do not add up to the message")
			}
		})
	}
	// The paragraph break is where the cut goes.
	got := nextcloud.SplitDeckComment(paragraphs, 1000)
	if !strings.HasSuffix(got[0], "a") || !strings.HasPrefix(got[1], "(2/2) b") {
		t.Fatalf("paragraph split at the wrong place: %q ... %q", got[0][len(got[0])-5:], got[1][:10])
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestDeckJSONShapes(t *testing.T) {
	var u struct {
		A nextcloud.DeckUser `json:"a"`
		B nextcloud.DeckUser `json:"b"`
		C nextcloud.DeckInt  `json:"c"`
		D nextcloud.DeckInt  `json:"d"`
		E nextcloud.DeckInt  `json:"e"`
	}
	if err := json.Unmarshal([]byte(`{"a":"admin","b":{"primaryKey":"bob","uid":"bob","displayname":"Bob B"},"c":"10","d":7,"e":null}`), &u); err != nil {
		t.Fatal(err)
	}
	if u.A.UID != "admin" || u.B.UID != "bob" || u.B.DisplayName != "Bob B" || u.C != 10 || u.D != 7 || u.E != 0 {
		t.Fatalf("decoded %+v", u)
	}
	if err := json.Unmarshal([]byte(`{"c":"ten"}`), &u); err == nil {
		t.Fatal("a non-numeric id was accepted")
	}
}

func TestDeckCacheEvictsOldest(t *testing.T) {
	// The cache is exercised through a client: fill it past its size and
	// check that it stays bounded.
	nc := nctest.New(t)
	cache := nextcloud.NewDeckCache(2)
	d := nc.Client(t, "admin").Deck(cache)
	ctx := context.Background()
	var ids []int64
	for _, title := range []string{"a", "b", "c"} {
		b, err := d.CreateBoard(ctx, title, "000000")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	for _, id := range ids {
		if _, err := d.Board(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n := cache.Len(); n != 2 {
		t.Fatalf("cache holds %d answers, want 2", n)
	}
}

// statusRecorder notes the status of every answer.
type statusRecorder struct {
	mu       sync.Mutex
	statuses []int
}

func (s *statusRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := nextcloud.NewTransport().RoundTrip(r)
	if err == nil {
		s.mu.Lock()
		s.statuses = append(s.statuses, resp.StatusCode)
		s.mu.Unlock()
	}
	return resp, err
}

func TestDeckConditionalGet(t *testing.T) {
	nc := nctest.New(t)
	rec := &statusRecorder{}
	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	cache := nextcloud.NewDeckCache(0)
	d := base.WithUser("admin", nextcloud.BasicAuth{Username: "admin", Password: "admin-pass"}).Deck(cache)
	ctx := context.Background()
	// Made through d, so that the recorder sees the two creations.
	b, err := d.CreateBoard(ctx, "Etag", "ff0000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateStack(ctx, b.ID, "S", 0); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		s, err := d.Stacks(ctx, b.ID)
		if err != nil || len(s) != 1 || s[0].Title != "S" {
			t.Fatalf("stacks %+v, %v", s, err)
		}
		got, err := d.Board(ctx, b.ID)
		if err != nil || got.Title != "Etag" {
			t.Fatalf("board %+v, %v", got, err)
		}
	}
	rec.mu.Lock()
	st := append([]int(nil), rec.statuses...)
	rec.mu.Unlock()
	// create board, create stack, 200, 200, then 304, 304.
	if len(st) != 6 || st[2] != 200 || st[3] != 200 || st[4] != 304 || st[5] != 304 {
		t.Fatalf("statuses %v", st)
	}
	// Another user never gets this user's cached answer.
	other := base.WithUser("bob", nextcloud.BasicAuth{Username: "admin", Password: "admin-pass"}).Deck(cache)
	if _, err := other.Board(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	last := rec.statuses[len(rec.statuses)-1]
	rec.mu.Unlock()
	if last != 200 {
		t.Fatalf("a different user's request was conditional (status %d)", last)
	}
}

func TestDeckClientErrors(t *testing.T) {
	ctx := context.Background()
	off := nctest.New(t, nctest.WithDisabledApp("deck"))
	_, err := off.Client(t, "admin").Deck(nil).Boards(ctx)
	// The one wording of App.NotEnabled.
	if !errors.Is(err, nextcloud.ErrAppNotEnabled) || !strings.Contains(err.Error(), `the Nextcloud app "deck" (Deck) is not installed or not enabled for this user`) {
		t.Fatalf("disabled app: %v", err)
	}
	_, err = off.Client(t, "admin").Deck(nil).Comments(ctx, 1, 0, 0)
	if !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("disabled app, OCS route: %v", err)
	}

	// Nextcloud answers OCS routes of an app that is off with 404 "Invalid query".
	ocsOff := ocsAppOff(t, "deck")
	if _, err := ocsOff.Client(t, "admin").Deck(nil).Comments(ctx, 1, 0, 0); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("OCS route missing: %v", err)
	}

	nc := nctest.New(t)
	d := nc.Client(t, "admin").Deck(nil)
	_, err = d.Board(ctx, 4242)
	if !errors.Is(err, nextcloud.ErrForbidden) || !strings.Contains(err.Error(), "does not exist or you have no access") {
		t.Fatalf("unknown board: %v", err)
	}
	var ne *nextcloud.Error
	if !errors.As(err, &ne) || ne.App != "deck" {
		t.Fatalf("error does not name the app: %#v", err)
	}

	// Deck's PUT needs the whole card: a partial one is refused, the one
	// built from the current card goes through and keeps every field.
	b, s := nc.AddDeckBoard(t, "admin", "B", "000000", "S")
	due := "2030-01-02T03:04:05+00:00"
	c, err := d.CreateCard(ctx, b.ID, s.ID, nextcloud.DeckCardCreate{Title: "T", Description: "D", Order: 3, Duedate: &due})
	if err != nil {
		t.Fatal(err)
	}
	if c.Owner.UID != "admin" {
		t.Fatalf("owner of a new card: %+v", c.Owner)
	}
	_, err = d.UpdateCard(ctx, b.ID, s.ID, c.ID, nextcloud.DeckCardUpdate{Title: "T2", Type: "plain"})
	if err == nil || !strings.Contains(err.Error(), "owner must be provided") {
		t.Fatalf("partial update: %v", err)
	}
	full, err := d.Card(ctx, b.ID, s.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	u := nextcloud.CardUpdateFrom(full)
	u.Title = "T2"
	if _, err := d.UpdateCard(ctx, b.ID, s.ID, c.ID, u); err != nil {
		t.Fatal(err)
	}
	after, _ := d.Card(ctx, b.ID, s.ID, c.ID)
	if after.Title != "T2" || after.Description != "D" || after.Order != 3 || after.Duedate == nil || *after.Duedate != due {
		t.Fatalf("after update %+v", after)
	}

	// Comments over the limit are refused by Deck.
	_, err = d.CreateComment(ctx, c.ID, strings.Repeat("x", nextcloud.DeckCommentMaxLength+1), 0)
	if err == nil || !strings.Contains(err.Error(), "character limit of 1000") {
		t.Fatalf("long comment: %v", err)
	}
}
