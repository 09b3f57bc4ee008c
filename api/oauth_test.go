package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
)

func TestU06_CodeFlowWithPKCE(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		alice := rg.createUser("alice", true)
		app := rg.createApp("read write follow push")
		if app.ClientID == "" || app.ClientSecret == "" || app.ExpiresAt == nil || *app.ExpiresAt != 0 || app.VapidKey == nil ||
			app.RedirectURI != callbackURI || len(app.RedirectURIs) != 1 || len(app.Scopes) != 4 || app.Website == nil {
			t.Fatalf("application entity: %+v", app)
		}

		verifier, challenge := pkce()
		w, page := rg.getAuthorize(authorizeQuery(app, callbackURI, "read write", challenge), nil)
		if page == nil {
			t.Fatalf("authorize page: %d %s", w.Code, w.Body.String())
		}
		if !strings.Contains(page.body, "<form") || !strings.Contains(page.body, `name="password"`) || !strings.Contains(page.body, "Test client") {
			t.Fatalf("no login form:\n%s", page.body)
		}
		if !strings.Contains(page.body, `lang="fr"`) || !strings.Contains(page.body, "Mot de passe") {
			t.Fatal("page is not French by default")
		}
		if page.csrf == "" || page.cookie == nil || page.cookie.Value == page.csrf {
			t.Fatalf("CSRF token missing: field %q cookie %+v", page.csrf, page.cookie)
		}
		if !page.cookie.HttpOnly || page.cookie.SameSite != http.SameSiteStrictMode || !page.cookie.Secure {
			t.Fatalf("CSRF cookie attributes (U-06): %+v", page.cookie)
		}
		if w.Header().Get("X-Frame-Options") != "DENY" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatal("consent page can be framed")
		}

		w = rg.postAuthorize(page, "alice@example.org", testPassword) // e-mail works as login
		if w.Code != http.StatusFound {
			t.Fatalf("authorize POST: %d %s", w.Code, w.Body.String())
		}
		loc, _ := url.Parse(w.Header().Get("Location"))
		if !strings.HasPrefix(loc.String(), callbackURI+"?") || loc.Query().Get("state") != "xyz/state+1" {
			t.Fatalf("redirect: %s", loc)
		}
		code := loc.Query().Get("code")
		if code == "" || rg.count("oauth_authorization_codes") != 1 {
			t.Fatalf("no code issued: %s", loc)
		}

		w = rg.exchange(app, code, verifier)
		if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Cache-Control"), "no-store") {
			t.Fatalf("token: %d %s", w.Code, w.Body.String())
		}
		tok := decode[tokenResp](t, w)
		if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.Scope != "read write" || tok.CreatedAt != rg.clock.Now().Unix() {
			t.Fatalf("token entity: %+v", tok)
		}
		if rg.count("oauth_authorization_codes") != 0 {
			t.Fatal("code left after exchange")
		}

		w = rg.do(req{method: "GET", path: "/api/v1/preferences", token: tok.AccessToken})
		if w.Code != http.StatusOK {
			t.Fatalf("preferences: %d %s", w.Code, w.Body.String())
		}
		prefs := decode[map[string]any](t, w)
		if prefs["posting:default:visibility"] != "unlisted" || prefs["posting:default:sensitive"] != false ||
			prefs["posting:default:language"] != "fr" || prefs["reading:expand:media"] != "default" || prefs["reading:expand:spoilers"] != false {
			t.Fatalf("preferences: %v", prefs)
		}
		w = rg.do(req{method: "POST", path: "/api/v1/test/write", token: tok.AccessToken})
		if w.Code != http.StatusOK || decode[map[string]any](t, w)["username"] != alice.Account.Username {
			t.Fatalf("write route with write token: %d %s", w.Code, w.Body.String())
		}
		w = rg.do(req{method: "GET", path: "/api/v1/apps/verify_credentials", token: tok.AccessToken})
		if got := decode[map[string]any](t, w); w.Code != http.StatusOK || got["name"] != "Test client" || got["client_secret"] != nil {
			t.Fatalf("apps/verify_credentials: %d %v", w.Code, got)
		}
		w = rg.do(req{method: "GET", path: "/api/v1/announcements", token: tok.AccessToken})
		if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "[]" {
			t.Fatalf("announcements: %d %s", w.Code, w.Body.String())
		}
	})
}

