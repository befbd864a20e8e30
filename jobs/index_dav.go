package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// The CalDAV/CardDAV clients offer no sync-collection REPORT (nor object
// ETag listings), so calendars and address books are rescanned in full
// each run: one calendar-query/addressbook-query REPORT per collection,
// compared by object ETag so only changed objects are written; objects
// and collections that disappeared are removed.

func (x *Indexer) davCache() *nextcloud.DAVCache {
	x.davOnce.Do(func() { x.dav = nextcloud.NewDAVCache() })
	return x.dav
}

// SyncCalendars indexes events (app calendar) and tasks (app tasks).
func (x *Indexer) SyncCalendars(ctx context.Context, nc *nextcloud.Client) error {
	user := nc.User()
	d, err := nc.CalDAV(ctx, x.davCache())
	if err != nil {
		return fmt.Errorf("index calendars of %s: %w", user, err)
	}
	cals, err := d.Calendars(ctx)
	if err != nil {
		return fmt.Errorf("index calendars of %s: %w", user, err)
	}
	for _, kind := range []struct{ app, comp string }{{storage.AppCalendar, ical.CompEvent}, {storage.AppTasks, ical.CompToDo}} {
		parents := map[string]bool{}
		for _, cal := range cals {
			if !cal.Supports(kind.comp) {
				continue
			}
			parents[cal.Href] = true
			objs, _, err := d.All(ctx, cal, kind.comp)
			if err != nil {
				return fmt.Errorf("index calendar %s of %s: %w", cal.Name, user, err)
			}
			known, err := x.idx.ETags(ctx, user, kind.app, cal.Href)
			if err != nil {
				return err
			}
			ch := storage.IndexChange{App: kind.app}
			seen := map[string]bool{}
			for _, o := range objs {
				seen[o.Href] = true
				if known[o.Href] == o.ETag && o.ETag != "" {
					continue
				}
				if it, ok := calItem(o, kind.comp, cal); ok {
					ch.Upsert = append(ch.Upsert, it)
				}
			}
			for id := range known {
				if !seen[id] {
					ch.Delete = append(ch.Delete, id)
				}
			}
			if err := x.idx.Apply(ctx, user, ch); err != nil {
				return err
			}
		}
		// Calendars that are gone.
		state, err := x.idx.SyncState(ctx, user, kind.app)
		if err != nil {
			return err
		}
		ch := storage.IndexChange{App: kind.app, State: map[string]string{}}
		for k := range state {
			if p, ok := strings.CutPrefix(k, "coll:"); ok && !parents[p] {
				ch.DeleteParents = append(ch.DeleteParents, p)
				ch.State[k] = ""
			}
		}
		for p := range parents {
			ch.State["coll:"+p] = "1"
		}
		if err := x.idx.Apply(ctx, user, ch); err != nil {
			return err
		}
	}
	return nil
}

func propText(c *ical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

func calItem(o nextcloud.CalObject, comp string, cal nextcloud.Calendar) (storage.IndexItem, bool) {
	if o.Data == nil {
		return storage.IndexItem{}, false
	}
	for _, c := range o.Data.Children {
		if c.Name != comp {
			continue
		}
		it := storage.IndexItem{ID: o.Href, Title: propText(c, ical.PropSummary), Body: propText(c, ical.PropDescription),
			ETag: o.ETag, Parent: cal.Href}
		extra := []string{propText(c, ical.PropLocation), propText(c, ical.PropCategories), cal.Name}
		it.Extra = strings.TrimSpace(strings.Join(extra, " "))
		for _, p := range []string{ical.PropDateTimeStart, ical.PropDue, ical.PropLastModified} {
			if prop := c.Props.Get(p); prop != nil {
				if t, err := prop.DateTime(time.UTC); err == nil {
					it.Date = t
					break
				}
			}
		}
		return it, true
	}
	return storage.IndexItem{}, false
}

// SyncContacts indexes contacts: names, emails, phones, organization.
func (x *Indexer) SyncContacts(ctx context.Context, nc *nextcloud.Client) error {
	user := nc.User()
	d, err := nc.CardDAV(ctx, x.davCache())
	if err != nil {
		return fmt.Errorf("index contacts of %s: %w", user, err)
	}
	books, err := d.AddressBooks(ctx)
	if err != nil {
		return fmt.Errorf("index contacts of %s: %w", user, err)
	}
	parents := map[string]bool{}
	for _, ab := range books {
		parents[ab.Href] = true
		objs, _, err := d.All(ctx, ab)
		if err != nil {
			return fmt.Errorf("index address book %s of %s: %w", ab.ID, user, err)
		}
		known, err := x.idx.ETags(ctx, user, storage.AppContacts, ab.Href)
		if err != nil {
			return err
		}
		ch := storage.IndexChange{App: storage.AppContacts}
		seen := map[string]bool{}
		for _, o := range objs {
			seen[o.Href] = true
			if known[o.Href] == o.ETag && o.ETag != "" {
				continue
			}
			card := o.Card
			extra := append(append(card.Values("EMAIL"), card.Values("TEL")...), card.Value("ORG"), card.Value("TITLE"), card.Value("NICKNAME"))
			ch.Upsert = append(ch.Upsert, storage.IndexItem{ID: o.Href, Title: card.Value("FN"), Body: card.Value("NOTE"),
				Extra: strings.TrimSpace(strings.Join(extra, " ")), ETag: o.ETag, Parent: ab.Href})
		}
		for id := range known {
			if !seen[id] {
				ch.Delete = append(ch.Delete, id)
			}
		}
		if err := x.idx.Apply(ctx, user, ch); err != nil {
			return err
		}
	}
	state, err := x.idx.SyncState(ctx, user, storage.AppContacts)
	if err != nil {
		return err
	}
	ch := storage.IndexChange{App: storage.AppContacts, State: map[string]string{}}
	for k := range state {
		if p, ok := strings.CutPrefix(k, "coll:"); ok && !parents[p] {
			ch.DeleteParents = append(ch.DeleteParents, p)
			ch.State[k] = ""
		}
	}
	for p := range parents {
		ch.State["coll:"+p] = "1"
	}
	return x.idx.Apply(ctx, user, ch)
}
