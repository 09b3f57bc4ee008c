package ratelimit

// covers U-05

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

// small limits so that tests reach them in a few requests.
func small() Config {
	r := Rate{3, time.Minute}
	return Config{Login: r, LoginAccount: r, Registration: r, APIAnonymous: r, APIAuthenticated: r, BadToken: r, Inbox: r}
}

// engine mounts the middleware before routes, as server.go does. The API
// handler refuses tokens starting with "bad" (401); the login form
// accepts only password "right".
func engine(t *testing.T, cfg Config, trusted []string) (*gin.Engine, *Set) {
	t.Helper()
	r := gin.New()
	if err := r.SetTrustedProxies(trusted); err != nil {
		t.Fatal(err)
	}
	set := NewSet(cfg)
	r.Use(set.Middleware())
	r.GET("/api/v1/timelines/public", func(c *gin.Context) {
		if strings.HasPrefix(c.GetHeader("Authorization"), "Bearer bad") {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "The access token is invalid"})
			return
		}
		c.JSON(http.StatusOK, []any{})
	})
	r.POST("/oauth/authorize", func(c *gin.Context) {
		if c.PostForm("password") != "right" {
			c.String(http.StatusUnauthorized, "bad credentials")
			return
		}
		c.String(http.StatusOK, "welcome "+c.PostForm("login"))
	})
	r.POST("/users/:username/inbox", func(c *gin.Context) { c.Status(http.StatusAccepted) })
	r.POST("/inbox", func(c *gin.Context) { c.Status(http.StatusAccepted) })
	r.GET("/users/:username", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.POST("/signup", set.RegistrationForm(), func(c *gin.Context) { c.Status(http.StatusOK) })
	return r, set
}

type call struct {
	method, path, from, token, xff string
	form                           url.Values
}

func do(r *gin.Engine, q call) *httptest.ResponseRecorder {
	var body *strings.Reader
	if q.form != nil {
		body = strings.NewReader(q.form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(q.method, q.path, body)
	if q.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if q.from != "" {
		req.RemoteAddr = q.from
	}
	if q.token != "" {
		req.Header.Set("Authorization", "Bearer "+q.token)
	}
	if q.xff != "" {
		req.Header.Set("X-Forwarded-For", q.xff)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func expectCodes(t *testing.T, r *gin.Engine, q call, codes ...int) *httptest.ResponseRecorder {
	t.Helper()
	var w *httptest.ResponseRecorder
	for i, want := range codes {
		w = do(r, q)
		if w.Code != want {
			t.Fatalf("%s %s from %s, request %d: status %d, want %d (%s)", q.method, q.path, q.from, i+1, w.Code, want, w.Body)
		}
	}
	return w
}

// check429 verifies Mastodon's answer: JSON error and the three headers.
func check429(t *testing.T, w *httptest.ResponseRecorder, jsonBody bool) {
	t.Helper()
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", w.Code)
	}
	h := w.Header()
	if h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("rate-limit headers: %v", h)
	}
	reset, err := time.Parse(time.RFC3339, h.Get("X-RateLimit-Reset"))
	if err != nil || reset.Before(time.Now().Add(-time.Second)) || reset.After(time.Now().Add(61*time.Second)) {
		t.Fatalf("X-RateLimit-Reset %q: %v", h.Get("X-RateLimit-Reset"), err)
	}
	if n, err := strconv.Atoi(h.Get("Retry-After")); err != nil || n < 1 || n > 61 {
		t.Fatalf("Retry-After %q", h.Get("Retry-After"))
	}
	if jsonBody {
		var body map[string]string
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["error"] != "Too many requests" {
			t.Fatalf("body %s", w.Body)
		}
	}
}

func TestAnonymousAPIPerAddress(t *testing.T) {
	r, _ := engine(t, small(), nil)
	q := call{method: "GET", path: "/api/v1/timelines/public", from: "198.51.100.7:4000"}
	for i, want := range []string{"2", "1", "0"} {
		w := do(r, q)
		if w.Code != http.StatusOK || w.Header().Get("X-RateLimit-Remaining") != want || w.Header().Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("request %d: %d, headers %v", i+1, w.Code, w.Header())
		}
	}
	w := do(r, q)
	check429(t, w, true)
	if w.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "X-RateLimit-Reset") {
		t.Fatalf("a browser client cannot read the 429: %v", w.Header())
	}
	// Another address has its own budget; other paths are not counted.
	expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "198.51.100.8:4000"}, 200)
	expectCodes(t, r, call{method: "GET", path: "/users/alice", from: "198.51.100.7:4000"}, 200, 200, 200, 200)
	// CORS preflights do not count (nor are they refused).
	if w := do(r, call{method: "OPTIONS", path: "/api/v1/timelines/public", from: "198.51.100.7:4000"}); w.Code == http.StatusTooManyRequests {
		t.Fatal("preflight refused")
	}
}

