package storage

// The search index on PostgreSQL: index_items.words is a tsvector of the
// title (weight A), extra fields (B) and body (D). Words are split and
// folded here, as FTS5's unicode61 tokenizer with remove_diacritics does
// (letters and digits, lower case, accents removed), and handed to
// to_tsvector('simple') joined by spaces, so both stores find the same
// items for the same query (PostgreSQL's own parser would keep
// "alice@example.com" as one word). Every query filters by user_id: one
// user's search cannot reach another's rows.

import (
	"context"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// pgWords folds text into the space-separated words that to_tsvector and
// to_tsquery see.
func pgWords(text string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, strings.ToLower(text))
	if err != nil {
		folded = strings.ToLower(text)
	}
	return strings.Join(queryWords(folded), " ")
}

// pgQuery is ftsQuery for PostgreSQL: every word required, the last one
// also as a prefix; words hold only letters and digits, quoted all the same.
func pgQuery(text string) string {
	words := strings.Fields(pgWords(text))
	if len(words) == 0 {
		return ""
	}
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + strings.ReplaceAll(w, "'", "''") + "'"
	}
	raw := queryWords(text)
	if last := raw[len(raw)-1]; len([]rune(last)) >= 2 && !strings.HasSuffix(text, " ") {
		parts[len(parts)-1] += ":*"
	}
	return strings.Join(parts, " & ")
}

const pgVector = `setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') || setweight(to_tsvector('simple', ?), 'D')`

func (x *Index) upsertPG(ctx context.Context, tx *sqlTx, user string, ch IndexChange) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO index_items (user_id, app, item_id, title, body, extra, item_date, etag, url, parent, owner, words)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', `+pgVector+`)
		ON CONFLICT (user_id, app, item_id) DO UPDATE SET title = excluded.title, body = excluded.body, extra = excluded.extra,
			item_date = excluded.item_date, etag = excluded.etag, url = excluded.url, parent = excluded.parent, words = excluded.words`)
	if err != nil {
		return x.d.wrap("prepare index update", err)
	}
	defer st.Close()
	for _, it := range ch.Upsert {
		if _, err := st.ExecContext(ctx, user, ch.appOf(it), it.ID, it.Title, it.Body, it.Extra, unix(it.Date), it.ETag, it.URL, it.Parent,
			pgWords(it.Title), pgWords(it.Extra), pgWords(it.Body)); err != nil {
			return x.d.wrap("index item", err)
		}
	}
	return nil
}

// searchPG ranks with ts_rank over the weights {D, C, B, A} = {1, 0, 4,
// 10}/10 (the BM25 field weights of FTS5) and length normalisation 1;
// Score is the negated rank, so lower is better on both stores.
func (x *Index) searchPG(ctx context.Context, user string, q IndexQuery, limit int) ([]IndexHit, error) {
	tq := pgQuery(q.Text)
	sqlq := `SELECT app, item_id, title, body, extra, item_date, url, -ts_rank('{0.1, 0, 0.4, 1.0}', words, to_tsquery('simple', ?), 1) AS score
		FROM index_items WHERE user_id = ? AND words @@ to_tsquery('simple', ?)`
	args := []any{tq, user, tq}
	if len(q.Apps) > 0 {
		sqlq += ` AND app IN (?` + strings.Repeat(",?", len(q.Apps)-1) + `)`
		for _, a := range q.Apps {
			args = append(args, a)
		}
	}
	if !q.From.IsZero() {
		sqlq += ` AND item_date >= ?`
		args = append(args, q.From.Unix())
	}
	if !q.To.IsZero() {
		sqlq += ` AND item_date <= ?`
		args = append(args, q.To.Unix())
	}
	sqlq += ` ORDER BY score, id LIMIT ?`
	args = append(args, limit)
	rows, err := x.d.db.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, x.d.wrap("search the index", err)
	}
	return x.readHits(rows, q.Text)
}
