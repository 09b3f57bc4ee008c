package server

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// A load generator that stops cancels its in-flight requests: their
// handlers see "context canceled" mid-query and answer 500, so the guard
// pings. Neither that ping nor the requests of other clients may be
// handed the connections the canceled queries left dead until
// database/sql gives up with "driver: bad connection": a client going
// away must never make the instance answer 503 to others. A pool of one
// connection makes every request wait for a released one, so hand-overs
// are frequent; before the fix in storage/pgsimple.go (IsValid) this
// failed about one run in three.
func TestDBGuardStaysUpWhileClientsCancelQueries(t *testing.T) {
	gin.SetMode(gin.TestMode)
	cfg := storagetest.DatabaseConfig(t, "postgres")
	cfg.MaxOpenConns = 1
	s, err := storage.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := newDBGuard(s.Ping, slog.New(slog.DiscardHandler))
	r := gin.New()
	r.Use(g.middleware)
	query := func(sql string) gin.HandlerFunc {
		return func(c *gin.Context) {
			rows, err := s.DB.QueryContext(c.Request.Context(), sql)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			if err != nil {
				c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
				return
			}
			c.JSON(http.StatusOK, []any{})
		}
	}
	r.GET("/api/v1/timelines/public", query("SELECT pg_sleep(0.05), 'Abc1234567'"))
	r.GET("/api/v1/notifications", query("SELECT 1"))

	var wg sync.WaitGroup
	var unavailable, failed atomic.Int64
	stop := time.Now().Add(2 * time.Second)
	for range 4 {
		wg.Go(func() { // clients that give up 1 to 20 ms in, mid-query
			for time.Now().Before(stop) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1000+rand.IntN(19000))*time.Microsecond)
				r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, "GET", "/api/v1/timelines/public", nil))
				cancel()
			}
		})
	}
	for range 4 {
		wg.Go(func() { // clients that wait for their answer
			for time.Now().Before(stop) {
				w := httptest.NewRecorder()
				r.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/notifications", nil))
				switch w.Code {
				case http.StatusOK:
				case http.StatusServiceUnavailable:
					unavailable.Add(1)
				default:
					failed.Add(1)
					t.Errorf("%d %s", w.Code, w.Body.String())
				}
			}
		})
	}
	wg.Wait()
	if unavailable.Load()+failed.Load() > 0 || g.knownDown() {
		t.Fatalf("while clients canceled: %d answers 503, %d other failures, guard down at the end: %v", unavailable.Load(), failed.Load(), g.knownDown())
	}
}
