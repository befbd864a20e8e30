package jobs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

func (x *Indexer) deckCache() *nextcloud.DeckCache {
	x.deckOnce.Do(func() { x.deck = nextcloud.NewDeckCache(4096) })
	return x.deck
}

// SyncDeck indexes Deck cards: the board list, then each board's stacks
// with their cards (conditional GETs through the Deck cache), writing only
// cards whose version changed and removing deleted cards and boards.
func (x *Indexer) SyncDeck(ctx context.Context, nc *nextcloud.Client) error {
	user := nc.User()
	dk := nc.Deck(x.deckCache())
	boards, err := dk.Boards(ctx)
	if err != nil {
		return fmt.Errorf("index Deck cards of %s: %w", user, err)
	}
	parents := map[string]bool{}
	for _, b := range boards {
		if b.DeletedAt > 0 {
			continue
		}
		parent := "board:" + strconv.FormatInt(b.ID, 10)
		parents[parent] = true
		stacks, err := dk.Stacks(ctx, b.ID)
		if err != nil {
			return fmt.Errorf("index Deck board %q of %s: %w", b.Title, user, err)
		}
		known, err := x.idx.ETags(ctx, user, storage.AppDeck, parent)
		if err != nil {
			return err
		}
		ch := storage.IndexChange{App: storage.AppDeck}
		seen := map[string]bool{}
		for _, s := range stacks {
			for _, c := range s.Cards {
				if c.DeletedAt > 0 {
					continue
				}
				id := fmt.Sprintf("%d/%d", b.ID, c.ID)
				seen[id] = true
				version := c.ETag + "/" + strconv.FormatInt(c.LastModified, 10)
				if known[id] == version {
					continue
				}
				extra := []string{b.Title, s.Title}
				for _, l := range c.Labels {
					extra = append(extra, l.Title)
				}
				date := time.Unix(c.LastModified, 0)
				if due, ok := c.Due(); ok {
					date = due
				}
				ch.Upsert = append(ch.Upsert, storage.IndexItem{ID: id, Title: c.Title, Body: c.Description, Extra: strings.Join(extra, " "),
					Date: date, ETag: version, Parent: parent, URL: appLink(nc, fmt.Sprintf("/index.php/apps/deck/#/board/%d/card/%d", b.ID, c.ID))})
			}
		}
		for id := range known {
			if !seen[id] {
				ch.Delete = append(ch.Delete, id)
			}
		}
		if err := x.apply(ctx, user, ch); err != nil {
			return err
		}
	}
	state, err := x.idx.SyncState(ctx, user, storage.AppDeck)
	if err != nil {
		return err
	}
	ch := storage.IndexChange{App: storage.AppDeck, State: map[string]string{}}
	for k := range state {
		if p, ok := strings.CutPrefix(k, "coll:"); ok && !parents[p] {
			ch.DeleteParents = append(ch.DeleteParents, p)
			ch.State[k] = ""
		}
	}
	for p := range parents {
		ch.State["coll:"+p] = "1"
	}
	return x.apply(ctx, user, ch)
}