func TestOOBFlowShowsCode(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		bob := rg.createUser("bob", true)
		app := rg.createApp("read", "urn:ietf:wg:oauth:2.0:oob")
		q := authorizeQuery(app, "urn:ietf:wg:oauth:2.0:oob", "", "")
		q.Del("redirect_uri") // a single registered URI is the default
		_, page := rg.getAuthorize(q, map[string]string{"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
		if page == nil || !strings.Contains(page.body, "Password") || !strings.Contains(page.body, `lang="en"`) {
			t.Fatalf("English page expected for Accept-Language en")
		}
		w := rg.postAuthorize(page, "bob", testPassword)
		if w.Code != http.StatusOK || w.Header().Get("Location") != "" {
			t.Fatalf("oob: %d %v", w.Code, w.Header())
		}
		m := strings.SplitN(w.Body.String(), `id="code">`, 2)
		if len(m) != 2 {
			t.Fatalf("no code on page:\n%s", w.Body.String())
		}
		code := m[1][:strings.Index(m[1], "<")]
		w = rg.do(req{method: "POST", path: "/oauth/token", json: map[string]any{
			"grant_type": "authorization_code", "code": code, "client_id": app.ClientID, "client_secret": app.ClientSecret,
			"redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
		}})
		tok := decode[tokenResp](t, w)
		if w.Code != http.StatusOK || tok.Scope != "read" {
			t.Fatalf("exchange oob code: %d %s", w.Code, w.Body.String())
		}
		w = rg.do(req{method: "GET", path: "/api/v1/test/read", token: tok.AccessToken})
		if w.Code != http.StatusOK || decode[map[string]any](t, w)["username"] != bob.Account.Username {
			t.Fatalf("read:statuses with read: %d %s", w.Code, w.Body.String())
		}
	})
}

func TestWrongCredentialsIssueNoCode(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		rg.createUser("carol", true)
		pending := rg.createUser("dave", false)
		disabled := rg.createUser("erin", true)
		now := rg.clock.Now()
		disabled.DisabledAt = &now
		if _, err := rg.store.DB.NewUpdate().Model(disabled).Column("disabled_at").WherePK().Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		app := rg.createApp("read")
		_, page := rg.getAuthorize(authorizeQuery(app, callbackURI, "", ""), nil)
		for _, tc := range []struct{ login, password, want string }{
			{"carol", "wrong password!", "Identifiant ou mot de passe incorrect"},
			{"nobody", testPassword, "Identifiant ou mot de passe incorrect"},
			{"", "", "Identifiant ou mot de passe incorrect"},
			{pending.Account.Username, testPassword, "attend encore la validation"},
			{disabled.Account.Username, testPassword, "désactivé"},
		} {
			w := rg.postAuthorize(page, tc.login, tc.password)
			if w.Code == http.StatusFound || w.Header().Get("Location") != "" || !strings.Contains(w.Body.String(), tc.want) {
				t.Fatalf("%s: %d %q\n%s", tc.login, w.Code, w.Header().Get("Location"), w.Body.String())
			}
			if strings.Contains(w.Body.String(), tc.password) && tc.password != "" {
				t.Fatalf("%s: password echoed in the page", tc.login)
			}
		}
		if n := rg.count("oauth_authorization_codes"); n != 0 {
			t.Fatalf("%d codes stored after failed logins", n)
		}
	})
}

func TestDenyReturnsAccessDenied(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		app := rg.createApp("read")
		_, page := rg.getAuthorize(authorizeQuery(app, callbackURI, "", ""), nil)
		form := url.Values{}
		for k, v := range page.fields {
			form[k] = v
		}
		form.Set("decision", "deny")
		w := rg.do(req{method: "POST", path: "/oauth/authorize", form: form, cookies: []*http.Cookie{page.cookie}})
		loc, _ := url.Parse(w.Header().Get("Location"))
		if w.Code != http.StatusFound || loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" || loc.Query().Get("state") == "" {
			t.Fatalf("deny: %d %s", w.Code, loc)
		}
		if rg.count("oauth_authorization_codes") != 0 {
			t.Fatal("code stored on deny")
		}
	})
}

