package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// benchRefreshToken is about the size of a Keycloak refresh token (a JWT).
var benchRefreshToken = strings.Repeat("eyJhbGciOiJIUzUxMiJ9.", 40)

func benchCipher(b *testing.B, keys int) *Cipher {
	b.Helper()
	var ks []string
	for range keys {
		k, err := GenerateKey()
		if err != nil {
			b.Fatal(err)
		}
		ks = append(ks, k)
	}
	c, err := NewCipher(strings.Join(ks, ","))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkFernet encrypts and decrypts a refresh-token-sized secret; the
// "old key" case opens a row sealed with the second of two keys (during a
// key rotation), which costs one failed HMAC check more.
func BenchmarkFernet(b *testing.B) {
	value := []byte(benchRefreshToken)
	bind := tokenBind("alice")
	b.Run("encrypt", func(b *testing.B) {
		c := benchCipher(b, 1)
		b.SetBytes(int64(len(value)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Encrypt(bind, value); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decrypt", func(b *testing.B) {
		c := benchCipher(b, 1)
		tok, err := c.Encrypt(bind, value)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(value)))
		b.ReportAllocs()
		for b.Loop() {
			pt, _, err := c.Decrypt(bind, tok)
			if err != nil || len(pt) != len(value) {
				b.Fatalf("decrypt: %v (%d bytes)", err, len(pt))
			}
		}
	})
	b.Run("decrypt-old-key", func(b *testing.B) {
		c := benchCipher(b, 2)
		old := &Cipher{keys: c.keys[1:]}
		tok, err := old.Encrypt(bind, value)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(value)))
		b.ReportAllocs()
		for b.Loop() {
			if _, ki, err := c.Decrypt(bind, tok); err != nil || ki != 1 {
				b.Fatalf("decrypt: %v (key %d)", err, ki)
			}
		}
	})
}

// benchStore opens a token database in a temporary directory with users
// grants stored.
func benchStore(b *testing.B, users int) (*DB, []string) {
	b.Helper()
	k, err := GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	d, err := Open(context.Background(), filepath.Join(b.TempDir(), "tokens.db"), Options{Keys: k})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	names := make([]string, users)
	for i := range names {
		names[i] = fmt.Sprintf("user%04d", i)
		if err := d.SaveToken(context.Background(), Token{UserID: names[i], Issuer: "https://idp.example", Subject: "sub-" + names[i],
			Scopes: []string{"openid", "offline_access", "notes:read"}, RefreshToken: benchRefreshToken + names[i]}); err != nil {
			b.Fatal(err)
		}
	}
	return d, names
}

// BenchmarkTokenStore measures the SQLite token store (WAL, synchronous=FULL,
// so every write waits for the disk): reads are a SELECT plus a Fernet
// decrypt, writes an encrypt plus an upsert in its own transaction.
func BenchmarkTokenStore(b *testing.B) {
	ctx := context.Background()
	const users = 1000
	// One store for all cases: seeding writes 1000 rows at disk speed.
	d, names := benchStore(b, users)
	b.Run("read", func(b *testing.B) {
		i := 0
		for b.Loop() {
			u := names[i%users]
			i++
			t, err := d.Token(ctx, u)
			if err != nil || t.RefreshToken != benchRefreshToken+u {
				b.Fatalf("read %s: %v", u, err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
	})
	b.Run("read-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				u := names[i%users]
				i++
				if t, err := d.Token(ctx, u); err != nil || t.UserID != u {
					b.Errorf("read %s: %v", u, err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
	})
	b.Run("write", func(b *testing.B) {
		i := 0
		for b.Loop() {
			u := names[i%users]
			i++
			if err := d.SaveToken(ctx, Token{UserID: u, Issuer: "https://idp.example", Subject: "sub-" + u,
				Scopes: []string{"openid", "offline_access"}, RefreshToken: fmt.Sprintf("%s-%d", benchRefreshToken, i)}); err != nil {
				b.Fatalf("write %s: %v", u, err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	})
	b.Run("refresh", func(b *testing.B) {
		// Refresh is what a background job does per user: read, decrypt,
		// (network call, here none), encrypt and store the rotated token.
		i := 0
		for b.Loop() {
			u := names[i%users]
			i++
			next := fmt.Sprintf("%s-r%d", benchRefreshToken, i)
			if err := d.Refresh(ctx, u, func(context.Context, Token) (Rotation, error) {
				return Rotation{RefreshToken: next}, nil
			}); err != nil {
				b.Fatalf("refresh %s: %v", u, err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refreshes/s")
	})
}
