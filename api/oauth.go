package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// codeLifetime is how long an authorization code can be exchanged.
const codeLifetime = 10 * time.Minute

// maxStateLength bounds the opaque state a client round-trips.
const maxStateLength = 2048

// pkceValue is RFC 7636's code_verifier / plain challenge alphabet and
// length; an S256 challenge is 43 characters of it.
var pkceValue = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// authRequest is a validated authorization request (GET query or the
// hidden fields of the POSTed form, validated again).
type authRequest struct {
	App                 *model.OAuthApplication
	ResponseType        string
	ClientID            string
	RedirectURI         string
	Scope               string // space-separated, normalised
	Scopes              []string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
	// RedirectSent: the client named redirect_uri (else the app's only one
	// is used, and the exchange need not repeat it).
	RedirectSent bool
}

// sentRedirectURI is what the code keeps for the exchange to repeat.
func (req authRequest) sentRedirectURI() string {
	if req.RedirectSent {
		return req.RedirectURI
	}
	return ""
}

// authProblem is why a request cannot proceed. With toClient set, the
// error goes back to the (validated) redirect URI, as RFC 6749 §4.1.2.1
// asks; otherwise the person sees an error page, because the client or
// its redirect URI cannot be trusted.
type authProblem struct {
	page        string // message key for the error page
	toClient    bool
	code        string
	description string
}

// parseAuthRequest validates the OAuth parameters of an authorization
// request. On a problem, the returned request still carries what could
// be validated (for the redirect).
func (h *Handlers) parseAuthRequest(ctx context.Context, get func(string) string) (authRequest, *authProblem, error) {
	req := authRequest{
		ResponseType: get("response_type"), ClientID: strings.TrimSpace(get("client_id")),
		RedirectURI: strings.TrimSpace(get("redirect_uri")), State: get("state"),
		CodeChallenge: get("code_challenge"), CodeChallengeMethod: get("code_challenge_method"),
	}
	req.RedirectSent = req.RedirectURI != ""
	if req.ClientID == "" {
		return req, &authProblem{page: "unknown_client"}, nil
	}
	app, err := h.Store.OAuthApplicationByClientID(ctx, req.ClientID)
	if errors.Is(err, storage.ErrNotFound) {
		return req, &authProblem{page: "unknown_client"}, nil
	}
	if err != nil {
		return req, nil, err
	}
	req.App = app
	if req.RedirectURI == "" && len(app.RedirectURIs) == 1 {
		req.RedirectURI = app.RedirectURIs[0]
	}
	if !slices.Contains(app.RedirectURIs, req.RedirectURI) {
		return req, &authProblem{page: "bad_redirect"}, nil
	}
	// From here on, errors may be sent back to the client.
	fail := func(code, description string) (authRequest, *authProblem, error) {
		return req, &authProblem{page: "bad_request", toClient: true, code: code, description: description}, nil
	}
	if len(req.State) > maxStateLength {
		req.State = ""
		return fail("invalid_request", "The state parameter is too long.")
	}
	if req.ResponseType != "code" {
		return fail("unsupported_response_type", "The authorization server does not support this response type.")
	}
	req.Scopes = parseScopes(get("scope"))
	if len(req.Scopes) == 0 {
		req.Scopes = parseScopes(get("scopes")) // some clients use the registration's name
	}
	if len(req.Scopes) == 0 {
		req.Scopes = []string{defaultScope}
	}
	if len(unknownScopes(req.Scopes)) > 0 || !isSubset(req.Scopes, parseScopes(app.Scopes)) {
		return fail("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
	}
	req.Scope = strings.Join(req.Scopes, " ")
	switch {
	case req.CodeChallenge == "" && req.CodeChallengeMethod == "":
	case req.CodeChallenge == "":
		return fail("invalid_request", "code_challenge is required with code_challenge_method.")
	case req.CodeChallengeMethod == "S256":
		if len(req.CodeChallenge) != 43 || !pkceValue.MatchString(req.CodeChallenge) {
			return fail("invalid_request", "The code_challenge is malformed.")
		}
	default:
		// "plain" (also the default when the method is left out, RFC 7636
		// §4.3) protects nothing once the challenge is seen: only S256 is
		// advertised, and only S256 is accepted.
		return fail("invalid_request", "code_challenge_method must be S256.")
	}
	return req, nil, nil
}

// redirectWith sends the browser to the request's redirect URI with
// extra query parameters (and the state), keeping the URI's own query.
func redirectWith(c *gin.Context, req authRequest, values url.Values) {
	u, err := url.Parse(req.RedirectURI)
	if err != nil { // validated at registration; cannot happen
		c.String(http.StatusBadRequest, "invalid redirect URI")
		return
	}
	q := u.Query()
	for k, vs := range values {
		q[k] = vs
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	u.RawQuery = q.Encode()
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	c.Redirect(http.StatusFound, u.String())
	c.Abort()
}

// reportAuthProblem shows an error page or sends the error to the client.
func (h *Handlers) reportAuthProblem(c *gin.Context, lang string, req authRequest, p *authProblem) {
	if p.toClient && req.RedirectURI != oobRedirectURI {
		redirectWith(c, req, url.Values{"error": {p.code}, "error_description": {p.description}})
		return
	}
	h.errorPage(c, http.StatusBadRequest, lang, p.page)
}

// authorizeForm: GET /oauth/authorize — the login and consent page.
func (h *Handlers) authorizeForm(c *gin.Context) {
	lang := h.pageLang(c, c.Query("lang"))
	req, problem, err := h.parseAuthRequest(c.Request.Context(), c.Query)
	if err != nil {
		h.Log.Error("authorize", "err", err)
		h.errorPage(c, http.StatusInternalServerError, lang, "internal")
		return
	}
	if problem != nil {
		h.reportAuthProblem(c, lang, req, problem)
		return
	}
	h.renderAuthorize(c, http.StatusOK, lang, req, "", "")
}

func (h *Handlers) renderAuthorize(c *gin.Context, status int, lang string, req authRequest, login, errKey string) {
	d := &pageData{
		Lang: lang, AppName: req.App.Name, AppWebsite: req.App.Website,
		Scopes: describeScopes(lang, req.Scopes), Req: req, CSRF: h.csrfToken(c), Login: login,
	}
	if errKey != "" {
		d.Error = messages[lang][errKey]
	}
	h.renderPage(c, status, "authorize", d)
}

// dummyHash is checked against when the login matches nobody, so that a
// wrong login costs as long as a wrong password (U-07).
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("coopol-dummy-password")
	if err != nil {
		panic(err)
	}
	return h
})

