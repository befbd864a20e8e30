package storage

// The per-user full-text search index. Items live in index_items (created
// by a schema migration); each user's words live in an FTS5 table of their
// own, created with their first item and listed in index_tables, so a
// search reads only that user's postings (in one shared table every term's
// postings spanned all users) and one user's query cannot reach another's
// rows. FTS5 exists only when github.com/mattn/go-sqlite3 is built with
// the sqlite_fts5 tag (the Makefile always sets it); a build without it
// keeps the token store working and reports ErrNoFTS5 from OpenIndex.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode"
)

// ErrNoFTS5 says this binary's SQLite lacks FTS5.
var ErrNoFTS5 = errors.New("this build of the server has no SQLite FTS5 full-text search: build it with `go build -tags sqlite_fts5` (make build does)")

// Index apps.
const (
	AppNotes    = "notes"
	AppFiles    = "files"
	AppCalendar = "calendar"
	AppTasks    = "tasks"
	AppContacts = "contacts"
	AppDeck     = "deck"
)

// IndexApps lists the apps the index covers.
var IndexApps = []string{AppNotes, AppFiles, AppCalendar, AppTasks, AppContacts, AppDeck}

// Field weights for BM25 over (title, body, extra): a hit in the title
// counts most, extra fields (category, location, emails) next.
const bm25Weights = "10.0, 1.0, 4.0"

// userFTSColumns and userFTSOptions make a user's FTS5 table. It is
// contentless (index_items holds the text; snippets are cut from it) with
// contentless_delete, so rows can be deleted and replaced by rowid without
// their old text. Prefix indexes of 2 and 3 characters serve the prefix
// query of a short last word (typing "re"): without them FTS5 merges the
// postings of every word starting so (measured: 181 ms for a 2-character
// prefix over 10,000 notes, 16 ms with), at about 1 s more per 10,000
// notes indexed. Its rank is BM25 with the field weights, so that
// ORDER BY rank lets FTS5 sort the matches itself and the join to
// index_items stops at the page.
const (
	userFTSColumns = `title, body, extra`
	userFTSOptions = `content='', contentless_delete=1, prefix='2 3', tokenize='unicode61 remove_diacritics 2'`
)

// IndexItem is one searchable item of a user.
type IndexItem struct {
	App string
	// ID is unique per user and app (note id, file path, object href).
	ID    string
	Title string
	Body  string
	// Extra holds further searchable fields: category, location, emails.
	Extra string
	Date  time.Time
	// ETag is the item's version, compared by incremental syncs.
	ETag string
	URL  string
	// Parent groups items for removal (a folder, a calendar href).
	Parent string
}

// Index is the full-text index; every method is scoped to one user.
type Index struct {
	d *DB
}

