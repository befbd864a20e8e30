package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Tests for mutants that survived the fresh samples of seeds 21, 31 and
// 32 (written after those runs, so not counted in their scores).

type brokenRandom struct{}

func (brokenRandom) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

// Without randomness (Fernet draws its IV from crypto/rand.Reader) nothing
// is encrypted: every write that encrypts fails with an error and leaves
// the stored rows as they were.
func TestEncryptionFailureWritesNothing(t *testing.T) {
	ctx := context.Background()
	d := openDB(t, dbPath(t), newKey(t))
	twoUsers(t, d)
	before := [2][]string{rowsOf(t, d, "alice"), rowsOf(t, d, "bob")}
	// Only secrets, so ReencryptAll reaches them.
	onlySecrets := openDB(t, dbPath(t), newKey(t))
	if err := onlySecrets.PutSecret(ctx, "carol", "app_password", []byte("pw"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	secretRows := rowsOf(t, onlySecrets, "carol")
	saved := rand.Reader
	rand.Reader = brokenRandom{}
	t.Cleanup(func() { rand.Reader = saved })

	if _, err := GenerateKey(); err == nil || !strings.Contains(err.Error(), "generate encryption key") {
		t.Errorf("GenerateKey: %v", err)
	}
	if _, err := d.Seal("state", []byte("x")); err == nil || !strings.Contains(err.Error(), "encrypt secret") {
		t.Errorf("Seal: %v", err)
	}
	for name, op := range map[string]func() error{
		"SaveToken": func() error { return d.SaveToken(ctx, sample("alice", "rt-new")) },
		"PutSecret": func() error { return d.PutSecret(ctx, "alice", "app_password", []byte("new"), time.Time{}) },
		"Refresh": func() error {
			return d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) { return Rotation{RefreshToken: "rt-rotated"}, nil })
		},
		"ReencryptAll": func() error { _, err := d.ReencryptAll(ctx); return err },
		"ReencryptAll of secrets": func() error {
			rep, err := onlySecrets.ReencryptAll(ctx)
			if err == nil && rep.Secrets != 0 {
				return errors.New("secrets reported re-encrypted")
			}
			return err
		},
	} {
		if err := op(); err == nil || !strings.Contains(err.Error(), "encrypt secret") {
			t.Errorf("%s: %v, want the encryption failure", name, err)
		}
	}
	if after := [2][]string{rowsOf(t, d, "alice"), rowsOf(t, d, "bob")}; !reflect.DeepEqual(after, before) {
		t.Fatalf("rows changed:\n%v\n%v", before, after)
	}
	if after := rowsOf(t, onlySecrets, "carol"); !reflect.DeepEqual(after, secretRows) {
		t.Fatalf("secret rows changed:\n%v\n%v", secretRows, after)
	}
}

// A stored grant whose user id is empty text (not NULL) is malformed too.
func TestEmptyUserIDIsMalformed(t *testing.T) {
	ctx := context.Background()
	d := openDB(t, dbPath(t), newKey(t))
	twoUsers(t, d)
	if _, err := d.db.Exec(`UPDATE refresh_tokens SET user_id = '' WHERE user_id = 'bob'`); err != nil {
		t.Fatal(err)
	}
	infos, err := d.ListTokens(ctx)
	if err != nil || len(infos) != 2 {
		t.Fatalf("ListTokens: %+v, %v", infos, err)
	}
	var problems []string
	for _, in := range infos {
		if in.Problem != "" {
			problems = append(problems, in.Problem)
		}
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "user_id") {
		t.Fatalf("problems %v, want one about user_id", problems)
	}
}

// Index changes that add no items (only deletions or sync state) do not
// give a user a full-text table: a user has one only with items.
func TestIndexStateOnlyChangeMakesNoTable(t *testing.T) {
	ctx := context.Background()
	d := openDB(t, dbPath(t), newKey(t))
	x := indexOf(t, d)
	must(t, x.Apply(ctx, "bob", IndexChange{App: AppFiles, Delete: []string{"a"}, State: map[string]string{"token": "t"}}))
	if tbl, err := x.userTable(ctx, d.db, "bob", false); err != nil || tbl != "" {
		t.Fatalf("bob's table after a state-only change: %q, %v", tbl, err)
	}
	if s, err := x.SyncState(ctx, "bob", AppFiles); err != nil || s["token"] != "t" {
		t.Fatalf("sync state %v, %v", s, err)
	}
}

// Times never set read back as the zero time, not as 1970: an item
// without a date, an app whose only sync failed.
func TestUnsetTimesReadAsZero(t *testing.T) {
	ctx := context.Background()
	d := openDB(t, dbPath(t), newKey(t))
	x := indexOf(t, d)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: []IndexItem{{ID: "1", Title: "zebra"}, {ID: "2", Title: "zebra crossing", Date: at}}}))
	hits, err := x.Search(ctx, "alice", IndexQuery{Text: "zebra"})
	if err != nil || len(hits) != 2 {
		t.Fatalf("search: %+v, %v", hits, err)
	}
	for _, h := range hits {
		if want := map[string]time.Time{"1": {}, "2": at}[h.ID]; !h.Date.Equal(want) {
			t.Errorf("item %s dated %v, want %v", h.ID, h.Date, want)
		}
	}
	if err := x.RecordSync(ctx, "alice", AppNotes, at, errors.New("Nextcloud unreachable")); err != nil {
		t.Fatal(err)
	}
	st, err := x.Status(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range st.Apps {
		if a.App == AppNotes && (!a.LastRun.Equal(at) || !a.LastSuccess.IsZero() || a.LastError != "Nextcloud unreachable") {
			t.Fatalf("notes status %+v", a)
		}
	}
}
