package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Issue 12 (hygiene, U-06): PKCE "plain" is refused, named or implied
// (RFC 7636 §4.3 makes it the default without a method): only S256 is
// advertised. No code is issued, nothing is stored.
func TestPKCEPlainRefused(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		rg.createUser("gina", true)
		app := rg.createApp("read")
		verifier, _ := pkce()
		for _, method := range []string{"plain", ""} {
			q := authorizeQuery(app, callbackURI, "", "")
			q.Set("code_challenge", verifier)
			if method != "" {
				q.Set("code_challenge_method", method)
			}
			w, page := rg.getAuthorize(q, nil)
			if page != nil {
				t.Fatalf("method %q: authorize page shown", method)
			}
			loc, _ := url.Parse(w.Header().Get("Location"))
			if w.Code != http.StatusFound || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("code") != "" {
				t.Fatalf("method %q: %d %s", method, w.Code, loc)
			}
		}
		if n := rg.count("oauth_authorization_codes"); n != 0 {
			t.Fatalf("%d codes stored", n)
		}
		w := rg.do(req{method: "GET", path: "/.well-known/oauth-authorization-server"})
		if body := w.Body.String(); strings.Contains(body, `"plain"`) || !strings.Contains(body, `"S256"`) {
			t.Fatalf("metadata: %s", body)
		}
	})
}

// Issue 12 (hygiene): a redirect_uri sent at authorisation must come again,
// the same, at /oauth/token (RFC 6749 §4.1.3); missing or different, the
// exchange fails and no token is issued.
func TestRedirectURIRequiredAtTokenWhenSentAtAuthorization(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("hugo", true)
		app := rg.createApp("read", callbackURI, "https://client.example/other")
		for _, redirect := range []string{"", "https://client.example/other"} {
			verifier, challenge := pkce()
			code := rg.loginCode(app, user, "", challenge)
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {app.ClientID},
				"client_secret": {app.ClientSecret}, "code_verifier": {verifier}}
			if redirect != "" {
				form.Set("redirect_uri", redirect)
			}
			expectError(t, rg.do(req{method: "POST", path: "/oauth/token", form: form}), http.StatusBadRequest, "invalid_grant")
		}
		if n := rg.count("oauth_tokens"); n != 0 {
			t.Fatalf("%d tokens issued", n)
		}
		// The same redirect_uri: the exchange works.
		verifier, challenge := pkce()
		if w := rg.exchange(app, rg.loginCode(app, user, "", challenge), verifier); w.Code != http.StatusOK {
			t.Fatalf("exchange with the same redirect_uri: %d %s", w.Code, w.Body.String())
		}
	})
}

// Issue 12 (hygiene): presenting a code a second time revokes the token
// issued from it (the code was stolen, RFC 6749 §4.1.2); other tokens of
// the same person stay valid.
func TestCodeReplayRevokesItsTokens(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		user := rg.createUser("ines", true)
		app := rg.createApp("read")
		_, other := rg.userToken(user, "read", "read")

		verifier, challenge := pkce()
		code := rg.loginCode(app, user, "", challenge)
		w := rg.exchange(app, code, verifier)
		if w.Code != http.StatusOK {
			t.Fatalf("first exchange: %d %s", w.Code, w.Body.String())
		}
		token := decode[tokenResp](t, w).AccessToken
		if w := rg.do(req{method: "GET", path: "/api/v1/test/read", token: token}); w.Code != http.StatusOK {
			t.Fatalf("token before replay: %d", w.Code)
		}
		expectError(t, rg.exchange(app, code, verifier), http.StatusBadRequest, "invalid_grant")
		expectError(t, rg.do(req{method: "GET", path: "/api/v1/test/read", token: token}), http.StatusUnauthorized, "The access token is invalid")
		if w := rg.do(req{method: "GET", path: "/api/v1/test/read", token: other}); w.Code != http.StatusOK {
			t.Fatalf("another token of the same person: %d", w.Code)
		}
		if n := rg.count("oauth_tokens"); n != 2 {
			t.Fatalf("%d tokens, want 2 (no new token from the replay)", n)
		}
	})
}