// OpenIndex checks that this build has FTS5, removes the shared FTS5
// table of schema version 2 if it is still there, and returns the index.
func (d *DB) OpenIndex(ctx context.Context) (*Index, error) {
	if d.db.dialect == postgres {
		// Full-text search is built in (the words column of index_items).
		return &Index{d: d}, nil
	}
	var fts5 bool
	if err := d.db.QueryRowContext(ctx, `SELECT sqlite_compileoption_used('ENABLE_FTS5')`).Scan(&fts5); err != nil {
		return nil, d.wrap("check for FTS5", err)
	}
	if !fts5 {
		return nil, ErrNoFTS5
	}
	var legacy int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'index_fts'`).Scan(&legacy); err != nil {
		return nil, d.wrap("look for the old full-text table", err)
	}
	if legacy > 0 {
		if _, err := d.db.ExecContext(ctx, `DROP TABLE IF EXISTS index_fts`); err != nil {
			return nil, d.wrap("remove the old full-text table", err)
		}
		d.log.Info("search index: the shared full-text table was replaced by one table per user; the old index was removed and each user's next sync rebuilds theirs")
	}
	return &Index{d: d}, nil
}

// ftsTableName names user's FTS5 table by a hash of the user id (ids may
// hold any character); index_tables.name is UNIQUE, so two users can
// never share a table even if their hashes collided.
func ftsTableName(user string) string {
	h := sha256.Sum256([]byte(user))
	return "index_fts_" + hex.EncodeToString(h[:12])
}

// execQuerier is a *sql.DB or *sql.Tx.
type execQuerier interface {
	querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// userTable returns the quoted name of user's FTS5 table, or "" when the
// user has none; with create it makes and registers a missing one.
func (x *Index) userTable(ctx context.Context, q execQuerier, user string, create bool) (string, error) {
	if x.d.db.dialect == postgres {
		return "", nil // one table; every query filters by user_id
	}
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM index_tables WHERE user_id = ?`, user).Scan(&name)
	switch {
	case err == nil:
		return `"` + name + `"`, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", x.d.wrap("find the user's full-text table", err)
	case !create:
		return "", nil
	}
	name = ftsTableName(user)
	if _, err := q.ExecContext(ctx, `INSERT INTO index_tables (user_id, name) VALUES (?, ?)`, user, name); err != nil {
		return "", x.d.wrap("register the user's full-text table", err)
	}
	tbl := `"` + name + `"`
	if _, err := q.ExecContext(ctx, `CREATE VIRTUAL TABLE `+tbl+` USING fts5(`+userFTSColumns+`, `+userFTSOptions+`)`); err != nil {
		return "", x.d.wrap("create the user's full-text table", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO `+tbl+`(`+tbl+`, rank) VALUES ('rank', 'bm25(`+bm25Weights+`)')`); err != nil {
		return "", x.d.wrap("configure the user's full-text ranking", err)
	}
	return tbl, nil
}

// IndexChange is one batch of an incremental sync, applied atomically.
type IndexChange struct {
	Upsert []IndexItem
	// Delete are item ids of App.
	Delete []string
	// DeleteUnder removes items whose id is the prefix or starts with
	// prefix + "/" (a deleted folder).
	DeleteUnder []string
	// DeleteParents removes every item of these parents (a calendar).
	DeleteParents []string
	App           string
	// State sets sync state keys; an empty value deletes the key.
	State map[string]string
	// DeleteStatePrefix removes state keys with these prefixes.
	DeleteStatePrefix []string
}

// appOf is the app an upserted item goes to: its own, or the change's.
func (ch IndexChange) appOf(it IndexItem) string {
	if it.App != "" {
		return it.App
	}
	return ch.App
}

// Apply writes a batch of changes of user in one transaction.
func (x *Index) Apply(ctx context.Context, user string, ch IndexChange) error {
	if user == "" {
		return errors.New("index: no user given")
	}
	tx, err := x.d.db.BeginTx(ctx, nil)
	if err != nil {
		return x.d.wrap("start index update", err)
	}
	defer tx.Rollback()
	// A user has items only when they have a table: both are written here.
	tbl, err := x.userTable(ctx, tx, user, len(ch.Upsert) > 0)
	if err != nil {
		return err
	}
	if len(ch.Upsert) > 0 && x.d.db.dialect == postgres {
		if err := x.upsertPG(ctx, tx, user, ch); err != nil {
			return err
		}
	} else if len(ch.Upsert) > 0 {
		// owner is a column of schema version 2, unused now.
		st, err := tx.PrepareContext(ctx, `INSERT INTO index_items (user_id, app, item_id, title, body, extra, item_date, etag, url, parent, owner)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')
			ON CONFLICT (user_id, app, item_id) DO UPDATE SET title = excluded.title, body = excluded.body, extra = excluded.extra,
				item_date = excluded.item_date, etag = excluded.etag, url = excluded.url, parent = excluded.parent
			RETURNING id`)
		if err != nil {
			return x.d.wrap("prepare index update", err)
		}
		defer st.Close()
		fts, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO `+tbl+` (rowid, `+userFTSColumns+`) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return x.d.wrap("prepare index update", err)
		}
		defer fts.Close()
		for _, it := range ch.Upsert {
			var id int64
			if err := st.QueryRowContext(ctx, user, ch.appOf(it), it.ID, it.Title, it.Body, it.Extra, unix(it.Date), it.ETag, it.URL, it.Parent).Scan(&id); err != nil {
				return x.d.wrap("index item", err)
			}
			if _, err := fts.ExecContext(ctx, id, it.Title, it.Body, it.Extra); err != nil {
				return x.d.wrap("index item words", err)
			}
		}
	}
	// remove deletes user's items of ch.App matching cond from the
	// full-text table, then from index_items.
	remove := func(cond string, args ...any) error {
		args = append([]any{user, ch.App}, args...)
		where := ` WHERE user_id = ? AND app = ? AND ` + cond
		if tbl != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+tbl+` WHERE rowid IN (SELECT id FROM index_items`+where+`)`, args...); err != nil {
				return x.d.wrap("remove index item words", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM index_items`+where, args...); err != nil {
			return x.d.wrap("remove index items", err)
		}
		return nil
	}
	for _, id := range ch.Delete {
		if err := remove(`item_id = ?`, id); err != nil {
			return err
		}
	}
	for _, p := range ch.DeleteUnder {
		if err := remove(`(item_id = ? OR substr(item_id, 1, ?) = ?)`, p, len(p)+1, p+"/"); err != nil {
			return err
		}
	}
	for _, p := range ch.DeleteParents {
		if err := remove(`parent = ?`, p); err != nil {
			return err
		}
	}
	for _, p := range ch.DeleteStatePrefix {
		if _, err := tx.ExecContext(ctx, `DELETE FROM index_sync WHERE user_id = ? AND app = ? AND substr(key, 1, ?) = ?`, user, ch.App, len(p), p); err != nil {
			return x.d.wrap("remove index sync state", err)
		}
	}
	for k, v := range ch.State {
		if v == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM index_sync WHERE user_id = ? AND app = ? AND key = ?`, user, ch.App, k)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO index_sync (user_id, app, key, value) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_id, app, key) DO UPDATE SET value = excluded.value`, user, ch.App, k, v)
		}
		if err != nil {
			return x.d.wrap("save index sync state", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return x.d.wrap("commit index update", err)
	}
	return nil
}