// authorizeSubmit: POST /oauth/authorize — checks the CSRF token, the
// OAuth parameters again, then the credentials; issues a code.
func (h *Handlers) authorizeSubmit(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := c.Request.ParseForm(); err != nil {
		h.errorPage(c, http.StatusBadRequest, h.pageLang(c, ""), "bad_request")
		return
	}
	form := c.Request.PostForm
	lang := h.pageLang(c, form.Get("lang"))
	if !h.checkCSRF(c) {
		h.errorPage(c, http.StatusForbidden, lang, "csrf")
		return
	}
	ctx := c.Request.Context()
	req, problem, err := h.parseAuthRequest(ctx, form.Get)
	if err != nil {
		h.Log.Error("authorize", "err", err)
		h.errorPage(c, http.StatusInternalServerError, lang, "internal")
		return
	}
	if problem != nil {
		h.reportAuthProblem(c, lang, req, problem)
		return
	}
	if form.Get("decision") == "deny" {
		h.reportAuthProblem(c, lang, req, &authProblem{page: "bad_request", toClient: true,
			code: "access_denied", description: "The resource owner or authorization server denied the request."})
		return
	}

	login := strings.TrimSpace(form.Get("login"))
	password := form.Get("password")
	user, err := h.Store.UserByLogin(ctx, login)
	switch {
	case errors.Is(err, storage.ErrNotFound) || login == "":
		auth.CheckPassword(dummyHash(), password)
		h.renderAuthorize(c, http.StatusUnauthorized, lang, req, login, "bad_credentials")
		return
	case err != nil:
		h.Log.Error("authorize: find user", "err", err)
		h.errorPage(c, http.StatusInternalServerError, lang, "internal")
		return
	}
	if !auth.CheckPassword(user.PasswordHash, password) {
		h.renderAuthorize(c, http.StatusUnauthorized, lang, req, login, "bad_credentials")
		return
	}
	if !userMayLogIn(user) {
		key := "disabled"
		if user.DisabledAt == nil && !user.Approved {
			key = "not_approved"
		}
		h.renderAuthorize(c, http.StatusForbidden, lang, req, login, key)
		return
	}

	raw := auth.NewToken()
	now := h.now()
	code := &model.OAuthAuthorizationCode{
		CodeHash: auth.HashToken(raw), ApplicationID: req.App.ID, UserID: user.ID, RedirectURI: req.sentRedirectURI(),
		Scopes: req.Scope, CodeChallenge: req.CodeChallenge, CodeChallengeMethod: req.CodeChallengeMethod,
		ExpiresAt: now.Add(codeLifetime), CreatedAt: now,
	}
	if err := h.Store.CreateAuthorizationCode(ctx, code); err != nil {
		h.Log.Error("authorize: store code", "err", err)
		h.errorPage(c, http.StatusInternalServerError, lang, "internal")
		return
	}
	h.Log.Info("authorization code issued", "app", req.App.ID, "user", user.ID)
	// This browser is now one its owner logged in from: the login
	// throttle spares it (issue 12, as the web's login form does).
	if key, err := h.csrfSecret.Key(ctx, auth.DevicePurpose); err == nil {
		http.SetCookie(c.Writer, &http.Cookie{
			Name: auth.DeviceCookie, Value: auth.NewDeviceToken(key, user.ID), Path: "/", MaxAge: auth.DeviceCookieMaxAge,
			HttpOnly: true, Secure: h.Config.Protocol == "https", SameSite: http.SameSiteLaxMode,
		})
	}
	if req.RedirectURI == oobRedirectURI {
		h.renderPage(c, http.StatusOK, "code", &pageData{Lang: lang, Code: raw})
		return
	}
	redirectWith(c, req, url.Values{"code": {raw}})
}

