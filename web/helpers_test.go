package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// eachInstance runs fn once per database backend with one running
// instance (section-a.test).
func eachInstance(t *testing.T, fn func(t *testing.T, inst *coopoltest.Instance), opts ...coopoltest.Option) {
	t.Helper()
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			fn(t, coopoltest.Start(t, backend, []string{"section-a.test"}, opts...)[0])
		})
	}
}

// start runs one SQLite instance (tests that do not touch storage code
// of their own).
func start(t *testing.T, opts ...coopoltest.Option) *coopoltest.Instance {
	t.Helper()
	return coopoltest.Start(t, "sqlite", []string{"section-a.test"}, opts...)[0]
}

func withConfig(fn func(*config.Config)) coopoltest.Option { return coopoltest.Option(fn) }

// browser is an HTTP client with cookies that does not follow redirects,
// so that tests see them; it speaks French unless told otherwise.
type browser struct {
	t    *testing.T
	inst *coopoltest.Instance
	http *http.Client
	lang string
}

func newBrowser(t *testing.T, inst *coopoltest.Instance) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, inst: inst, lang: "fr", http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	if req.Header.Get("Accept-Language") == "" && b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: string(body), Location: resp.Header.Get("Location"), Header: resp.Header}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.inst.URL(path), nil)
	return b.do(req)
}

// post submits a form as is (the caller adds csrf_token, or not).
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.inst.URL(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf loads a page and returns the token its forms carry.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	r := b.get(path)
	m := csrfRe.FindStringSubmatch(r.Body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s (status %d)", path, r.Status)
	}
	return m[1]
}

// submit posts a form with the CSRF token of the page `from`.
func (b *browser) submit(from, action string, form url.Values) response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf(from))
	return b.post(action, form)
}

// login logs in with the password coopoltest gives users.
func (b *browser) login(username string) {
	b.t.Helper()
	r := b.submit("/login", "/login", url.Values{"login": {username}, "password": {"password-" + username}})
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d\n%s", username, r.Status, r.Body)
	}
}

func mustContain(t *testing.T, r response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Body, p) {
			t.Fatalf("page (status %d) lacks %q:\n%s", r.Status, p, r.Body)
		}
	}
}

func mustNotContain(t *testing.T, r response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(r.Body, p) {
			t.Fatalf("page (status %d) shows %q:\n%s", r.Status, p, r.Body)
		}
	}
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
}

// createUser makes a local person with a role.
func createUser(t *testing.T, inst *coopoltest.Instance, username, role string) *model.Account {
	t.Helper()
	u, err := inst.Social.CreateUser(context.Background(), social.NewUser{Username: username, Email: username + "@example.org",
		Password: "password-" + username, Role: role, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	return u.Account
}
