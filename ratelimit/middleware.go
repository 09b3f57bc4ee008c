package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3/drivers/store/memory"
)

// Set is an instance's limiters. The server builds one and installs
// Middleware; other transports (the web login and sign-up forms) use
// LoginForm, LoginBlocked/LoginFailed and RegistrationForm on the same
// Set, so that an attacker does not get one budget per form.
type Set struct {
	Login, LoginAccount, Registration *Limiter
	APIAnonymous, APIAuthenticated    *Limiter
	BadToken, Inbox                   *Limiter

	// Now is the clock used for Retry-After (the counters themselves use
	// the real clock).
	Now func() time.Time

	// OnLoginFailures, when set, is called when a login name uses up its
	// LoginAccount budget (once per window), to tell the owner.
	OnLoginFailures func(ctx context.Context, login string)
	// TrustedDevice, when set, reports whether the request comes from a
	// browser in which login's owner logged in before (a device cookie):
	// the LoginAccount budget does not apply to it.
	TrustedDevice func(c *gin.Context, login string) bool

	slowLane SlowLane
	trust    trust // see trusted.go
}

// NewSet builds the limiters of cfg over one in-memory store.
func NewSet(cfg Config) *Set {
	store := memory.NewStore()
	return &Set{
		Login:            newLimiter(store, "login", cfg.Login),
		LoginAccount:     newLimiter(store, "login-account", cfg.LoginAccount),
		Registration:     newLimiter(store, "registration", cfg.Registration),
		APIAnonymous:     newLimiter(store, "api-anonymous", cfg.APIAnonymous),
		APIAuthenticated: newLimiter(store, "api-token", cfg.APIAuthenticated),
		BadToken:         newLimiter(store, "bad-token", cfg.BadToken),
		Inbox:            newLimiter(store, "inbox", cfg.Inbox),
		Now:              time.Now,
		slowLane:         cfg.LoginSlowLane,
	}
}

// Middleware applies the right limit to each request, by path:
//   - POST /oauth/authorize (the OAuth login form): Login per address,
//     LoginAccount per login name (failed attempts only);
//   - /api/... and /oauth/token, /oauth/revoke: APIAnonymous per address
//     without a token, APIAuthenticated per token with one;
//   - POST to an inbox (/inbox, /actor/inbox, /users/NAME/inbox): Inbox
//     per remote address.
//
// Install it with gin's Use before the routes are registered.
func (s *Set) Middleware() gin.HandlerFunc {
	api, login, inbox := s.API(), s.LoginForm("login"), s.InboxPost()
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		post := c.Request.Method == http.MethodPost
		switch {
		case strings.HasPrefix(p, "/api/") || p == "/oauth/token" || p == "/oauth/revoke":
			api(c)
		case post && p == "/oauth/authorize":
			login(c)
		case post && (p == "/inbox" || strings.HasSuffix(p, "/inbox")):
			inbox(c)
		default:
			c.Next()
		}
	}
}

type answer int

const (
	answerJSON answer = iota // {"error": "Too many requests"}, as Mastodon
	answerAPI                // the same, readable by browser clients (CORS)
	answerText               // a line in French and English, for forms
)

// tooMany answers 429 with the rate-limit headers and Retry-After.
func (s *Set) tooMany(c *gin.Context, r Result, kind answer) {
	h := c.Writer.Header()
	r.SetHeaders(h)
	wait := r.RetryAfter(s.Now())
	h.Set("Retry-After", strconv.Itoa(wait))
	if kind == answerAPI {
		// The API's CORS headers are set by its own middleware, which a
		// refused request never reaches: without them a browser client
		// (Elk, Phanpy) could not read the 429. "*" is safe, the API
		// authenticates with bearer tokens only.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After")
	}
	if kind == answerText {
		minutes := (wait + 59) / 60
		c.Header("Cache-Control", "no-store")
		c.String(http.StatusTooManyRequests, "Trop de tentatives : réessayez dans %d min.\nToo many attempts: try again in %d min.\n", minutes, minutes)
		c.Abort()
		return
	}
	c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "Too many requests"})
}

