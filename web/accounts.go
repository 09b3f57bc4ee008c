package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Sign up, log in, log out and password reset.

type signupData struct {
	Mode        string // registrations: open, approval or closed
	Username    string
	Email       string
	DisplayName string
	// Status is what the person says they are: "sympathisant", or
	// "member" (an adhérent, to be verified by the section).
	Status string
	Error  string
	// Waiting is set after a sign-up that the section must approve;
	// CheckMail after an open sign-up whose address must be confirmed.
	Waiting, CheckMail bool
}

func (h *Handlers) signupForm(c *gin.Context) {
	if viewerOf(c) != nil {
		c.Redirect(http.StatusSeeOther, "/home")
		return
	}
	d := &signupData{Mode: h.Config.Registrations, Status: "sympathisant"}
	h.render(c, http.StatusOK, "signup", h.newPage(c, h.t(c, "signup.title"), d))
}

func (h *Handlers) signupSubmit(c *gin.Context) {
	d := &signupData{
		Mode: h.Config.Registrations, Username: strings.TrimSpace(c.PostForm("username")),
		Email: strings.TrimSpace(c.PostForm("email")), DisplayName: strings.TrimSpace(c.PostForm("display_name")),
		Status: c.PostForm("status"),
	}
	if d.Status != "member" {
		d.Status = "sympathisant"
	}
	again := func(status int, msg string) {
		d.Error = msg
		h.render(c, status, "signup", h.newPage(c, h.t(c, "signup.title"), d))
	}
	if h.Config.Registrations == "closed" {
		h.errorPage(c, http.StatusForbidden, "signup.closed")
		return
	}
	if r := h.RateLimits.Registration.Take(c.Request.Context(), ratelimit.ClientKey(c)); r.Reached {
		tooMany(c, r, h.now())
		again(http.StatusTooManyRequests, h.t(c, "login.too_many"))
		return
	}
	if text.CountChars(d.DisplayName) > social.MaxDisplayNameChars {
		again(http.StatusUnprocessableEntity, h.t(c, "signup.name_too_long", "Max", social.MaxDisplayNameChars))
		return
	}
	ctx := c.Request.Context()
	// With open registrations and mail, an account works once its address
	// is confirmed: the answer is then "check your mail" whether or not
	// the address already had an account, and the form tells nobody who
	// is registered here (issue 12). Without mail, an open sign-up logs
	// in at once and cannot hide it (README, SECURITY.md).
	confirmByMail := h.Config.Registrations == "open" && h.Social.MailEnabled()
	// Everyone starts as a sympathisant: membership of the party is for
	// the section to verify, never self-declared.
	user, err := h.Social.CreateUser(ctx, social.NewUser{
		Username: d.Username, Email: d.Email, Password: c.PostForm("password"), DisplayName: d.DisplayName,
		Role: model.RoleSympathisant, Approved: h.Config.Registrations == "open" && !confirmByMail,
	})
	var ve *social.ValidationError
	if errors.Is(err, social.ErrEmailTaken) {
		// The same answer as a new sign-up that waits (for the section,
		// or for its address to be confirmed), nothing stored: the form
		// must not tell who has an account. The owner of the address is
		// told by mail.
		h.tellAccountExists(c, d.Email)
		d.Waiting, d.CheckMail = !confirmByMail, confirmByMail
		h.render(c, http.StatusOK, "signup", h.newPage(c, h.t(c, "signup.title"), d))
		return
	}
	if errors.As(err, &ve) {
		again(http.StatusUnprocessableEntity, h.domainMessage(c, ve.Msg))
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	// The staff are told of every sign-up (admin.sign_up); in approval
	// mode the account waits for them in the dashboard.
	if err := h.Social.NotifySignUp(ctx, user.Account); err != nil {
		h.Log.Error("web: tell the staff of a sign-up", "err", err)
	}
	if d.Status == "member" {
		// A request for verification: the section's secretaries answer
		// it in the dashboard (VerifyMember); it grants nothing before.
		if err := h.Social.RequestVerification(ctx, user.Account); err != nil {
			h.Log.Error("web: request for verification", "err", err)
		}
	}
	if confirmByMail {
		if err := h.sendSignupConfirmation(c, user); err != nil {
			h.fail(c, err)
			return
		}
		d.CheckMail = true
		h.render(c, http.StatusOK, "signup", h.newPage(c, h.t(c, "signup.title"), d))
		return
	}
	if !user.Approved {
		d.Waiting = true
		h.render(c, http.StatusOK, "signup", h.newPage(c, h.t(c, "signup.title"), d))
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.welcome")
	c.Redirect(http.StatusSeeOther, "/home")
}

// signupConfirmLifetime is how long a sign-up confirmation link works.
const signupConfirmLifetime = 48 * time.Hour

// signupToken is the confirmation link's token for userID, valid until
// expires: user id, expiry and an HMAC of both under a server key (no
// table: the link proves itself).
func (h *Handlers) signupToken(c *gin.Context, userID string, expires time.Time) (string, error) {
	key, err := h.csrfSecret.Key(c.Request.Context(), "signup confirmation")
	if err != nil {
		return "", err
	}
	payload := userID + "." + strconv.FormatInt(expires.Unix(), 10)
	return payload + "." + auth.BoundToken(key, payload), nil
}

// sendSignupConfirmation queues the mail with the link that activates a
// new account opened with registrations: open.
func (h *Handlers) sendSignupConfirmation(c *gin.Context, user *model.User) error {
	token, err := h.signupToken(c, user.ID, h.now().Add(signupConfirmLifetime))
	if err != nil {
		return err
	}
	lang := h.msgs.choose(c.Request)
	link := h.Config.BaseURL() + "/signup/confirm?token=" + url.QueryEscape(token)
	subject := h.msgs.T(lang, "mail.signup_confirm.subject", "Instance", h.Config.Instance.Name)
	body := h.msgs.T(lang, "mail.signup_confirm.body", "Name", user.Account.Username, "Link", link, "Instance", h.Config.Instance.Name)
	return h.Social.SendMail(c.Request.Context(), nil, mail.Message{To: user.Email, Subject: subject, Text: body})
}

// signupConfirm: GET /signup/confirm — the link of the confirmation mail
// activates the account, then the person logs in (no session is opened
// by a link that mail scanners may follow).
func (h *Handlers) signupConfirm(c *gin.Context) {
	token := c.Query("token")
	userID, rest, _ := strings.Cut(token, ".")
	unix, _, _ := strings.Cut(rest, ".")
	secs, err := strconv.ParseInt(unix, 10, 64)
	if err != nil || userID == "" {
		h.errorPage(c, http.StatusNotFound, "signup.confirm_invalid")
		return
	}
	want, err := h.signupToken(c, userID, time.Unix(secs, 0))
	if err != nil {
		h.fail(c, err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(token)) != 1 || !h.now().Before(time.Unix(secs, 0)) {
		h.errorPage(c, http.StatusNotFound, "signup.confirm_invalid")
		return
	}
	ctx := c.Request.Context()
	user, err := h.Store.WebUserByID(ctx, userID)
	// A refused account stays refused: the link only confirms an address.
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (user.DisabledAt != nil || user.RefusedAt != nil)) {
		h.errorPage(c, http.StatusNotFound, "signup.confirm_invalid")
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	if !user.Approved {
		if err := h.Store.WebApproveUser(ctx, user.ID, h.now()); err != nil {
			h.fail(c, err)
			return
		}
		h.Log.Info("web: sign-up confirmed", "user", user.ID)
	}
	h.flash(c, "flash.signup_confirmed")
	c.Redirect(http.StatusSeeOther, "/login")
}

type loginData struct {
	Login, Next, Error string
	// Refusal is the staff's message to a refused applicant.
	Refusal string
}

func (h *Handlers) loginForm(c *gin.Context) {
	next := localPath(c.Query("next"), "/home")
	if viewerOf(c) != nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	h.render(c, http.StatusOK, "login", h.newPage(c, h.t(c, "login.title"), &loginData{Next: next}))
}

// dummyHash is checked against when the login matches no one, so that a
// wrong name takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	hash, _ := auth.HashPassword(auth.NewToken())
	return hash
})

func (h *Handlers) loginSubmit(c *gin.Context) {
	d := &loginData{Login: strings.TrimSpace(c.PostForm("login")), Next: localPath(c.PostForm("next"), "/home")}
	again := func(status int, key string) {
		d.Error = h.t(c, key)
		h.render(c, status, "login", h.newPage(c, h.t(c, "login.title"), d))
	}
	// One budget with the OAuth login form: every attempt counts per
	// address, failures per login name (so that many addresses cannot
	// share the guessing of one password).
	ctx := c.Request.Context()
	limits := h.RateLimits
	if r := limits.Login.Take(ctx, ratelimit.ClientKey(c)); r.Reached {
		tooMany(c, r, h.now())
		again(http.StatusTooManyRequests, "login.too_many")
		return
	}
	// Over its failure budget, a login name stays open to the addresses
	// and browsers that logged in with it, and is slowed down, not shut,
	// for everyone else (ratelimit's slow lane): failing on purpose does
	// not lock its owner out, and the owner is told
	// (ratelimit.Set.OnLoginFailures).
	loginKey := ratelimit.NormalizeLogin(d.Login)
	if r, blocked := limits.AccountBlocked(c, loginKey); blocked {
		tooMany(c, r, h.now())
		again(http.StatusTooManyRequests, "login.too_many")
		return
	}
	user, err := h.Store.UserByLogin(ctx, d.Login)
	password := c.PostForm("password")
	switch {
	case errors.Is(err, storage.ErrNotFound) || d.Login == "":
		auth.CheckPassword(dummyHash(), password)
		limits.LoginFailed(c, loginKey)
		again(http.StatusUnauthorized, "login.bad_credentials")
		return
	case err != nil:
		h.fail(c, err)
		return
	}
	if !auth.CheckPassword(user.PasswordHash, password) {
		limits.LoginFailed(c, loginKey)
		again(http.StatusUnauthorized, "login.bad_credentials")
		return
	}
	if !mayLogIn(user) {
		key := "login.disabled"
		switch {
		case user.DisabledAt == nil && !user.Approved && user.RefusedAt != nil:
			// The staff's answer, with their message if they left one
			// (shown only after the right password).
			d.Error = h.t(c, "login.refused")
			d.Refusal = user.RefusalMessage
			h.render(c, http.StatusForbidden, "login", h.newPage(c, h.t(c, "login.title"), d))
			return
		case user.DisabledAt == nil && !user.Approved:
			key = "login.not_approved"
			if h.Config.Registrations == "open" && h.Social.MailEnabled() {
				key = "login.not_confirmed"
			}
		}
		again(http.StatusForbidden, key)
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.fail(c, err)
		return
	}
	limits.LoginSucceeded(c, loginKey)
	h.rememberDevice(c, user)
	c.Redirect(http.StatusSeeOther, d.Next)
}

// rememberDevice marks this browser as one its owner logged in from (a
// device cookie): failures heaped on the login name by strangers do not
// throttle it (issue 12, ratelimit.Set.TrustedDevice).
func (h *Handlers) rememberDevice(c *gin.Context, user *model.User) {
	key, err := h.csrfSecret.Key(c.Request.Context(), auth.DevicePurpose)
	if err != nil {
		h.Log.Error("web: device cookie key", "err", err)
		return
	}
	h.setCookie(c, auth.DeviceCookie, auth.NewDeviceToken(key, user.ID), auth.DeviceCookieMaxAge, true)
}

func (h *Handlers) logout(c *gin.Context) {
	h.endSession(c)
	c.Redirect(http.StatusSeeOther, "/")
}

type forgotData struct {
	Email string
	// Sent: the request is registered; ByMail tells how the link comes.
	Sent, ByMail bool
	Error        string
}

func (h *Handlers) forgotForm(c *gin.Context) {
	h.render(c, http.StatusOK, "forgot", h.newPage(c, h.t(c, "forgot.title"), &forgotData{ByMail: h.Social.MailEnabled()}))
}

// resetLifetime is how long a mailed or handed-over link works.
const (
	mailedResetLifetime = time.Hour
	adminResetLifetime  = 72 * time.Hour
)

// forgotSubmit registers a reset request. The answer is the same whether
// or not the address belongs to someone: it must not reveal who has an
// account here.
func (h *Handlers) forgotSubmit(c *gin.Context) {
	d := &forgotData{Email: strings.TrimSpace(c.PostForm("email")), ByMail: h.Social.MailEnabled()}
	now := h.now()
	if r := h.mailForms.Take(c.Request.Context(), ratelimit.ClientKey(c)); r.Reached {
		tooMany(c, r, now)
		d.Error = h.t(c, "login.too_many")
		h.render(c, http.StatusTooManyRequests, "forgot", h.newPage(c, h.t(c, "forgot.title"), d))
		return
	}
	ctx := c.Request.Context()
	user, err := h.Store.UserByLogin(ctx, d.Email)
	switch {
	case err == nil && user.DisabledAt == nil:
		if err := h.requestReset(c, user, now); err != nil {
			h.fail(c, err)
			return
		}
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		h.fail(c, err)
		return
	}
	d.Sent = true
	h.render(c, http.StatusOK, "forgot", h.newPage(c, h.t(c, "forgot.title"), d))
}

// requestReset mails a link when a mailer exists; otherwise it leaves the
// request for an administrator, who makes the link in the dashboard.
func (h *Handlers) requestReset(c *gin.Context, user *model.User, now time.Time) error {
	pr := &model.PasswordReset{ID: model.NewID(now), UserID: user.ID, RequestedAt: now}
	if !h.Social.MailEnabled() {
		return h.Store.CreatePasswordReset(c.Request.Context(), pr)
	}
	raw := auth.NewToken()
	hash, expires := auth.HashToken(raw), now.Add(mailedResetLifetime)
	pr.TokenHash, pr.ExpiresAt = &hash, &expires
	if err := h.Store.CreatePasswordReset(c.Request.Context(), pr); err != nil {
		return err
	}
	lang := h.msgs.choose(c.Request)
	link := h.Config.BaseURL() + "/password/reset?token=" + raw
	subject := h.msgs.T(lang, "mail.reset.subject", "Instance", h.Config.Instance.Name)
	body := h.msgs.T(lang, "mail.reset.body", "Name", user.Account.Username, "Link", link, "Instance", h.Config.Instance.Name)
	// Queued: how long the answer takes must not tell whether an account
	// exists.
	return h.Social.SendMail(c.Request.Context(), nil, mail.Message{To: user.Email, Subject: subject, Text: body})
}

type resetData struct {
	Token   string
	Invalid bool
	Error   string
}

func (h *Handlers) resetForm(c *gin.Context) {
	d := &resetData{Token: c.Query("token")}
	if _, err := h.Store.PasswordResetByTokenHash(c.Request.Context(), auth.HashToken(d.Token), h.now()); err != nil || d.Token == "" {
		d.Invalid = true
	}
	p := h.newPage(c, h.t(c, "reset.title"), d)
	p.NoIndex = true
	h.render(c, http.StatusOK, "reset", p)
}

func (h *Handlers) resetSubmit(c *gin.Context) {
	d := &resetData{Token: c.PostForm("token")}
	ctx := c.Request.Context()
	now := h.now()
	again := func(status int) {
		p := h.newPage(c, h.t(c, "reset.title"), d)
		p.NoIndex = true
		h.render(c, status, "reset", p)
	}
	pr, err := h.Store.PasswordResetByTokenHash(ctx, auth.HashToken(d.Token), now)
	if errors.Is(err, storage.ErrNotFound) || d.Token == "" {
		d.Invalid = true
		again(http.StatusNotFound)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	hash, err := auth.HashPassword(c.PostForm("password"))
	if errors.Is(err, auth.ErrWeakPassword) {
		d.Error = h.t(c, "reset.weak", "Min", auth.MinPasswordLength)
		again(http.StatusUnprocessableEntity)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	used, err := h.Store.ResetPassword(ctx, pr.ID, pr.UserID, hash, now)
	if err != nil {
		h.fail(c, err)
		return
	}
	if !used {
		d.Invalid = true
		again(http.StatusNotFound)
		return
	}
	h.Log.Info("web: password reset", "user", pr.UserID)
	h.endSession(c)
	h.flash(c, "flash.password_changed")
	c.Redirect(http.StatusSeeOther, "/login")
}

// tooMany sets the headers of a 429 (the page itself says it in words).
func tooMany(c *gin.Context, r ratelimit.Result, now time.Time) {
	r.SetHeaders(c.Writer.Header())
	c.Header("Retry-After", strconv.Itoa(r.RetryAfter(now)))
}

// section is this instance's section (a local Group actor).
func (h *Handlers) section(c *gin.Context) (*model.Account, error) {
	if a, ok := c.Get(ctxSectionAccount); ok {
		return a.(*model.Account), nil
	}
	a, err := h.Store.LocalAccount(c.Request.Context(), h.Config.Section.Username)
	if err == nil {
		c.Set(ctxSectionAccount, a) // once per request
	}
	return a, err
}

// ctxSectionAccount keeps the section's account for the request.
const ctxSectionAccount = "coopol.web.section_account"

// tellAccountExists mails the owner of email that someone tried to sign up
// with it (in the background: the answer's timing must not tell either).
func (h *Handlers) tellAccountExists(c *gin.Context, email string) {
	if !h.Social.MailEnabled() {
		return
	}
	lang := h.msgs.choose(c.Request)
	subject := h.msgs.T(lang, "mail.signup_exists.subject", "Instance", h.Config.Instance.Name)
	body := h.msgs.T(lang, "mail.signup_exists.body", "Instance", h.Config.Instance.Name, "Link", h.Config.BaseURL()+"/password/forgot")
	if err := h.Social.SendMail(c.Request.Context(), nil, mail.Message{To: email, Subject: subject, Text: body}); err != nil {
		h.Log.Error("web: queue account-exists mail", "err", err)
	}
}
