// Package storage keeps the server's persistent state in SQLite (one file,
// the default) or PostgreSQL (shared by several replicas): offline refresh
// tokens and other per-user secrets, encrypted with Fernet.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrNotFound is returned when no (unexpired) row matches.
var ErrNotFound = errors.New("not found in token storage")

// ErrLocked is returned when another process holds the database too long.
var ErrLocked = errors.New("token database is locked by another process (a running server or CLI command); try again in a moment")

// Options configure Open.
type Options struct {
	// Keys is TOKEN_ENCRYPTION_KEY (comma-separated Fernet keys).
	Keys string
	// BusyTimeout is how long a writer waits for a lock (default 5s).
	BusyTimeout time.Duration
	Logger      *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// DB is the token and secret store.
type DB struct {
	db *sqlDB
	// path is the SQLite file, or the PostgreSQL URL without its password.
	path   string
	cipher *Cipher
	log    *slog.Logger
	now    func() time.Time
	// writeRetry overrides refreshWriteRetry (tests).
	writeRetry time.Duration
	// beforeCommit lets crash tests stop a write half-way.
	beforeCommit func(op string)
}

// Open opens the store and applies pending schema migrations. path is an
// SQLite file (created with mode 0600 if needed) or a postgres:// URL.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("TOKEN_STORAGE_DB is empty: set it to a file path such as /var/lib/nextcloud-mcp/tokens.db")
	}
	c, err := NewCipher(opts.Keys)
	if err != nil {
		return nil, err
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, c, opts)
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", fmt.Sprint(opts.BusyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	sdb, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open token database %s: %w", path, err)
	}
	d := &DB{db: &sqlDB{DB: sdb, dialect: sqlite}, path: path, cipher: c, log: opts.Logger, now: opts.Now}
	if err := d.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// openPostgres connects through pgx's database/sql driver. Several
// replicas share the database; Open may run in all of them at once.
func openPostgres(ctx context.Context, url string, c *Cipher, opts Options) (*DB, error) {
	shown := redactURL(url)
	sdb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open token database %s: %w", shown, err)
	}
	// Refresh holds a row lock on its own connection during the IdP call:
	// leave room for that besides the request path.
	sdb.SetMaxOpenConns(20)
	sdb.SetMaxIdleConns(5)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{db: &sqlDB{DB: sdb, dialect: postgres}, path: shown, cipher: c, log: opts.Logger, now: opts.Now}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := sdb.PingContext(pctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("connect to the token database %s: %w (check TOKEN_STORAGE_URL and that PostgreSQL is reachable)", shown, scrub(err, url))
	}
	if err := d.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// scrub replaces the connection URL in a driver error by its redacted form.
func scrub(err error, url string) error {
	msg := err.Error()
	if strings.Contains(msg, url) {
		return errors.New(strings.ReplaceAll(msg, url, redactURL(url)))
	}
	return err
}

