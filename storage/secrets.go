package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Secrets are small encrypted values stored per (user, kind): Nextcloud app
// passwords, pending Login Flow v2 polls, pending OAuth logins. user is any
// owner key (a user id, or a random state value for a pending flow).

func secretBind(user, kind string) string { return "secret\x00" + kind + "\x00" + user }

// PutSecret stores value for (user, kind), replacing any previous one. A
// zero expires keeps it until deleted.
func (d *DB) PutSecret(ctx context.Context, user, kind string, value []byte, expires time.Time) error {
	if user == "" || kind == "" {
		return errors.New("put secret: user and kind are required")
	}
	enc, err := d.cipher.Encrypt(secretBind(user, kind), value)
	if err != nil {
		return err
	}
	now := d.now().Unix()
	_, err = d.db.ExecContext(ctx, `INSERT INTO secrets (user_id, kind, value_enc, created_at, updated_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(user_id, kind) DO UPDATE SET value_enc=excluded.value_enc, updated_at=excluded.updated_at, expires_at=excluded.expires_at`,
		user, kind, enc, now, now, unix(expires))
	if err != nil {
		return d.wrap(fmt.Sprintf("store %s secret", kind), err)
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readSecret reads (user, kind); lock (inside a transaction) holds the
// row until commit where the dialect has row locks.
func (d *DB) readSecret(ctx context.Context, q querier, user, kind string, lock bool) ([]byte, error) {
	var enc []byte
	var expires sql.NullInt64
	sfx := ""
	if lock {
		sfx = d.forUpdate()
	}
	err := q.QueryRowContext(ctx, `SELECT value_enc, expires_at FROM secrets WHERE user_id = ? AND kind = ?`+sfx, user, kind).Scan(&enc, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no %s secret stored: %w", kind, ErrNotFound)
	}
	if err != nil {
		return nil, d.wrap(fmt.Sprintf("read %s secret", kind), err)
	}
	if expires.Valid && !d.now().Before(time.Unix(expires.Int64, 0)) {
		return nil, fmt.Errorf("the %s secret has expired: %w", kind, ErrNotFound)
	}
	v, _, err := d.cipher.Decrypt(secretBind(user, kind), enc)
	if err != nil {
		d.log.Warn("skipping stored secret that cannot be decrypted", "kind", kind, "user", user)
		return nil, fmt.Errorf("stored %s secret is unusable (wrong TOKEN_ENCRYPTION_KEY or tampered row): %w", kind, ErrUndecryptable)
	}
	return v, nil
}

// GetSecret returns the value for (user, kind); ErrNotFound when missing
// or expired, ErrUndecryptable when no key opens it.
func (d *DB) GetSecret(ctx context.Context, user, kind string) ([]byte, error) {
	return d.readSecret(ctx, d.db, user, kind, false)
}

// TakeSecret returns and deletes the value in one transaction, so a
// one-time value (OAuth state, a finished login flow) is used only once,
// also when two replicas take it at the same time (the row is locked).
func (d *DB) TakeSecret(ctx context.Context, user, kind string) ([]byte, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, d.wrap(fmt.Sprintf("take %s secret", kind), err)
	}
	defer tx.Rollback()
	v, rerr := d.readSecret(ctx, tx, user, kind, true)
	if rerr != nil && errors.Is(rerr, ErrLocked) {
		return nil, rerr
	}
	// Expired and unusable rows go too: they can never be used.
	if _, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE user_id = ? AND kind = ?`, user, kind); err != nil {
		return nil, d.wrap(fmt.Sprintf("delete %s secret", kind), err)
	}
	if err := tx.Commit(); err != nil {
		return nil, d.wrap(fmt.Sprintf("take %s secret", kind), err)
	}
	return v, rerr
}

// DeleteSecret removes (user, kind); it reports whether it existed.
func (d *DB) DeleteSecret(ctx context.Context, user, kind string) (bool, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM secrets WHERE user_id = ? AND kind = ?`, user, kind)
	if err != nil {
		return false, d.wrap(fmt.Sprintf("delete %s secret", kind), err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteUserSecrets removes every secret of user (revocation).
func (d *DB) DeleteUserSecrets(ctx context.Context, user string) (int, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM secrets WHERE user_id = ?`, user)
	if err != nil {
		return 0, d.wrap("delete secrets of "+user, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SecretOwners lists the users holding a live secret of kind.
func (d *DB) SecretOwners(ctx context.Context, kind string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT user_id FROM secrets WHERE kind = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY user_id`, kind, d.now().Unix())
	if err != nil {
		return nil, d.wrap("list "+kind+" secrets", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, d.wrap("list "+kind+" secrets", err)
		}
		out = append(out, u)
	}
	return out, d.wrapNil("list "+kind+" secrets", rows.Err())
}

// PurgeExpired deletes expired secrets and refresh tokens known to have
// expired; it returns how many rows went.
func (d *DB) PurgeExpired(ctx context.Context) (int, error) {
	now := d.now().Unix()
	res, err := d.db.ExecContext(ctx, `DELETE FROM secrets WHERE expires_at IS NOT NULL AND expires_at <= ?`, now)
	if err != nil {
		return 0, d.wrap("purge expired secrets", err)
	}
	n1, _ := res.RowsAffected()
	res, err = d.db.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE expires_at IS NOT NULL AND expires_at <= ?`, now)
	if err != nil {
		return int(n1), d.wrap("purge expired tokens", err)
	}
	n2, _ := res.RowsAffected()
	return int(n1 + n2), nil
}

// Seal encrypts value for the client to hold (a cookie), so the server
// keeps no row for it; bind names its purpose, so a value sealed for one
// purpose does not open as another. Fernet authenticates it: a changed
// value does not open.
func (d *DB) Seal(bind string, value []byte) (string, error) {
	enc, err := d.cipher.Encrypt("sealed\x00"+bind, value)
	if err != nil {
		return "", err
	}
	return string(enc), nil
}

// Unseal opens what Seal made for bind with any configured key;
// ErrUndecryptable when it was changed, sealed for another purpose or
// with a key no longer configured.
func (d *DB) Unseal(bind, sealed string) ([]byte, error) {
	v, _, err := d.cipher.Decrypt("sealed\x00"+bind, []byte(sealed))
	return v, err
}