// ETags returns item id → etag of user's items of app (of one parent
// when parent is not empty).
func (x *Index) ETags(ctx context.Context, user, app, parent string) (map[string]string, error) {
	q := `SELECT item_id, etag FROM index_items WHERE user_id = ? AND app = ?`
	args := []any{user, app}
	if parent != "" {
		q += ` AND parent = ?`
		args = append(args, parent)
	}
	return x.stringMap(ctx, "read index etags", q, args...)
}

// SyncState returns user's sync state of app (etags, tokens) by key.
func (x *Index) SyncState(ctx context.Context, user, app string) (map[string]string, error) {
	return x.stringMap(ctx, "read index sync state", `SELECT key, value FROM index_sync WHERE user_id = ? AND app = ?`, user, app)
}

// stringMap reads the rows of a two-column query as a map from the first
// column to the second; what names the read in errors.
func (x *Index) stringMap(ctx context.Context, what, q string, args ...any) (map[string]string, error) {
	rows, err := x.d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, x.d.wrap(what, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, x.d.wrap(what, err)
		}
		out[k] = v
	}
	return out, x.d.wrapNil(what, rows.Err())
}

func (d *DB) wrapNil(what string, err error) error {
	if err == nil {
		return nil
	}
	return d.wrap(what, err)
}

// RecordSync notes a sync run of app for user: when it ran and, on
// success (runErr nil), that the app is fresh as of at.
func (x *Index) RecordSync(ctx context.Context, user, app string, at time.Time, runErr error) error {
	msg := ""
	var ok sql.NullInt64
	if runErr != nil {
		msg = runErr.Error()
	} else {
		ok = unix(at)
	}
	_, err := x.d.db.ExecContext(ctx, `INSERT INTO index_apps (user_id, app, last_run, last_success, last_error) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, app) DO UPDATE SET last_run = excluded.last_run,
			last_success = COALESCE(excluded.last_success, index_apps.last_success), last_error = excluded.last_error`,
		user, app, unix(at), ok, msg)
	return x.d.wrapNil("record index sync", err)
}

// SetPaused pauses or resumes index syncs of user.
func (x *Index) SetPaused(ctx context.Context, user string, paused bool) error {
	_, err := x.d.db.ExecContext(ctx, `INSERT INTO index_users (user_id, paused) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET paused = excluded.paused`, user, paused)
	return x.d.wrapNil("pause or resume the index", err)
}

