package web

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure
// when the instance is served over https); the database keeps only its
// SHA-256 (U-03). A session lasts 30 days from login.

const (
	sessionCookie   = "coopol_session"
	sessionLifetime = 30 * 24 * time.Hour
	// touchEvery bounds the writes a browsing person causes: last use
	// (and the user's last_seen_at, for activity figures) is recorded at
	// most this often.
	touchEvery = time.Hour
)

const ctxViewer = "coopol.web.viewer"

// viewer is the logged-in person of a request.
type viewer struct {
	User    *model.User
	Account *model.Account
	token   string // the raw session token, from the cookie
	// tokenHash names the session (kept pages are per session).
	tokenHash string
}

// viewerOf returns the logged-in person, or nil.
func viewerOf(c *gin.Context) *viewer {
	if v, ok := c.Get(ctxViewer); ok {
		return v.(*viewer)
	}
	return nil
}

// accountOf returns the logged-in person's account, or nil: the viewer the
// domain's visibility rules take.
func accountOf(c *gin.Context) *model.Account {
	if v := viewerOf(c); v != nil {
		return v.Account
	}
	return nil
}

// mayLogIn: approved, not disabled, not suspended.
func mayLogIn(u *model.User) bool {
	return u != nil && u.Approved && u.DisabledAt == nil && u.Account != nil && u.Account.SuspendedAt == nil
}

// session loads the logged-in person from the session cookie.
func (h *Handlers) session(c *gin.Context) {
	raw, err := c.Cookie(sessionCookie)
	if err != nil || raw == "" {
		c.Next()
		return
	}
	ctx := c.Request.Context()
	if keptRoutes[c.FullPath()] {
		// Look before the session, its user and account are read: a page
		// kept by the count of changes seen must not show older rows
		// (kept_pages.go). Other pages read them as they always did, and
		// look when they first read a cache, if they do.
		h.Store.LookForChanges(ctx)
	}
	now := h.now()
	hash := auth.HashToken(raw)
	ws, err := h.Store.WebSessionByTokenHash(ctx, hash, now)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		h.clearCookie(c, sessionCookie)
	case err != nil:
		h.Log.Error("web: load session", "err", err)
	case !mayLogIn(ws.User):
		h.clearCookie(c, sessionCookie)
	default:
		c.Set(ctxViewer, &viewer{User: ws.User, Account: ws.User.Account, token: raw, tokenHash: hash})
		if now.Sub(ws.LastUsedAt) > touchEvery {
			if err := h.Store.TouchWebSession(ctx, ws, now); err != nil {
				h.Log.Warn("web: touch session", "err", err)
			}
		}
	}
	c.Next()
}

// startSession logs user in: a fresh token (never reusing one the browser
// already had, against session fixation) in the session cookie.
func (h *Handlers) startSession(c *gin.Context, user *model.User) error {
	ctx := c.Request.Context()
	now := h.now()
	raw := auth.NewToken()
	ua := c.Request.UserAgent()
	if len(ua) > 200 {
		ua = ua[:200]
	}
	ws := &model.WebSession{ID: model.NewID(now), TokenHash: auth.HashToken(raw), UserID: user.ID, UserAgent: ua,
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(sessionLifetime)}
	if err := h.Store.CreateWebSession(ctx, ws); err != nil {
		return err
	}
	if err := h.Store.DeleteExpiredWebSessions(ctx, now); err != nil {
		h.Log.Warn("web: purge sessions", "err", err)
	}
	h.setCookie(c, sessionCookie, raw, int(sessionLifetime/time.Second), true)
	c.Set(ctxViewer, &viewer{User: user, Account: user.Account, token: raw, tokenHash: ws.TokenHash})
	return nil
}

// endSession logs out: the session row goes, and the cookie.
func (h *Handlers) endSession(c *gin.Context) {
	if v := viewerOf(c); v != nil {
		if err := h.Store.DeleteWebSession(c.Request.Context(), auth.HashToken(v.token)); err != nil {
			h.Log.Error("web: delete session", "err", err)
		}
	}
	h.clearCookie(c, sessionCookie)
	c.Set(ctxViewer, (*viewer)(nil))
}

// setCookie sets a first-party cookie on the whole site.
func (h *Handlers) setCookie(c *gin.Context, name, value string, maxAge int, httpOnly bool) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: httpOnly,
		Secure: h.Config.Protocol == "https", SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handlers) clearCookie(c *gin.Context, name string) {
	h.setCookie(c, name, "", -1, true)
}

// requireLogin sends anonymous visitors to the login page, and back after.
func (h *Handlers) requireLogin(c *gin.Context) {
	if viewerOf(c) != nil {
		c.Next()
		return
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		h.errorPage(c, http.StatusUnauthorized, "error.login_required")
		c.Abort()
		return
	}
	c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
	c.Abort()
}

// sessionCSRF derives a logged-in person's CSRF token from their session
// token: unguessable without the cookie, and it reveals nothing of it.
func sessionCSRF(token string) string {
	sum := sha256.Sum256([]byte("coopol web csrf\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// flash messages survive one redirect in a short cookie holding a catalog
// key (never free text).
const flashCookie = "coopol_flash"

func (h *Handlers) flash(c *gin.Context, key string) {
	h.setCookie(c, flashCookie, key, 60, true)
}

func (h *Handlers) takeFlash(c *gin.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck == "" {
		return ""
	}
	h.clearCookie(c, flashCookie)
	if !strings.HasPrefix(ck, "flash.") || strings.ContainsAny(ck, " <>\"'") {
		return ""
	}
	return ck
}