func TestU06_CSRFMissingOrWrongIsRefused(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("frank", true)
		app := rg.createApp("read")
		_, page := rg.getAuthorize(authorizeQuery(app, callbackURI, "", ""), nil)
		other := &http.Cookie{Name: "coopol_oauth_csrf", Value: auth.NewToken()}
		post := func(csrfField string, cookies []*http.Cookie) *httptest.ResponseRecorder {
			form := url.Values{}
			for k, v := range page.fields {
				form[k] = v
			}
			form.Del("csrf_token")
			if csrfField != "" {
				form.Set("csrf_token", csrfField)
			}
			form.Set("login", user.Account.Username)
			form.Set("password", testPassword)
			return rg.do(req{method: "POST", path: "/oauth/authorize", form: form, cookies: cookies})
		}
		for name, w := range map[string]*httptest.ResponseRecorder{
			"no cookie":    post(page.csrf, nil),
			"wrong cookie": post(page.csrf, []*http.Cookie{other}),
			"no field":     post("", []*http.Cookie{page.cookie}),
			"wrong field":  post(other.Value, []*http.Cookie{page.cookie}),
			// Issue 12: the token is bound to the server, not to whatever
			// cookie value comes in (a planted cookie posted as the token).
			"planted cookie as token": post(other.Value, []*http.Cookie{other}),
			"cookie value as token":   post(page.cookie.Value, []*http.Cookie{page.cookie}),
			"neither":                 post("", nil),
		} {
			if w.Code != http.StatusForbidden || w.Header().Get("Location") != "" {
				t.Fatalf("%s: %d %s", name, w.Code, w.Header().Get("Location"))
			}
		}
		// The same form with both halves goes through.
		if w := post(page.csrf, []*http.Cookie{page.cookie}); w.Code != http.StatusFound {
			t.Fatalf("valid CSRF token refused: %d", w.Code)
		}
		rg.store.DB.NewDelete().Model((*model.OAuthAuthorizationCode)(nil)).Where("1 = 1").Exec(context.Background()) //nolint:errcheck
		if n := rg.count("oauth_authorization_codes"); n != 0 {
			t.Fatalf("%d codes issued without a valid CSRF token", n)
		}
	})
}

func TestWrongPKCEVerifierRefused(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("gina", true)
		app := rg.createApp("read")
		verifier, challenge := pkce()
		other, _ := pkce()

		code := rg.loginCode(app, user, "", challenge)
		w := rg.exchange(app, code, other)
		expectError(t, w, http.StatusBadRequest, "invalid_grant")
		// The code was burnt by the failed attempt: no second guess.
		expectError(t, rg.exchange(app, code, verifier), http.StatusBadRequest, "invalid_grant")

		code = rg.loginCode(app, user, "", challenge)
		expectError(t, rg.exchange(app, code, ""), http.StatusBadRequest, "invalid_grant") // verifier missing

		// A verifier sent for a code issued without PKCE is a downgrade.
		code = rg.loginCode(app, user, "", "")
		expectError(t, rg.exchange(app, code, verifier), http.StatusBadRequest, "invalid_grant")
		if n := rg.count("oauth_tokens"); n != 0 {
			t.Fatalf("%d tokens, want none", n)
		}
	})
}

func TestCodeReuseRefused(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("hugo", true)
		app := rg.createApp("read")
		verifier, challenge := pkce()
		code := rg.loginCode(app, user, "", challenge)
		if w := rg.exchange(app, code, verifier); w.Code != http.StatusOK {
			t.Fatalf("first exchange: %d %s", w.Code, w.Body.String())
		}
		w := rg.exchange(app, code, verifier)
		expectError(t, w, http.StatusBadRequest, "invalid_grant")
		if decode[map[string]any](t, w)["error_description"] == nil {
			t.Fatal("OAuth error without error_description")
		}

		// A code is bound to its client.
		code = rg.loginCode(app, user, "", challenge)
		other := rg.createApp("read")
		expectError(t, rg.exchange(other, code, verifier), http.StatusBadRequest, "invalid_grant")
	})
}

