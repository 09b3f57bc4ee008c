// Package ratelimit slows down brute force and floods (U-05): password
// guessing on the login forms, sign-up floods, the client API for
// anonymous and authenticated callers, and inboxes. It counts requests
// with github.com/ulule/limiter in fixed windows and answers 429 with the
// headers Mastodon clients know (X-RateLimit-Limit, -Remaining, -Reset,
// plus Retry-After).
//
// Counters live in memory. With several replicas behind a load balancer
// each replica keeps its own counters, so a client may get up to N times
// the limit across N replicas; a shared store (limiter's Redis driver, or
// a table in PostgreSQL) is the next step when that matters. A restart
// forgets the counts, which costs little.
//
// Client addresses come from gin's Context.ClientIP, which believes
// X-Forwarded-For only from the proxies listed in http.trusted_proxies
// (server.go calls SetTrustedProxies). If those are wrong, either everyone
// shares the proxy's bucket or a client can pick a fresh address for every
// guess: the trust boundary is tested in ratelimit_test.go.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/memory"
)

// Rate is Limit events per Period. A zero Limit disables the limit.
type Rate struct {
	Limit  int64
	Period time.Duration
}

// Config holds every limit. Defaults follows Mastodon's rack_attack.rb
// and GoToSocial's defaults.
type Config struct {
	// Login counts every login attempt per client address.
	Login Rate
	// LoginAccount counts failed attempts per login name, whatever the
	// address (a botnet guessing one person's password).
	LoginAccount Rate
	// Registration counts sign-ups per client address.
	Registration Rate
	// APIAnonymous counts client-API requests without a token per
	// address; APIAuthenticated those with a token, per token.
	APIAnonymous     Rate
	APIAuthenticated Rate
	// BadToken counts requests per address whose token was refused: a
	// client cannot escape APIAnonymous by sending random tokens.
	BadToken Rate
	// Inbox counts ActivityPub POSTs per remote server address.
	Inbox Rate
	// LoginSlowLane is what happens to a login name over its LoginAccount
	// budget, from an address and a browser it never logged in from: its
	// attempts are delayed, not refused (zero Spacing refuses them).
	LoginSlowLane SlowLane
}

// SlowLane lets a login name over its failure budget be tried once per
// Spacing: each attempt waits for its turn, up to MaxWait, and only
// then is the password checked. The owner's right password still works
// (failing on purpose locks nobody out, issue 12) while guessing stays
// bounded to one try per Spacing per login name, whatever the number of
// addresses.
type SlowLane struct {
	Spacing, MaxWait time.Duration
}

// Defaults are the production limits.
func Defaults() Config {
	return Config{
		Login:            Rate{25, 5 * time.Minute},
		LoginAccount:     Rate{25, time.Hour},
		Registration:     Rate{5, 30 * time.Minute},
		APIAnonymous:     Rate{300, 5 * time.Minute},
		APIAuthenticated: Rate{300, 5 * time.Minute},
		BadToken:         Rate{300, 5 * time.Minute},
		Inbox:            Rate{1000, time.Minute},
		LoginSlowLane:    SlowLane{Spacing: 10 * time.Second, MaxWait: 30 * time.Second},
	}
}

// Result is the state of one counter after a request.
type Result struct {
	Limit, Remaining int64
	Reset            time.Time
	Reached          bool
}

// SetHeaders writes X-RateLimit-Limit, -Remaining and -Reset (an ISO 8601
// time, as Mastodon sends it).
func (r Result) SetHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.FormatInt(r.Limit, 10))
	h.Set("X-RateLimit-Remaining", strconv.FormatInt(r.Remaining, 10))
	h.Set("X-RateLimit-Reset", r.Reset.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// RetryAfter is the whole number of seconds until the window resets (at
// least 1).
func (r Result) RetryAfter(now time.Time) int {
	return max(1, int(r.Reset.Sub(now).Round(time.Second)/time.Second))
}

// Limiter counts events per key for one Rate. Its zero Rate allows all.
type Limiter struct {
	name string
	rate Rate
	l    *limiter.Limiter
}

// New makes a limiter with its own in-memory store.
func New(name string, rate Rate) *Limiter {
	return newLimiter(memory.NewStore(), name, rate)
}

func newLimiter(store limiter.Store, name string, rate Rate) *Limiter {
	return &Limiter{name: name, rate: rate, l: limiter.New(store, limiter.Rate{Limit: rate.Limit, Period: rate.Period})}
}

// Enabled reports whether the limiter limits anything.
func (l *Limiter) Enabled() bool { return l != nil && l.rate.Limit > 0 && l.rate.Period > 0 }

func (l *Limiter) key(k string) string { return l.name + "|" + k }

func convert(c limiter.Context) Result {
	return Result{Limit: c.Limit, Remaining: c.Remaining, Reset: time.Unix(c.Reset, 0), Reached: c.Reached}
}

// Take counts one event for key; Reached reports it went over the limit.
func (l *Limiter) Take(ctx context.Context, key string) Result {
	if !l.Enabled() {
		return Result{}
	}
	c, _ := l.l.Get(ctx, l.key(key)) // the memory store never fails
	return convert(c)
}

// Peek reads key's counter without counting; Reached is true when the
// next event would go over the limit.
func (l *Limiter) Peek(ctx context.Context, key string) Result {
	if !l.Enabled() {
		return Result{}
	}
	c, _ := l.l.Peek(ctx, l.key(key))
	r := convert(c)
	r.Reached = r.Remaining <= 0
	return r
}

// Reset forgets key's counter (e.g. after a successful login, if a caller
// wants that).
func (l *Limiter) Reset(ctx context.Context, key string) {
	if l.Enabled() {
		l.l.Reset(ctx, l.key(key)) //nolint:errcheck
	}
}

// ClientKey is the rate-limit key of the request's client address: the
// address itself for IPv4, its /64 for IPv6 (one household or server
// usually holds a whole /64, as Mastodon assumes).
func ClientKey(c *gin.Context) string { return AddressKey(c.ClientIP()) }

// AddressKey is ClientKey for an address in text form.
func AddressKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// TokenKey is the key of an access token: a hash, so that raw tokens are
// not kept in memory longer than the request.
func TokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:12])
}

// requestToken finds the bearer token as the API does: the Authorization
// header, or on the streaming endpoint the access_token parameter or the
// WebSocket protocol header.
func requestToken(r *http.Request) string {
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, tok, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return strings.TrimSpace(v) // a malformed header still names a "token"
	}
	if strings.HasPrefix(r.URL.Path, "/api/v1/streaming") {
		if tok := r.URL.Query().Get("access_token"); tok != "" {
			return tok
		}
		if tok := r.Header.Get("Sec-WebSocket-Protocol"); tok != "" {
			return strings.TrimSpace(tok)
		}
	}
	return ""
}
