package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"github.com/coopol/coopol/mail/mailtest"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

func openRegistrations(c *config.Config) { c.Registrations = "open" }

func sessionCookieOf(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, line := range r.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err == nil && ck.Name == "coopol_session" && ck.Value != "" {
			return ck
		}
	}
	t.Fatalf("no session cookie set: %v", r.Header.Values("Set-Cookie"))
	return nil
}

func TestSignUpLogInLogOut(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		b := newBrowser(t, inst)
		r := b.get("/signup")
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, `<html lang="fr">`, "Créer un compte", `for="username"`, `name="csrf_token"`)

		form := url.Values{"username": {"camille"}, "email": {"camille@example.org"}, "password": {"correct horse battery"},
			"display_name": {"Camille"}, "status": {"sympathisant"}}
		r = b.submit("/signup", "/signup", form)
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/home" {
			t.Fatalf("signed up, sent to %q", r.Location)
		}
		ck := sessionCookieOf(t, r)
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" {
			t.Fatalf("session cookie flags: %+v", ck)
		}
		// Stored hashed only (U-03).
		ctx := context.Background()
		var stored []string
		if err := inst.Store.DB.NewSelect().TableExpr("web_sessions").Column("token_hash").Scan(ctx, &stored); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(ck.Value))
		if len(stored) != 1 || stored[0] != hex.EncodeToString(sum[:]) {
			t.Fatalf("stored session %v is not the hash of the cookie", stored)
		}
		u, err := inst.Store.UserByLogin(ctx, "camille")
		if err != nil || u.Role != model.RoleSympathisant || !u.Approved {
			t.Fatalf("user %+v, %v", u, err)
		}

		r = b.get("/home")
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, "Se déconnecter", "Camille")
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Fatalf("logged-in page cached: %q", cc)
		}

		r = b.submit("/home", "/logout", nil)
		wantStatus(t, r, http.StatusSeeOther)
		r = b.get("/home")
		wantStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Location, "/login?next=") {
			t.Fatalf("logged out, /home sends to %q", r.Location)
		}
		n, err := inst.Store.DB.NewSelect().TableExpr("web_sessions").Count(ctx)
		if err != nil || n != 0 {
			t.Fatalf("sessions left after logout: %d, %v", n, err)
		}

		// Log in again, back to where we were going.
		r = b.submit("/login?next=/notifications", "/login", url.Values{"login": {"camille@example.org"}, "password": {"correct horse battery"}, "next": {"/notifications"}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/notifications" {
			t.Fatalf("login sent to %q", r.Location)
		}
		// Never elsewhere.
		r = b.submit("/home", "/login", url.Values{"login": {"camille"}, "password": {"correct horse battery"}, "next": {"//evil.example/"}})
		if r.Location != "/home" {
			t.Fatalf("open redirect: %q", r.Location)
		}
	}, openRegistrations)
}