func TestExpiredCodeRefused(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("ines", true)
		app := rg.createApp("read")
		verifier, challenge := pkce()
		code := rg.loginCode(app, user, "", challenge)
		rg.clock.Advance(10*time.Minute + time.Second)
		expectError(t, rg.exchange(app, code, verifier), http.StatusBadRequest, "invalid_grant")

		code = rg.loginCode(app, user, "", challenge)
		rg.clock.Advance(9 * time.Minute)
		if w := rg.exchange(app, code, verifier); w.Code != http.StatusOK {
			t.Fatalf("code within 10 minutes: %d %s", w.Code, w.Body.String())
		}
	})
}

func TestClientCredentialsToken(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		app := rg.createApp("read write")
		w := rg.do(req{method: "POST", path: "/oauth/token", form: url.Values{
			"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {"read"},
		}})
		tok := decode[tokenResp](t, w)
		if w.Code != http.StatusOK || tok.Scope != "read" || tok.TokenType != "Bearer" {
			t.Fatalf("client_credentials: %d %s", w.Code, w.Body.String())
		}
		w = rg.do(req{method: "GET", path: "/api/v1/apps/verify_credentials", token: tok.AccessToken})
		if got := decode[map[string]any](t, w); w.Code != http.StatusOK || got["id"] != app.ID || len(str(got, "vapid_key")) < 80 /* the VAPID public key */ {
			t.Fatalf("verify_credentials: %d %v", w.Code, got)
		}
		// App-only tokens cannot act as a user.
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/preferences", token: tok.AccessToken}), http.StatusUnprocessableEntity, "This method requires an authenticated user")

		// HTTP Basic client authentication works too.
		r := url.Values{"grant_type": {"client_credentials"}}
		basic := "Basic " + basicAuth(app.ClientID, app.ClientSecret)
		w = rg.do(req{method: "POST", path: "/oauth/token", form: r, header: map[string]string{"Authorization": basic}})
		if w.Code != http.StatusOK || decode[tokenResp](t, w).Scope != "read" {
			t.Fatalf("basic auth: %d %s", w.Code, w.Body.String())
		}

		// Wrong secret, unknown client, scope beyond the app's.
		w = rg.do(req{method: "POST", path: "/oauth/token", form: url.Values{
			"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {"nope"},
		}})
		expectError(t, w, http.StatusUnauthorized, "invalid_client")
		w = rg.do(req{method: "POST", path: "/oauth/token", form: url.Values{
			"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {"read push"},
		}})
		expectError(t, w, http.StatusBadRequest, "invalid_scope")
	})
}

func TestPasswordGrantUnsupported(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		rg.createUser("jules", true)
		app := rg.createApp("read")
		w := rg.do(req{method: "POST", path: "/oauth/token", form: url.Values{
			"grant_type": {"password"}, "username": {"jules"}, "password": {testPassword},
			"client_id": {app.ClientID}, "client_secret": {app.ClientSecret},
		}})
		expectError(t, w, http.StatusBadRequest, "unsupported_grant_type")
		if desc, _ := decode[map[string]any](t, w)["error_description"].(string); desc == "" {
			t.Fatal("no error_description")
		}
		for _, form := range []url.Values{{}, {"grant_type": {"refresh_token"}}} {
			w := rg.do(req{method: "POST", path: "/oauth/token", form: form})
			if w.Code != http.StatusBadRequest {
				t.Fatalf("%v: %d", form, w.Code)
			}
			decode[map[string]any](t, w)
		}
		if rg.count("oauth_tokens") != 0 {
			t.Fatal("token issued")
		}
	})
}

