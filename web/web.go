// Package web is the browser interface of a section's instance:
// server-rendered pages (html/template, templates/web) on the same URLs
// that serve ActivityPub JSON, French first and English available
// (message catalogs in web/locales), sessions in secure cookies and a CSRF
// token on every form. Every essential action is a plain form post; the
// one small script (static/app.js) only enhances.
//
// Handlers read top to bottom: parse, call the domain (social), render.
// Who may see or do what is never decided here: the domain's CanView,
// VisibleFilter and permission checks are asked every time.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	_ "time/tzdata" // event times in their own zone even without system tzdata

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/api"
	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/pagecache"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Deps is what the web interface needs from the rest of the server.
type Deps struct {
	Config config.Config
	Store  *storage.Storage
	Social *social.Service
	Log    *slog.Logger
	// Now is the clock; nil means the domain's.
	Now func() time.Time
	// RateLimits are the instance's limiters, shared with the API and the
	// OAuth login form so that an attacker gets one budget, not one per
	// form (U-05). Nil builds a set with ratelimit.Defaults.
	RateLimits *ratelimit.Set
	// Media stores uploads; nil leaves attachments out of the forms.
	Media *media.Service
}

// Handlers carries the dependencies of every page.
type Handlers struct {
	Deps
	pages *renderer
	msgs  *catalog
	// mailForms limits, per client address, the forms that send mail or
	// check a password outside the login form (reset requests, password
	// changes).
	mailForms *ratelimit.Limiter
	// zone shows post times (events use their own zone).
	zone *time.Location
	// csrfSecret signs anonymous visitors' CSRF tokens.
	csrfSecret *auth.ServerSecret
	// kept holds signed-in pages as rendered (kept_pages.go).
	kept *pagecache.Cache
}

// New builds the handlers: it parses the templates and the catalogs,
// which are embedded, so an error here is a bug caught by the tests.
func New(d Deps) (*Handlers, error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = d.Social.Now
	}
	if d.RateLimits == nil {
		d.RateLimits = ratelimit.NewSet(ratelimit.Defaults())
	}
	msgs, err := newCatalog(d.Config.Instance.Language)
	if err != nil {
		return nil, err
	}
	pages, err := newRenderer(msgs)
	if err != nil {
		return nil, err
	}
	zone, err := time.LoadLocation(defaultZone)
	if err != nil {
		return nil, fmt.Errorf("web: time zone: %w", err)
	}
	return &Handlers{
		Deps: d, pages: pages, msgs: msgs, zone: zone, kept: pagecache.New(),
		mailForms: ratelimit.New("web-mail-forms", ratelimit.Rate{Limit: 10, Period: time.Hour}),
		csrfSecret: &auth.ServerSecret{Load: func(ctx context.Context) (string, error) {
			a, err := d.Social.InstanceActor(ctx)
			if err != nil {
				return "", err
			}
			return a.PrivateKeyPEM, nil
		}},
	}, nil
}

// defaultZone is where section life happens; events carry their own.
const defaultZone = "Europe/Paris"

// Register mounts the web interface on r. Call it after api.Register: it
// replaces the not-found handler so that API paths keep answering JSON
// and every other unknown path gets the web 404 page.
func Register(r *gin.Engine, d Deps) *Handlers {
	h, err := New(d)
	if err != nil {
		panic(err)
	}
	h.Routes(r)
	r.NoRoute(api.NoRouteHandler(h.withSession(h.notFound)))
	return h
}

func (h *Handlers) now() time.Time { return h.Now().UTC().Truncate(time.Microsecond) }