// Paused reports whether user paused index syncs.
func (x *Index) Paused(ctx context.Context, user string) (bool, error) {
	var p bool
	err := x.d.db.QueryRowContext(ctx, `SELECT paused FROM index_users WHERE user_id = ?`, user).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return p, x.d.wrapNil("read index pause flag", err)
}

// Wipe removes every indexed item and all sync state of user; the pause
// flag stays.
func (x *Index) Wipe(ctx context.Context, user string) (int64, error) {
	tx, err := x.d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, x.d.wrap("start index wipe", err)
	}
	defer tx.Rollback()
	tbl, err := x.userTable(ctx, tx, user, false)
	if err != nil {
		return 0, err
	}
	if tbl != "" {
		if _, err := tx.ExecContext(ctx, `DROP TABLE `+tbl); err != nil {
			return 0, x.d.wrap("drop the user's full-text table", err)
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM index_items WHERE user_id = ?`, user)
	if err != nil {
		return 0, x.d.wrap("wipe index items", err)
	}
	n, _ := res.RowsAffected()
	for _, q := range []string{`DELETE FROM index_sync WHERE user_id = ?`, `DELETE FROM index_apps WHERE user_id = ?`, `DELETE FROM index_tables WHERE user_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, user); err != nil {
			return 0, x.d.wrap("wipe index state", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, x.d.wrap("commit index wipe", err)
	}
	return n, nil
}

// AppStatus is the index state of one app for a user.
type AppStatus struct {
	App         string
	Items       int
	LastRun     time.Time
	LastSuccess time.Time
	LastError   string
}

// IndexStatus is a user's index state.
type IndexStatus struct {
	Paused bool
	Items  int
	Apps   []AppStatus
}

// Status returns the index state of user, one entry per covered app.
func (x *Index) Status(ctx context.Context, user string) (IndexStatus, error) {
	var st IndexStatus
	p, err := x.Paused(ctx, user)
	if err != nil {
		return st, err
	}
	st.Paused = p
	counts := map[string]int{}
	rows, err := x.d.db.QueryContext(ctx, `SELECT app, count(*) FROM index_items WHERE user_id = ? GROUP BY app`, user)
	if err != nil {
		return st, x.d.wrap("count index items", err)
	}
	for rows.Next() {
		var app string
		var n int
		if err := rows.Scan(&app, &n); err != nil {
			rows.Close()
			return st, x.d.wrap("count index items", err)
		}
		counts[app] = n
		st.Items += n
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return st, x.d.wrap("count index items", err)
	}
	runs := map[string]AppStatus{}
	rows, err = x.d.db.QueryContext(ctx, `SELECT app, last_run, last_success, last_error FROM index_apps WHERE user_id = ?`, user)
	if err != nil {
		return st, x.d.wrap("read index runs", err)
	}
	for rows.Next() {
		var a AppStatus
		var run, ok sql.NullInt64
		if err := rows.Scan(&a.App, &run, &ok, &a.LastError); err != nil {
			rows.Close()
			return st, x.d.wrap("read index runs", err)
		}
		a.LastRun, a.LastSuccess = fromUnix(run), fromUnix(ok)
		runs[a.App] = a
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return st, x.d.wrap("read index runs", err)
	}
	for _, app := range IndexApps {
		a := runs[app]
		a.App, a.Items = app, counts[app]
		st.Apps = append(st.Apps, a)
	}
	return st, nil
}

// IndexQuery is a search of one user's index.
type IndexQuery struct {
	Text string
	// Apps limits the search; empty searches all.
	Apps []string
	// From and To bound the item date (inclusive); zero is open.
	From, To time.Time
	Limit    int
}

// IndexHit is one search result.
type IndexHit struct {
	App   string
	ID    string
	Title string
	// Snippet is the best matching passage with hits between ** marks.
	Snippet string
	Extra   string
	Date    time.Time
	URL     string
	Score   float64
}

// ftsQuery turns free text into an FTS5 query: each word quoted (so FTS5
// syntax in user input is literal), all words required, the last one
// also as a prefix.
func ftsQuery(text string) string {
	words := queryWords(text)
	if len(words) == 0 {
		return ""
	}
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `"` + w + `"`
	}
	if last := words[len(words)-1]; len([]rune(last)) >= 2 && !strings.HasSuffix(text, " ") {
		parts[len(parts)-1] += "*"
	}
	return strings.Join(parts, " ")
}