func TestRevokedTokenIs401(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("karim", true)
		app, token := rg.userToken(user, "read write", "read write")
		if w := rg.do(req{method: "GET", path: "/api/v1/test/read", token: token}); w.Code != http.StatusOK {
			t.Fatalf("before revoke: %d", w.Code)
		}

		// Another client may not revoke it.
		other := rg.createApp("read")
		w := rg.do(req{method: "POST", path: "/oauth/revoke", form: url.Values{
			"client_id": {other.ClientID}, "client_secret": {other.ClientSecret}, "token": {token},
		}})
		expectError(t, w, http.StatusForbidden, "unauthorized_client")

		for range 2 { // idempotent
			w = rg.do(req{method: "POST", path: "/oauth/revoke", form: url.Values{
				"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "token": {token},
			}})
			if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "{}" {
				t.Fatalf("revoke: %d %s", w.Code, w.Body.String())
			}
		}
		for _, path := range []string{"/api/v1/test/read", "/api/v1/preferences", "/api/v1/apps/verify_credentials", "/api/v1/test/optional"} {
			w := rg.do(req{method: "GET", path: path, token: token})
			expectError(t, w, http.StatusUnauthorized, "The access token is invalid")
		}
		// Unknown tokens: 200 {} (RFC 7009).
		w = rg.do(req{method: "POST", path: "/oauth/revoke", form: url.Values{
			"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "token": {"unknown"},
		}})
		if w.Code != http.StatusOK {
			t.Fatalf("revoke unknown: %d", w.Code)
		}
	})
}

func TestDisabledOrUnapprovedUserTokenIs401(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("lea", true)
		_, token := rg.userToken(user, "read", "read")
		user.Approved = false
		if _, err := rg.store.DB.NewUpdate().Model(user).Column("approved").WherePK().Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/test/read", token: token}), http.StatusUnauthorized, "The access token is invalid")

		user.Approved = true
		now := rg.clock.Now()
		user.Account.SuspendedAt = &now
		if _, err := rg.store.DB.NewUpdate().Model(user).Column("approved").WherePK().Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := rg.store.UpdateAccount(context.Background(), user.Account); err != nil {
			t.Fatal(err)
		}
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/test/read", token: token}), http.StatusUnauthorized, "The access token is invalid")
	})
}

func TestU01_ReadTokenForbiddenOnWriteRoute(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("marc", true)
		_, readTok := rg.userToken(user, "read write follow", "read")
		expectError(t, rg.do(req{method: "POST", path: "/api/v1/test/write", token: readTok}), http.StatusForbidden, "This action is outside the authorized scopes")
		if w := rg.do(req{method: "GET", path: "/api/v1/test/read", token: readTok}); w.Code != http.StatusOK {
			t.Fatalf("read covers read:statuses: %d", w.Code)
		}

		_, granular := rg.userToken(user, "read write follow", "read:statuses write:statuses")
		if w := rg.do(req{method: "POST", path: "/api/v1/test/write", token: granular}); w.Code != http.StatusOK {
			t.Fatalf("write:statuses route with write:statuses: %d", w.Code)
		}
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/preferences", token: granular}), http.StatusForbidden, "")
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/announcements", token: granular}), http.StatusForbidden, "") // needs read itself

		_, follow := rg.userToken(user, "read write follow", "follow")
		if w := rg.do(req{method: "GET", path: "/api/v1/test/blocks", token: follow}); w.Code != http.StatusOK {
			t.Fatalf("follow covers read:blocks: %d", w.Code)
		}
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/test/read", token: follow}), http.StatusForbidden, "")

		// Admin scopes do not make a member staff.
		_, admin := rg.userToken(user, "admin:read", "admin:read")
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/test/admin", token: admin}), http.StatusForbidden, "")
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/test/admin", token: readTok}), http.StatusForbidden, "This action is outside the authorized scopes")

		// No token, a malformed or unknown one: 401.
		for _, h := range []map[string]string{nil, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}} {
			w := rg.do(req{method: "POST", path: "/api/v1/test/write", header: h})
			expectError(t, w, http.StatusUnauthorized, "The access token is invalid")
		}
		// Tokens are not taken from the query string outside streaming.
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/test/read?access_token=" + readTok}), http.StatusUnauthorized, "")
	})
}

