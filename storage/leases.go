package storage

// Leases let replicas sharing the store take turns: a lease is a row
// naming its holder and when it lapses. The holder renews it while it
// works; when a replica dies its leases lapse after their time to live and
// another replica takes over. Times come from the replicas' clocks, which
// must agree to well within a lease's time to live (NTP).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TakeLease takes (or, for its holder, renews) the lease name until
// now+ttl. It reports false when another holder's lease has not lapsed.
func (d *DB) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, errors.New("take lease: a name, a holder and a positive time to live are required")
	}
	now := d.now()
	res, err := d.db.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
		name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, d.wrap("take lease "+name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, d.wrap("take lease "+name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives up holder's lease name; another holder's is left.
func (d *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return d.wrap("release lease "+name, err)
	}
	return nil
}

// LeaseHolder returns who holds the lease name and until when; "" when
// nobody does or it has lapsed.
func (d *DB) LeaseHolder(ctx context.Context, name string) (string, time.Time, error) {
	var holder string
	var until int64
	err := d.db.QueryRowContext(ctx, `SELECT holder, expires_at FROM leases WHERE name = ?`, name).Scan(&holder, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, d.wrap("read lease "+name, err)
	}
	t := time.UnixMilli(until).UTC()
	if !d.now().Before(t) {
		return "", time.Time{}, nil
	}
	return holder, t, nil
}

// JobDone records that job last succeeded for user at at.
func (d *DB) JobDone(ctx context.Context, job, user string, at time.Time) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO job_runs (job, user_id, done_at) VALUES (?, ?, ?)
		ON CONFLICT (job, user_id) DO UPDATE SET done_at = excluded.done_at`, job, user, at.UnixMilli())
	if err != nil {
		return d.wrap(fmt.Sprintf("record run of job %s for %s", job, user), err)
	}
	return nil
}

// JobLastDone returns when job last succeeded for user on any replica;
// zero if never.
func (d *DB) JobLastDone(ctx context.Context, job, user string) (time.Time, error) {
	var at int64
	err := d.db.QueryRowContext(ctx, `SELECT done_at FROM job_runs WHERE job = ? AND user_id = ?`, job, user).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, d.wrap(fmt.Sprintf("read last run of job %s for %s", job, user), err)
	}
	return time.UnixMilli(at).UTC(), nil
}
