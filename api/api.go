// Package api is the Mastodon-compatible client API transport: OAuth 2
// (apps, authorize, token, revoke), the authentication and scope
// middleware every endpoint uses, and the /api/v1 and /api/v2 endpoints.
// Handlers parse, authenticate, call storage or the domain, and render
// JSON; errors are always {"error": "..."} (OAuth ones add
// error_description), never HTML and never a 500 for bad input.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/pagecache"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
	"github.com/coopol/coopol/uris"
)

// Version is what clients parse to pick features: Mastodon 4.3's API,
// Pleroma-style suffix naming the real software.
const Version = "4.3.0 (compatible; Coopol 0.1.0)"

// maxBodyBytes bounds form and JSON bodies of the endpoints in this slice.
const maxBodyBytes = 1 << 20

// Deps is what the API needs from the rest of the server.
type Deps struct {
	Config config.Config
	Store  *storage.Storage
	Log    *slog.Logger
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
	// Social is the domain service. Without it (tests of the OAuth and
	// instance endpoints) the endpoints that need it are not mounted.
	Social *social.Service
	// Media stores and serves uploads; without it the media endpoints
	// are not mounted.
	Media *media.Service
	// OnTokenIssued, when set, is told of each access token issued (the
	// rate limiter trusts it at once: a bad-token flood from the same
	// address does not shut out a token just issued).
	OnTokenIssued func(token string)
	// CSRFSecret keys the consent page's CSRF tokens; nil derives it from
	// the instance actor's key, as the web's anonymous tokens are.
	CSRFSecret *auth.ServerSecret
}

// Handlers carries the dependencies of every endpoint. Later endpoint
// files add methods on it and use its middleware (RequireScope, ...).
type Handlers struct {
	Deps
	pages      *pageRenderer
	rendered   *pagecache.Cache
	csrfSecret *auth.ServerSecret
}

// New builds the handlers; Register calls it.
func New(d Deps) *Handlers {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	secret := d.CSRFSecret
	if secret == nil {
		store := d.Store
		secret = &auth.ServerSecret{Load: func(ctx context.Context) (string, error) {
			a, err := store.LocalAccount(ctx, uris.InstanceActorUsername)
			if err != nil {
				return "", err
			}
			return a.PrivateKeyPEM, nil
		}}
	}
	return &Handlers{Deps: d, pages: newPageRenderer(), rendered: pagecache.New(), csrfSecret: secret}
}

// now is the current time in UTC, at the precision both databases keep.
func (h *Handlers) now() time.Time { return h.Now().UTC().Truncate(time.Microsecond) }

// Register mounts the client API, the OAuth endpoints and a JSON 404 for
// unknown /api/ paths on r, and returns the handlers so that the caller
// (or tests) can mount more routes with the same middleware.
//
// Register installs r.NoRoute(NoRouteHandler(nil)). If another transport
// (the web UI) needs its own not-found page, call
// r.NoRoute(api.NoRouteHandler(webNotFound)) after Register: API paths
// keep answering JSON, the rest goes to webNotFound.
func Register(r *gin.Engine, d Deps) *Handlers {
	h := New(d)
	h.Routes(r)
	r.NoRoute(NoRouteHandler(nil))
	return h
}

// Routes mounts the endpoints of this package on r (without NoRoute).
func (h *Handlers) Routes(r *gin.Engine) {
	// Cross-origin API access is needed by browser clients (Elk, Phanpy)
	// and safe: the API authenticates with bearer tokens only, never
	// cookies, so "*" exposes nothing (U-06).
	cors := corsHeaders
	r.OPTIONS("/api/*path", cors, preflight)
	r.OPTIONS("/oauth/token", cors, preflight)
	r.OPTIONS("/oauth/revoke", cors, preflight)
	r.OPTIONS("/.well-known/oauth-authorization-server", cors, preflight)

	r.GET("/.well-known/oauth-authorization-server", cors, recoverJSON(h.Log), h.oauthMetadata)

	oauth := r.Group("/oauth")
	oauth.GET("/authorize", recoverHTML(h), h.authorizeForm)
	oauth.POST("/authorize", recoverHTML(h), h.authorizeSubmit)
	oauth.POST("/token", cors, recoverJSON(h.Log), h.token)
	oauth.POST("/revoke", cors, recoverJSON(h.Log), h.revoke)

	v1 := r.Group("/api/v1", cors, recoverJSON(h.Log), noStore)
	v1.POST("/apps", h.createApp)
	v1.GET("/apps/verify_credentials", h.RequireAppToken(), h.verifyAppCredentials)

	// Instance information is public and never depends on the viewer: a
	// stale token sent along must not stop a client from reading it.
	v1.GET("/instance", h.instanceV1)
	v1.GET("/instance/peers", emptyList)
	v1.GET("/instance/activity", h.instanceActivity)
	h.instancePageRoutes(v1)
	v1.GET("/custom_emojis", emptyList)
	v1.GET("/announcements", h.RequireScope("read"), emptyList)
	v1.GET("/preferences", h.RequireScope("read:accounts"), h.preferences)

	v2 := r.Group("/api/v2", cors, recoverJSON(h.Log), noStore)
	v2.GET("/instance", h.instanceV2)
	r.GET(defaultThumbnailPath, serveThumbnail)

	if h.Social != nil {
		// Filters apply by context: timelines, threads, notifications.
		v1.Use(withFilterContext)
		v2.Use(withFilterContext)
		h.socialRoutes(r, v1, v2)
	}
}