// Search ranks user's items matching q.Text by BM25 with field weights.
func (x *Index) Search(ctx context.Context, user string, q IndexQuery) ([]IndexHit, error) {
	if user == "" {
		return nil, errors.New("index search: no user given")
	}
	fq := ftsQuery(q.Text)
	if fq == "" {
		return nil, errors.New("index search: the query has no words to search for")
	}
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	if x.d.db.dialect == postgres {
		return x.searchPG(ctx, user, q, limit)
	}
	tbl, err := x.userTable(ctx, x.d.db, user, false)
	if err != nil || tbl == "" {
		return nil, err
	}
	// FTS5 ranks the user's matches (ORDER BY rank is its own sort), the
	// join walks them best first and stops after limit rows that pass the
	// filters, so only the page's rows and bodies are read. The user_id
	// test guards against a table registered to someone else.
	sqlq := `SELECT i.app, i.item_id, i.title, i.body, i.extra, i.item_date, i.url, f.rank
		FROM ` + tbl + ` f CROSS JOIN index_items i ON i.id = f.rowid
		WHERE f.` + tbl + ` MATCH ? AND i.user_id = ?`
	args := []any{fq, user}
	if len(q.Apps) > 0 {
		sqlq += ` AND i.app IN (?` + strings.Repeat(",?", len(q.Apps)-1) + `)`
		for _, a := range q.Apps {
			args = append(args, a)
		}
	}
	if !q.From.IsZero() {
		sqlq += ` AND i.item_date >= ?`
		args = append(args, q.From.Unix())
	}
	if !q.To.IsZero() {
		sqlq += ` AND i.item_date <= ?`
		args = append(args, q.To.Unix())
	}
	sqlq += ` ORDER BY f.rank LIMIT ?`
	args = append(args, limit)
	rows, err := x.d.db.QueryContext(ctx, sqlq, args...)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			// Wiped since the lookup above: nothing to find.
			if again, err2 := x.userTable(ctx, x.d.db, user, false); err2 == nil && again == "" {
				return nil, nil
			}
		}
		return nil, x.d.wrap("search the index", err)
	}
	return x.readHits(rows, q.Text)
}

// readHits reads search rows (app, id, title, body, extra, date, url,
// score) into hits, both stores alike. Snippets are cut here: neither
// table keeps text for the database to cut them.
func (x *Index) readHits(rows *sql.Rows, text string) ([]IndexHit, error) {
	defer rows.Close()
	words := queryWords(text)
	var out []IndexHit
	for rows.Next() {
		var h IndexHit
		var body string
		var date sql.NullInt64
		if err := rows.Scan(&h.App, &h.ID, &h.Title, &body, &h.Extra, &date, &h.URL, &h.Score); err != nil {
			return nil, x.d.wrap("search the index", err)
		}
		h.Date = fromUnix(date)
		h.Snippet = snippet(body, words, 16)
		if h.Snippet == "" {
			h.Snippet = snippet(h.Extra, words, 16)
		}
		out = append(out, h)
	}
	return out, x.d.wrapNil("search the index", rows.Err())
}

func queryWords(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// snippet returns about n words of text around the first word starting
// with a query word, with such words between ** marks; "" if none.
func snippet(text string, query []string, n int) string {
	fields := strings.Fields(text)
	hit := func(f string) bool {
		f = strings.ToLower(strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }))
		for _, q := range query {
			if f != "" && strings.HasPrefix(f, strings.ToLower(q)) {
				return true
			}
		}
		return false
	}
	first := -1
	for i, f := range fields {
		if hit(f) {
			first = i
			break
		}
	}
	if first < 0 {
		return ""
	}
	start := max(0, first-n/4)
	end := min(len(fields), start+n)
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	for i := start; i < end; i++ {
		if i > start {
			b.WriteByte(' ')
		}
		if hit(fields[i]) {
			b.WriteString("**" + fields[i] + "**")
		} else {
			b.WriteString(fields[i])
		}
	}
	if end < len(fields) {
		b.WriteString("…")
	}
	return b.String()
}
