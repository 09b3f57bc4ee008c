package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/storage"
)

// While the database cannot be reached, every handler fails in its own
// way: the API answers 500, an inbox 401 (the signer's key cannot be
// looked up), an actor fetch 404. None of those is true, and a 404 or a
// 4xx may make a remote server give up. dbGuard turns them into what
// they are: 503 with Retry-After, so that clients and remote servers try
// again, and the instance recovers by itself when the database is back.
//
// It works in two places:
//   - before the handler, when the last check found the database down
//     (and a new check, at most once a second, still does), it answers
//     503 at once without bothering the handlers;
//   - when a handler is about to send an error (>= 400, other than 429
//     and 503), it checks the database (a fresh ping for 5xx, a result
//     at most a second old for 4xx) and, if it is down, sends 503
//     instead of the handler's answer.
//
// /livez and /readyz are left alone: they report on the process and on
// the database themselves.
type dbGuard struct {
	ping   func(context.Context) error
	log    *slog.Logger
	now    func() time.Time
	maxAge time.Duration // how long a check result is reused

	// pingTimeout bounds one check.
	pingTimeout time.Duration

	mu      sync.Mutex
	down    bool
	busy    bool // the last check found every pooled connection in use
	checked time.Time
	pinging chan struct{} // closed when the running check ends
}

// dbRetryAfter is what 503 answers tell clients to wait, in seconds.
const dbRetryAfter = 5

var dbUnavailableBody = []byte(`{"error":"Service unavailable: the database cannot be reached, try again shortly"}`)

func newDBGuard(ping func(context.Context) error, log *slog.Logger) *dbGuard {
	return &dbGuard{ping: ping, log: log, now: time.Now, maxAge: time.Second, pingTimeout: 2 * time.Second}
}

// knownDown reports the last check's verdict without checking.
func (g *dbGuard) knownDown() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.down
}

// healthy reports whether the database answers. It pings unless the last
// result is younger than maxAge (fresh forces a ping); concurrent callers
// share one ping.
func (g *dbGuard) healthy(ctx context.Context, fresh bool) bool {
	g.mu.Lock()
	if !fresh && !g.checked.IsZero() && g.now().Sub(g.checked) < g.maxAge {
		down := g.down
		g.mu.Unlock()
		return !down
	}
	if wait := g.pinging; wait != nil {
		g.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
		}
		return !g.knownDown()
	}
	done := make(chan struct{})
	g.pinging = done
	g.mu.Unlock()

	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.pingTimeout)
	err := g.ping(pctx)
	cancel()
	// An exhausted pool is a flood, not an outage: the database answers
	// the requests holding its connections. Saying 503 for the whole
	// instance would turn a burst of GETs into downtime (issue 12).
	busy := errors.Is(err, storage.ErrPoolBusy)
	if busy {
		err = nil
	}

	g.mu.Lock()
	was, wasBusy := g.down, g.busy
	g.down, g.busy, g.checked, g.pinging = err != nil, busy, g.now(), nil
	g.mu.Unlock()
	close(done)
	switch {
	case err != nil && !was:
		g.log.Error("database unreachable: answering 503 until it is back", "err", err)
	case err == nil && was:
		g.log.Info("database reachable again")
	}
	if busy && !wasBusy {
		g.log.Warn("database connection pool exhausted: requests wait for a connection (the database is up)")
	}
	return err == nil
}

// middleware is installed before every route.
func (g *dbGuard) middleware(c *gin.Context) {
	if p := c.Request.URL.Path; p == "/livez" || p == "/readyz" {
		c.Next()
		return
	}
	if g.knownDown() && !g.healthy(c.Request.Context(), false) {
		if p := c.Request.URL.Path; strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/oauth/") {
			// What the API's own middleware would have set: browser
			// clients must be able to read the 503 and its Retry-After.
			c.Header("Access-Control-Allow-Origin", "*")
			c.Header("Access-Control-Expose-Headers", "Retry-After")
		}
		writeUnavailable(c.Writer)
		c.Abort()
		return
	}
	w := &guardWriter{ResponseWriter: c.Writer, guard: g, ctx: c.Request.Context()}
	c.Writer = w
	c.Next()
	// A handler that only set a status (c.Status, AbortWithStatus without
	// a body) is flushed by gin after this returns, past our writer:
	// decide now.
	w.decide()
}

func writeUnavailable(w gin.ResponseWriter) {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", strconv.Itoa(dbRetryAfter))
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write(dbUnavailableBody) //nolint:errcheck
}

// guardWriter decides, when the handler's answer is about to leave,
// whether to replace an error by 503.
type guardWriter struct {
	gin.ResponseWriter
	guard    *dbGuard
	ctx      context.Context
	decided  bool
	replaced bool
}

func (w *guardWriter) decide() {
	if w.decided {
		return
	}
	w.decided = true
	code := w.ResponseWriter.Status()
	if code < 400 || code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable || w.ResponseWriter.Written() {
		return
	}
	if w.guard.healthy(w.ctx, code >= 500) {
		return
	}
	w.replaced = true
	writeUnavailable(w.ResponseWriter)
}

func (w *guardWriter) WriteHeader(code int) {
	if !w.replaced {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *guardWriter) WriteHeaderNow() {
	w.decide()
	if !w.replaced {
		w.ResponseWriter.WriteHeaderNow()
	}
}

func (w *guardWriter) Write(b []byte) (int, error) {
	w.decide()
	if w.replaced {
		return len(b), nil // the handler's error body is dropped
	}
	return w.ResponseWriter.Write(b)
}

func (w *guardWriter) WriteString(s string) (int, error) {
	w.decide()
	if w.replaced {
		return len(s), nil
	}
	return w.ResponseWriter.WriteString(s)
}

func (w *guardWriter) Flush() {
	w.decide()
	if !w.replaced {
		w.ResponseWriter.Flush()
	}
}
