package storage

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// ErrRevoked, returned (wrapped) by a Refresh callback, says the IdP no
// longer honours the refresh token (invalid_grant): the row is deleted.
var ErrRevoked = errors.New("the identity provider revoked the stored grant")

// Token is a user's offline grant. RefreshToken is the secret; String and
// LogValue leave it out so a Token can be logged by accident safely.
type Token struct {
	UserID          string
	Issuer          string
	Subject         string
	Scopes          []string
	RefreshToken    string `json:"-"`
	CreatedAt       time.Time
	LastUsedAt      time.Time
	LastRefreshedAt time.Time
	// ExpiresAt is when the refresh token expires, zero if unknown.
	ExpiresAt time.Time
}

func (t Token) String() string {
	return fmt.Sprintf("token{user=%s issuer=%s subject=%s scopes=%q}", t.UserID, t.Issuer, t.Subject, strings.Join(t.Scopes, " "))
}

// GoString keeps %#v from printing the secret.
func (t Token) GoString() string { return t.String() }

// LogValue implements slog.LogValuer.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", t.UserID), slog.String("issuer", t.Issuer), slog.String("subject", t.Subject))
}

// TokenInfo is a stored grant without its secret, for listings.
type TokenInfo struct {
	UserID          string    `json:"user_id"`
	Issuer          string    `json:"issuer"`
	Subject         string    `json:"subject"`
	Scopes          []string  `json:"scopes"`
	CreatedAt       time.Time `json:"created_at"`
	LastUsedAt      time.Time `json:"last_used_at,omitzero"`
	LastRefreshedAt time.Time `json:"last_refreshed_at,omitzero"`
	ExpiresAt       time.Time `json:"expires_at,omitzero"`
	// Readable is false when no configured key opens the row.
	Readable bool `json:"readable"`
	// OldKey is true when the row is encrypted with a key other than the
	// first (run tokens rotate-key).
	OldKey bool `json:"old_key,omitempty"`
	// Problem says why an unreadable row is unusable: it cannot be
	// decrypted, or it is malformed (then only UserID is filled, or a
	// "(row N)" placeholder when even that is bad).
	Problem string `json:"problem,omitempty"`
}

// rowScanner reads rowid first, then hands the rest to scanToken.
type rowScanner struct {
	s     scanner
	rowid *int64
}

func (r rowScanner) Scan(dest ...any) error {
	return r.s.Scan(append([]any{r.rowid}, dest...)...)
}

func tokenBind(user string) string { return "refresh_token\x00" + user }

