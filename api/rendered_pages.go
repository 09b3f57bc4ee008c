package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/pagecache"
	"github.com/coopol/coopol/storage"
)

// Rendered pages (pagecache): a reader who asks again for the same page,
// holding the same items, while no change of any kind was seen, gets the
// same bytes again. Besides what pagecache checks, a page is kept until
// the first poll on it or the first of the reader's filters ends (the
// only parts of a JSON page that change with the clock). Pages that name
// a report are never kept: reports are read from the database on each
// request.

// askRendered returns the request's page and, when it may be served
// again, its bytes.
func (h *Handlers) askRendered(c *gin.Context, viewer *model.Account, entries []storage.Entry, now time.Time) (pagecache.Asked, *pagecache.Page) {
	return h.rendered.Ask(c.Request.Context(), h.Store, viewerID(viewer)+" "+c.Request.URL.RequestURI(), entries, now)
}

// respondKept answers with a page rendered before.
func respondKept(c *gin.Context, page *pagecache.Page) {
	if page.Header != "" {
		c.Header("Link", page.Header)
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", page.Body)
}

// respondRendered answers 200 with the JSON array of items, written by
// appendItem as c.JSON would, and keeps the bytes for the next time the
// page is asked.
func respondRendered[T any](c *gin.Context, rp *pagecache.Cache, asked pagecache.Asked, until time.Time, items []T, appendItem func([]byte, *T) []byte) {
	bp := pageBuffers.Get().(*[]byte)
	b := appendJSONPage((*bp)[:0], items, appendItem)
	rp.Keep(asked, until, c.Writer.Header().Get("Link"), b)
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
		until = pagecache.Earlier(until, statusEnds(&out[i], now))
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
	return pagecache.Earlier(until, statusEnds(s.Reblog, now))
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
			until = pagecache.Earlier(until, *f.ExpiresAt)
		}
	}
	return until, nil
}
