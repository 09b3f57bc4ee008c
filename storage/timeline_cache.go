package storage

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/coopol/coopol/model"
)

// The timeline cache keeps the pages of timelines (home, lists, public,
// hashtags, accounts) that readers asked for (issue 17): the walk over
// statuses with the audience rule was a third of a home page's CPU on
// SQLite and a round trip on PostgreSQL, for a page that had not changed
// since the same reader's last request.
//
// It is exact across replicas, with the row cache's look at row_changes
// (migration 20261209100001): a page can only change when
//   - a status is inserted, edited, deleted, or its mentions, hashtags or
//     recipients change ('n', 's', 'p'): such statuses are kept in a ring
//     and, on the next request for a page read before them, asked about
//     alone (the page's query with "s.id IN (…)") and merged into it — a
//     page that holds one of them is read again whole;
//   - its reader's relations change ('r': follows, blocks either way,
//     mutes, group memberships, followed hashtags, lists and members): the
//     reader's pages are dropped, so a block or a removal from a group
//     applies to the next request;
//   - an account is suspended, restored or deleted ('h'): every page is
//     dropped;
//   - a mute ends: a page is kept only until the reader's next mute ends.

const (
	timelinePages = 2048
	// timelineRing is how many changed statuses are remembered; a page
	// read before the oldest is read again.
	timelineRing = 4096
	// timelineTopUp is the most changed statuses asked about alone; past
	// it the page is read again whole.
	timelineTopUp = 64
)

type timelineKey struct {
	viewer string // "" for anonymous readers
	// timeline names the timeline and its options: "home", "list " + id
	// and replies policy, "public" and its flags, "account " + id…
	timeline string
	page     Page
}

type timelinePage struct {
	entries []Entry
	// pos is the ring position when the page was read: the statuses
	// changed since are ring[pos:].
	pos uint64
	// until is when one of the reader's mutes ends (zero: none ends).
	until time.Time
}

type timelineCache struct {
	pages *lru.Cache[timelineKey, timelinePage]
	// lists are list rows by owner and id, asked on every list page; a
	// change to a list logs its owner ('r').
	lists *lru.Cache[[2]string, List]
	// notifications are pages of notifications, read again whole after
	// any change to a status (one may have become visible or hidden), to
	// the reader's notifications or staff role ('m'), or relations.
	notifications *lru.Cache[timelineKey, notificationPage]
	// visible are which of a set of statuses (the originals a page's
	// boosts name) pass a reader's audience rule; like notifications, read
	// again after any change to a status or to the reader's relations.
	visible *lru.Cache[timelineKey, counted[map[string]bool]]
	// polls are the polls of a page's statuses and the reader's votes in
	// them, good until a poll or a vote changes anywhere ('q', counted in
	// pollChanges).
	polls       *lru.Cache[timelineKey, counted[pollSet]]
	pollChanges uint64
	// ring holds the ids of the last timelineRing changed statuses; next
	// is how many were ever added (ring[next % timelineRing] is the next
	// slot). Guarded by rowCache.mu.
	ring []string
	next uint64
	// epoch changes whenever pages are dropped (a reader's relations, a
	// suspension): a page read before that is not stored after it.
	epoch uint64
}

func newTimelineCache() *timelineCache {
	pages, _ := lru.New[timelineKey, timelinePage](timelinePages)
	lists, _ := lru.New[[2]string, List](timelinePages)
	notifications, _ := lru.New[timelineKey, notificationPage](timelinePages)
	visible, _ := lru.New[timelineKey, counted[map[string]bool]](timelinePages)
	polls, _ := lru.New[timelineKey, counted[pollSet]](timelinePages)
	return &timelineCache{pages: pages, lists: lists, notifications: notifications, visible: visible, polls: polls,
		ring: make([]string, timelineRing)}
}

// change applies one line of row_changes; it reports whether it
// was one of the timeline cache's own kinds. Called with rowCache.mu held.
func (t *timelineCache) change(ch rowChange) bool {
	switch ch.Kind {
	case "n", "s", "p":
		t.ring[t.next%timelineRing] = ch.RowID
		t.next++
		return ch.Kind == "n"
	case "r":
		dropWhere(t.pages, func(k timelineKey) bool { return k.viewer == ch.RowID })
		dropWhere(t.lists, func(k [2]string) bool { return k[0] == ch.RowID })
		dropWhere(t.notifications, func(k timelineKey) bool { return k.viewer == ch.RowID })
		dropWhere(t.visible, func(k timelineKey) bool { return k.viewer == ch.RowID })
		t.epoch++
		return true
	case "m":
		dropWhere(t.notifications, func(k timelineKey) bool { return k.viewer == ch.RowID })
		t.epoch++
		return true
	case "q":
		t.pollChanges++
		return true
	case "h":
		t.purge()
		return true
	}
	return false
}