// SaveToken stores (or replaces) a user's grant, e.g. after consent.
func (d *DB) SaveToken(ctx context.Context, t Token) error {
	if t.UserID == "" || t.RefreshToken == "" {
		return errors.New("save token: user id and refresh token are required")
	}
	enc, err := d.cipher.Encrypt(tokenBind(t.UserID), []byte(t.RefreshToken))
	if err != nil {
		return err
	}
	now := d.now()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.wrap("save token for "+t.UserID, err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO refresh_tokens
		(user_id, issuer, subject, scopes, token_enc, created_at, last_used_at, last_refreshed_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(user_id) DO UPDATE SET issuer=excluded.issuer, subject=excluded.subject,
			scopes=excluded.scopes, token_enc=excluded.token_enc, created_at=excluded.created_at,
			last_used_at=excluded.last_used_at, last_refreshed_at=excluded.last_refreshed_at,
			expires_at=excluded.expires_at`,
		t.UserID, t.Issuer, t.Subject, strings.Join(t.Scopes, " "), enc,
		t.CreatedAt.Unix(), unix(t.LastUsedAt), unix(t.LastRefreshedAt), unix(t.ExpiresAt))
	if err != nil {
		return d.wrap("save token for "+t.UserID, err)
	}
	d.hook("save")
	if err := tx.Commit(); err != nil {
		return d.wrap("commit token for "+t.UserID, err)
	}
	return nil
}

type tokenRow struct {
	t   Token
	enc []byte
}

const tokenCols = `user_id, issuer, subject, scopes, token_enc, created_at, last_used_at, last_refreshed_at, expires_at`

type scanner interface{ Scan(dest ...any) error }

// ErrMalformed marks a stored row whose columns do not hold what the
// schema says (edited by hand, or written by a broken tool). Such rows are
// reported and skipped, never used.
var ErrMalformed = errors.New("stored row is malformed")

// malformedError names the column at fault, never its value.
type malformedError struct{ column, why string }

func (e *malformedError) Error() string { return e.column + " " + e.why }
func (e *malformedError) Unwrap() error { return ErrMalformed }

// scanToken reads a row column by column, so that one bad value yields
// an error naming its column (SQLite keeps whatever type was written).
func scanToken(s scanner) (tokenRow, error) {
	var r tokenRow
	var raw [9]any
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := s.Scan(ptrs...); err != nil {
		return r, err
	}
	text := func(v any) (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case []byte:
			return string(x), true
		}
		return "", false
	}
	bad := func(col, why string) (tokenRow, error) { return r, &malformedError{col, why} }
	var ok bool
	if r.t.UserID, ok = text(raw[0]); !ok || r.t.UserID == "" {
		return bad("user_id", "is missing or not text")
	}
	if r.t.Issuer, ok = text(raw[1]); !ok {
		return bad("issuer", "is not text")
	}
	if r.t.Subject, ok = text(raw[2]); !ok {
		return bad("subject", "is not text")
	}
	scopes, ok := text(raw[3])
	if !ok && raw[3] != nil {
		return bad("scopes", "is not text")
	}
	r.t.Scopes = strings.Fields(scopes)
	enc, ok := text(raw[4])
	if !ok || enc == "" {
		return bad("token_enc", "is missing")
	}
	r.enc = []byte(enc)
	created, ok := raw[5].(int64)
	if !ok {
		return bad("created_at", "is not a Unix time")
	}
	r.t.CreatedAt = time.Unix(created, 0).UTC()
	for i, dst := range []*time.Time{&r.t.LastUsedAt, &r.t.LastRefreshedAt, &r.t.ExpiresAt} {
		switch v := raw[6+i].(type) {
		case nil:
		case int64:
			*dst = time.Unix(v, 0).UTC()
		default:
			return bad([]string{"last_used_at", "last_refreshed_at", "expires_at"}[i], "is not a Unix time")
		}
	}
	return r, nil
}

// loadToken reads user's row; lock (inside a transaction) holds the row
// until commit where the dialect has row locks.
func (d *DB) loadToken(ctx context.Context, q querier, user string, lock bool) (tokenRow, error) {
	sfx := ""
	if lock {
		sfx = d.forUpdate()
	}
	r, err := scanToken(q.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM refresh_tokens WHERE user_id = ?`+sfx, user))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("no stored offline grant for user %s: %w", user, ErrNotFound)
	}
	if errors.Is(err, ErrMalformed) {
		return r, fmt.Errorf("stored offline grant of user %s is unusable: %w; remove it with `tokens revoke %s` and sign in again at /oauth/login", user, err, user)
	}
	if err != nil {
		return r, d.wrap("read token of "+user, err)
	}
	return r, nil
}

func (d *DB) open(r *tokenRow) error {
	pt, _, err := d.cipher.Decrypt(tokenBind(r.t.UserID), r.enc)
	if err != nil {
		d.log.Warn("skipping stored refresh token that cannot be decrypted", "user", r.t.UserID, "reason", "wrong key or tampered row")
		return fmt.Errorf("stored offline grant of user %s is unusable (wrong TOKEN_ENCRYPTION_KEY or tampered row); the user must sign in again at /oauth/login: %w", r.t.UserID, ErrUndecryptable)
	}
	r.t.RefreshToken = string(pt)
	return nil
}

// Token returns a user's decrypted grant. An undecryptable row yields
// ErrUndecryptable and is never returned.
func (d *DB) Token(ctx context.Context, user string) (Token, error) {
	r, err := d.loadToken(ctx, d.db, user, false)
	if err != nil {
		return Token{}, err
	}
	if err := d.open(&r); err != nil {
		return Token{}, err
	}
	return r.t, nil
}

