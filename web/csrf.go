package web

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/text"
)

// CSRF: every form carries a token the server checks before anything
// else runs; a refusal is a 403 and changes nothing. A logged-in person's
// token derives from their session; before login (sign-up, login and
// password forms) the cookie holds a random value and the token is an
// HMAC of it under a key only this server knows: a site that manages to
// set the cookie (a sibling subdomain, a man in the middle on plain HTTP)
// still cannot compute the token that goes with it.

const (
	csrfCookie = "coopol_csrf"
	csrfField  = "csrf_token"
	// maxFormBytes bounds form bodies.
	maxFormBytes = 1 << 20
)

// csrfToken is the token forms of this request must carry; for an
// anonymous visitor it is created (with its cookie) on first need.
func (h *Handlers) csrfToken(c *gin.Context) string {
	if v := viewerOf(c); v != nil {
		return sessionCSRF(v.token)
	}
	nonce, ok := c.Get(csrfCookie)
	if !ok {
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck) >= 32 {
			nonce = ck
		} else {
			nonce = auth.NewToken()
			h.setCookie(c, csrfCookie, nonce.(string), 0, true) // a browser-session cookie
		}
		c.Set(csrfCookie, nonce)
	}
	return h.anonymousCSRF(c, nonce.(string))
}

// anonymousCSRF is the token that goes with a cookie value, or "" when the
// server key cannot be had (then forms are refused, never accepted).
func (h *Handlers) anonymousCSRF(c *gin.Context, nonce string) string {
	key, err := h.csrfSecret.Key(c.Request.Context(), "anonymous csrf")
	if err != nil {
		h.Log.Error("csrf: server key", "err", err)
		return ""
	}
	return auth.BoundToken(key, nonce)
}

// expectedCSRF is the token a form posted in this request must carry, or
// "" when there is none to match (then every post is refused).
func (h *Handlers) expectedCSRF(c *gin.Context) string {
	if v := viewerOf(c); v != nil {
		return sessionCSRF(v.token)
	}
	if ck, err := c.Cookie(csrfCookie); err == nil && len(ck) >= 32 {
		return h.anonymousCSRF(c, ck)
	}
	return ""
}

// checkCSRF guards every POST.
func (h *Handlers) checkCSRF(c *gin.Context) {
	limit := int64(maxFormBytes)
	if viewerOf(c) != nil && c.FullPath() == "/statuses" && strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		limit = h.maxUpload() // a post with attachments
	}
	if viewerOf(c) != nil && c.FullPath() == groupSettingsPath && strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		limit = 2*h.maxUpload() + 1<<20 // a group's avatar and header
	}
	if viewerOf(c) != nil && c.FullPath() == electionsImportPath && strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		limit = electionsUploadLimit // a results file (staff only, checked next)
	}
	if viewerOf(c) != nil && c.FullPath() == addressesImportPath && strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		limit = addressesUploadLimit // an address file (staff only, checked next)
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	// Browsers say where a request comes from; a cross-site post is
	// refused even before the token is looked at.
	if strings.EqualFold(c.GetHeader("Sec-Fetch-Site"), "cross-site") {
		h.refuseCSRF(c)
		return
	}
	want := h.expectedCSRF(c)
	got := c.PostForm(csrfField)
	if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		h.refuseCSRF(c)
		return
	}
	// The fields of a multipart form (a post with attachments, an import)
	// are parsed only now: no NUL byte or non-UTF-8 text in them (issue
	// 12; form and JSON bodies are checked before routing).
	if mf := c.Request.MultipartForm; mf != nil && !text.CleanValues(mf.Value) {
		h.errorPage(c, http.StatusBadRequest, "error.bad_params")
		return
	}
	c.Next()
}

func (h *Handlers) refuseCSRF(c *gin.Context) {
	h.Log.Info("web: form refused (CSRF)", "path", c.FullPath())
	h.errorPage(c, http.StatusForbidden, "error.csrf")
	c.Abort()
}