// purge drops every page. Called with rowCache.mu held.
func (t *timelineCache) purge() {
	t.pages.Purge()
	t.lists.Purge()
	t.notifications.Purge()
	t.visible.Purge()
	t.polls.Purge()
	t.epoch++
}

// changedSince returns the statuses changed since pos, or false when the
// ring no longer reaches back that far. Called with rowCache.mu held.
func (t *timelineCache) changedSince(pos uint64) ([]string, bool) {
	if t.next-pos > timelineRing {
		return nil, false
	}
	out := make([]string, 0, t.next-pos)
	for i := pos; i < t.next; i++ {
		out = append(out, t.ring[i%timelineRing])
	}
	return out, true
}

// timelineRead reads a page of a timeline, or the part of it among only
// (the statuses changed since the page was kept) when only is not nil.
type timelineRead func(ctx context.Context, only []string) ([]Entry, error)

// cachedTimeline serves key's page from the cache when nothing that
// could change it happened since it was read, tops it up when only
// statuses changed, and reads it otherwise.
func (s *Storage) cachedTimeline(ctx context.Context, key timelineKey, now time.Time, read timelineRead) ([]Entry, error) {
	c := s.rows
	if c == nil {
		return read(ctx, nil)
	}
	if _, ok := s.syncRowCache(ctx); !ok {
		return read(ctx, nil)
	}
	t := c.timelines
	c.mu.Lock()
	pos, epoch := t.next, t.epoch
	page, found := t.pages.Get(key)
	var changed []string
	if found {
		changed, found = t.changedSince(page.pos)
		if !page.until.IsZero() && !now.Before(page.until) {
			found = false
		}
	}
	c.mu.Unlock()

	if found && len(changed) == 0 {
		return slices.Clone(page.entries), nil
	}
	if found && len(changed) <= timelineTopUp && !holdsAny(page.entries, changed) {
		extra, err := read(ctx, changed)
		if err != nil {
			return nil, err
		}
		entries := mergePage(page.entries, extra, key.page)
		s.putTimeline(key, epoch, timelinePage{entries: entries, pos: pos, until: page.until})
		return slices.Clone(entries), nil
	}
	entries, err := read(ctx, nil)
	if err != nil {
		return nil, err
	}
	until, err := s.nextMuteEnd(ctx, key.viewer, now)
	if err != nil {
		return nil, err
	}
	s.putTimeline(key, epoch, timelinePage{entries: slices.Clone(entries), pos: pos, until: until})
	return entries, nil
}

func (s *Storage) putTimeline(key timelineKey, epoch uint64, page timelinePage) {
	s.keepIfUnchanged(epoch, func(t *timelineCache) { t.pages.Add(key, page) })
}

// keepIfUnchanged stores what was read at epoch, unless pages were dropped
// since (what was read may predate the change that dropped them).
func (s *Storage) keepIfUnchanged(epoch uint64, add func(t *timelineCache)) {
	c := s.rows
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timelines.epoch == epoch {
		add(c.timelines)
	}
}

// nextMuteEnd is when the first of viewerID's mutes still running ends.
func (s *Storage) nextMuteEnd(ctx context.Context, viewerID string, now time.Time) (time.Time, error) {
	var ends []time.Time
	if err := s.DB.NewSelect().TableExpr("mutes").ColumnExpr("expires_at").
		Where("account_id = ? AND expires_at > ?", viewerID, now).
		OrderExpr("expires_at").Limit(1).Scan(ctx, &ends); err != nil {
		return time.Time{}, fmt.Errorf("storage: next mute end: %w", err)
	}
	if len(ends) == 0 {
		return time.Time{}, nil
	}
	return ends[0], nil
}

// holdsAny reports whether one of ids is an item of entries: such a page
// may lose it, and is read again whole.
func holdsAny(entries []Entry, ids []string) bool {
	for _, e := range entries {
		if slices.Contains(ids, e.ID) {
			return true
		}
	}
	return false
}

// mergePage adds extra (read with the same bounds) to a kept page and
// keeps the page's length: the newest p.Limit, or with MinID the p.Limit
// just above it. A page is its rows' top p.Limit, so the union's top is
// the new page's.
func mergePage(kept, extra []Entry, p Page) []Entry {
	out := slices.Clone(kept)
	for _, e := range extra {
		if !slices.ContainsFunc(out, func(k Entry) bool { return k.Key == e.Key }) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return compareKeys(b.Key, a.Key) })
	if p.Limit > 0 && len(out) > p.Limit {
		if p.MinID != "" {
			out = out[len(out)-p.Limit:] // the oldest above MinID
		} else {
			out = out[:p.Limit]
		}
	}
	return out
}

