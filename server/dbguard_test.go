package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// guardRig is a router behind the guard whose handlers fail the way
// Coopol's do when the database is gone.
type guardRig struct {
	r      *gin.Engine
	down   atomic.Bool
	pings  atomic.Int32
	now    time.Time
	guard  *dbGuard
	called atomic.Int32
}

func newGuardRig(t *testing.T) *guardRig {
	gin.SetMode(gin.TestMode)
	g := &guardRig{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	g.guard = newDBGuard(func(context.Context) error {
		g.pings.Add(1)
		if g.down.Load() {
			return errors.New("connection refused")
		}
		return nil
	}, slog.New(slog.DiscardHandler))
	g.guard.now = func() time.Time { return g.now }
	r := gin.New()
	r.Use(g.guard.middleware)
	count := func(c *gin.Context) { g.called.Add(1) }
	r.GET("/api/v1/internal", count, func(c *gin.Context) { c.JSON(http.StatusInternalServerError, gin.H{"error": "Internal server error"}) })
	r.GET("/users/alice", count, func(c *gin.Context) { c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"}) })
	r.POST("/inbox", count, func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "cannot find the signing key"})
	})
	r.GET("/bare", count, func(c *gin.Context) { c.Status(http.StatusInternalServerError) })
	r.GET("/limited", count, func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "Too many requests"})
	})
	r.GET("/ok", count, func(c *gin.Context) { c.String(http.StatusOK, "fine") })
	r.GET("/livez", count, func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	g.r = r
	return g
}

func (g *guardRig) get(method, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	g.r.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestGuardPassesAnswersThroughWhileTheDatabaseIsUp(t *testing.T) {
	g := newGuardRig(t)
	for path, want := range map[string]int{"/api/v1/internal": 500, "/users/alice": 404, "/bare": 500, "/ok": 200, "/limited": 429} {
		w := g.get("GET", path)
		if w.Code != want {
			t.Fatalf("%s: %d, want %d", path, w.Code, want)
		}
	}
	if w := g.get("POST", "/inbox"); w.Code != 401 {
		t.Fatalf("inbox: %d", w.Code)
	}
	if w := g.get("GET", "/users/alice"); w.Body.String() != `{"error":"not found"}` {
		t.Fatalf("handler body altered: %q", w.Body)
	}
}

func TestGuardAnswers503WhileTheDatabaseIsDownAndRecovers(t *testing.T) {
	// The first failure after the database went away is replaced: the
	// handler ran, but its 500, 404 or 401 becomes 503.
	for _, q := range [][2]string{{"GET", "/api/v1/internal"}, {"GET", "/bare"}, {"GET", "/users/alice"}, {"POST", "/inbox"}} {
		g := newGuardRig(t)
		g.get("GET", "/ok") // known up
		g.down.Store(true)
		w := g.get(q[0], q[1])
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "5" || g.called.Load() != 2 {
			t.Fatalf("%v: %d %v %s (handlers run: %d)", q, w.Code, w.Header(), w.Body, g.called.Load())
		}
		body, _ := io.ReadAll(w.Body)
		if string(body) != string(dbUnavailableBody) {
			t.Fatalf("%v body %q", q, body)
		}
	}
	g := newGuardRig(t)
	g.down.Store(true)
	g.get("GET", "/api/v1/internal")
	// Once known down, requests are answered without reaching handlers,
	// and the database is pinged at most once a second.
	before, pings := g.called.Load(), g.pings.Load()
	for range 20 {
		if w := g.get("GET", "/ok"); w.Code != http.StatusServiceUnavailable {
			t.Fatalf("ok while down: %d", w.Code)
		}
	}
	if g.called.Load() != before {
		t.Fatal("handlers ran while the database was known down")
	}
	if g.pings.Load() != pings {
		t.Fatalf("pinged %d times within a second", g.pings.Load()-pings)
	}
	// Liveness is not the database's business.
	if w := g.get("GET", "/livez"); w.Code != http.StatusOK {
		t.Fatalf("livez: %d", w.Code)
	}
	// Still down a second later: still 503.
	g.now = g.now.Add(1100 * time.Millisecond)
	if w := g.get("GET", "/ok"); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("still down: %d", w.Code)
	}
	// Back: the next check lets requests through again.
	g.down.Store(false)
	g.now = g.now.Add(1100 * time.Millisecond)
	if w := g.get("GET", "/ok"); w.Code != http.StatusOK || w.Body.String() != "fine" {
		t.Fatalf("after recovery: %d %q", w.Code, w.Body)
	}
	if w := g.get("GET", "/users/alice"); w.Code != http.StatusNotFound {
		t.Fatalf("a real 404 after recovery: %d", w.Code)
	}
	// Our own 429 is never replaced.
	g.down.Store(true)
	g.now = g.now.Add(1100 * time.Millisecond)
	if w := g.get("GET", "/limited"); w.Code != http.StatusTooManyRequests {
		t.Fatalf("429 replaced: %d", w.Code)
	}
}
