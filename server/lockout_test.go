package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Issue 12 (hygiene, U-05): failing on purpose does not lock the owner
// out. A stranger who uses up alice's failure budget is stopped (even with
// the right password: brute force stays bounded), alice's correct password
// still works from where she logged in before, and she is told once.
func TestFailedLoginsDoNotLockTheOwnerOut(t *testing.T) {
	srv := newServer(t, &ratelimit.Config{Login: ratelimit.Rate{Limit: 100, Period: time.Minute},
		LoginAccount: ratelimit.Rate{Limit: 3, Period: time.Hour}})
	ctx := context.Background()
	u, err := srv.Social.CreateUser(ctx, social.NewUser{Username: "alice", Email: "alice@example.org", Password: "password-alice", Role: model.RoleMember, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	page := hit(srv.Handler, "GET", "/login", "203.0.113.1:1000", "", nil)
	m := csrfField.FindStringSubmatch(page.Body.String())
	if m == nil {
		t.Fatalf("no login form: %d", page.Code)
	}
	var cookie *http.Cookie
	for _, c := range page.Result().Cookies() {
		if c.Name == "coopol_csrf" {
			cookie = c
		}
	}
	login := func(from, password string) int {
		form := url.Values{"login": {"alice"}, "password": {password}, "csrf_token": {m[1]}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = from
		req.AddCookie(cookie)
		w := httptest.NewRecorder()
		srv.Handler.ServeHTTP(w, req)
		return w.Code
	}
	home, stranger := "203.0.113.1:1000", "198.51.100.7:1000"
	if code := login(home, "password-alice"); code != http.StatusSeeOther {
		t.Fatalf("alice's first login: %d", code)
	}
	for i := range 3 {
		if code := login(stranger, "guess"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, code)
		}
	}
	for _, from := range []string{stranger, "198.51.100.8:1000"} {
		if code := login(from, "password-alice"); code != http.StatusTooManyRequests {
			t.Fatalf("a stranger over the budget got %d, want 429 (right password or not)", code)
		}
	}
	if code := login(home, "password-alice"); code != http.StatusSeeOther {
		t.Fatalf("the owner is locked out: %d", code)
	}
	ns, err := srv.Store.Notifications(ctx, u.Account.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var told int
	for _, n := range ns {
		if n.Type == social.NotificationLoginFailures {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("alice was told %d times, want once: %+v", told, ns)
	}
}

// Issue 12 (hygiene): bad-token throttling stops random tokens from an
// address, not the valid tokens of people behind the same address.
func TestBadTokenThrottleSparesValidTokens(t *testing.T) {
	srv := newServer(t, &ratelimit.Config{APIAuthenticated: ratelimit.Rate{Limit: 100, Period: time.Minute},
		BadToken: ratelimit.Rate{Limit: 2, Period: time.Minute}})
	ctx := context.Background()
	u, err := srv.Social.CreateUser(ctx, social.NewUser{Username: "bob", Email: "bob@example.org", Password: "password-bob", Role: model.RoleMember, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	token := mintTokenIn(t, srv.Store, u)
	get := func(tok string) int {
		req := httptest.NewRequest("GET", "/api/v1/accounts/verify_credentials", nil)
		req.RemoteAddr = "192.0.2.9:1000"
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		srv.Handler.ServeHTTP(w, req)
		return w.Code
	}
	if code := get(token); code != http.StatusOK {
		t.Fatalf("valid token: %d", code)
	}
	for range 2 {
		if code := get("random-" + time.Now().String()); code != http.StatusUnauthorized {
			t.Fatalf("bad token: %d", code)
		}
	}
	if code := get("another-random"); code != http.StatusTooManyRequests {
		t.Fatalf("bad token over the limit: %d, want 429", code)
	}
	if code := get(token); code != http.StatusOK {
		t.Fatalf("valid token from the same address after the flood: %d", code)
	}
}

func mintTokenIn(t *testing.T, store *storage.Storage, u *model.User) string {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "Test client", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"},
		Scopes: "read", ClientID: auth.NewToken(), ClientSecretHash: auth.HashToken(auth.NewToken()), CreatedAt: now}
	if err := store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	raw := auth.NewToken()
	tok := &model.OAuthToken{ID: model.NewID(now), TokenHash: auth.HashToken(raw), ApplicationID: app.ID, UserID: &u.ID, Scopes: "read", CreatedAt: now}
	if err := store.CreateOAuthToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return raw
}