func TestU01_AuthorizeScopesMustBeSubsetOfApp(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		app := rg.createApp("read")
		for _, scope := range []string{"write", "read nonsense"} {
			w, page := rg.getAuthorize(authorizeQuery(app, callbackURI, scope, ""), nil)
			loc, _ := url.Parse(w.Header().Get("Location"))
			if page != nil || w.Code != http.StatusFound || loc.Query().Get("error") != "invalid_scope" || !strings.HasPrefix(loc.String(), callbackURI) {
				t.Fatalf("%q: %d %s", scope, w.Code, loc)
			}
		}
		// A granular scope under a registered parent is fine.
		if _, page := rg.getAuthorize(authorizeQuery(app, callbackURI, "read:statuses", ""), nil); page == nil {
			t.Fatal("read:statuses refused for an app registered with read")
		}
		// Unknown client and unregistered redirect URI: error page, never a redirect.
		q := authorizeQuery(app, "https://evil.example/steal", "", "")
		w, _ := rg.getAuthorize(q, nil)
		if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
			t.Fatalf("unregistered redirect: %d %s", w.Code, w.Header().Get("Location"))
		}
		q = authorizeQuery(app, callbackURI, "", "")
		q.Set("client_id", "unknown")
		w, _ = rg.getAuthorize(q, nil)
		if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" || !strings.Contains(w.Body.String(), "Application inconnue") {
			t.Fatalf("unknown client: %d %s", w.Code, w.Header().Get("Location"))
		}
		q = authorizeQuery(app, callbackURI, "", "")
		q.Set("code_challenge_method", "S512")
		q.Set("code_challenge", strings.Repeat("a", 43))
		w, _ = rg.getAuthorize(q, nil)
		if loc, _ := url.Parse(w.Header().Get("Location")); loc.Query().Get("error") != "invalid_request" {
			t.Fatalf("bad PKCE method: %d %s", w.Code, loc)
		}
	})
}

func TestU01_DangerousRedirectURIsAndUnknownScopesRefused(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		for _, tc := range []url.Values{
			{"client_name": {"x"}, "redirect_uris": {"javascript:alert(document.cookie)"}},
			{"client_name": {"x"}, "redirect_uris": {"JavaScript://%0aalert(1)"}},
			{"client_name": {"x"}, "redirect_uris": {"data:text/html,<script>alert(1)</script>"}},
			{"client_name": {"x"}, "redirect_uris": {"https://ok.example/cb\njavascript:alert(1)"}},
			{"client_name": {"x"}, "redirect_uris": {"/relative/path"}},
			{"client_name": {"x"}, "redirect_uris": {"https://ok.example/cb#frag"}},
			{"client_name": {"x"}, "redirect_uris": {""}},
			{"client_name": {"x"}, "redirect_uris": {"https://ok.example/cb"}, "scopes": {"read admin:everything"}},
			{"client_name": {"x"}, "redirect_uris": {"https://ok.example/cb"}, "website": {"javascript:alert(1)"}},
			{"client_name": {""}, "redirect_uris": {"https://ok.example/cb"}},
		} {
			w := rg.do(req{method: "POST", path: "/api/v1/apps", form: tc})
			expectError(t, w, http.StatusUnprocessableEntity, "")
		}
		w := rg.do(req{method: "POST", path: "/api/v1/apps", json: map[string]any{
			"client_name": "x", "redirect_uris": []string{"https://ok.example/cb", "data:,x"},
		}})
		expectError(t, w, http.StatusUnprocessableEntity, "")
		if n := rg.count("oauth_applications"); n != 0 {
			t.Fatalf("%d applications stored from refused registrations", n)
		}
	})
}

