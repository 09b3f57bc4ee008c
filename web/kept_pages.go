package web

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/pagecache"
	"github.com/coopol/coopol/storage"
)

// Kept pages (pagecache): a signed-in page asked again while nothing it
// shows has changed is answered with the bytes rendered the first time.
// The web home page cost 3.4–5.8 ms of CPU, 60 % of it in html/template
// (issue 17), and its p99 at 16 connections was 95–126 ms.
//
// Everything a kept page shows is either in its key or logged in
// row_changes, and read after the request's look at it (LookForChanges,
// in the session middleware for the routes in keptRoutes):
//   - in the key: the session (its CSRF token is in every form), the
//     language and the URI;
//   - logged: the viewer's user and account, the timeline and its
//     statuses, accounts, media, polls, cards, events and slots, the
//     viewer's favourites and boosts, groups and roles, notifications,
//     conversations read (the unread counts) and what waits for the staff
//     (users, memberships, reports);
//   - the clock, through until: a poll that ends changes its wording.
// A page carrying a one-time message (the flash cookie) is neither kept
// nor served from what was kept.

// keptRoutes are the pages that may be kept. Their requests look at
// row_changes before the session is read (session).
var keptRoutes = map[string]bool{"/home": true}

// askKept returns the request's page and, when it may be served again,
// its bytes.
func (h *Handlers) askKept(c *gin.Context, entries []storage.Entry, now time.Time) (pagecache.Asked, *pagecache.Page) {
	return h.kept.Ask(c.Request.Context(), h.Store, h.keptKey(c), entries, now)
}

// keptKey names a signed-in page; "" for a page that is never kept.
func (h *Handlers) keptKey(c *gin.Context) string {
	v := viewerOf(c)
	if v == nil || v.tokenHash == "" || !keptRoutes[c.FullPath()] {
		return ""
	}
	if ck, err := c.Cookie(flashCookie); err == nil && ck != "" {
		return ""
	}
	return v.tokenHash + " " + h.msgs.choose(c.Request) + " " + c.Request.URL.RequestURI()
}

// statusesEnd returns when the first poll among views that has not ended
// yet ends (zero if none will).
func statusesEnd(views []statusView, now time.Time) time.Time {
	var until time.Time
	for _, v := range views {
		if v.Poll != nil && v.Poll.ExpiresAt != nil && v.Poll.ExpiresAt.After(now) {
			until = pagecache.Earlier(until, *v.Poll.ExpiresAt)
		}
	}
	return until
}