// isAPIPath reports whether a path belongs to this transport, so that
// unknown routes under it answer JSON rather than a web page.
func isAPIPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/oauth/") ||
		p == "/.well-known/oauth-authorization-server"
}

// NoRouteHandler answers 404 {"error":"Record not found"} for unknown
// API paths (and wrong methods on them) and hands every other path to
// fallback (a plain 404 when fallback is nil).
func NoRouteHandler(fallback gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if HandleNoRoute(c) {
			return
		}
		if fallback != nil {
			fallback(c)
			return
		}
		c.String(http.StatusNotFound, "404 page not found")
	}
}

// HandleNoRoute answers the request with a JSON 404 when its path belongs
// to the API and reports whether it did.
func HandleNoRoute(c *gin.Context) bool {
	if !isAPIPath(c.Request.URL.Path) {
		return false
	}
	corsHeaders(c)
	c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "Record not found"})
	return true
}

// ErrorJSON aborts with {"error": msg}: the one error shape of the API.
func ErrorJSON(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}

// oauthError aborts with an RFC 6749 error: {"error", "error_description"}.
func oauthError(c *gin.Context, status int, code, description string) {
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(status, gin.H{"error": code, "error_description": description})
}

func emptyList(c *gin.Context) { c.JSON(http.StatusOK, []any{}) }

func noStore(c *gin.Context) {
	c.Header("Cache-Control", "private, no-store")
	c.Next()
}

func corsHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key")
	h.Add("Vary", "Origin")
}

func preflight(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Accept, Accept-Language")
	h.Set("Access-Control-Max-Age", "86400")
	c.AbortWithStatus(http.StatusNoContent)
}

// recoverJSON turns a panic into a logged 500 {"error": ...} rather than
// gin's empty answer.
func recoverJSON(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log.Error("panic in API handler", "path", c.FullPath(), "panic", fmt.Sprint(r))
				if !c.Writer.Written() {
					ErrorJSON(c, http.StatusInternalServerError, "Internal server error")
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// internalError logs err and answers 500 JSON without details.
func (h *Handlers) internalError(c *gin.Context, err error) {
	h.Log.Error("api error", "path", c.FullPath(), "err", err)
	ErrorJSON(c, http.StatusInternalServerError, "Internal server error")
}

// params is a request's parameters from a JSON body, a form body
// (urlencoded or multipart) and the query string, as Mastodon accepts
// them all. Keys in a JSON body win over the query string.
type params struct {
	json map[string]any
	form url.Values
}

var (
	errBadBody  = errors.New("the request body could not be parsed")
	errBadParam = errors.New("a parameter holds a NUL byte or is not UTF-8")
)

// readParams parses the request's parameters, reading at most
// maxBodyBytes of body.
func readParams(c *gin.Context) (*params, error) {
	req := c.Request
	p := &params{form: url.Values{}}
	if req.Body != nil {
		req.Body = http.MaxBytesReader(c.Writer, req.Body, maxBodyBytes)
	}
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	switch {
	case ct == "application/json":
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, errBadBody
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, &p.json); err != nil {
				return nil, errBadBody
			}
		}
		p.form = req.URL.Query()
	case ct == "multipart/form-data":
		if err := req.ParseMultipartForm(maxBodyBytes); err != nil {
			return nil, errBadBody
		}
		p.form = req.Form
	default:
		if err := req.ParseForm(); err != nil {
			return nil, errBadBody
		}
		p.form = req.Form
		if req.Method == http.MethodDelete && ct == "application/x-www-form-urlencoded" && req.Body != nil {
			// net/http reads form bodies of POST, PUT and PATCH only;
			// clients send DELETE /api/v1/lists/:id/accounts with one.
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, errBadBody
			}
			values, err := url.ParseQuery(string(body))
			if err != nil {
				return nil, errBadBody
			}
			for k, v := range values {
				p.form[k] = append(p.form[k], v...)
			}
		}
	}
	// No NUL byte or non-UTF-8 text in any parameter (issue 12): the
	// server checks form and JSON bodies before routing, multipart ones
	// are parsed only here.
	if !text.CleanValues(p.form) || (p.json != nil && !text.CleanJSON(p.json)) {
		return nil, errBadParam
	}
	return p, nil
}

// Get returns a single value ("" if absent). JSON numbers and booleans
// are turned into their text.
func (p *params) Get(key string) string {
	if v, ok := p.json[key]; ok {
		switch v := v.(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			return strconv.FormatBool(v)
		case []any:
			if len(v) > 0 {
				if s, ok := v[0].(string); ok {
					return s
				}
			}
		}
		return ""
	}
	return p.form.Get(key)
}

// List returns every value of key: a JSON array or string, or repeated
// form fields named key or key[].
func (p *params) List(key string) []string {
	if v, ok := p.json[key]; ok {
		switch v := v.(type) {
		case string:
			return []string{v}
		case []any:
			var out []string
			for _, item := range v {
				if s, ok := item.(string); ok {
					out = append(out, s)
				}
			}
			return out
		}
		return nil
	}
	if v, ok := p.json[key+"[]"]; ok {
		if arr, ok := v.([]any); ok {
			var out []string
			for _, item := range arr {
				if s, ok := item.(string); ok {
					out = append(out, s)
				}
			}
			return out
		}
	}
	return append(append([]string{}, p.form[key]...), p.form[key+"[]"]...)
}
