package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
)

// Issue 12 (hygiene, U-06): the anonymous CSRF token is an HMAC of the
// cookie under a server key, not the cookie itself. Someone able to plant
// a cookie (a sibling subdomain) and post the same value as the token gets
// a 403 and nothing happens; the token of the real page still works.
func TestAnonymousCSRFTokenIsBoundToTheServer(t *testing.T) {
	inst := start(t)
	createUser(t, inst, "alice", model.RoleMember)
	planted := auth.NewToken()
	post := func(cookie, token string) *http.Response {
		form := url.Values{"login": {"alice"}, "password": {"password-alice"}, "csrf_token": {token}}
		req, _ := http.NewRequest(http.MethodPost, inst.URL("/login"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "coopol_csrf", Value: cookie})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post(planted, planted)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cookie value accepted as the token: %d", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "coopol_session" && c.Value != "" {
			t.Fatal("a session was opened")
		}
	}

	// The page's own token goes with its own cookie only.
	b := newBrowser(t, inst)
	token := b.csrf("/login")
	if token == "" || len(token) < 40 {
		t.Fatalf("token %q", token)
	}
	u, _ := url.Parse(inst.URL("/login"))
	var cookie string
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "coopol_csrf" {
			cookie = c.Value
		}
	}
	if cookie == "" || cookie == token {
		t.Fatalf("cookie %q, token %q: the token must not be the cookie", cookie, token)
	}
	if resp := post(planted, token); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("token accepted with another cookie: %d", resp.StatusCode)
	}
	if resp := post(cookie, token); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the page's own token and cookie: %d", resp.StatusCode)
	}
}
