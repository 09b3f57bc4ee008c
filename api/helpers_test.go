package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/api"
	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

func init() { gin.SetMode(gin.TestMode) }

const (
	testPassword = "correct horse battery"
	callbackURI  = "https://client.example/callback"
)

// rig is one instance's API on a fresh database.
type rig struct {
	t     *testing.T
	store *storage.Storage
	cfg   config.Config
	h     *api.Handlers
	r     *gin.Engine
	clock *coopoltest.Clock
}

func newRig(t *testing.T, s *storage.Storage, tweak ...func(*config.Config)) *rig {
	t.Helper()
	cfg := config.Default()
	cfg.Host, cfg.Protocol = "lyon.coopol.test", "https"
	cfg.Instance.Name = "Coopol Lyon"
	cfg.Instance.Description = "Section de Lyon"
	cfg.Instance.ContactEmail = "contact@lyon.coopol.test"
	for _, f := range tweak {
		f(&cfg)
	}
	clk := coopoltest.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	r := gin.New()
	// These rigs have no instance actor to derive the server key from.
	secret := &auth.ServerSecret{Load: func(context.Context) (string, error) { return "api rig server secret " + strings.Repeat("x", 32), nil }}
	h := api.Register(r, api.Deps{Config: cfg, Store: s, Log: slog.New(slog.DiscardHandler), Now: clk.Now, CSRFSecret: secret})
	// Tiny routes to exercise the middleware on scopes no real endpoint
	// of this slice uses yet.
	ok := func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"username": api.CurrentAccount(c).Username})
	}
	r.POST("/api/v1/test/write", h.RequireScope("write:statuses"), ok)
	r.GET("/api/v1/test/read", h.RequireScope("read:statuses"), ok)
	r.GET("/api/v1/test/blocks", h.RequireScope("read:blocks"), ok)
	r.GET("/api/v1/test/admin", h.RequireScope("admin:read:accounts"), h.RequireStaff(), ok)
	r.GET("/api/v1/test/optional", h.OptionalAuth(), func(c *gin.Context) {
		name := ""
		if a := api.CurrentAccount(c); a != nil {
			name = a.Username
		}
		c.JSON(http.StatusOK, gin.H{"username": name})
	})
	return &rig{t: t, store: s, cfg: cfg, h: h, r: r, clock: clk}
}

// each runs fn on a fresh rig per database backend.
func each(t *testing.T, fn func(t *testing.T, rg *rig)) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) { fn(t, newRig(t, s)) })
}

type req struct {
	method, path string
	form         url.Values
	json         any
	token        string
	header       map[string]string
	cookies      []*http.Cookie
}

func (rg *rig) do(q req) *httptest.ResponseRecorder {
	rg.t.Helper()
	var body io.Reader
	ct := ""
	switch {
	case q.json != nil:
		b, err := json.Marshal(q.json)
		if err != nil {
			rg.t.Fatal(err)
		}
		body, ct = strings.NewReader(string(b)), "application/json"
	case q.form != nil:
		body, ct = strings.NewReader(q.form.Encode()), "application/x-www-form-urlencoded"
	}
	r := httptest.NewRequest(q.method, q.path, body)
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if q.token != "" {
		r.Header.Set("Authorization", "Bearer "+q.token)
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	for _, c := range q.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	rg.r.ServeHTTP(w, r)
	return w
}

// doRaw sends a body as is.
func (rg *rig) doRaw(method, path, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	rg.r.ServeHTTP(w, r)
	return w
}

func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(user) + ":" + url.QueryEscape(password)))
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("response is not JSON (%d %s): %v\n%s", w.Code, w.Header().Get("Content-Type"), err, w.Body.String())
	}
	return v
}

// expectError checks an error answer: status and the JSON {"error": ...} shape.
func expectError(t *testing.T, w *httptest.ResponseRecorder, status int, errText string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
	got := decode[map[string]any](t, w)
	if errText != "" && got["error"] != errText {
		t.Fatalf("error = %v, want %q", got["error"], errText)
	}
	if _, ok := got["error"].(string); !ok {
		t.Fatalf("no error text: %s", w.Body.String())
	}
}

func (rg *rig) createUser(username string, approved bool) *model.User {
	rg.t.Helper()
	now := rg.clock.Now()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		rg.t.Fatal(err)
	}
	a := &model.Account{
		ID: model.NewID(now), URI: "https://lyon.coopol.test/users/" + username, Username: username,
		ActorType: model.ActorPerson, Fields: []model.Field{}, AlsoKnownAs: []string{}, CreatedAt: now, UpdatedAt: now,
	}
	u := &model.User{
		ID: model.NewID(now), Email: username + "@example.org", PasswordHash: hash, Role: model.RoleMember,
		Approved: approved, Locale: "fr", DefaultVisibility: model.VisibilityUnlisted, CreatedAt: now, UpdatedAt: now,
	}
	if err := rg.store.CreateLocalUser(context.Background(), a, u); err != nil {
		rg.t.Fatal(err)
	}
	u.Account = a
	return u
}