// compareKeys orders page keys as the database does: ids are ULIDs of one
// length, compared byte by byte.
func compareKeys(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cachedList reads a list row through the timeline cache.
func (s *Storage) cachedList(ctx context.Context, ownerID, id string, read func() (*List, error)) (*List, error) {
	c := s.rows
	if c == nil {
		return read()
	}
	if _, ok := s.syncRowCache(ctx); !ok {
		return read()
	}
	key := [2]string{ownerID, id}
	c.mu.Lock()
	epoch := c.timelines.epoch
	l, found := c.timelines.lists.Get(key)
	c.mu.Unlock()
	if found {
		return &l, nil
	}
	got, err := read()
	if err != nil {
		return got, err
	}
	s.keepIfUnchanged(epoch, func(t *timelineCache) { t.lists.Add(key, *got) })
	return got, nil
}

type notificationPage struct {
	rows  []model.Notification
	pos   uint64
	until time.Time
}

// dropWhere removes the entries whose key matches (a reader's, whose
// relations or notifications changed). Called with rowCache.mu held.
func dropWhere[K comparable, V any](cache *lru.Cache[K, V], match func(K) bool) {
	for _, k := range cache.Keys() {
		if match(k) {
			cache.Remove(k)
		}
	}
}

// cachedNotifications serves a page of notifications from the cache when
// nothing that could change it happened since it was read.
func (s *Storage) cachedNotifications(ctx context.Context, key timelineKey, now time.Time, read func() ([]model.Notification, error)) ([]model.Notification, error) {
	c := s.rows
	if c == nil {
		return read()
	}
	if _, ok := s.syncRowCache(ctx); !ok {
		return read()
	}
	t := c.timelines
	c.mu.Lock()
	pos, epoch := t.next, t.epoch
	page, found := t.notifications.Get(key)
	if found && (page.pos != t.next || (!page.until.IsZero() && !now.Before(page.until))) {
		found = false // a status changed since, or a mute ended
	}
	c.mu.Unlock()
	if found {
		return cloneNotifications(page.rows), nil
	}
	rows, err := read()
	if err != nil {
		return nil, err
	}
	until, err := s.nextMuteEnd(ctx, key.viewer, now)
	if err != nil {
		return nil, err
	}
	s.keepIfUnchanged(epoch, func(t *timelineCache) {
		t.notifications.Add(key, notificationPage{rows: cloneNotifications(rows), pos: pos, until: until})
	})
	return rows, nil
}

// cloneNotifications copies rows and what their pointers point to, so
// that a caller changing one changes nothing in the cache.
func cloneNotifications(rows []model.Notification) []model.Notification {
	out := slices.Clone(rows)
	for i := range out {
		out[i] = cloneNotification(out[i])
	}
	return out
}

func cloneNotification(n model.Notification) model.Notification {
	n.FromAccountID = clonePtr(n.FromAccountID)
	n.StatusID = clonePtr(n.StatusID)
	n.EventID = clonePtr(n.EventID)
	n.GroupID = clonePtr(n.GroupID)
	n.ReportID = clonePtr(n.ReportID)
	n.GaugeGoing = clonePtr(n.GaugeGoing)
	n.GaugeCapacity = clonePtr(n.GaugeCapacity)
	return n
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// counted is a kept answer and the count of changes it was read at.
type counted[V any] struct {
	value V
	pos   uint64
}

// keptWhileUnchanged answers key from cache when the count of the
// changes it depends on has not moved since it was read, and reads and
// keeps it otherwise. pick names the cache and that count; clone copies
// an answer so that callers and the cache never share one.
func keptWhileUnchanged[V any](ctx context.Context, s *Storage, key timelineKey,
	pick func(t *timelineCache) (*lru.Cache[timelineKey, counted[V]], uint64),
	clone func(V) V, read func() (V, error)) (V, error) {
	c := s.rows
	if c == nil {
		return read()
	}
	if _, ok := s.syncRowCache(ctx); !ok {
		return read()
	}
	c.mu.Lock()
	cache, pos := pick(c.timelines)
	epoch := c.timelines.epoch
	kept, found := cache.Get(key)
	c.mu.Unlock()
	if found && kept.pos == pos {
		return clone(kept.value), nil
	}
	got, err := read()
	if err != nil {
		return got, err
	}
	s.keepIfUnchanged(epoch, func(t *timelineCache) {
		cache, _ := pick(t)
		cache.Add(key, counted[V]{value: clone(got), pos: pos})
	})
	return got, nil
}

// cachedVisible answers which of ids pass viewerID's audience rule; kept
// until any status changes, or the reader's relations (dropped with the
// reader's pages).
func (s *Storage) cachedVisible(ctx context.Context, viewerID string, ids []string, read func() (map[string]bool, error)) (map[string]bool, error) {
	key := timelineKey{viewer: viewerID, timeline: "visible " + strings.Join(ids, ",")}
	return keptWhileUnchanged(ctx, s, key, func(t *timelineCache) (*lru.Cache[timelineKey, counted[map[string]bool]], uint64) {
		return t.visible, t.next
	}, maps.Clone, read)
}