// tokenJSON is Mastodon's Token entity.
type tokenJSON struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

// clientFromRequest authenticates the client by client_id/client_secret
// in the body (client_secret_post) or HTTP Basic (client_secret_basic).
func (h *Handlers) clientFromRequest(ctx context.Context, r *http.Request, p *params) (*model.OAuthApplication, error) {
	id, secret := p.Get("client_id"), p.Get("client_secret")
	if u, pw, ok := r.BasicAuth(); ok && id == "" {
		id, secret = u, pw
		if v, err := url.QueryUnescape(u); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(pw); err == nil {
			secret = v
		}
	}
	if id == "" || secret == "" {
		return nil, storage.ErrNotFound
	}
	app, err := h.Store.OAuthApplicationByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(auth.HashToken(secret)), []byte(app.ClientSecretHash)) != 1 {
		return nil, storage.ErrNotFound
	}
	return app, nil
}

const invalidGrant = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."

// token: POST /oauth/token (authorization_code with PKCE, client_credentials).
func (h *Handlers) token(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	p, err := readParams(c)
	if err != nil {
		oauthError(c, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	grant := p.Get("grant_type")
	switch grant {
	case "authorization_code", "client_credentials":
	case "":
		oauthError(c, http.StatusBadRequest, "invalid_request", "The grant_type parameter is missing.")
		return
	case "password":
		oauthError(c, http.StatusBadRequest, "unsupported_grant_type",
			"The password grant is not supported: log in through /oauth/authorize (authorization_code with PKCE).")
		return
	default:
		oauthError(c, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
		return
	}
	ctx := c.Request.Context()
	app, err := h.clientFromRequest(ctx, c.Request, p)
	if errors.Is(err, storage.ErrNotFound) {
		c.Header("WWW-Authenticate", `Basic realm="Coopol"`)
		oauthError(c, http.StatusUnauthorized, "invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
		return
	}
	if err != nil {
		h.internalError(c, err)
		return
	}

	now := h.now()
	tok := &model.OAuthToken{ID: model.NewID(now), ApplicationID: app.ID, CreatedAt: now}
	if grant == "authorization_code" {
		code := p.Get("code")
		if code == "" {
			oauthError(c, http.StatusBadRequest, "invalid_request", "The code parameter is missing.")
			return
		}
		// Consumed before any check: a code gets one attempt, so a wrong
		// verifier cannot be retried (and a replay finds nothing).
		codeHash := auth.HashToken(code)
		rec, err := h.Store.ConsumeAuthorizationCode(ctx, codeHash)
		if errors.Is(err, storage.ErrNotFound) {
			// A used code presented again was stolen, or the exchange
			// replayed: what it granted is revoked (RFC 6749 §4.1.2).
			if n, err := h.Store.RevokeOAuthTokensOfCode(ctx, codeHash, now); err != nil {
				h.internalError(c, err)
				return
			} else if n > 0 {
				h.Log.Warn("authorization code replayed: its tokens are revoked", "app", app.ID, "revoked", n)
			}
			oauthError(c, http.StatusBadRequest, "invalid_grant", invalidGrant)
			return
		}
		if err != nil {
			h.internalError(c, err)
			return
		}
		// The code keeps the redirect_uri only when the client sent one;
		// then the same must come with the exchange (RFC 6749 §4.1.3).
		redirect := p.Get("redirect_uri")
		redirectOK := redirect == rec.RedirectURI || (rec.RedirectURI == "" && (redirect == "" || slices.Contains(app.RedirectURIs, redirect)))
		if rec.ApplicationID != app.ID || !now.Before(rec.ExpiresAt) || !redirectOK {
			oauthError(c, http.StatusBadRequest, "invalid_grant", invalidGrant)
			return
		}
		if !pkceMatches(rec, p.Get("code_verifier")) {
			oauthError(c, http.StatusBadRequest, "invalid_grant", "The code_verifier does not match the code_challenge.")
			return
		}
		if !userMayLogIn(rec.User) {
			oauthError(c, http.StatusBadRequest, "invalid_grant", invalidGrant)
			return
		}
		tok.UserID, tok.Scopes, tok.CodeHash = &rec.UserID, rec.Scopes, &codeHash
	} else {
		scopes := parseScopes(strings.Join(p.List("scope"), " "))
		if len(scopes) == 0 {
			scopes = []string{defaultScope}
		}
		if len(unknownScopes(scopes)) > 0 || !isSubset(scopes, parseScopes(app.Scopes)) {
			oauthError(c, http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
			return
		}
		tok.Scopes = strings.Join(scopes, " ")
	}
	raw := auth.NewToken()
	tok.TokenHash = auth.HashToken(raw)
	if err := h.Store.CreateOAuthToken(ctx, tok); err != nil {
		h.internalError(c, err)
		return
	}
	if h.OnTokenIssued != nil {
		h.OnTokenIssued(raw)
	}
	c.JSON(http.StatusOK, tokenJSON{AccessToken: raw, TokenType: "Bearer", Scope: tok.Scopes, CreatedAt: now.Unix()})
}

// pkceMatches checks the verifier against the code's challenge. A
// verifier sent for a code issued without PKCE is refused too (PKCE
// downgrade, OAuth 2.0 Security BCP §2.1.1).
func pkceMatches(rec *model.OAuthAuthorizationCode, verifier string) bool {
	switch rec.CodeChallengeMethod {
	case "":
		return verifier == ""
	case "S256":
		if !pkceValue.MatchString(verifier) {
			return false
		}
		sum := sha256.Sum256([]byte(verifier))
		return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(rec.CodeChallenge)) == 1
	}
	return false
}

// revoke: POST /oauth/revoke (RFC 7009). Unknown tokens answer 200 {}; a
// token of another client is refused.
func (h *Handlers) revoke(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	p, err := readParams(c)
	if err != nil {
		oauthError(c, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	ctx := c.Request.Context()
	app, err := h.clientFromRequest(ctx, c.Request, p)
	if errors.Is(err, storage.ErrNotFound) {
		oauthError(c, http.StatusUnauthorized, "invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
		return
	}
	if err != nil {
		h.internalError(c, err)
		return
	}
	raw := p.Get("token")
	if raw == "" {
		oauthError(c, http.StatusForbidden, "unauthorized_client", "You are not authorized to revoke this token")
		return
	}
	tok, err := h.Store.OAuthTokenByHash(ctx, auth.HashToken(raw))
	if errors.Is(err, storage.ErrNotFound) {
		c.JSON(http.StatusOK, gin.H{})
		return
	}
	if err != nil {
		h.internalError(c, err)
		return
	}
	if tok.ApplicationID != app.ID {
		oauthError(c, http.StatusForbidden, "unauthorized_client", "You are not authorized to revoke this token")
		return
	}
	if err := h.Store.RevokeOAuthToken(ctx, tok.ID, h.now()); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// oauthMetadata: GET /.well-known/oauth-authorization-server (RFC 8414,
// as Mastodon 4.3 publishes it).
func (h *Handlers) oauthMetadata(c *gin.Context) {
	base := h.Config.BaseURL()
	c.Header("Cache-Control", "public, max-age=3600")
	c.JSON(http.StatusOK, gin.H{
		"issuer":                                base + "/",
		"service_documentation":                 "https://docs.joinmastodon.org/",
		"authorization_endpoint":                base + "/oauth/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"app_registration_endpoint":             base + "/api/v1/apps",
		"scopes_supported":                      scopesSupported,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}