func TestAuthenticatedAPIPerToken(t *testing.T) {
	r, _ := engine(t, small(), nil)
	from := "198.51.100.7:4000"
	check429(t, expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: from, token: "alice-token"}, 200, 200, 200, 429), true)
	// Bob's token, from the same address, and anonymous calls keep theirs.
	expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: from, token: "bob-token"}, 200, 200, 200)
	expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: from}, 200)
	// A token is limited wherever it comes from.
	expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "203.0.113.1:1", token: "alice-token"}, 429)
}

func TestRandomTokensDoNotEscapeTheLimit(t *testing.T) {
	r, _ := engine(t, small(), nil)
	from := "198.51.100.7:4000"
	for i := range 3 {
		expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: from, token: "bad-" + strconv.Itoa(i)}, 401)
	}
	// A fresh random token from that address is refused before lookup.
	check429(t, do(r, call{method: "GET", path: "/api/v1/timelines/public", from: from, token: "bad-fresh"}), true)
	// Another address is not affected.
	expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "198.51.100.9:4000", token: "good"}, 200)
}

func TestLoginPerAddressAndPerAccount(t *testing.T) {
	r, _ := engine(t, small(), nil)
	form := func(login, password string) url.Values { return url.Values{"login": {login}, "password": {password}} }
	// Every attempt counts per address, successful or not.
	w := expectCodes(t, r, call{method: "POST", path: "/oauth/authorize", from: "198.51.100.7:1", form: form("alice", "right")}, 200, 200, 200, 429)
	check429(t, w, false)
	if !strings.Contains(w.Body.String(), "Trop de tentatives") || !strings.Contains(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("login 429 body %q", w.Body)
	}
	// Failures count per login name across addresses (a botnet).
	for i := range 3 {
		expectCodes(t, r, call{method: "POST", path: "/oauth/authorize", from: "203.0.113." + strconv.Itoa(i+1) + ":1", form: form("Bob", "guess")}, 401)
	}
	check429(t, do(r, call{method: "POST", path: "/oauth/authorize", from: "203.0.113.50:1", form: form(" bob ", "right")}), false)
	// Another login name from a fresh address is fine; and successes do
	// not use the per-name budget.
	expectCodes(t, r, call{method: "POST", path: "/oauth/authorize", from: "203.0.113.60:1", form: form("carol", "right")}, 200)
	for i := range 4 {
		expectCodes(t, r, call{method: "POST", path: "/oauth/authorize", from: "203.0.114." + strconv.Itoa(i+1) + ":1", form: form("dave", "right")}, 200)
	}
	// The form still reaches the handler intact after the middleware read it.
	if w := do(r, call{method: "POST", path: "/oauth/authorize", from: "203.0.115.1:1", form: form("erin", "right")}); w.Body.String() != "welcome erin" {
		t.Fatalf("handler saw %q", w.Body)
	}
}