// Routes mounts the pages and forms.
func (h *Handlers) Routes(r *gin.Engine) {
	r.GET("/static/*file", serveStatic)
	r.HEAD("/static/*file", serveStatic)
	r.GET("/favicon.ico", serveFavicon)
	r.HEAD("/favicon.ico", serveFavicon)

	w := r.Group("", h.securityHeaders, h.recover, h.session)
	w.GET("/lang/:lang", h.setLanguage)

	// Public pages (what they show depends on who looks).
	w.GET("/", h.sectionHome)
	w.GET("/@:handle", h.accountPage)
	w.GET("/@:handle/:id", h.statusPage)
	w.GET("/groups", h.groupsPage)
	w.GET("/sections", h.sectionsPage)
	w.GET("/events", h.eventsPage)
	w.GET("/events/:id", h.eventPage)
	w.GET("/events/:id/event.ics", h.eventCalendar)
	w.GET("/tags/:name", h.tagPage)
	w.GET("/search", h.search)
	w.GET("/web/media/*path", h.privateMedia)

	// Accounts: sign up, log in and out, password reset.
	w.GET("/signup", h.signupForm)
	w.GET("/signup/confirm", h.signupConfirm)
	w.GET("/login", h.loginForm)
	w.GET("/password/forgot", h.forgotForm)
	w.GET("/password/reset", h.resetForm)
	// The unsubscribe link of notification mails: no login, and the
	// one-click POST (RFC 8058) comes without a CSRF token.
	w.GET("/mail/unsubscribe/:token", h.unsubscribePage)
	w.POST("/mail/unsubscribe/:token", h.unsubscribe)
	// Guests' mailed links (confirm or cancel a sign-up without account).
	w.GET("/guests/confirm", h.guestLinkPage("confirm"))
	w.GET("/guests/cancel", h.guestLinkPage("cancel"))

	// Logged in.
	in := w.Group("", h.requireLogin)
	in.GET("/home", h.homeTimeline)
	in.GET("/home/updates", h.homeUpdates)
	in.GET("/compose", h.composePage)
	in.GET("/notifications", h.notificationsPage)
	in.GET("/messages", h.messagesPage)
	in.GET("/messages/:id", h.conversationPage)
	in.GET("/commitments", h.commitments)
	in.GET("/events/new", h.newEventForm)
	in.GET("/events/:id/edit", h.editEventForm)
	in.GET("/events/:id/cancel", h.eventCancelConfirm)
	in.GET("/events/:id/participants.csv", h.exportParticipants)
	in.GET("/settings", h.settingsPage)
	in.GET("/groups/:id/settings", h.groupSettings)
	in.GET("/report", h.reportForm)
	staff := w.Group("/dashboard", h.requireStaff) // a 404 to anyone else, even logged out
	staff.GET("", h.dashboard)
	// Territorial targeting: staff only, a 404 for anyone else.
	el := w.Group("/dashboard/elections", h.requireElectionsStaff)
	el.GET("", h.electionsPage)
	el.GET("/:id", h.electionRanking)
	el.GET("/stations/:station/walk", h.walkList)
	el.GET("/:id/delete", h.electionDeleteConfirm)
	// Door to door: turfs for an action's organisers, one's own turf.
	in.GET("/events/:id/turfs", h.actionTurfs)
	in.GET("/turfs/:id", h.turfPage)
	in.GET("/events/:id/report", h.actionReport)

	// Every form posts behind the CSRF check, which runs first: a
	// refused form changes nothing.
	f := w.Group("", h.checkCSRF)
	f.POST("/signup", h.signupSubmit)
	f.POST("/login", h.loginSubmit)
	f.POST("/logout", h.logout)
	f.POST("/password/forgot", h.forgotSubmit)
	f.POST("/password/reset", h.resetSubmit)
	f.POST("/events/:id/guests", h.guestSignUp)
	f.POST("/guests/confirm", h.guestConfirm)
	f.POST("/guests/cancel", h.guestCancel)

	fin := f.Group("", h.requireLogin)
	fin.POST("/statuses", h.createStatus)
	fin.POST("/statuses/:id/:action", h.statusAction)
	fin.POST("/accounts/:id/follow", h.follow)
	fin.POST("/accounts/:id/unfollow", h.unfollow)
	fin.POST("/groups", h.createGroup)
	fin.POST("/groups/:id/join", h.joinGroup)
	fin.POST("/groups/:id/leave", h.leaveGroup)
	fin.POST("/groups/:id/requests/:account", h.answerJoinRequest)
	// A group's settings and members, for its admins (the section's: its
	// staff); every change goes through the same domain calls as the API.
	fin.POST(groupSettingsPath, h.saveGroupSettings)
	fin.POST("/groups/:id/admission", h.saveGroupAdmission)
	fin.POST("/groups/:id/invite", h.inviteGroupMember)
	fin.POST("/groups/:id/members/:account/remove", h.removeGroupMember)
	fin.POST("/groups/:id/members/:account/role", h.setGroupMemberRole)
	fin.POST("/events", h.createEvent)
	fin.POST("/events/:id/signup", h.eventSignUp)
	fin.POST("/events/:id/cancel", h.eventCancel)
	fin.POST("/events/:id/edit", h.editEvent)
	fin.POST("/events/:id/duplicate", h.duplicateEvent)
	fin.POST("/events/:id/message", h.messageParticipants)
	fin.POST("/events/:id/phone/delete", h.forgetPhone)
	fin.POST("/settings", h.saveSettings)
	fin.POST("/settings/password", h.changePassword)
	fin.POST("/settings/mail", h.saveMailSettings)
	fin.POST("/report", h.reportSubmit)
	fin.POST("/commitments/calendar", h.calendarFeed)
	fstaff := fin.Group("/dashboard", h.requireStaff)
	fstaff.POST("/members/:id/verify", h.verifyMember)
	fstaff.POST("/members/:id/refuse", h.refuseMember)
	fstaff.POST("/users/:id/approve", h.approveUser)
	fstaff.POST("/users/:id/refuse", h.refuseUser)
	fstaff.POST("/domains", h.addDomainRule)
	fstaff.POST("/domains/delete", h.deleteDomainRule)
	fstaff.POST("/reports/:id/resolve", h.resolveReport)
	fstaff.POST("/resets/:id/link", h.resetLink)
	f.POST(electionsImportPath, h.requireElectionsStaff, h.importElection)
	f.POST(addressesImportPath, h.requireElectionsStaff, h.importAddresses)
	f.POST("/dashboard/elections/:id/delete", h.requireElectionsStaff, h.deleteElection)
	fin.POST("/events/:id/turfs", h.makeTurfs)
	fin.POST("/events/:id/turfs/:turf/assign", h.assignTurf)
	fin.POST("/turfs/:id/doors/:door", h.tickDoor)
	fin.POST("/events/:id/report", h.saveActionReport)
}

// notFound is the web 404 page.
func (h *Handlers) notFound(c *gin.Context) {
	h.errorPage(c, http.StatusNotFound, "error.not_found")
}

// withSession runs a handler outside the route groups (NoRoute) with the
// same headers and session as the pages.
func (h *Handlers) withSession(next gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		h.securityHeaders(c)
		h.session(c)
		if !c.IsAborted() {
			next(c)
		}
	}
}

// securityHeaders: no framing, no inline script, nothing fetched from
// elsewhere (no CDN, font or tracker), forms post only here.
func (h *Handlers) securityHeaders(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Permissions-Policy", "interest-cohort=()")
	hd.Add("Vary", "Cookie, Accept-Language")
	c.Next()
}

// recover turns a panic into a logged 500 page.
func (h *Handlers) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			h.Log.Error("web: panic", "path", c.FullPath(), "panic", r)
			if !c.Writer.Written() {
				h.errorPage(c, http.StatusInternalServerError, "error.internal")
			}
			c.Abort()
		}
	}()
	c.Next()
}
