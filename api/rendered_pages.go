package api

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Rendered pages: with every row a timeline page needs already in the
// storage's caches, rendering and encoding it was still over half of a
// kept page's CPU (issue 17, pprof: 30 % in the renderer, 12 % in the
// encoder, the rest mostly the socket). A reader who asks again for the
// same page, holding the same items, while no change of any kind was
// seen, gets the same bytes again.
//
// It is as exact as the caches it renders from, and no more: a page is
// served again only when
//   - the storage's look at row_changes has found nothing since it was
//     rendered (storage.ChangesSeen), whatever the change and whoever's
//     it was: a favourite, an edit, a block, a vote, a new filter;
//   - the page holds the same items in the same order (the timeline
//     itself is read from its own cache on every request, with the
//     audience rule, mutes that end and deletions);
//   - no poll on it and none of the reader's filters has ended since it
//     was rendered (the only parts that change with the clock).
// Pages that name a report are never kept: reports are read from the
// database on each request.

const (
	// renderedPagesBytes bounds the memory held: about 250 pages of 20
	// statuses. The least recently asked go first.
	renderedPagesBytes = 8 << 20
	// A longer page (up to 80 notifications) is rendered each time
	// rather than held.
	renderedPageMaxBytes = 256 << 10
	// The key holds the request's URI, which the client chooses: a page
	// asked under a longer one is not kept (timeline URIs are short; a
	// padded one would otherwise hold memory three times, in the key and
	// the two links).
	renderedPageMaxKey = 1 << 10
	// renderedPagesCount bounds the number of pages, however small.
	renderedPagesCount = 4096
)

type renderedPage struct {
	size    int // bytes held: body, key, link and items
	changes uint64
	entries []storage.Entry
	until   time.Time // zero: nothing on the page ends
	link    string
	body    []byte
}

type renderedPages struct {
	mu    sync.Mutex // over bytes and the evictions that keep it in bounds
	pages *lru.Cache[string, renderedPage]
	bytes int
	// served counts the pages served again, for tests.
	served atomic.Uint64
}

func newRenderedPages() *renderedPages {
	rp := &renderedPages{}
	rp.pages, _ = lru.NewWithEvict(renderedPagesCount, func(_ string, page renderedPage) { rp.bytes -= page.size })
	return rp
}

// pageAsked is one request for a page: what it must match to be served
// from what was rendered before, and what to keep once rendered.
type pageAsked struct {
	key     string
	changes uint64
	ok      bool // the request looked for changes: its page may be kept
	entries []storage.Entry
}

// ask returns the request's page and, when it may be served again, its
// bytes.
func (rp *renderedPages) ask(c *gin.Context, st *storage.Storage, viewer *model.Account, entries []storage.Entry, now time.Time) (pageAsked, *renderedPage) {
	changes, ok := st.ChangesSeen(c.Request.Context())
	asked := pageAsked{key: viewerID(viewer) + " " + c.Request.URL.RequestURI(), changes: changes, ok: ok, entries: entries}
	if !ok {
		return asked, nil
	}
	page, found := rp.pages.Get(asked.key)
	if !found || page.changes != changes || !slices.Equal(page.entries, entries) ||
		(!page.until.IsZero() && !now.Before(page.until)) {
		return asked, nil
	}
	rp.served.Add(1)
	return asked, &page
}

// keep holds a page just rendered for the next time it is asked.
func (rp *renderedPages) keep(asked pageAsked, until time.Time, link string, body []byte) {
	if !asked.ok || len(body) > renderedPageMaxBytes || len(asked.key) > renderedPageMaxKey {
		return
	}
	page := renderedPage{changes: asked.changes, entries: slices.Clone(asked.entries), until: until, link: link, body: slices.Clone(body)}
	page.size = len(body) + len(asked.key) + len(link)
	for _, e := range asked.entries {
		page.size += len(e.Key) + len(e.ID) + 32 // and the two string headers
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.pages.Remove(asked.key) // its bytes leave the count through the callback
	rp.pages.Add(asked.key, page)
	rp.bytes += page.size
	for rp.bytes > renderedPagesBytes {
		rp.pages.RemoveOldest()
	}
}

// respond answers with a page rendered before.
func (page *renderedPage) respond(c *gin.Context) {
	if page.link != "" {
		c.Header("Link", page.link)
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", page.body)
}

// respondRendered answers 200 with the JSON array of items, written by
// appendItem as c.JSON would, and keeps the bytes for the next time the
// page is asked.
func respondRendered[T any](c *gin.Context, rp *renderedPages, asked pageAsked, until time.Time, items []T, appendItem func([]byte, *T) []byte) {
	bp := pageBuffers.Get().(*[]byte)
	b := appendJSONPage((*bp)[:0], items, appendItem)
	rp.keep(asked, until, c.Writer.Header().Get("Link"), b)
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	if cap(b) <= 1<<20 { // keep the odd huge page out of the pool
		*bp = b
		pageBuffers.Put(bp)
	}
}

// statusesEnd returns when the first poll among statuses that has not
// ended yet ends (zero if none will).
func statusesEnd(out []statusJSON, now time.Time) time.Time {
	var until time.Time
	for i := range out {
		until = earlier(until, statusEnds(&out[i], now))
	}
	return until
}

func statusEnds(s *statusJSON, now time.Time) time.Time {
	if s == nil {
		return time.Time{}
	}
	var until time.Time
	if p, ok := s.Poll.(*pollJSON); ok && p.ends.After(now) {
		until = p.ends
	}
	return earlier(until, statusEnds(s.Reblog, now))
}

// filtersEnd returns when the first of the viewer's filters that has not
// ended yet ends (zero if none will). It reads the filters again after
// the renderer did; should another request's look have changed them in
// between, that look moved the count of changes past the one this page
// is kept under, and the page is never served again.
func (h *Handlers) filtersEnd(ctx context.Context, viewer *model.Account, now time.Time) (time.Time, error) {
	if viewer == nil {
		return time.Time{}, nil
	}
	fs, err := h.Store.Filters(ctx, viewer.ID)
	if err != nil {
		return time.Time{}, err
	}
	var until time.Time
	for _, f := range fs {
		if f.ExpiresAt != nil && f.ExpiresAt.After(now) {
			until = earlier(until, *f.ExpiresAt)
		}
	}
	return until, nil
}

// earlier returns the earlier of two times, zero meaning never.
func earlier(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
