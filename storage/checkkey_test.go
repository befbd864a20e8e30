package storage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Issue 15 item 8: a key that opens none of the stored rows is detected;
// one that opens at least one is not refused.
func TestCheckKey(t *testing.T) { backends(t, testCheckKey) }

func testCheckKey(t *testing.T) {
	ctx := context.Background()
	right, wrong, older := newKey(t), newKey(t), newKey(t)
	tests := []struct {
		name    string
		fill    func(t *testing.T, d *DB)
		openKey string
		wantErr bool
	}{
		{"empty database, any key", func(*testing.T, *DB) {}, wrong, false},
		{"two grants, the right key", saveTwo, right, false},
		{"two grants, a wrong key", saveTwo, wrong, true},
		{"two grants, the right key second", saveTwo, wrong + "," + right, false},
		{"only secrets, a wrong key", func(t *testing.T, d *DB) {
			for _, u := range []string{"alice", "bob"} {
				putSecret(t, d, u, "app_password", []byte("pw-"+u), time.Time{})
			}
		}, wrong, true},
		{"one row of an older key, one of the right", func(t *testing.T, d *DB) {
			saveTwo(t, d)
			// bob's row re-sealed with a key the server no longer has.
			o, err := NewCipher(older)
			if err != nil {
				t.Fatal(err)
			}
			enc, _ := o.Encrypt(tokenBind("bob"), []byte("rt-bob"))
			if _, err := d.db.Exec(`UPDATE refresh_tokens SET token_enc=? WHERE user_id='bob'`, enc); err != nil {
				t.Fatal(err)
			}
		}, right, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := dbPath(t)
			d := openDB(t, path, right)
			tt.fill(t, d)
			d.Close()
			d = openDB(t, path, tt.openKey)
			err := d.CheckKey(ctx)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "2 rows") || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want ErrWrongKey naming 2 rows and the file", err)
			}
			for _, k := range []string{right, wrong} {
				if strings.Contains(err.Error(), k) {
					t.Fatal("the error shows a key")
				}
			}
		})
	}
}

func saveTwo(t *testing.T, d *DB) {
	t.Helper()
	for _, u := range []string{"alice", "bob"} {
		if err := d.SaveToken(context.Background(), sample(u, "rt-"+u)); err != nil {
			t.Fatal(err)
		}
	}
}