// createPrivate makes sure the file exists and only its owner can read it;
// SQLite gives the -wal and -shm files the same mode.
func createPrivate(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create directory for token database: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create token database %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("inspect token database %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("token database %s is readable by others (mode %v) and cannot be restricted: %w", path, st.Mode().Perm(), err)
		}
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Path is the database file, or the PostgreSQL URL without its password.
func (d *DB) Path() string { return d.path }

// migrations are applied in order; index+1 is the schema version. Never
// edit a released entry: append a new one.
var migrations = []string{
	`CREATE TABLE refresh_tokens (
		user_id           TEXT PRIMARY KEY,
		issuer            TEXT NOT NULL,
		subject           TEXT NOT NULL,
		scopes            TEXT NOT NULL DEFAULT '',
		token_enc         BLOB NOT NULL,
		created_at        INTEGER NOT NULL,
		last_used_at      INTEGER,
		last_refreshed_at INTEGER,
		expires_at        INTEGER
	);
	CREATE TABLE secrets (
		user_id    TEXT NOT NULL,
		kind       TEXT NOT NULL,
		value_enc  BLOB NOT NULL,
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		expires_at INTEGER,
		PRIMARY KEY (user_id, kind)
	);
	CREATE INDEX secrets_expiry ON secrets(expires_at) WHERE expires_at IS NOT NULL;`,
	// 2: the per-user search index (index.go); its FTS5 table is made by
	// OpenIndex, as FTS5 needs the sqlite_fts5 build tag.
	`CREATE TABLE index_items (
		id        INTEGER PRIMARY KEY,
		user_id   TEXT NOT NULL,
		app       TEXT NOT NULL,
		item_id   TEXT NOT NULL,
		title     TEXT NOT NULL DEFAULT '',
		body      TEXT NOT NULL DEFAULT '',
		extra     TEXT NOT NULL DEFAULT '',
		item_date INTEGER,
		etag      TEXT NOT NULL DEFAULT '',
		url       TEXT NOT NULL DEFAULT '',
		parent    TEXT NOT NULL DEFAULT '',
		owner     TEXT NOT NULL,
		UNIQUE (user_id, app, item_id)
	);
	CREATE INDEX index_items_parent ON index_items(user_id, app, parent);
	CREATE TABLE index_sync (
		user_id TEXT NOT NULL,
		app     TEXT NOT NULL,
		key     TEXT NOT NULL,
		value   TEXT NOT NULL,
		PRIMARY KEY (user_id, app, key)
	);
	CREATE TABLE index_apps (
		user_id      TEXT NOT NULL,
		app          TEXT NOT NULL,
		last_run     INTEGER,
		last_success INTEGER,
		last_error   TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (user_id, app)
	);
	CREATE TABLE index_users (
		user_id TEXT PRIMARY KEY,
		paused  INTEGER NOT NULL DEFAULT 0
	);`,
	// 3: one FTS5 table per user (index.go), listed in index_tables, so a
	// search reads only its user's postings. The shared index_fts table
	// cannot be dropped here (that needs FTS5; OpenIndex does it), so its
	// triggers go and the items and sync state are cleared: the next sync
	// of each user rebuilds their index. index_items.owner is unused now.
	`DROP TRIGGER IF EXISTS index_items_ai;
	DROP TRIGGER IF EXISTS index_items_ad;
	DROP TRIGGER IF EXISTS index_items_au;
	DELETE FROM index_items;
	DELETE FROM index_sync;
	DELETE FROM index_apps;
	CREATE TABLE index_tables (
		user_id TEXT PRIMARY KEY,
		name    TEXT NOT NULL UNIQUE
	);`,
	// 4: users who signed in (users.go), so background jobs can run for
	// them by impersonation even without a stored grant.
	`CREATE TABLE known_users (
		user_id   TEXT PRIMARY KEY,
		last_seen INTEGER NOT NULL
	);`,
	// 5: leases.go: who works a user's background jobs, and when each job
	// last succeeded, shared by every replica (times in Unix milliseconds).
	leasesSchema,
}

const leasesSchema = `CREATE TABLE leases (
		name       TEXT PRIMARY KEY,
		holder     TEXT NOT NULL,
		expires_at BIGINT NOT NULL
	);
	CREATE TABLE job_runs (
		job     TEXT NOT NULL,
		user_id TEXT NOT NULL,
		done_at BIGINT NOT NULL,
		PRIMARY KEY (job, user_id)
	);`

// pgMigrations is migrations for PostgreSQL, entry for entry (the same
// schema version on both): BIGINT Unix times, BYTEA ciphertexts, and the
// search words in a tsvector column instead of FTS5 tables.
var pgMigrations = []string{
	`CREATE TABLE refresh_tokens (
		user_id           TEXT PRIMARY KEY,
		issuer            TEXT NOT NULL,
		subject           TEXT NOT NULL,
		scopes            TEXT NOT NULL DEFAULT '',
		token_enc         BYTEA NOT NULL,
		created_at        BIGINT NOT NULL,
		last_used_at      BIGINT,
		last_refreshed_at BIGINT,
		expires_at        BIGINT
	);
	CREATE TABLE secrets (
		user_id    TEXT NOT NULL,
		kind       TEXT NOT NULL,
		value_enc  BYTEA NOT NULL,
		created_at BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		expires_at BIGINT,
		PRIMARY KEY (user_id, kind)
	);
	CREATE INDEX secrets_expiry ON secrets(expires_at) WHERE expires_at IS NOT NULL;`,
	// 2: the search index. words is what index.go's pgWords makes of the
	// title (weight A), extra (B) and body (D), so that words are split
	// and folded as for FTS5; every query filters by user_id first.
	`CREATE TABLE index_items (
		id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		user_id   TEXT NOT NULL,
		app       TEXT NOT NULL,
		item_id   TEXT NOT NULL,
		title     TEXT NOT NULL DEFAULT '',
		body      TEXT NOT NULL DEFAULT '',
		extra     TEXT NOT NULL DEFAULT '',
		item_date BIGINT,
		etag      TEXT NOT NULL DEFAULT '',
		url       TEXT NOT NULL DEFAULT '',
		parent    TEXT NOT NULL DEFAULT '',
		owner     TEXT NOT NULL,
		words     TSVECTOR NOT NULL DEFAULT ''::tsvector,
		UNIQUE (user_id, app, item_id)
	);
	CREATE INDEX index_items_parent ON index_items(user_id, app, parent);
	CREATE INDEX index_items_words ON index_items USING GIN (words);
	CREATE TABLE index_sync (
		user_id TEXT NOT NULL,
		app     TEXT NOT NULL,
		key     TEXT NOT NULL,
		value   TEXT NOT NULL,
		PRIMARY KEY (user_id, app, key)
	);
	CREATE TABLE index_apps (
		user_id      TEXT NOT NULL,
		app          TEXT NOT NULL,
		last_run     BIGINT,
		last_success BIGINT,
		last_error   TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (user_id, app)
	);
	CREATE TABLE index_users (
		user_id TEXT PRIMARY KEY,
		paused  BOOLEAN NOT NULL DEFAULT false
	);`,
	// 3: index_tables keeps the schema alike; PostgreSQL needs no
	// per-user tables (index_pg.go).
	`CREATE TABLE index_tables (
		user_id TEXT PRIMARY KEY,
		name    TEXT NOT NULL UNIQUE
	);`,
	`CREATE TABLE known_users (
		user_id   TEXT PRIMARY KEY,
		last_seen BIGINT NOT NULL
	);`,
	leasesSchema,
}

// SchemaVersion is the version this build writes.
func SchemaVersion() int { return len(migrations) }

// migrationLock is the PostgreSQL advisory lock key that serialises
// replicas migrating the schema at the same time.
const migrationLock = 0x6e636d6370 // "ncmcp"

func (d *DB) migrate(ctx context.Context) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.wrap("start schema migration", err)
	}
	defer tx.Rollback()
	migrations := migrations
	if d.db.dialect == postgres {
		migrations = pgMigrations
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(migrationLock)); err != nil {
			return d.wrap("lock the schema for migration", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return d.wrap("create schema_version table", err)
	}
	var v int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return d.wrap("initialise schema_version", err)
		}
	case err != nil:
		return d.wrap("read schema version", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("token database %s has schema version %d, newer than this server knows (%d): upgrade the server", d.path, v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return d.wrap(fmt.Sprintf("apply schema migration %d", i+1), err)
		}
	}
	if v < len(migrations) {
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
			return d.wrap("record schema version", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return d.wrap("commit schema migration", err)
	}
	return nil
}

// wrap turns lock errors into ErrLocked and names what failed.
func (d *DB) wrap(what string, err error) error {
	var se sqlite3.Error
	if (errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)) || pgBusy(err) {
		return fmt.Errorf("%s in %s: %w", what, d.path, ErrLocked)
	}
	return fmt.Errorf("%s in token database %s: %w", what, d.path, err)
}

func unix(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.Unix(), Valid: true}
}

func fromUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0).UTC()
}

func (d *DB) hook(op string) {
	if d.beforeCommit != nil {
		d.beforeCommit(op)
	}
}