// ListTokens returns every stored grant without secrets, checking that
// each can still be decrypted.
func (d *DB) ListTokens(ctx context.Context) ([]TokenInfo, error) {
	rowid := `rowid`
	if d.db.dialect == postgres {
		rowid = `row_number() OVER (ORDER BY user_id)`
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+rowid+`, `+tokenCols+` FROM refresh_tokens ORDER BY user_id`)
	if err != nil {
		return nil, d.wrap("list tokens", err)
	}
	defer rows.Close()
	var out []TokenInfo
	for rows.Next() {
		var rowid int64
		r, err := scanToken(rowScanner{rows, &rowid})
		if errors.Is(err, ErrMalformed) {
			// One bad row must not hide the others (background jobs list
			// users through here): report it and go on.
			user := r.t.UserID
			if user == "" {
				user = fmt.Sprintf("(row %d)", rowid)
			}
			d.log.Warn("skipping malformed stored offline grant", "user", user, "problem", err.Error())
			out = append(out, TokenInfo{UserID: user, Problem: "malformed row: " + err.Error()})
			continue
		}
		if err != nil {
			return nil, d.wrap("list tokens", err)
		}
		_, ki, derr := d.cipher.Decrypt(tokenBind(r.t.UserID), r.enc)
		info := TokenInfo{
			UserID: r.t.UserID, Issuer: r.t.Issuer, Subject: r.t.Subject, Scopes: r.t.Scopes,
			CreatedAt: r.t.CreatedAt, LastUsedAt: r.t.LastUsedAt, LastRefreshedAt: r.t.LastRefreshedAt,
			ExpiresAt: r.t.ExpiresAt, Readable: derr == nil, OldKey: derr == nil && ki > 0,
		}
		if derr != nil {
			d.log.Warn("stored refresh token cannot be decrypted", "user", r.t.UserID)
			info.Problem = "cannot be decrypted with TOKEN_ENCRYPTION_KEY (wrong key or tampered row)"
		}
		out = append(out, info)
	}
	if err := rows.Err(); err != nil {
		return nil, d.wrap("list tokens", err)
	}
	return out, nil
}

