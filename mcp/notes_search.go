package mcp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type noteHit struct {
	ID        int64    `json:"id" jsonschema:"the note id"`
	Title     string   `json:"title" jsonschema:"the note title"`
	Category  string   `json:"category" jsonschema:"the note's category"`
	Modified  string   `json:"modified" jsonschema:"last change, RFC 3339"`
	ETag      string   `json:"etag" jsonschema:"the note's etag"`
	Score     float64  `json:"score" jsonschema:"relevance; higher is better"`
	MatchedIn []string `json:"matched_in" jsonschema:"where the query matched: title, content"`
	Snippets  []string `json:"snippets" jsonschema:"passages of the content around the matches"`
}

type notesSearchIn struct {
	Query    string  `json:"query" jsonschema:"words to look for in note titles and content; title matches rank first"`
	Category *string `json:"category,omitempty" jsonschema:"only search notes of this exact category; an empty string searches uncategorized notes"`
	Limit    int     `json:"limit,omitempty" jsonschema:"most results to return, 1 to 100 (default 20)"`
}

func (in *notesSearchIn) Validate() error {
	if len(noteTerms(in.Query)) == 0 {
		return fmt.Errorf("query must contain at least one word (letters or digits)")
	}
	if err := limitArg("limit", in.Limit, 100); err != nil {
		return err
	}
	return nil
}

type notesSearchOut struct {
	Query        string    `json:"query" jsonschema:"the query searched for"`
	Results      []noteHit `json:"results" jsonschema:"matching notes, best first"`
	TotalMatches int       `json:"total_matches" jsonschema:"how many notes matched before the limit"`
}

func (o notesSearchOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d notes match %q", o.TotalMatches, o.Query)
	if len(o.Results) < o.TotalMatches {
		fmt.Fprintf(&b, " (showing %d)", len(o.Results))
	}
	b.WriteString(":\n")
	for _, h := range o.Results {
		fmt.Fprintf(&b, "- [%d] %s (matched in %s)\n", h.ID, h.Title, strings.Join(h.MatchedIn, ", "))
		for _, s := range h.Snippets {
			fmt.Fprintf(&b, "    %s\n", s)
		}
	}
	return b.String()
}

// notesSearch is nc_notes_search (search notes).
func notesSearch(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_search", Title: "Search notes",
		Description: "Search note titles and content for words. Results are ranked: notes whose title matches come first, then by how often and how exactly the words occur; each result has snippets around the matches.",
		Scope:       "notes:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in notesSearchIn) (notesSearchOut, error) {
			terms := noteTerms(in.Query)
			phrase := strings.Join(terms, " ")
			limit := in.Limit
			if limit == 0 {
				limit = 20
			}
			notes, err := nc.Notes().All(ctx, nextcloud.NotesListOptions{Category: in.Category})
			if err != nil {
				return notesSearchOut{}, err
			}
			type ranked struct {
				hit      noteHit
				modified int64
			}
			var found []ranked
			for _, n := range notes {
				titleScore, _ := noteScore(noteLower(n.Title), terms, phrase)
				content := []rune(n.Content)
				contentScore, hits := noteScore(noteLower(n.Content), terms, phrase)
				if titleScore == 0 && contentScore == 0 {
					continue
				}
				h := noteHit{ID: n.ID, Title: n.Title, Category: n.Category, Modified: n.ModifiedTime().Format(time.RFC3339), ETag: n.ETag,
					MatchedIn: []string{}, Snippets: []string{}}
				if titleScore > 0 {
					h.MatchedIn = append(h.MatchedIn, "title")
				}
				if contentScore > 0 {
					h.MatchedIn = append(h.MatchedIn, "content")
					h.Snippets = noteSnippets(content, hits, 60)
				}
				// Title hits outrank content-only hits whatever the content score.
				h.Score = titleScore*10 + contentScore
				if titleScore > 0 {
					h.Score += 100
				}
				h.Score = float64(int(h.Score*100+0.5)) / 100
				found = append(found, ranked{hit: h, modified: n.Modified})
			}
			sort.SliceStable(found, func(i, j int) bool {
				if found[i].hit.Score != found[j].hit.Score {
					return found[i].hit.Score > found[j].hit.Score
				}
				return found[i].modified > found[j].modified
			})
			out := notesSearchOut{Query: in.Query, Results: []noteHit{}, TotalMatches: len(found)}
			for i, f := range found {
				if i == limit {
					break
				}
				out.Results = append(out.Results, f.hit)
			}
			return out, nil
		})
}

// noteTerms splits a query into lower-case words.
func noteTerms(q string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// noteLower lower-cases rune by rune so positions match the original.
func noteLower(s string) []rune {
	rs := []rune(s)
	for i, r := range rs {
		rs[i] = unicode.ToLower(r)
	}
	return rs
}

func noteWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// noteFindAll returns the start of each occurrence of needle in hay, and
// whether it is a whole word there.
func noteFindAll(hay, needle []rune) (starts []int, whole []bool) {
	if len(needle) == 0 {
		return nil, nil
	}
	for i := 0; i+len(needle) <= len(hay); i++ {
		match := true
		for j := range needle {
			if hay[i+j] != needle[j] {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		w := (i == 0 || !noteWordRune(hay[i-1])) && (i+len(needle) == len(hay) || !noteWordRune(hay[i+len(needle)]))
		starts = append(starts, i)
		whole = append(whole, w)
	}
	return starts, whole
}

// noteScore rates how well terms match text: a whole-word match counts
// more than a match inside a word, repeats add a little, and the whole
// query as a phrase adds a bonus.
func noteScore(text []rune, terms []string, phrase string) (score float64, hits []int) {
	matchedTerms := 0
	for _, t := range terms {
		starts, whole := noteFindAll(text, []rune(t))
		if len(starts) == 0 {
			continue
		}
		matchedTerms++
		best := 0.4
		for _, w := range whole {
			if w {
				best = 1
				break
			}
		}
		extra := float64(len(starts)-1) * 0.1
		if extra > 0.5 {
			extra = 0.5
		}
		score += best + extra
		hits = append(hits, starts...)
	}
	if matchedTerms > 1 && len(terms) > 1 {
		if starts, _ := noteFindAll(text, []rune(phrase)); len(starts) > 0 {
			score += 1
		}
	}
	// Matching every term beats matching one term often.
	score *= float64(matchedTerms) / float64(len(terms))
	return score, hits
}

// noteSnippets cuts up to three passages of text around the hits.
func noteSnippets(text []rune, hits []int, radius int) []string {
	sort.Ints(hits)
	var out []string
	end := -1
	for _, h := range hits {
		if h < end || len(out) == 3 {
			continue
		}
		from, to := h-radius, h+radius
		if from < 0 {
			from = 0
		}
		if to > len(text) {
			to = len(text)
		}
		s := strings.Join(strings.Fields(string(text[from:to])), " ")
		if from > 0 {
			s = "…" + s
		}
		if to < len(text) {
			s += "…"
		}
		out = append(out, s)
		end = to
	}
	return out
}
