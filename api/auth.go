package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Error texts clients know from Mastodon.
const (
	msgInvalidToken  = "The access token is invalid"
	msgOutsideScopes = "This action is outside the authorized scopes"
	msgUserRequired  = "This method requires an authenticated user"
	msgNotAllowed    = "This action is not allowed"
)

// touchInterval is how stale last_used_at may get: at most one write per
// token per minute.
const touchInterval = time.Minute

const ctxTokenKey = "coopol.api.token"

// ErrInvalidToken is returned by Authenticate for an unknown, revoked or
// orphaned token, or one whose user may not log in.
var ErrInvalidToken = errors.New("invalid access token")

// Authenticate resolves a raw access token: it must exist (looked up by
// hash, U-03), not be revoked, and, for user tokens, belong to an
// approved, enabled, unsuspended user. It also records the use (at most
// once a minute). The streaming endpoint calls it for tokens carried in
// Sec-WebSocket-Protocol.
func (h *Handlers) Authenticate(ctx context.Context, raw string) (*model.OAuthToken, error) {
	if raw == "" || len(raw) > 512 {
		return nil, ErrInvalidToken
	}
	tok, err := h.Store.OAuthTokenByHash(ctx, auth.HashToken(raw))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	if tok.RevokedAt != nil || tok.Application == nil {
		return nil, ErrInvalidToken
	}
	if tok.UserID != nil && !userMayLogIn(tok.User) {
		return nil, ErrInvalidToken
	}
	now := h.now()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= touchInterval {
		if err := h.Store.TouchOAuthToken(ctx, tok.ID, now); err != nil {
			h.Log.Warn("record token use", "err", err) // not worth failing the request
		} else {
			tok.LastUsedAt = &now
		}
	}
	return tok, nil
}

// userMayLogIn: approved, not disabled, account not suspended.
func userMayLogIn(u *model.User) bool {
	return u != nil && u.Approved && u.DisabledAt == nil && u.Account != nil && u.Account.SuspendedAt == nil
}

// requestToken extracts the access token of a request: the Authorization
// Bearer header, or — for the streaming API only, where browsers cannot
// set headers on WebSockets — the access_token query parameter or the
// Sec-WebSocket-Protocol header. Tokens are not read from query strings
// elsewhere, so they stay out of access logs. present reports whether
// the request tried to authenticate at all.
func requestToken(r *http.Request) (token string, present bool) {
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, tok, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", true
		}
		return strings.TrimSpace(tok), true
	}
	if strings.HasPrefix(r.URL.Path, "/api/v1/streaming") {
		if tok := r.URL.Query().Get("access_token"); tok != "" {
			return tok, true
		}
		if tok := r.Header.Get("Sec-WebSocket-Protocol"); tok != "" && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			return strings.TrimSpace(tok), true
		}
	}
	return "", false
}

// authenticateRequest stores the request's token in the context. It
// answers 401 and returns false when no valid token is there (or when a
// token is present but invalid, with optional set).
func (h *Handlers) authenticateRequest(c *gin.Context, optional bool) bool {
	raw, present := requestToken(c.Request)
	if !present && optional {
		return true
	}
	tok, err := h.Authenticate(c.Request.Context(), raw)
	if errors.Is(err, ErrInvalidToken) {
		c.Header("WWW-Authenticate", `Bearer realm="Coopol", error="invalid_token", error_description="`+msgInvalidToken+`"`)
		ErrorJSON(c, http.StatusUnauthorized, msgInvalidToken)
		return false
	}
	if err != nil {
		h.internalError(c, err)
		return false
	}
	c.Set(ctxTokenKey, tok)
	return true
}

func insufficientScope(c *gin.Context) {
	c.Header("WWW-Authenticate", `Bearer realm="Coopol", error="insufficient_scope", error_description="`+msgOutsideScopes+`"`)
	ErrorJSON(c, http.StatusForbidden, msgOutsideScopes)
}

// RequireScope admits requests carrying a valid user token that grants
// at least one of scopes (a parent scope counts: `read` grants
// `read:statuses`). No token or a bad one → 401; an app-only token → 422
// (as Mastodon: "This method requires an authenticated user"); a token
// without the scope → 403. With no scopes, any valid user token passes.
func (h *Handlers) RequireScope(scopes ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !h.authenticateRequest(c, false) {
			return
		}
		tok := CurrentToken(c)
		if tok.User == nil {
			ErrorJSON(c, http.StatusUnprocessableEntity, msgUserRequired)
			return
		}
		if len(scopes) > 0 && !scopesAllow(parseScopes(tok.Scopes), scopes...) {
			insufficientScope(c)
			return
		}
		c.Next()
	}
}

// RequireAppToken admits any valid token, app-only (client_credentials)
// or user, that grants one of scopes (any token when scopes is empty).
func (h *Handlers) RequireAppToken(scopes ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !h.authenticateRequest(c, false) {
			return
		}
		if len(scopes) > 0 && !scopesAllow(parseScopes(CurrentToken(c).Scopes), scopes...) {
			insufficientScope(c)
			return
		}
		c.Next()
	}
}

// OptionalAuth is for public endpoints that show more to a signed-in
// viewer: without credentials the request goes on anonymously
// (CurrentUser is nil); with credentials they must be valid (401
// otherwise, so that a client notices a revoked token).
func (h *Handlers) OptionalAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		if h.authenticateRequest(c, true) {
			c.Next()
		}
	}
}

// RequireStaff, placed after RequireScope, admits only instance admins and
// moderators: admin:* scopes alone do not make someone staff.
func (h *Handlers) RequireStaff() gin.HandlerFunc {
	return func(c *gin.Context) {
		if u := CurrentUser(c); u == nil || !u.IsStaff() {
			ErrorJSON(c, http.StatusForbidden, msgNotAllowed)
			return
		}
		c.Next()
	}
}

// CurrentToken is the request's access token, with its Application and
// (for user tokens) User and User.Account loaded; nil when anonymous.
func CurrentToken(c *gin.Context) *model.OAuthToken {
	if v, ok := c.Get(ctxTokenKey); ok {
		if tok, ok := v.(*model.OAuthToken); ok {
			return tok
		}
	}
	return nil
}

// CurrentUser is the signed-in user, or nil (anonymous or app-only token).
func CurrentUser(c *gin.Context) *model.User {
	if tok := CurrentToken(c); tok != nil {
		return tok.User
	}
	return nil
}

// CurrentAccount is the signed-in user's account, or nil.
func CurrentAccount(c *gin.Context) *model.Account {
	if u := CurrentUser(c); u != nil {
		return u.Account
	}
	return nil
}

// CurrentApplication is the client application of the request's token,
// or nil when anonymous.
func CurrentApplication(c *gin.Context) *model.OAuthApplication {
	if tok := CurrentToken(c); tok != nil {
		return tok.Application
	}
	return nil
}

// HasScope reports whether the request's token grants one of scopes, for
// endpoints whose answer depends on a scope rather than being refused.
func HasScope(c *gin.Context, scopes ...string) bool {
	tok := CurrentToken(c)
	return tok != nil && scopesAllow(parseScopes(tok.Scopes), scopes...)
}