// Users lists the users with a usable (decryptable) grant.
func (d *DB) Users(ctx context.Context) ([]string, error) {
	infos, err := d.ListTokens(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, in := range infos {
		if in.Readable {
			out = append(out, in.UserID)
		}
	}
	return out, nil
}

// DeleteToken removes a user's grant; it reports whether one existed.
func (d *DB) DeleteToken(ctx context.Context, user string) (bool, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE user_id = ?`, user)
	if err != nil {
		return false, d.wrap("delete token of "+user, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// TouchToken records that a user's grant was used.
func (d *DB) TouchToken(ctx context.Context, user string) error {
	if _, err := d.db.ExecContext(ctx, `UPDATE refresh_tokens SET last_used_at = ? WHERE user_id = ?`, d.now().Unix(), user); err != nil {
		return d.wrap("record use of token of "+user, err)
	}
	return nil
}

// Rotation is what a refresh at the IdP returned.
type Rotation struct {
	// RefreshToken is the new refresh token; empty when the IdP kept the old one.
	RefreshToken string
	// ExpiresAt of the refresh token, zero if unknown.
	ExpiresAt time.Time
	// Scopes granted, nil to keep the stored ones.
	Scopes []string
}

// Refresh runs fn (the network refresh at the IdP) with the user's current
// grant, then stores what it returned in one transaction before returning,
// so the caller uses the new access token only once the rotated refresh
// token is safe on disk. If fn's error wraps ErrRevoked the row is deleted.
// If the row was replaced meanwhile (a new consent), the newer row is kept.
// The caller serialises refreshes of one user within the process; on
// PostgreSQL the row stays locked from the read to the write, so replicas
// refreshing the same grant take turns and the later one starts from the
// token the earlier one stored (a grant never forks).
func (d *DB) Refresh(ctx context.Context, user string, fn func(ctx context.Context, t Token) (Rotation, error)) error {
	if d.db.dialect == postgres {
		return d.refreshLocked(ctx, user, fn)
	}
	r, err := d.loadToken(ctx, d.db, user, false)
	if err != nil {
		return err
	}
	if err := d.open(&r); err != nil {
		return err
	}
	rot, ferr := fn(ctx, r.t)
	revoked := errors.Is(ferr, ErrRevoked)
	if ferr != nil && !revoked {
		return ferr
	}
	// The IdP may already have rotated the refresh token: a locked
	// database must not lose the new one, so the write is retried for a
	// while before giving up (the old row stays intact either way).
	store := func() error {
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return d.wrap("store refreshed token of "+user, err)
		}
		defer tx.Rollback()
		return d.storeRotation(ctx, tx, user, r, rot, ferr)
	}
	deadline := time.Now().Add(d.refreshRetry())
	for wait := 50 * time.Millisecond; ; wait = min(wait*2, time.Second) {
		err := store()
		if !errors.Is(err, ErrLocked) || !time.Now().Before(deadline) || ctx.Err() != nil {
			if err != nil && rot.RefreshToken != "" {
				d.log.Error("could not store the rotated refresh token; the user may have to sign in again", "user", user, "err", err)
			}
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// refreshLocked is Refresh on PostgreSQL: one transaction locks the row
// (FOR UPDATE), calls the IdP and stores the rotation. A replica that dies
// half-way drops its connection, and with it the lock and the transaction.
func (d *DB) refreshLocked(ctx context.Context, user string, fn func(ctx context.Context, t Token) (Rotation, error)) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.wrap("lock the grant of "+user+" for refresh", err)
	}
	defer tx.Rollback()
	r, err := d.loadToken(ctx, tx, user, true)
	if err != nil {
		return err
	}
	if err := d.open(&r); err != nil {
		return err
	}
	rot, ferr := fn(ctx, r.t)
	if ferr != nil && !errors.Is(ferr, ErrRevoked) {
		return ferr
	}
	err = d.storeRotation(ctx, tx, user, r, rot, ferr)
	if err != nil && rot.RefreshToken != "" {
		d.log.Error("could not store the rotated refresh token; the user may have to sign in again", "user", user, "err", err)
	}
	return err
}

// storeRotation writes what a refresh of r returned (rot, or the IdP's
// error ferr) and commits tx, unless the row changed since r was read.
func (d *DB) storeRotation(ctx context.Context, tx *sqlTx, user string, r tokenRow, rot Rotation, ferr error) error {
	revoked := errors.Is(ferr, ErrRevoked)
	var cur []byte
	err := tx.QueryRowContext(ctx, `SELECT token_enc FROM refresh_tokens WHERE user_id = ?`, user).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return d.wrap("store refreshed token of "+user, err)
	}
	unchanged := err == nil && bytes.Equal(cur, r.enc)
	if revoked {
		if unchanged {
			if _, err := tx.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE user_id = ?`, user); err != nil {
				return d.wrap("delete revoked token of "+user, err)
			}
			d.hook("revoke")
			if err := tx.Commit(); err != nil {
				return d.wrap("delete revoked token of "+user, err)
			}
			d.log.Info("deleted revoked offline grant", "user", user)
			return fmt.Errorf("%w; the stored grant of user %s was deleted, the user must sign in again at /oauth/login", ferr, user)
		}
		return ferr
	}
	if !unchanged {
		// A newer grant was stored while we refreshed; keep it.
		return nil
	}
	enc := r.enc
	if rot.RefreshToken != "" {
		if enc, err = d.cipher.Encrypt(tokenBind(user), []byte(rot.RefreshToken)); err != nil {
			return err
		}
	}
	now := d.now().Unix()
	scopes := strings.Join(r.t.Scopes, " ")
	if rot.Scopes != nil {
		scopes = strings.Join(rot.Scopes, " ")
	}
	expires := unix(r.t.ExpiresAt)
	if !rot.ExpiresAt.IsZero() || rot.RefreshToken != "" {
		expires = unix(rot.ExpiresAt)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET token_enc = ?, scopes = ?, last_refreshed_at = ?, last_used_at = ?, expires_at = ? WHERE user_id = ?`,
		enc, scopes, now, now, expires, user); err != nil {
		return d.wrap("store refreshed token of "+user, err)
	}
	d.hook("refresh")
	if err := tx.Commit(); err != nil {
		return d.wrap("commit refreshed token of "+user, err)
	}
	return nil
}

// refreshWriteRetry is how long Refresh retries storing a rotated token
// while another process holds the database.
const refreshWriteRetry = 30 * time.Second

func (d *DB) refreshRetry() time.Duration {
	if d.writeRetry > 0 {
		return d.writeRetry
	}
	return refreshWriteRetry
}