func TestSignUpErrorsAreShownInTheForm(t *testing.T) {
	inst := start(t, openRegistrations)
	inst.CreateUser(t, "alice", false)
	b := newBrowser(t, inst)
	r := b.submit("/signup", "/signup", url.Values{"username": {"alice"}, "email": {"new@example.org"}, "password": {"correct horse battery"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Ce nom d’utilisateur est déjà pris.", `value="new@example.org"`)
	r = b.submit("/signup", "/signup", url.Values{"username": {"bob"}, "email": {"bob@example.org"}, "password": {"short"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "au moins 8 caractères")
	b.lang = "en"
	r = b.submit("/signup", "/signup", url.Values{"username": {"b o b"}, "email": {"bob@example.org"}, "password": {"correct horse battery"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "The username must have 1 to 30 letters")
}

func TestSignUpWaitsForApprovalAndMembershipForVerification(t *testing.T) {
	inst := start(t) // registrations: approval (the default)
	b := newBrowser(t, inst)
	r := b.submit("/signup", "/signup", url.Values{"username": {"dominique"}, "email": {"d@example.org"}, "password": {"correct horse battery"}, "status": {"member"}})
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "La section doit le valider")
	if len(r.Header.Values("Set-Cookie")) > 0 {
		for _, line := range r.Header.Values("Set-Cookie") {
			if strings.HasPrefix(line, "coopol_session=") {
				t.Fatalf("unapproved account logged in: %s", line)
			}
		}
	}
	r = b.submit("/login", "/login", url.Values{"login": {"dominique"}, "password": {"correct horse battery"}})
	wantStatus(t, r, http.StatusForbidden)
	mustContain(t, r, "attend encore la validation")

	ctx := context.Background()
	u, err := inst.Store.UserByLogin(ctx, "dominique")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != model.RoleSympathisant || u.MemberVerifiedAt != nil {
		t.Fatalf("self-declared member got role %s", u.Role)
	}
	section, _ := inst.Store.LocalAccount(ctx, inst.Config.Section.Username)
	m, err := inst.Store.Membership(ctx, section.ID, u.AccountID)
	if err != nil || m.State != storage.MemberPending {
		t.Fatalf("section membership %+v, %v: want a pending request", m, err)
	}
}

func TestSignUpClosed(t *testing.T) {
	inst := start(t, withConfig(func(c *config.Config) { c.Registrations = "closed" }))
	b := newBrowser(t, inst)
	r := b.get("/signup")
	mustContain(t, r, "Les inscriptions sont fermées")
	mustNotContain(t, r, `name="password"`)
	form := url.Values{"username": {"x"}, "email": {"x@example.org"}, "password": {"correct horse battery"}}
	r = b.submit("/login", "/signup", form)
	wantStatus(t, r, http.StatusForbidden)
	if _, err := inst.Store.UserByLogin(context.Background(), "x"); err == nil {
		t.Fatal("account created while sign-ups are closed")
	}
}

func TestCSRFRefusalChangesNothing(t *testing.T) {
	inst := start(t, openRegistrations)
	b := newBrowser(t, inst)
	// No token at all (no cookie either).
	form := url.Values{"username": {"eve"}, "email": {"eve@example.org"}, "password": {"correct horse battery"}}
	r := b.post("/signup", form)
	wantStatus(t, r, http.StatusForbidden)
	mustContain(t, r, "Le formulaire a expiré")
	// A wrong token with the cookie.
	b.csrf("/signup")
	form.Set("csrf_token", "forged-token-forged-token-forged-token")
	wantStatus(t, b.post("/signup", form), http.StatusForbidden)
	if _, err := inst.Store.UserByLogin(context.Background(), "eve"); err == nil {
		t.Fatal("account created by a forged form")
	}

	// Logged in: logout without the token keeps the session.
	inst.CreateUser(t, "alice", false)
	b.login("alice")
	wantStatus(t, b.post("/logout", url.Values{}), http.StatusForbidden)
	wantStatus(t, b.get("/home"), http.StatusOK)
	// The anonymous token no longer works once logged in.
	anon := newBrowser(t, inst)
	anonToken := anon.csrf("/login")
	wantStatus(t, b.post("/logout", url.Values{"csrf_token": {anonToken}}), http.StatusForbidden)
	// A cross-site request is refused even with the right token.
	req, _ := http.NewRequest(http.MethodPost, inst.URL("/logout"), strings.NewReader(url.Values{"csrf_token": {b.csrf("/home")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, b.do(req), http.StatusForbidden)
	wantStatus(t, b.get("/home"), http.StatusOK)
}

func TestLoginRateLimit_U05(t *testing.T) {
	inst := start(t)
	inst.CreateUser(t, "alice", false)
	b := newBrowser(t, inst)
	token := b.csrf("/login")
	attempt := func(login, password string) int {
		return b.post("/login", url.Values{"csrf_token": {token}, "login": {login}, "password": {password}}).Status
	}
	for i := range 25 {
		if s := attempt("alice", "wrong password "+strconv.Itoa(i)); s != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, s)
		}
	}
	// The 26th guess is refused, even with the right password.
	if s := attempt("alice", "password-alice"); s != http.StatusTooManyRequests {
		t.Fatalf("26th attempt: status %d, want 429", s)
	}
	r := b.post("/login", url.Values{"csrf_token": {token}, "login": {"alice"}, "password": {"x"}})
	mustContain(t, r, "Trop de tentatives")
	// The limit is per address too: other names from the same address.
	if s := attempt("bob", "whatever1"); s != http.StatusTooManyRequests {
		t.Fatalf("other account from the same address: status %d, want 429", s)
	}
}

func TestLanguage(t *testing.T) {
	inst := start(t)
	b := newBrowser(t, inst)
	b.lang = ""
	r := b.get("/login")
	mustContain(t, r, `<html lang="fr">`, "Connexion")
	b.lang = "en-GB,en;q=0.9"
	r = b.get("/login")
	mustContain(t, r, `<html lang="en">`, "Log in", "Username or e-mail address")
	b.lang = "de-DE"
	mustContain(t, b.get("/login"), `<html lang="fr">`)
	// The switcher sets a cookie that wins over the browser.
	b.lang = "en"
	r = b.get("/lang/fr?next=/login")
	wantStatus(t, r, http.StatusSeeOther)
	if r.Location != "/login" {
		t.Fatalf("language switch went to %q", r.Location)
	}
	mustContain(t, b.get("/login"), `<html lang="fr">`)
	if r := b.get("/lang/fr?next=https://evil.example/"); r.Location != "/" {
		t.Fatalf("language switch is an open redirect: %q", r.Location)
	}
	wantStatus(t, b.get("/lang/xx"), http.StatusNotFound)

	// With instance.language: en, English is the default.
	en := start(t, withConfig(func(c *config.Config) { c.Instance.Language = "en" }))
	b2 := newBrowser(t, en)
	b2.lang = ""
	mustContain(t, b2.get("/login"), `<html lang="en">`)
}

var resetLinkRe = regexp.MustCompile(`http://section-a\.test(/password/reset\?token=[A-Za-z0-9_-]+)`)

func TestPasswordResetByMail(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withConfig(func(c *config.Config) {
		c.SMTP.Host, c.SMTP.Port, c.SMTP.From = catcher.Host, catcher.Port, "section@section-a.test"
	}))
	inst.CreateUser(t, "alice", false)
	b := newBrowser(t, inst)
	r := b.submit("/password/forgot", "/password/forgot", url.Values{"email": {"alice@example.org"}})
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "un e-mail vient de partir")
	// An unknown address gets the very same answer.
	r2 := b.submit("/password/forgot", "/password/forgot", url.Values{"email": {"nobody@example.org"}})
	mustContain(t, r2, "un e-mail vient de partir")

	msg := catcher.WaitTo(t, "alice@example.org", "/password/reset", 10*time.Second)
	if msg.From != "section@section-a.test" {
		t.Fatalf("sent from %q", msg.From)
	}
	m := resetLinkRe.FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no reset link in:\n%s", msg.Text)
	}
	time.Sleep(300 * time.Millisecond)
	if extra := catcher.To("nobody@example.org"); len(extra) != 0 {
		t.Fatalf("a mail went to an unknown address:\n%s", extra[0].Text)
	}

	// Use the link: a new password, every session ends.
	other := newBrowser(t, inst)
	other.login("alice")
	r = b.get(m[1])
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, `name="token"`)
	token := strings.TrimPrefix(m[1], "/password/reset?token=")
	r = b.submit(m[1], "/password/reset", url.Values{"token": {token}, "password": {"a brand new secret"}})
	wantStatus(t, r, http.StatusSeeOther)
	if r := other.get("/home"); r.Status != http.StatusSeeOther {
		t.Fatalf("old session still valid after reset: %d", r.Status)
	}
	r = b.submit("/login", "/login", url.Values{"login": {"alice"}, "password": {"a brand new secret"}})
	wantStatus(t, r, http.StatusSeeOther)
	// The link works once.
	anon := newBrowser(t, inst)
	r = anon.submit("/login", "/password/reset", url.Values{"token": {token}, "password": {"another secret!"}})
	wantStatus(t, r, http.StatusNotFound)
}

func TestPasswordResetWithoutSMTPWaitsForAnAdmin(t *testing.T) {
	inst := start(t)
	alice := inst.CreateUser(t, "alice", false)
	b := newBrowser(t, inst)
	r := b.submit("/password/forgot", "/password/forgot", url.Values{"email": {"alice@example.org"}})
	mustContain(t, r, "les responsables de la section vous transmettront un lien")
	ctx := context.Background()
	pending, err := inst.Store.PendingPasswordResets(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(pending) != 1 || pending[0].User.AccountID != alice.ID || pending[0].TokenHash != nil {
		t.Fatalf("pending resets %+v, %v", pending, err)
	}
	// A made-up or missing token is refused.
	wantStatus(t, b.get("/password/reset?token=nope"), http.StatusOK)
	mustContain(t, b.get("/password/reset?token=nope"), "n’est pas valable")
	raw := auth.NewToken()
	if err := inst.Store.IssuePasswordReset(ctx, pending[0].ID, auth.HashToken(raw), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r = b.submit("/password/reset?token="+raw, "/password/reset", url.Values{"token": {raw}, "password": {"short"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	r = b.submit("/password/reset?token="+raw, "/password/reset", url.Values{"token": {raw}, "password": {"long enough now"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = b.submit("/login", "/login", url.Values{"login": {"alice"}, "password": {"long enough now"}})
	wantStatus(t, r, http.StatusSeeOther)
}

func TestUnknownPagesAnswerTheWebNotFound(t *testing.T) {
	inst := start(t)
	b := newBrowser(t, inst)
	r := b.get("/no/such/page")
	wantStatus(t, r, http.StatusNotFound)
	mustContain(t, r, "Cette page n’existe pas")
	// API paths keep their JSON 404.
	r = b.get("/api/v1/nope")
	wantStatus(t, r, http.StatusNotFound)
	if !strings.Contains(r.Body, `"error"`) {
		t.Fatalf("API 404 is not JSON: %s", r.Body)
	}
	// Static assets are served, nothing else from there.
	r = b.get("/static/app.css")
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, b.get("/static/../web.go"), http.StatusNotFound)
}
