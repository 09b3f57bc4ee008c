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
	mu    sync.Mutex // over bytes and the evictions that keep it in bounds
	pages *lru.Cache[string, Page]
	bytes int
	// served counts the pages served again, for tests.
	served atomic.Uint64
}

func New() *Cache {
	pc := &Cache{}
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
}

// Refuse marks the page as not to be kept: something on it is not
// covered by the cache's rule (a report, a one-time message).
func (a *Asked) Refuse() { a.ok = false }

// Ask returns the request's page and, when it may be served again, its
// bytes. key names the page and everyone it may be shown to: it must
// hold every input of the page that row_changes does not log. An empty
// key asks for a page that is never kept.
func (pc *Cache) Ask(ctx context.Context, st *storage.Storage, key string, entries []storage.Entry, now time.Time) (Asked, *Page) {
	changes, ok := st.ChangesSeen(ctx)
	asked := Asked{key: key, changes: changes, ok: ok && key != "", entries: entries}
	if !asked.ok {
		return asked, nil
	}
	page, found := pc.pages.Get(key)
	if !found || page.changes != changes || !slices.Equal(page.entries, entries) ||
		(!page.until.IsZero() && !now.Before(page.until)) {
		return asked, nil
	}
	pc.served.Add(1)
	return asked, &page
}

// Keep holds a page just rendered for the next time it is asked. until is
// when the first thing on it ends (zero: nothing does).
func (pc *Cache) Keep(asked Asked, until time.Time, header string, body []byte) {
	if !asked.ok || len(body) > maxPageBytes || len(asked.key) > maxKeyBytes {
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
}

// Purge drops every page.
func (pc *Cache) Purge() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.pages.Purge()
}

// Served counts the pages served again since the cache was made.
func (pc *Cache) Served() uint64 { return pc.served.Load() }

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