func TestAppRegistrationForms(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		// JSON with a list, as Mastodon 4.3 documents.
		w := rg.do(req{method: "POST", path: "/api/v1/apps", json: map[string]any{
			"client_name": "Elk", "redirect_uris": []string{"https://elk.example/cb", "tusky://oauth"}, "scopes": "read write push",
		}})
		app := decode[appCreds](t, w)
		if w.Code != http.StatusOK || len(app.RedirectURIs) != 2 || app.RedirectURI != "https://elk.example/cb\ntusky://oauth" ||
			len(app.Scopes) != 3 || app.Website != nil {
			t.Fatalf("JSON list: %d %s", w.Code, w.Body.String())
		}
		// Form with repeated redirect_uris[] and no scopes: read.
		w = rg.do(req{method: "POST", path: "/api/v1/apps", form: url.Values{
			"client_name": {"toot"}, "redirect_uris[]": {"urn:ietf:wg:oauth:2.0:oob", "https://a.example/cb"},
		}})
		app = decode[appCreds](t, w)
		if w.Code != http.StatusOK || len(app.RedirectURIs) != 2 || len(app.Scopes) != 1 || app.Scopes[0] != "read" {
			t.Fatalf("form list: %d %s", w.Code, w.Body.String())
		}
		// Broken JSON: 400 JSON, not a 500.
		w = rg.doRaw("POST", "/api/v1/apps", "application/json", `{"client_name":`)
		expectError(t, w, http.StatusBadRequest, "")
		if w.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Fatal("API answers lack CORS headers for browser clients")
		}
	})
}

func TestU03_DatabaseHoldsOnlyHashes(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("nina", true)
		app := rg.createApp("read write")
		verifier, challenge := pkce()
		code := rg.loginCode(app, user, "read", challenge)
		codes := rg.dump("oauth_authorization_codes")
		if strings.Contains(codes, code) || !strings.Contains(codes, auth.HashToken(code)) {
			t.Fatalf("authorization code stored in clear:\n%s", codes)
		}
		w := rg.exchange(app, code, verifier)
		token := decode[tokenResp](t, w).AccessToken
		w = rg.do(req{method: "POST", path: "/oauth/token", form: url.Values{
			"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret},
		}})
		appToken := decode[tokenResp](t, w).AccessToken

		tokens, apps := rg.dump("oauth_tokens"), rg.dump("oauth_applications")
		for _, secret := range []string{token, appToken} {
			if strings.Contains(tokens, secret) {
				t.Fatalf("access token stored in clear:\n%s", tokens)
			}
			if !strings.Contains(tokens, auth.HashToken(secret)) {
				t.Fatalf("token hash missing:\n%s", tokens)
			}
		}
		if strings.Contains(apps, app.ClientSecret) || !strings.Contains(apps, auth.HashToken(app.ClientSecret)) {
			t.Fatalf("client secret stored in clear:\n%s", apps)
		}
		// And the tokens work: lookup is by hash.
		if w := rg.do(req{method: "GET", path: "/api/v1/test/read", token: token}); w.Code != http.StatusOK {
			t.Fatalf("token lookup: %d", w.Code)
		}
	})
}

func TestLastUsedAtUpdatedAtMostOncePerMinute(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("oscar", true)
		_, token := rg.userToken(user, "read", "read")
		lastUsed := func() time.Time {
			var tok model.OAuthToken
			if err := rg.store.DB.NewSelect().Model(&tok).Where("token_hash = ?", auth.HashToken(token)).Scan(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tok.LastUsedAt == nil {
				return time.Time{}
			}
			return tok.LastUsedAt.UTC()
		}
		start := rg.clock.Now()
		rg.do(req{method: "GET", path: "/api/v1/test/read", token: token})
		if !lastUsed().Equal(start) {
			t.Fatalf("last_used_at = %v, want %v", lastUsed(), start)
		}
		rg.clock.Advance(30 * time.Second)
		rg.do(req{method: "GET", path: "/api/v1/test/read", token: token})
		if !lastUsed().Equal(start) {
			t.Fatal("last_used_at rewritten within a minute")
		}
		rg.clock.Advance(31 * time.Second)
		rg.do(req{method: "GET", path: "/api/v1/test/read", token: token})
		if !lastUsed().Equal(rg.clock.Now()) {
			t.Fatalf("last_used_at not updated after a minute: %v", lastUsed())
		}
	})
}

func TestStreamingAcceptsQueryToken(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("paul", true)
		_, token := rg.userToken(user, "read", "read")
		rg.r.GET("/api/v1/streaming/health-test", rg.h.RequireScope("read:statuses"), func(c *gin.Context) { c.String(200, "OK") })
		if w := rg.do(req{method: "GET", path: "/api/v1/streaming/health-test?access_token=" + token}); w.Code != http.StatusOK {
			t.Fatalf("streaming query token: %d %s", w.Code, w.Body.String())
		}
	})
}
