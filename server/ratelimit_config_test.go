package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/storage/storagetest"
)

// The embedded defaults of http.rate_limits are the catalogue's limits.
func TestRateLimitConfigDefaultsMatch(t *testing.T) {
	srv := newServer(t, nil)
	want, got := ratelimit.NewSet(ratelimit.Defaults()).String(), srv.RateLimits.String()
	if got != want {
		t.Fatalf("default limits from config:\n%s\nwant\n%s", got, want)
	}
}

// http.rate_limits sets the values; http.rate_limit_exceptions lets the
// listed addresses through the API limit, and only them (U-05, issue 17).
func TestRateLimitConfigAndExceptions(t *testing.T) {
	cfg, err := config.Load("", []string{
		"COOPOL_HTTP_RATE_LIMITS_API_ANONYMOUS_REQUESTS=2",
		"COOPOL_HTTP_RATE_LIMITS_API_ANONYMOUS_PERIOD=1m",
		"COOPOL_HTTP_RATE_LIMIT_EXCEPTIONS=10.9.0.0/16",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.RateLimits.APIAnonymous != (config.RateLimit{Requests: 2, Period: time.Minute}) || len(cfg.HTTP.RateLimitExceptions) != 1 {
		t.Fatalf("loaded %+v %v", cfg.HTTP.RateLimits.APIAnonymous, cfg.HTTP.RateLimitExceptions)
	}
	cfg.Host, cfg.Protocol = "section-a.test", "http"
	cfg.Media.Path = t.TempDir()
	srv, err := server.New(context.Background(), cfg, storagetest.Open(t, "sqlite"), slog.New(slog.DiscardHandler), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if w := hit(srv.Handler, http.MethodGet, "/api/v1/instance", "10.9.1.2:4000", "", nil); w.Code != http.StatusOK {
			t.Fatalf("excepted address, request %d: %d", i+1, w.Code)
		}
	}
	codes := []int{}
	for i := 0; i < 3; i++ {
		codes = append(codes, hit(srv.Handler, http.MethodGet, "/api/v1/instance", "10.8.1.2:4000", "", nil).Code)
	}
	if codes[0] != http.StatusOK || codes[1] != http.StatusOK || codes[2] != http.StatusTooManyRequests {
		t.Fatalf("other address: %v, want 200 200 429", codes)
	}
	if _, err := config.Load("", []string{"COOPOL_HTTP_RATE_LIMIT_EXCEPTIONS=not-a-cidr"}); err == nil {
		t.Fatal("a bad exception was accepted")
	}
}
