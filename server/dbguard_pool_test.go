package server

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// Issue 12 (hygiene, flood): with every pooled connection held, as
// under thousands of simultaneous GETs, the database is busy, not down:
// the guard does not flip to "unreachable" and answers no 503 while the
// database (SQLite or PostgreSQL) answers. A closed database still does.
// Deterministic: the pool is saturated by held connections, nothing is
// timed but the guard's own ping deadline.
func TestGuardTellsAnExhaustedPoolFromADatabaseThatIsDown(t *testing.T) {
	gin.SetMode(gin.TestMode)
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		max := s.DB.Stats().MaxOpenConnections
		if max == 0 {
			t.Fatal("pool has no bound")
		}
		var held []*sql.Conn
		for range max {
			conn, err := s.DB.DB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, conn)
		}
		g := newDBGuard(s.Ping, slog.New(slog.DiscardHandler))
		g.pingTimeout = 200 * time.Millisecond // only how long a check waits for a connection
		r := gin.New()
		r.Use(g.middleware)
		r.GET("/api/v1/timelines/public", func(c *gin.Context) {
			c.JSON(http.StatusInternalServerError, gin.H{"error": "context deadline exceeded"}) // a handler that gave up waiting
		})
		r.GET("/ok", func(c *gin.Context) { c.String(http.StatusOK, "fine") })

		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := s.Ping(short); err != storage.ErrPoolBusy {
			t.Fatalf("ping with the pool held: %v, want ErrPoolBusy", err)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/timelines/public", nil))
		if w.Code == http.StatusServiceUnavailable {
			t.Fatalf("503 while the database answers: %s", w.Body.String())
		}
		if g.knownDown() {
			t.Fatal("guard says the database is down")
		}
		w = httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/ok", nil))
		if w.Code != http.StatusOK {
			t.Fatalf("other requests: %d", w.Code)
		}
		// The held connections do answer.
		for _, conn := range held {
			if err := conn.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			conn.Close()
		}
		if !g.healthy(ctx, true) {
			t.Fatal("unhealthy once the pool is free")
		}

		// A database that is really gone is still told as such.
		s.DB.Close()
		if g.healthy(ctx, true) || !g.knownDown() {
			t.Fatal("closed database taken for healthy")
		}
		w = httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/timelines/public", nil))
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("database down: %d, want 503", w.Code)
		}
	})
}