func TestInboxPerRemoteAddress(t *testing.T) {
	r, _ := engine(t, small(), nil)
	expectCodes(t, r, call{method: "POST", path: "/users/alice/inbox", from: "192.0.2.10:443"}, 202, 202)
	w := expectCodes(t, r, call{method: "POST", path: "/inbox", from: "192.0.2.10:443"}, 202, 429)
	check429(t, w, true)
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS on an inbox answer")
	}
	expectCodes(t, r, call{method: "POST", path: "/inbox", from: "192.0.2.11:443"}, 202)
	// Fetches are not inbox posts.
	expectCodes(t, r, call{method: "GET", path: "/users/alice", from: "192.0.2.10:443"}, 200)
}

func TestRegistrationPerAddress(t *testing.T) {
	r, _ := engine(t, small(), nil)
	check429(t, expectCodes(t, r, call{method: "POST", path: "/signup", from: "198.51.100.7:1", form: url.Values{}}, 200, 200, 200, 429), false)
	expectCodes(t, r, call{method: "POST", path: "/signup", from: "198.51.100.8:1", form: url.Values{}}, 200)
}

// X-Forwarded-For is believed only from trusted proxies: otherwise a
// client could pick a fresh address for every guess.
func TestForwardedForTrustBoundary(t *testing.T) {
	t.Run("untrusted", func(t *testing.T) {
		r, _ := engine(t, small(), nil)
		for i := range 3 {
			expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "198.51.100.7:1", xff: "10.9.9." + strconv.Itoa(i)}, 200)
		}
		expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "198.51.100.7:1", xff: "10.9.9.200"}, 429)
	})
	t.Run("trusted proxy", func(t *testing.T) {
		r, _ := engine(t, small(), []string{"10.0.0.0/8"})
		// Behind the proxy, each client has its own budget.
		expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "10.0.0.2:1", xff: "198.51.100.1"}, 200, 200, 200, 429)
		expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "10.0.0.2:1", xff: "198.51.100.2"}, 200)
		// A client that prepends a forged hop is still keyed by the
		// address the proxy saw (the right-most untrusted one).
		expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "10.0.0.2:1", xff: "203.0.113.77, 198.51.100.1"}, 429)
		// And a non-proxy sending the header is keyed by its own address.
		expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "198.51.100.50:1", xff: "198.51.100.2"}, 200, 200, 200, 429)
	})
}

func TestIPv6GroupedBySlash64(t *testing.T) {
	r, _ := engine(t, small(), nil)
	expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "[2001:db8:1:2::1]:1"}, 200, 200)
	expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "[2001:db8:1:2:ffff::9]:1"}, 200, 429)
	expectCodes(t, r, call{method: "GET", path: "/api/v1/timelines/public", from: "[2001:db8:1:3::1]:1"}, 200)
	if AddressKey("::ffff:192.0.2.1") != "192.0.2.1" {
		t.Fatalf("mapped IPv4 key %q", AddressKey("::ffff:192.0.2.1"))
	}
}

func TestZeroConfigDisablesLimits(t *testing.T) {
	r, _ := engine(t, Config{}, nil)
	for range 10 {
		w := do(r, call{method: "GET", path: "/api/v1/timelines/public", from: "198.51.100.7:1"})
		if w.Code != http.StatusOK || w.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("disabled limiter: %d %v", w.Code, w.Header())
		}
	}
}

func TestDefaultsMatchTheCatalogue(t *testing.T) {
	d := Defaults()
	if d.APIAnonymous != (Rate{300, 5 * time.Minute}) || d.APIAuthenticated != (Rate{300, 5 * time.Minute}) ||
		d.Login != (Rate{25, 5 * time.Minute}) || d.Inbox != (Rate{1000, time.Minute}) || d.Registration != (Rate{5, 30 * time.Minute}) {
		t.Fatalf("defaults: %+v", d)
	}
}
