package storage

// The store runs on SQLite (one file, the default) or PostgreSQL (shared by
// several replicas), with one code path: queries are written once with ?
// placeholders, and sqlDB/sqlTx rebind them to $1, $2 … for PostgreSQL.
// What differs is kept here: the schema's types, row locks, and the
// full-text index (index.go: FTS5 tables per user, or a tsvector column).

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// IsPostgresURL reports whether a TOKEN_STORAGE_URL / TOKEN_STORAGE_DB
// value names a PostgreSQL database rather than an SQLite file.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// rebind turns ? placeholders into PostgreSQL's $n. No query of this
// package has a ? inside a string literal or identifier; quoted text is
// skipped all the same.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// sqlDB is the pool with placeholders rebound for the dialect.
type sqlDB struct {
	*sql.DB
	dialect dialect
}

func (d *sqlDB) q(s string) string {
	if d.dialect == postgres {
		return rebind(s)
	}
	return s
}

func (d *sqlDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.q(q), args...)
}

func (d *sqlDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.q(q), args...)
}

func (d *sqlDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.q(q), args...)
}

// Exec, Query and QueryRow serve tests that edit rows by hand.
func (d *sqlDB) Exec(q string, args ...any) (sql.Result, error) {
	return d.ExecContext(context.Background(), q, args...)
}

func (d *sqlDB) Query(q string, args ...any) (*sql.Rows, error) {
	return d.QueryContext(context.Background(), q, args...)
}

func (d *sqlDB) QueryRow(q string, args ...any) *sql.Row {
	return d.QueryRowContext(context.Background(), q, args...)
}

func (d *sqlDB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sqlTx, error) {
	tx, err := d.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &sqlTx{Tx: tx, db: d}, nil
}

// sqlTx is a transaction with placeholders rebound for the dialect.
type sqlTx struct {
	*sql.Tx
	db *sqlDB
}

func (t *sqlTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.db.q(q), args...)
}

func (t *sqlTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.db.q(q), args...)
}

func (t *sqlTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.db.q(q), args...)
}

func (t *sqlTx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.db.q(q))
}

// forUpdate is the row lock suffix of a SELECT inside a transaction.
// SQLite has none and needs none: every write transaction takes the
// database's write lock first (_txlock=immediate).
func (d *DB) forUpdate() string {
	if d.db.dialect == postgres {
		return ` FOR UPDATE`
	}
	return ``
}

// pgBusy reports PostgreSQL's lock and serialization failures, the
// counterpart of SQLite's busy database.
func pgBusy(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "55P03", "40001", "40P01": // lock_not_available, serialization_failure, deadlock_detected
		return true
	}
	return false
}

// redactURL keeps a connection URL's password out of errors and logs,
// from the user information and from a password= query parameter.
func redactURL(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
		cred := rest[:at]
		if c := strings.Index(cred, ":"); c >= 0 {
			cred = cred[:c] + ":xxxxx"
		}
		s = s[:i+3] + cred + rest[at:]
	}
	if q := strings.Index(s, "?"); q >= 0 {
		parts := strings.Split(s[q+1:], "&")
		for j, p := range parts {
			if strings.HasPrefix(strings.ToLower(p), "password=") {
				parts[j] = "password=xxxxx"
			}
		}
		s = s[:q+1] + strings.Join(parts, "&")
	}
	return s
}
