package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// Calendars and address books sync by collection sync token (RFC 6578)
// where the server offers it, as Nextcloud does. One PROPFIND on the home
// lists the collections with the token each publishes; a collection whose
// token equals the one the index is current with is skipped without a
// request. Otherwise a sync-collection REPORT from the stored token lists
// the members changed (fetched with one multiget per 100) and removed.
// Without a stored token, when the server no longer knows it, or when the
// collection offers no sync-collection REPORT, the collection is read in
// full (one calendar-query/addressbook-query REPORT) and compared by object
// ETag, as before. Tokens live in the sync state under "sync:"+href (of the
// calendar app for calendars, whose REPORT serves events and tasks alike);
// "coll:"+href marks the collections whose items an app holds.

func (x *Indexer) davCache() *nextcloud.DAVCache {
	x.davOnce.Do(func() { x.dav = nextcloud.NewDAVCache() })
	return x.dav
}

// resync reports whether a sync-collection failure asks for a full read.
func resync(err error) bool {
	return errors.Is(err, nextcloud.ErrSyncTokenInvalid) || errors.Is(err, nextcloud.ErrNoSyncCollection)
}

// SyncCalendars indexes events (app calendar) and tasks (app tasks).
func (x *Indexer) SyncCalendars(ctx context.Context, nc *nextcloud.Client) error {
	return syncHome(ctx, x, nc.User(), davHome[*nextcloud.CalDAV, nextcloud.Calendar]{
		what: "calendars", one: "calendar", apps: []string{storage.AppCalendar, storage.AppTasks},
		open: nc.CalDAV,
		list: (*nextcloud.CalDAV).CalendarsWithSyncTokens,
		id:   func(c nextcloud.Calendar) (string, string) { return c.Href, c.Name },
		sync: x.syncCalendar,
	})
}

// davHome is one kind of DAV collection in a user's home (calendars or
// address books, read with a D) as a sync pass sees it.
type davHome[D, C any] struct {
	what, one string   // the collections and one of them, for errors
	apps      []string // the index apps their items go to; apps[0] holds the sync tokens
	open      func(context.Context, *nextcloud.DAVCache) (D, error)
	list      func(D, context.Context) ([]C, map[string]string, error)
	id        func(C) (href, name string)
	sync      func(ctx context.Context, d D, user string, c C, have, now string) error
}

// syncHome syncs each collection of h from the token the index is current
// with to the one it publishes, then drops what the collections no longer
// listed left in the index.
func syncHome[D, C any](ctx context.Context, x *Indexer, user string, h davHome[D, C]) error {
	d, err := h.open(ctx, x.davCache())
	if err != nil {
		return fmt.Errorf("index %s of %s: %w", h.what, user, err)
	}
	colls, tokens, err := h.list(d, ctx)
	if err != nil {
		return fmt.Errorf("index %s of %s: %w", h.what, user, err)
	}
	state, err := x.idx.SyncState(ctx, user, h.apps[0])
	if err != nil {
		return err
	}
	present := map[string]bool{}
	for _, c := range colls {
		href, name := h.id(c)
		present[href] = true
		if err := h.sync(ctx, d, user, c, state["sync:"+href], tokens[href]); err != nil {
			return fmt.Errorf("index %s %s of %s: %w", h.one, name, user, err)
		}
	}
	for _, app := range h.apps {
		if err := x.dropGoneCollections(ctx, user, app, present); err != nil {
			return err
		}
	}
	return nil
}

// syncCalendar brings one calendar's events and tasks up to date: have is
// the token the index is current with, now the one the calendar publishes.
func (x *Indexer) syncCalendar(ctx context.Context, d *nextcloud.CalDAV, user string, cal nextcloud.Calendar, have, now string) error {
	if now != "" && now == have {
		return nil
	}
	known := map[string]map[string]string{}
	for _, app := range []string{storage.AppCalendar, storage.AppTasks} {
		k, err := x.idx.ETags(ctx, user, app, cal.Href)
		if err != nil {
			return err
		}
		known[app] = k
	}
	changed, gone, token, err := davChanges(davReader[nextcloud.CalObject]{
		sync: func(token string) (*nextcloud.SyncChanges, error) { return d.SyncCollection(ctx, cal, token) },
		multiGet: func(hrefs []string) ([]nextcloud.CalObject, []nextcloud.BrokenObject, error) {
			return d.MultiGet(ctx, cal, hrefs)
		},
		all: func() ([]nextcloud.CalObject, error) {
			objs, _, err := d.All(ctx, cal, "")
			return objs, err
		},
		tag: func(o nextcloud.CalObject) (string, string) { return o.Href, o.ETag },
	}, have, now, known[storage.AppCalendar], known[storage.AppTasks])
	if err != nil {
		return err
	}
	return x.applyCalendar(ctx, user, cal, known, changed, gone, token)
}

// davReader reads one collection's members of type O.
type davReader[O any] struct {
	sync     func(token string) (*nextcloud.SyncChanges, error)
	multiGet func(hrefs []string) ([]O, []nextcloud.BrokenObject, error)
	all      func() ([]O, error)
	tag      func(O) (href, etag string)
}