type appCreds struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	ExpiresAt    *int     `json:"client_secret_expires_at"`
	VapidKey     *string  `json:"vapid_key"`
}

func (rg *rig) createApp(scopes string, redirectURIs ...string) appCreds {
	rg.t.Helper()
	if len(redirectURIs) == 0 {
		redirectURIs = []string{callbackURI}
	}
	w := rg.do(req{method: "POST", path: "/api/v1/apps", form: url.Values{
		"client_name": {"Test client"}, "redirect_uris": {strings.Join(redirectURIs, "\n")}, "scopes": {scopes},
		"website": {"https://client.example"},
	}})
	if w.Code != http.StatusOK {
		rg.t.Fatalf("create app: %d %s", w.Code, w.Body.String())
	}
	return decode[appCreds](rg.t, w)
}

// authorizePage is the login form as a browser got it.
type authorizePage struct {
	body   string
	csrf   string
	cookie *http.Cookie
	fields url.Values // hidden fields, as the browser would post them
}

var (
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

func (rg *rig) getAuthorize(q url.Values, header map[string]string) (*httptest.ResponseRecorder, *authorizePage) {
	rg.t.Helper()
	w := rg.do(req{method: "GET", path: "/oauth/authorize?" + q.Encode(), header: header})
	if w.Code != http.StatusOK {
		return w, nil
	}
	p := &authorizePage{body: w.Body.String(), fields: url.Values{}}
	for _, m := range hiddenField.FindAllStringSubmatch(p.body, -1) {
		p.fields.Set(m[1], htmlUnescape(m[2]))
	}
	p.csrf = p.fields.Get("csrf_token")
	for _, c := range w.Result().Cookies() {
		if c.Name == "coopol_oauth_csrf" {
			p.cookie = c
		}
	}
	return w, p
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#43;", "+").Replace(s)
}

// postAuthorize submits the page's form with credentials.
func (rg *rig) postAuthorize(p *authorizePage, login, password string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	rg.t.Helper()
	form := url.Values{}
	for k, v := range p.fields {
		form[k] = v
	}
	form.Set("login", login)
	form.Set("password", password)
	form.Set("decision", "allow")
	if cookies == nil && p.cookie != nil {
		cookies = []*http.Cookie{p.cookie}
	}
	return rg.do(req{method: "POST", path: "/oauth/authorize", form: form, cookies: cookies})
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = auth.NewToken() + "-extra.chars~"
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeQuery(app appCreds, redirect, scope, challenge string) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {redirect}, "state": {"xyz/state+1"}}
	if scope != "" {
		q.Set("scope", scope)
	}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return q
}

// loginCode runs authorize (GET then POST) and returns the issued code.
func (rg *rig) loginCode(app appCreds, user *model.User, scope, challenge string) string {
	rg.t.Helper()
	w, page := rg.getAuthorize(authorizeQuery(app, callbackURI, scope, challenge), nil)
	if page == nil {
		rg.t.Fatalf("authorize page: %d %s", w.Code, w.Body.String())
	}
	w = rg.postAuthorize(page, user.Account.Username, testPassword)
	if w.Code != http.StatusFound {
		rg.t.Fatalf("authorize POST: %d %s", w.Code, w.Body.String())
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		rg.t.Fatal(err)
	}
	if loc.Query().Get("state") != "xyz/state+1" {
		rg.t.Fatalf("state not returned: %s", loc)
	}
	return loc.Query().Get("code")
}

type tokenResp struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

func (rg *rig) exchange(app appCreds, code, verifier string) *httptest.ResponseRecorder {
	rg.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "redirect_uri": {callbackURI}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	return rg.do(req{method: "POST", path: "/oauth/token", form: form})
}

// userToken runs the whole flow and returns an access token.
func (rg *rig) userToken(user *model.User, appScopes, scope string) (appCreds, string) {
	rg.t.Helper()
	app := rg.createApp(appScopes)
	verifier, challenge := pkce()
	code := rg.loginCode(app, user, scope, challenge)
	w := rg.exchange(app, code, verifier)
	if w.Code != http.StatusOK {
		rg.t.Fatalf("token: %d %s", w.Code, w.Body.String())
	}
	return app, decode[tokenResp](rg.t, w).AccessToken
}

func (rg *rig) count(table string) int {
	rg.t.Helper()
	var n int
	if err := rg.store.DB.NewRaw("SELECT count(*) FROM "+table).Scan(context.Background(), &n); err != nil {
		rg.t.Fatal(err)
	}
	return n
}

// dump renders every row of a table as text, as a database dump would.
func (rg *rig) dump(table string) string {
	rg.t.Helper()
	rows, err := rg.store.DB.QueryContext(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		rg.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rg.t.Fatal(err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		b.WriteString("\n")
	}
	return b.String()
}