// API limits the client API: per address without a token, per token with
// one. Every answer carries the X-RateLimit headers of the counter used,
// as Mastodon's do. A request whose token is refused (401) also counts
// against its address in BadToken, and an address over that limit is
// refused before any token lookup: random tokens do not buy a fresh
// budget.
func (s *Set) API() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodOptions { // CORS preflight
			c.Next()
			return
		}
		ctx := c.Request.Context()
		ip := ClientKey(c)
		tok := requestToken(c.Request)
		if tok == "" {
			if s.check(c, s.APIAnonymous.Take(ctx, ip), answerAPI, true) {
				c.Next()
			}
			return
		}
		// Over BadToken, only tokens already accepted get through: random
		// tokens buy nothing, and the people behind the same address
		// (a shared NAT) keep using theirs.
		if r := s.BadToken.Peek(ctx, ip); r.Reached && !s.tokenTrusted(tok) {
			s.tooMany(c, r, answerAPI)
			return
		}
		if !s.check(c, s.APIAuthenticated.Take(ctx, TokenKey(tok)), answerAPI, true) {
			return
		}
		c.Next()
		if c.Writer.Status() == http.StatusUnauthorized {
			s.BadToken.Take(ctx, ip)
		} else {
			s.trustToken(tok)
		}
	}
}

// check answers 429 when r is over its limit and reports whether the
// request may go on; with headers it also sets the X-RateLimit headers
// on the coming answer.
func (s *Set) check(c *gin.Context, r Result, kind answer, headers bool) bool {
	if r.Limit == 0 {
		return true // limit disabled
	}
	if r.Reached {
		s.tooMany(c, r, kind)
		return false
	}
	if headers {
		r.SetHeaders(c.Writer.Header())
	}
	return true
}

// InboxPost limits ActivityPub deliveries per remote server address. The
// key is the connecting address, not the signature's keyId: at this point
// the signature is unverified, and anyone could drain another server's
// budget by naming its key.
func (s *Set) InboxPost() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.check(c, s.Inbox.Take(c.Request.Context(), ClientKey(c)), answerJSON, false) {
			c.Next()
		}
	}
}

// RegistrationForm limits sign-ups per address (every attempt counts).
// For the web sign-up form and POST /api/v1/accounts, when they exist.
func (s *Set) RegistrationForm() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodPost {
			c.Next()
			return
		}
		kind := answerText
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			kind = answerAPI
		}
		if s.check(c, s.Registration.Take(c.Request.Context(), ClientKey(c)), kind, false) {
			c.Next()
		}
	}
}

// maxLoginForm bounds the body read to find the login name (the OAuth
// form handler applies the same bound).
const maxLoginForm = 64 << 10

// LoginForm limits a login form posted with the login name in field:
// every attempt counts per address (Login); attempts answered 401 count
// per login name (LoginAccount), so that a botnet cannot guess one
// person's password from many addresses. A form whose failures are not
// answered 401 should use LoginBlocked and LoginFailed instead.
func (s *Set) LoginForm(field string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodPost {
			c.Next()
			return
		}
		ctx := c.Request.Context()
		if !s.check(c, s.Login.Take(ctx, ClientKey(c)), answerText, false) {
			return
		}
		login := ""
		if field != "" && s.LoginAccount.Enabled() && c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxLoginForm)
			if err := c.Request.ParseForm(); err == nil {
				login = NormalizeLogin(c.Request.PostForm.Get(field))
			}
		}
		if r, blocked := s.AccountBlocked(c, login); blocked {
			s.tooMany(c, r, answerText)
			return
		}
		c.Next()
		switch status := c.Writer.Status(); {
		case login == "":
		case status == http.StatusUnauthorized:
			s.LoginFailed(c, login)
		case status < 400:
			s.LoginSucceeded(c, login)
		}
	}
}

// LoginBlocked is for login handlers that count for themselves: it counts
// the attempt per address, checks the login name's failures, and when
// either is over its limit answers 429 and returns true.
func (s *Set) LoginBlocked(c *gin.Context, login string) bool {
	ctx := c.Request.Context()
	if !s.check(c, s.Login.Take(ctx, ClientKey(c)), answerText, false) {
		return true
	}
	if r, blocked := s.AccountBlocked(c, login); blocked {
		s.tooMany(c, r, answerText)
		return true
	}
	return false
}

// NormalizeLogin is the key of a login name or e-mail address.
func NormalizeLogin(login string) string {
	login = strings.ToLower(strings.TrimSpace(login))
	if len(login) > 320 {
		login = login[:320]
	}
	return login
}

// String describes the limits, for the start-up log.
func (s *Set) String() string {
	parts := []string{}
	for _, l := range []*Limiter{s.Login, s.LoginAccount, s.Registration, s.APIAnonymous, s.APIAuthenticated, s.BadToken, s.Inbox} {
		if l.Enabled() {
			parts = append(parts, fmt.Sprintf("%s=%d/%s", l.name, l.rate.Limit, l.rate.Period))
		}
	}
	return strings.Join(parts, " ")
}
