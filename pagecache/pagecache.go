// Package pagecache keeps the bytes of rendered pages, API or web, for
// as long as nothing they were rendered from can have changed (issue 17:
// rendering a page again from rows already in memory was over half of a
// kept API page's CPU, and 60 % of a web page's).
//
// A page is as exact as the storage's caches it was rendered from, and
// no more: it is served again only when
//   - the storage's look at row_changes has found nothing since it was
//     rendered (storage.ChangesSeen), whatever the change and whoever's
//     it was: a favourite, an edit, a block, a vote, a new filter;
//   - it holds the same items in the same order (the timeline itself is
//     read from its own cache on every request, with the audience rule,
//     mutes that end and deletions);
//   - nothing shown on it has ended since it was rendered (the caller
//     says when the first thing will: a poll, a filter).
//
// A caller keeps only pages whose every input is logged in row_changes
// or in the key (who asks, the URI, the language).
package pagecache

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/coopol/coopol/storage"
)

const (
	// maxBytes bounds the memory held by one cache: about 250 API pages
	// of 20 statuses, or 190 web pages. The least recently asked go first.
	maxBytes = 8 << 20
	// A longer page (up to 80 notifications) is rendered each time
	// rather than held.
	maxPageBytes = 256 << 10
	// The key holds the request's URI, which the client chooses: a page
	// asked under a longer one is not kept (timeline URIs are short; a
	// padded one would otherwise hold memory three times, in the key and
	// the two links).
	maxKeyBytes = 1 << 10
	// maxPages bounds the number of pages, however small.
	maxPages = 4096
)

// Page is a page as it was rendered.
type Page struct {
	size    int // bytes held: body, key, header and items
	changes uint64
	entries []storage.Entry
	until   time.Time // zero: nothing on the page ends
	// Header is the one response header that goes with the body (the
	// API's Link), "" for none.
	Header string
	Body   []byte
}

// Cache holds the pages of one kind of answer (the API's JSON, the web's
// HTML).
type Cache struct {
	mu    sync.Mutex // over bytes, the evictions that keep it in bounds, and flights
	pages *lru.Cache[string, Page]
	bytes int
	// flights are the pages being rendered, by key: a request for the
	// same page under the same count of changes waits for it instead of
	// rendering it too. After a change, every connection asking for a page
	// missed it at once and rendered it side by side (issue 17: the web
	// home page at 16 connections and 100 writes a second rendered 16
	// times per write, p99 56 ms).
	flights map[string]*flight
	// served counts the pages served again, and waiting the requests
	// waiting for a page in flight, for tests.
	served, waiting atomic.Int64
}

type flight struct {
	changes uint64
	done    chan struct{}
}

func New() *Cache {
	pc := &Cache{flights: map[string]*flight{}}
	pc.pages, _ = lru.NewWithEvict(maxPages, func(_ string, page Page) { pc.bytes -= page.size })
	return pc
}

// Asked is one request for a page: what it must match to be served from
// what was rendered before, and what to keep once rendered.
type Asked struct {
	key     string
	changes uint64
	ok      bool // the request looked for changes and may keep its page
	entries []storage.Entry
	flight  *flight // set when this request renders the page for others
}

// Refuse marks the page as not to be kept: something on it is not
// covered by the cache's rule (a report, a one-time message).
func (a *Asked) Refuse() { a.ok = false }

// Ask returns the request's page and, when it may be served again, its
// bytes. key names the page and everyone it may be shown to: it must
// hold every input of the page that row_changes does not log. An empty
// key asks for a page that is never kept.
//
// A request that must render its page may be asked to render it for
// others asking at the same time: whoever calls Ask must call Release
// (defer it) once the page is kept or will not be.
func (pc *Cache) Ask(ctx context.Context, st *storage.Storage, key string, entries []storage.Entry, now time.Time) (Asked, *Page) {
	changes, ok := st.ChangesSeen(ctx)
	return pc.ask(ctx, Asked{key: key, changes: changes, ok: ok && key != "", entries: entries}, now)
}

func (pc *Cache) ask(ctx context.Context, asked Asked, now time.Time) (Asked, *Page) {
	if !asked.ok {
		return asked, nil
	}
	for waited := false; ; waited = true {
		if page, found := pc.pages.Get(asked.key); found && page.changes == asked.changes && slices.Equal(page.entries, asked.entries) &&
			(page.until.IsZero() || now.Before(page.until)) {
			pc.served.Add(1)
			return asked, &page
		}
		pc.mu.Lock()
		f := pc.flights[asked.key]
		if f == nil || f.changes != asked.changes || waited {
			// Rendered here: for the others too when no one else is.
			if f == nil {
				asked.flight = &flight{changes: asked.changes, done: make(chan struct{})}
				pc.flights[asked.key] = asked.flight
			}
			pc.mu.Unlock()
			return asked, nil
		}
		pc.mu.Unlock()
		pc.waiting.Add(1)
		select {
		case <-f.done: // then look again: the page is kept, or not (too big, refused)
			pc.waiting.Add(-1)
		case <-ctx.Done():
			pc.waiting.Add(-1)
			return asked, nil
		}
	}
}

// Release lets the requests waiting for this one's page look again. It
// may be called more than once.
func (pc *Cache) Release(asked Asked) {
	if asked.flight == nil {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.release(asked)
}

// release is Release with pc.mu held.
func (pc *Cache) release(asked Asked) {
	if f := asked.flight; f != nil && pc.flights[asked.key] == f {
		delete(pc.flights, asked.key)
		close(f.done)
	}
}

// Keep holds a page just rendered for the next time it is asked. until is
// when the first thing on it ends (zero: nothing does).
func (pc *Cache) Keep(asked Asked, until time.Time, header string, body []byte) {
	if !asked.ok || len(body) > maxPageBytes || len(asked.key) > maxKeyBytes {
		pc.Release(asked)
		return
	}
	page := Page{changes: asked.changes, entries: slices.Clone(asked.entries), until: until, Header: header, Body: slices.Clone(body)}
	page.size = len(body) + len(asked.key) + len(header)
	for _, e := range asked.entries {
		page.size += len(e.Key) + len(e.ID) + 32 // and the two string headers
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.pages.Remove(asked.key) // its bytes leave the count through the callback
	pc.pages.Add(asked.key, page)
	pc.bytes += page.size
	for pc.bytes > maxBytes {
		pc.pages.RemoveOldest()
	}
	pc.release(asked)
}

// Purge drops every page.
func (pc *Cache) Purge() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.pages.Purge()
}

// Served counts the pages served again since the cache was made.
func (pc *Cache) Served() uint64 { return uint64(pc.served.Load()) }

// Earlier returns the earlier of two times, zero meaning never.
func Earlier(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