// davChanges finds what changed in a collection since the token have (now
// is the one it publishes), given the etags the index knows: the members
// to write, the hrefs gone, and the token to record. It asks the
// sync-collection REPORT when both tokens are known, and reads the whole
// collection without a token or when the server wants a full read.
func davChanges[O any](r davReader[O], have, now string, known ...map[string]string) (changed []O, gone []string, token string, err error) {
	unchanged := func(href, etag string) bool {
		for _, k := range known {
			if etag != "" && k[href] == etag {
				return true
			}
		}
		return false
	}
	if have != "" && now != "" {
		ch, err := r.sync(have)
		if err == nil {
			var fetch []string
			for _, m := range ch.Changed {
				if !unchanged(m.Href, m.ETag) {
					fetch = append(fetch, m.Href)
				}
			}
			objs, broken, err := r.multiGet(fetch)
			if err != nil {
				return nil, nil, "", err
			}
			gone = ch.Deleted
			for _, b := range broken {
				gone = append(gone, b.Href)
			}
			return objs, gone, ch.Token, nil
		}
		if !resync(err) {
			return nil, nil, "", err
		}
	}
	objs, err := r.all()
	if err != nil {
		return nil, nil, "", err
	}
	seen := map[string]bool{}
	for _, o := range objs {
		href, etag := r.tag(o)
		seen[href] = true
		if !unchanged(href, etag) {
			changed = append(changed, o)
		}
	}
	for _, k := range known {
		for href := range k {
			if !seen[href] {
				gone = append(gone, href)
			}
		}
	}
	return changed, gone, now, nil
}

// applyCalendar writes changed objects as events or tasks (by the
// components they hold), removes gone hrefs, and records token last, so
// an interrupted run syncs again from the previous token.
func (x *Indexer) applyCalendar(ctx context.Context, user string, cal nextcloud.Calendar, known map[string]map[string]string, objs []nextcloud.CalObject, gone []string, token string) error {
	chs := map[string]*storage.IndexChange{}
	for _, k := range []struct{ app, comp string }{{storage.AppTasks, ical.CompToDo}, {storage.AppCalendar, ical.CompEvent}} {
		ch := &storage.IndexChange{App: k.app, State: map[string]string{"coll:" + cal.Href: "1"}}
		chs[k.app] = ch
		for _, o := range objs {
			if it, ok := calItem(o, k.comp, cal); ok {
				ch.Upsert = append(ch.Upsert, it)
			} else if _, ok := known[k.app][o.Href]; ok {
				ch.Delete = append(ch.Delete, o.Href)
			}
		}
		for _, href := range gone {
			if _, ok := known[k.app][href]; ok {
				ch.Delete = append(ch.Delete, href)
			}
		}
	}
	chs[storage.AppCalendar].State["sync:"+cal.Href] = token
	for _, app := range []string{storage.AppTasks, storage.AppCalendar} {
		if err := x.apply(ctx, user, *chs[app]); err != nil {
			return err
		}
	}
	return nil
}

// dropGoneCollections removes the items and sync state of app's
// collections that are no longer listed.
func (x *Indexer) dropGoneCollections(ctx context.Context, user, app string, present map[string]bool) error {
	state, err := x.idx.SyncState(ctx, user, app)
	if err != nil {
		return err
	}
	ch := storage.IndexChange{App: app, State: map[string]string{}}
	for k := range state {
		kind, href, _ := strings.Cut(k, ":")
		if (kind != "coll" && kind != "sync") || present[href] {
			continue
		}
		if kind == "coll" {
			ch.DeleteParents = append(ch.DeleteParents, href)
		}
		ch.State[k] = ""
	}
	if len(ch.State) == 0 {
		return nil
	}
	return x.apply(ctx, user, ch)
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
	return syncHome(ctx, x, nc.User(), davHome[*nextcloud.CardDAV, nextcloud.AddressBook]{
		what: "contacts", one: "address book", apps: []string{storage.AppContacts},
		open: nc.CardDAV,
		list: (*nextcloud.CardDAV).AddressBooksWithSyncTokens,
		id:   func(ab nextcloud.AddressBook) (string, string) { return ab.Href, ab.ID },
		sync: x.syncBook,
	})
}

// syncBook brings one address book up to date (see syncCalendar).
func (x *Indexer) syncBook(ctx context.Context, d *nextcloud.CardDAV, user string, ab nextcloud.AddressBook, have, now string) error {
	if now != "" && now == have {
		return nil
	}
	known, err := x.idx.ETags(ctx, user, storage.AppContacts, ab.Href)
	if err != nil {
		return err
	}
	ch := storage.IndexChange{App: storage.AppContacts, State: map[string]string{"coll:" + ab.Href: "1"}}
	changed, gone, token, err := davChanges(davReader[nextcloud.CardObject]{
		sync: func(token string) (*nextcloud.SyncChanges, error) { return d.SyncCollection(ctx, ab, token) },
		multiGet: func(hrefs []string) ([]nextcloud.CardObject, []nextcloud.BrokenObject, error) {
			return d.MultiGet(ctx, ab, hrefs)
		},
		all: func() ([]nextcloud.CardObject, error) {
			objs, _, err := d.All(ctx, ab)
			return objs, err
		},
		tag: func(o nextcloud.CardObject) (string, string) { return o.Href, o.ETag },
	}, have, now, known)
	if err != nil {
		return err
	}
	for _, o := range changed {
		c := nextcloud.ContactFromCard(o.Card) // values unescaped
		extra := []string{c.Organization, c.Title, c.Nickname}
		for _, e := range c.Emails {
			extra = append(extra, e.Value)
		}
		for _, p := range c.Phones {
			extra = append(extra, p.Value)
		}
		ch.Upsert = append(ch.Upsert, storage.IndexItem{ID: o.Href, Title: c.FullName, Body: c.Note,
			Extra: strings.TrimSpace(strings.Join(extra, " ")), ETag: o.ETag, Parent: ab.Href})
	}
	for _, href := range gone {
		if _, ok := known[href]; ok {
			ch.Delete = append(ch.Delete, href)
		}
	}
	ch.State["sync:"+ab.Href] = token
	return x.apply(ctx, user, ch)
}
