package storage

import (
	"context"
	"database/sql"
	"time"
)

// MarkSeen records that user signed in now.
func (d *DB) MarkSeen(ctx context.Context, user string) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO known_users (user_id, last_seen) VALUES (?, ?)
		ON CONFLICT(user_id) DO UPDATE SET last_seen = excluded.last_seen`, user, d.now().Unix())
	if err != nil {
		return d.wrap("record sign-in of "+user, err)
	}
	return nil
}

// KnownUsers lists users seen since the given time, sorted.
func (d *DB) KnownUsers(ctx context.Context, since time.Time) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT user_id FROM known_users WHERE last_seen >= ? ORDER BY user_id`, since.Unix())
	if err != nil {
		return nil, d.wrap("list known users", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		// A row without a user id is skipped, not fatal: one bad row must
		// not stop every user's background jobs.
		var u sql.NullString
		if err := rows.Scan(&u); err != nil {
			return nil, d.wrap("list known users", err)
		}
		if !u.Valid || u.String == "" {
			d.log.Warn("skipping stored row without a user id", "table", "known_users")
			continue
		}
		out = append(out, u.String)
	}
	return out, d.wrapNil("list known users", rows.Err())
}

// ForgetUser removes user from the known users (revocation).
func (d *DB) ForgetUser(ctx context.Context, user string) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM known_users WHERE user_id = ?`, user); err != nil {
		return d.wrap("forget user "+user, err)
	}
	return nil
}
