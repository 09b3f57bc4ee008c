package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/pagecache"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Helpers shared by the endpoints that call the domain.

const msgNotFound = "Record not found"

// OptionalScope is OptionalAuth for endpoints Mastodon serves without a
// token but whose tokens must carry a scope ("authorize_if_got_token"):
// anonymous requests pass; a token must be valid and grant one of scopes.
func (h *Handlers) OptionalScope(scopes ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !h.authenticateRequest(c, true) {
			return
		}
		if tok := CurrentToken(c); tok != nil && len(scopes) > 0 && !scopesAllow(parseScopes(tok.Scopes), scopes...) {
			insufficientScope(c)
			return
		}
		c.Next()
	}
}

// domainError answers an error from the domain: not found (or not
// visible) → 404, not allowed → 403, bad input → 422, anything else 500.
func (h *Handlers) domainError(c *gin.Context, err error) {
	var ve *social.ValidationError
	switch {
	case errors.Is(err, social.ErrNotFound), errors.Is(err, storage.ErrNotFound):
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
	case errors.Is(err, social.ErrForbidden):
		ErrorJSON(c, http.StatusForbidden, msgNotAllowed)
	case errors.As(err, &ve):
		ErrorJSON(c, http.StatusUnprocessableEntity, ve.Msg)
	default:
		h.internalError(c, err)
	}
}

// params reads the request's parameters, answering 400 when the body is
// unreadable.
func (h *Handlers) params(c *gin.Context) (*params, bool) {
	p, err := readParams(c)
	if err != nil {
		ErrorJSON(c, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return p, true
}

// parseBool reads a Mastodon boolean ("true", "1", "on", …); ok is false
// when s is empty.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return false, false
	case "1", "true", "t", "on", "yes":
		return true, true
	}
	return false, true
}

// queryBool reads a boolean query parameter (false when absent).
func queryBool(c *gin.Context, key string) bool {
	v, _ := parseBool(c.Query(key))
	return v
}

// queryList reads key[] and key from the query string.
func queryList(c *gin.Context, key string) []string {
	q := c.Request.URL.Query()
	return append(append([]string{}, q[key+"[]"]...), q[key]...)
}

// accountParam loads the account named by the :id path parameter; 404
// when it does not exist or is suspended.
func (h *Handlers) accountParam(c *gin.Context) (*model.Account, bool) {
	a, err := h.Store.AccountByIDCached(c.Request.Context(), c.Param("id"))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && a.SuspendedAt != nil) {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return nil, false
	}
	if err != nil {
		h.internalError(c, err)
		return nil, false
	}
	return a, true
}

// visibleFilter is the domain's audience rule for the current viewer.
func (h *Handlers) visibleFilter(viewer *model.Account) storage.StatusFilter {
	return storage.StatusFilter(h.Social.VisibleFilter(viewer))
}

// ---- Pagination ----

// Page sizes, as Mastodon's.
const (
	defaultStatusLimit       = 20
	maxStatusLimit           = 40
	defaultAccountLimit      = 40
	maxAccountLimit          = 80
	defaultNotificationLimit = 40
	maxNotificationLimit     = 80
)

// pageParams reads max_id, since_id, min_id and limit (default def, at
// most max).
func pageParams(c *gin.Context, def, max int) storage.Page {
	limit := def
	if n, err := strconv.Atoi(c.Query("limit")); err == nil && n > 0 {
		limit = min(n, max)
	}
	return storage.Page{MaxID: c.Query("max_id"), SinceID: c.Query("since_id"), MinID: c.Query("min_id"), Limit: limit}
}

// setLink sets the Link header of a page as Mastodon does:
// rel="next" pages back with max_id (the oldest key of the page),
// rel="prev" forward with min_id (the newest). Other query parameters
// (limit, filters) are kept. An empty page gets no Link. With fullOnly,
// next is given only when the page is full (lists of accounts).
func (h *Handlers) setLink(c *gin.Context, entries []storage.Entry, p storage.Page, fullOnly bool) {
	if len(entries) == 0 {
		return
	}
	link := func(key, value string) string {
		q := c.Request.URL.Query()
		q.Del("max_id")
		q.Del("min_id")
		q.Del("since_id")
		q.Set(key, value)
		u := url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}
		return "<" + h.Config.BaseURL() + u.String() + ">"
	}
	var parts []string
	if !fullOnly || len(entries) >= p.Limit {
		parts = append(parts, link("max_id", entries[len(entries)-1].Key)+`; rel="next"`)
	}
	parts = append(parts, link("min_id", entries[0].Key)+`; rel="prev"`)
	c.Header("Link", strings.Join(parts, ", "))
}

// respondStatusPage loads, renders and answers a page of statuses.
func (h *Handlers) respondStatusPage(c *gin.Context, viewer *model.Account, entries []storage.Entry, p storage.Page) {
	ctx := c.Request.Context()
	now := h.now() // before rendering: what ends after it is rendered as not ended yet
	asked, page := h.askRendered(c, viewer, entries, now)
	defer h.rendered.Release(asked)
	if page != nil {
		respondKept(c, page)
		return
	}
	sts, err := h.Store.StatusesByIDs(ctx, storage.Items(entries))
	if err != nil {
		h.internalError(c, err)
		return
	}
	out, err := h.renderStatuses(ctx, viewer, sts)
	if err != nil {
		h.internalError(c, err)
		return
	}
	until, err := h.filtersEnd(ctx, viewer, now)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.setLink(c, entries, p, false)
	respondRendered(c, h.rendered, asked, pagecache.Earlier(until, statusesEnd(out, now)), out, appendStatusJSON)
}

// respondAccountPage loads, renders and answers a page of accounts.
func (h *Handlers) respondAccountPage(c *gin.Context, entries []storage.Entry, p storage.Page) {
	accounts, err := h.Store.AccountsByIDs(c.Request.Context(), storage.Items(entries))
	if err != nil {
		h.internalError(c, err)
		return
	}
	kept := accounts[:0]
	for _, a := range accounts {
		if a.SuspendedAt == nil {
			kept = append(kept, a)
		}
	}
	out, err := h.renderAccounts(c.Request.Context(), kept)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.setLink(c, entries, p, true)
	c.JSON(http.StatusOK, out)
}
