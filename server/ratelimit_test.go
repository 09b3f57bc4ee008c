package server_test

// covers U-05

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/storage/storagetest"
)

func newServer(t *testing.T, limits *ratelimit.Config, trusted ...string) *server.Server {
	t.Helper()
	cfg := config.Default()
	cfg.Host, cfg.Protocol = "section-a.test", "http"
	cfg.Media.Path = t.TempDir()
	cfg.HTTP.TrustedProxies = trusted
	store := storagetest.Open(t, "sqlite")
	srv, err := server.New(context.Background(), cfg, store, slog.New(slog.DiscardHandler), server.Options{RateLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func hit(h http.Handler, method, path, from, xff string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if strings.HasSuffix(path, "inbox") {
		req.Header.Set("Content-Type", "application/activity+json")
	}
	req.RemoteAddr = from
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// The server puts every limit in front of the real routes.
func TestServerRateLimitsEveryTransport(t *testing.T) {
	r := ratelimit.Rate{Limit: 2, Period: time.Minute}
	srv := newServer(t, &ratelimit.Config{Login: r, LoginAccount: r, APIAnonymous: r, APIAuthenticated: r, BadToken: r, Inbox: r})
	h := srv.Handler
	// Each case from its own address: /api/ and /oauth/token share the
	// anonymous budget, /inbox and /users/x/inbox the inbox one.
	for i, tc := range []struct {
		name, method, path string
		form               url.Values
	}{
		{"anonymous API", "GET", "/api/v1/instance", nil},
		{"OAuth token endpoint", "POST", "/oauth/token", url.Values{"grant_type": {"client_credentials"}}},
		{"login form", "POST", "/oauth/authorize", url.Values{"login": {"alice"}, "password": {"guess"}}},
		{"shared inbox", "POST", "/inbox", nil},
		{"personal inbox", "POST", "/users/section/inbox", nil},
	} {
		from := "198.51.100." + string(rune('1'+i)) + ":1000"
		for i := 0; i < 2; i++ {
			if w := hit(h, tc.method, tc.path, from, "", tc.form); w.Code == http.StatusTooManyRequests {
				t.Fatalf("%s: refused at request %d", tc.name, i+1)
			}
		}
		w := hit(h, tc.method, tc.path, from, "", tc.form)
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || w.Header().Get("X-RateLimit-Remaining") != "0" {
			t.Fatalf("%s: third request %d %v", tc.name, w.Code, w.Header())
		}
		if strings.HasPrefix(tc.path, "/api/") && !strings.Contains(w.Body.String(), `"error":"Too many requests"`) {
			t.Fatalf("%s: body %s", tc.name, w.Body)
		}
	}
	// Health checks are never limited.
	for range 5 {
		if w := hit(h, "GET", "/readyz", "198.51.100.1:1000", "", nil); w.Code != http.StatusOK {
			t.Fatalf("readyz: %d", w.Code)
		}
	}
}

func TestServerDefaultLimitsAndTrustedProxies(t *testing.T) {
	srv := newServer(t, nil)
	w := hit(srv.Handler, "GET", "/api/v1/instance", "198.51.100.1:1000", "", nil)
	if w.Code != http.StatusOK || w.Header().Get("X-RateLimit-Limit") != "300" || w.Header().Get("X-RateLimit-Remaining") != "299" {
		t.Fatalf("default API limit: %d %v", w.Code, w.Header())
	}
	// Without trusted proxies, X-Forwarded-For changes nothing.
	w = hit(srv.Handler, "GET", "/api/v1/instance", "198.51.100.1:1000", "203.0.113.9", nil)
	if w.Header().Get("X-RateLimit-Remaining") != "298" {
		t.Fatalf("untrusted X-Forwarded-For was believed: %v", w.Header())
	}
	// Behind a configured proxy, each client counts for itself.
	srv = newServer(t, nil, "10.0.0.0/8")
	for _, client := range []string{"203.0.113.1", "203.0.113.2"} {
		w := hit(srv.Handler, "GET", "/api/v1/instance", "10.1.2.3:5555", client, nil)
		if w.Header().Get("X-RateLimit-Remaining") != "299" {
			t.Fatalf("client %s behind the proxy: %v", client, w.Header())
		}
	}
}
