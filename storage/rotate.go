package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// ReencryptReport says what ReencryptAll did.
type ReencryptReport struct {
	Tokens  int `json:"tokens"`
	Secrets int `json:"secrets"`
	// Unreadable lists rows no configured key opens; they are left as
	// they are ("token:alice", "secret:app_password:bob").
	Unreadable []string `json:"unreadable,omitempty"`
}

// ReencryptAll re-encrypts every row with the first key in one
// transaction. Run it after putting a new key first in
// TOKEN_ENCRYPTION_KEY; afterwards the old keys can be removed. It is safe
// while replicas run: on PostgreSQL the rows are locked from the read to
// the commit, so a refresh either lands before (and is re-encrypted) or
// waits and writes after (with a key every replica holds).
func (d *DB) ReencryptAll(ctx context.Context) (ReencryptReport, error) {
	var rep ReencryptReport
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return rep, d.wrap("re-encrypt", err)
	}
	defer tx.Rollback()

	type row struct {
		user, kind string
		enc        []byte
	}
	var toks, secs []row
	rows, err := tx.QueryContext(ctx, `SELECT user_id, token_enc FROM refresh_tokens`+d.forUpdate())
	if err != nil {
		return rep, d.wrap("re-encrypt tokens", err)
	}
	for rows.Next() {
		var r row
		var user sql.NullString
		if err := rows.Scan(&user, &r.enc); err != nil {
			rows.Close()
			return rep, d.wrap("re-encrypt tokens", err)
		}
		if !user.Valid {
			rep.Unreadable = append(rep.Unreadable, "token:(no user id)")
			continue
		}
		r.user = user.String
		toks = append(toks, r)
	}
	// A read that fails half-way must not leave rows under the old key
	// while the report says all were re-encrypted.
	err = rows.Err()
	rows.Close()
	if err != nil {
		return rep, d.wrap("re-encrypt tokens", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT user_id, kind, value_enc FROM secrets`+d.forUpdate())
	if err != nil {
		return rep, d.wrap("re-encrypt secrets", err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.user, &r.kind, &r.enc); err != nil {
			rows.Close()
			return rep, d.wrap("re-encrypt secrets", err)
		}
		secs = append(secs, r)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return rep, d.wrap("re-encrypt secrets", err)
	}

	for _, r := range toks {
		pt, _, err := d.cipher.Decrypt(tokenBind(r.user), r.enc)
		if err != nil {
			rep.Unreadable = append(rep.Unreadable, "token:"+r.user)
			d.log.Warn("cannot re-encrypt stored refresh token: no configured key opens it", "user", r.user)
			continue
		}
		enc, err := d.cipher.Encrypt(tokenBind(r.user), pt)
		if err != nil {
			return rep, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET token_enc = ? WHERE user_id = ?`, enc, r.user); err != nil {
			return rep, d.wrap("re-encrypt token of "+r.user, err)
		}
		rep.Tokens++
	}
	for _, r := range secs {
		pt, _, err := d.cipher.Decrypt(secretBind(r.user, r.kind), r.enc)
		if err != nil {
			rep.Unreadable = append(rep.Unreadable, "secret:"+r.kind+":"+r.user)
			d.log.Warn("cannot re-encrypt stored secret: no configured key opens it", "kind", r.kind, "user", r.user)
			continue
		}
		enc, err := d.cipher.Encrypt(secretBind(r.user, r.kind), pt)
		if err != nil {
			return rep, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE secrets SET value_enc = ? WHERE user_id = ? AND kind = ?`, enc, r.user, r.kind); err != nil {
			return rep, d.wrap(fmt.Sprintf("re-encrypt %s secret", r.kind), err)
		}
		rep.Secrets++
	}
	d.hook("reencrypt")
	if err := tx.Commit(); err != nil {
		return rep, d.wrap("commit re-encryption", err)
	}
	return rep, nil
}

// CheckKey returns an error wrapping ErrWrongKey when rows are stored
// and no configured key opens a single one of them: a server started with
// the wrong key would run with every grant and secret unreadable. One
// readable row is enough (others may be tampered or from a retired key;
// tokens list and doctor report those). It stops at the first row that opens.
func (d *DB) CheckKey(ctx context.Context) error {
	// kind is NULL for refresh tokens, whose rows have no kind.
	rows, err := d.db.QueryContext(ctx, `SELECT user_id, NULL, token_enc FROM refresh_tokens WHERE user_id IS NOT NULL
		UNION ALL SELECT user_id, kind, value_enc FROM secrets`)
	if err != nil {
		return d.wrap("check TOKEN_ENCRYPTION_KEY against stored rows", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var user string
		var kind sql.NullString
		var enc []byte
		if err := rows.Scan(&user, &kind, &enc); err != nil {
			return d.wrap("check TOKEN_ENCRYPTION_KEY against stored rows", err)
		}
		bind := tokenBind(user)
		if kind.Valid {
			bind = secretBind(user, kind.String)
		}
		n++
		if _, _, err := d.cipher.Decrypt(bind, enc); err == nil {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return d.wrap("check TOKEN_ENCRYPTION_KEY against stored rows", err)
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%w (%d rows in %s): it is not the key they were written with. Set TOKEN_ENCRYPTION_KEY to that key "+
		"(to change keys, put the new key first and the old one after a comma, then run `tokens rotate-key`), "+
		"or move the database away to start with an empty one (every user then signs in again)", ErrWrongKey, n, d.path)
}
