package server_test

import (
	"context"
	"encoding/json"
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
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Issue 12 (hygiene, U-05): failing on purpose does not lock the owner
// out. A stranger who uses up alice's failure budget is then slowed down,
// not shut out: past the budget, the login name gets one try per turn of
// the slow lane (here one per hour, no waiting), so guessing stays
// bounded whatever the address. alice's right password gets in from a new
// address and a new browser (it takes the turn), and from any address in a
// browser she logged in from before (device cookie) or from an address
// she logged in from, even while strangers hold the turns. She is told
// once.
func TestFailedLoginsDoNotLockTheOwnerOut(t *testing.T) {
	srv := newServer(t, &ratelimit.Config{Login: ratelimit.Rate{Limit: 100, Period: time.Minute},
		LoginAccount:  ratelimit.Rate{Limit: 3, Period: time.Hour},
		LoginSlowLane: ratelimit.SlowLane{Spacing: time.Hour}})
	ctx := context.Background()
	u, err := srv.Social.CreateUser(ctx, social.NewUser{Username: "alice", Email: "alice@example.org", Password: "password-alice", Role: model.RoleMember, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	login := newLoginForm(t, srv)
	home, stranger := "203.0.113.1:1000", "198.51.100.7:1000"
	w := login.post(home, "alice", "password-alice")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("alice's first login: %d", w.Code)
	}
	var device *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == auth.DeviceCookie {
			device = c
		}
	}
	if device == nil || !device.HttpOnly {
		t.Fatalf("no device cookie after login: %+v", w.Result().Cookies())
	}
	for i := range 3 {
		if w := login.post(stranger, "alice", "guess"); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	// Over the budget: alice, from a new address and a new browser, takes
	// the free turn with her right password.
	if w := login.post("192.0.2.50:1000", "alice", "password-alice"); w.Code != http.StatusSeeOther {
		t.Fatalf("the owner from a new address is locked out: %d", w.Code)
	}
	// The turn is taken: strangers wait for the next one, right password
	// or not (brute force stays bounded).
	for _, from := range []string{stranger, "198.51.100.8:1000"} {
		for _, password := range []string{"guess-again", "password-alice"} {
			if w := login.post(from, "alice", password); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
				t.Fatalf("a stranger past the budget, turn taken: %d, want 429 with Retry-After", w.Code)
			}
		}
	}
	// alice's own browser, from anywhere, and her own address still work.
	if w := login.post("192.0.2.99:1000", "alice", "password-alice", device); w.Code != http.StatusSeeOther {
		t.Fatalf("the owner's browser is locked out: %d", w.Code)
	}
	if w := login.post(home, "alice", "password-alice"); w.Code != http.StatusSeeOther {
		t.Fatalf("the owner's address is locked out: %d", w.Code)
	}
	// The OAuth login form (an app's sign-in) shares the budget and spares
	// her browser the same way.
	now := time.Now().UTC().Truncate(time.Microsecond)
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "Appli", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"},
		Scopes: "read", ClientID: "appli", ClientSecretHash: auth.HashToken("appli-secret"), CreatedAt: now}
	if err := srv.Store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	oauth := func(from string, cookies ...*http.Cookie) int {
		q := url.Values{"response_type": {"code"}, "client_id": {"appli"}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}, "scope": {"read"}}
		page := hit(srv.Handler, "GET", "/oauth/authorize?"+q.Encode(), from, "", nil)
		m := csrfField.FindStringSubmatch(page.Body.String())
		if m == nil {
			t.Fatalf("no consent page: %d", page.Code)
		}
		form := url.Values{"login": {"alice"}, "password": {"password-alice"}, "csrf_token": {m[1]}, "decision": {"allow"}}
		for k, v := range q {
			form[k] = v
		}
		req := httptest.NewRequest("POST", "/oauth/authorize", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = from
		for _, c := range append(page.Result().Cookies(), cookies...) {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		srv.Handler.ServeHTTP(w, req)
		return w.Code
	}
	if code := oauth("192.0.2.77:1000"); code != http.StatusTooManyRequests {
		t.Fatalf("OAuth login by a stranger past the budget, turn taken: %d, want 429", code)
	}
	if code := oauth("192.0.2.78:1000", device); code != http.StatusOK {
		t.Fatalf("OAuth login from the owner's browser: %d, want the code page", code)
	}
	// A device cookie is alice's only: with another login name, or forged,
	// it spares nothing.
	forged := &http.Cookie{Name: auth.DeviceCookie, Value: u.ID + ".AAAAAAAAAAAAAAAAAAAAAA.forged"}
	if w := login.post(stranger, "alice", "password-alice", forged); w.Code != http.StatusTooManyRequests {
		t.Fatalf("a forged device cookie spared the throttle: %d", w.Code)
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

// Issue 12: past the failure budget, an attempt waits for its turn rather
// than being refused: right after a stranger's try, the owner's right
// password from a new address gets in once its turn comes.
func TestLoginPastTheBudgetWaitsItsTurn(t *testing.T) {
	srv := newServer(t, &ratelimit.Config{Login: ratelimit.Rate{Limit: 100, Period: time.Minute},
		LoginAccount:  ratelimit.Rate{Limit: 2, Period: time.Hour},
		LoginSlowLane: ratelimit.SlowLane{Spacing: 20 * time.Millisecond, MaxWait: time.Minute}})
	if _, err := srv.Social.CreateUser(context.Background(), social.NewUser{Username: "alice", Email: "alice@example.org", Password: "password-alice", Role: model.RoleMember, Approved: true}); err != nil {
		t.Fatal(err)
	}
	login := newLoginForm(t, srv)
	for i := range 3 { // two within the budget, one in the slow lane
		if w := login.post("198.51.100.7:1000", "alice", "guess"); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	if w := login.post("192.0.2.50:1000", "alice", "password-alice"); w.Code != http.StatusSeeOther {
		t.Fatalf("the owner's attempt after a stranger's: %d, want to wait its turn and get in", w.Code)
	}
}

// loginForm posts the web login form with the CSRF token of one page.
type loginForm struct {
	srv    *server.Server
	token  string
	cookie *http.Cookie
}

func newLoginForm(t *testing.T, srv *server.Server) *loginForm {
	t.Helper()
	page := hit(srv.Handler, "GET", "/login", "203.0.113.1:1000", "", nil)
	m := csrfField.FindStringSubmatch(page.Body.String())
	if m == nil {
		t.Fatalf("no login form: %d", page.Code)
	}
	f := &loginForm{srv: srv, token: m[1]}
	for _, c := range page.Result().Cookies() {
		if c.Name == "coopol_csrf" {
			f.cookie = c
		}
	}
	return f
}

func (f *loginForm) post(from, login, password string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	form := url.Values{"login": {login}, "password": {password}, "csrf_token": {f.token}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = from
	req.AddCookie(f.cookie)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	f.srv.Handler.ServeHTTP(w, req)
	return w
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
	// A token issued after the flood, to someone behind the same address,
	// works at once too.
	now := time.Now().UTC().Truncate(time.Microsecond)
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "Late client", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"},
		Scopes: "read", ClientID: "late-client", ClientSecretHash: auth.HashToken("late-secret"), CreatedAt: now}
	if err := srv.Store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	w := hit(srv.Handler, "POST", "/oauth/token", "192.0.2.9:1000", "", url.Values{"grant_type": {"client_credentials"},
		"client_id": {"late-client"}, "client_secret": {"late-secret"}, "scope": {"read"}})
	var issued struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &issued); err != nil || issued.AccessToken == "" {
		t.Fatalf("token after the flood: %d %s", w.Code, w.Body.String())
	}
	req := httptest.NewRequest("GET", "/api/v1/apps/verify_credentials", nil)
	req.RemoteAddr = "192.0.2.9:1000"
	req.Header.Set("Authorization", "Bearer "+issued.AccessToken)
	rec := httptest.NewRecorder()
	srv.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("a token issued after the flood, from the same address: %d, want 200", rec.Code)
	}
	if code := get("yet-another-random"); code != http.StatusTooManyRequests {
		t.Fatalf("bad tokens after the new one: %d, want 429", code)
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
