package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/idna"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// The section dashboard, for its secretaries and moderators (the
// instance's staff and the section group's moderators): member
// verification, field actions and their gauges, activity figures,
// reports, domain rules, password-reset links when there is no SMTP.

const ctxSection = "coopol.web.section"

// requireStaff lets through only those who moderate the section; anyone
// else, logged in or not, gets a 404, as if the dashboard did not exist.
func (h *Handlers) requireStaff(c *gin.Context) {
	v := viewerOf(c)
	if v == nil {
		h.notFound(c)
		c.Abort()
		return
	}
	section, err := h.section(c)
	if err != nil {
		h.fail(c, err)
		c.Abort()
		return
	}
	ok, err := h.Social.CanModerate(c.Request.Context(), v.Account, section)
	if err != nil {
		h.fail(c, err)
		c.Abort()
		return
	}
	if !ok {
		h.notFound(c)
		c.Abort()
		return
	}
	c.Set(ctxSection, section)
	c.Next()
}

func sectionOf(c *gin.Context) *model.Account {
	return c.MustGet(ctxSection).(*model.Account)
}

type dashboardData struct {
	Figures   storage.WebFigures
	Adherents int
	// Waiting: accounts to approve; Requests: people who say they are
	// members, to verify.
	Waiting  []userRow
	Requests []accountView
	Members  []memberRow
	Actions  []eventView
	Events   []eventView
	Reports  []reportRow
	Domains  []storage.WebDomainRule
	Resets   []resetRow
	// ResetLink is shown once, right after an administrator made it.
	ResetLink     string
	ResetFor      string
	Settings      settingsView
	DomainError   string
	Registrations string
	// RefuseError says why a refusal was not recorded.
	RefuseError string
	// SectionID leads to the section's settings page.
	SectionID string
}

type userRow struct {
	UserID  string
	Account accountView
	Email   string
	Created time.Time
}

type memberRow struct {
	Account accountView
	Status  string // adherent | sympathisant
	Role    string
}

type reportRow struct {
	ID      string
	Target  accountView
	From    *accountView
	Comment string
	Posts   int
	Created time.Time
}

type resetRow struct {
	ID        string
	Account   accountView
	Requested time.Time
}

type settingsView struct {
	Name, Description, Language, Registrations, FederationMode string
	Allowlist                                                  []string
	SMTP                                                       bool
	MaxChars                                                   int
}

func (h *Handlers) dashboard(c *gin.Context) {
	d, err := h.dashboardData(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.renderDashboard(c, http.StatusOK, d)
}

func (h *Handlers) renderDashboard(c *gin.Context, status int, d *dashboardData) {
	p := h.newPage(c, h.t(c, "dashboard.title"), d)
	p.Nav = "dashboard"
	h.render(c, status, "dashboard", p)
}

func (h *Handlers) dashboardData(c *gin.Context) (*dashboardData, error) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	section := sectionOf(c)
	now := h.now()
	d := &dashboardData{Registrations: h.Config.Registrations, SectionID: section.ID}
	var err error
	if d.Figures, err = h.Store.WebUserFigures(ctx, now.AddDate(0, 0, -30)); err != nil {
		return nil, err
	}
	waiting, err := h.Store.WebUnapprovedUsers(ctx)
	if err != nil {
		return nil, err
	}
	for i := range waiting {
		d.Waiting = append(d.Waiting, userRow{UserID: waiting[i].ID, Account: h.accountView(waiting[i].Account), Email: waiting[i].Email, Created: waiting[i].CreatedAt})
	}
	_, pending, err := h.Store.Members(ctx, section.ID, storage.MemberPending)
	if err != nil {
		return nil, err
	}
	for i := range pending {
		if pending[i].IsLocal() { // this section's own people only
			d.Requests = append(d.Requests, h.accountView(&pending[i]))
		}
	}
	ms, members, err := h.Store.Members(ctx, section.ID, storage.MemberAccepted)
	if err != nil {
		return nil, err
	}
	for i := range members {
		if !members[i].IsLocal() {
			continue // this section's own people only
		}
		d.Members = append(d.Members, memberRow{Account: h.accountView(&members[i]), Status: ms[i].SectionStatus, Role: ms[i].Role})
		if ms[i].SectionStatus == "adherent" {
			d.Adherents++
		}
	}
	visible := storage.StatusFilter(h.Social.VisibleFilter(v.Account))
	actions, err := h.Store.WebUpcomingEvents(ctx, storage.WebEventQuery{From: now, Kind: model.EventKindFieldAction, LocalOnly: true, Limit: 30}, visible)
	if err != nil {
		return nil, err
	}
	for i := range actions {
		d.Actions = append(d.Actions, h.eventView(&actions[i]))
	}
	events, err := h.Store.WebUpcomingEvents(ctx, storage.WebEventQuery{From: now, Kind: model.EventKindEvent, LocalOnly: true, Limit: 30}, visible)
	if err != nil {
		return nil, err
	}
	for i := range events {
		d.Events = append(d.Events, h.eventView(&events[i]))
	}
	reports, err := h.Store.WebOpenReports(ctx, 50)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range reports {
		ids = append(ids, r.TargetAccountID)
		if r.AccountID != nil {
			ids = append(ids, *r.AccountID)
		}
	}
	accounts, err := h.Store.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]*model.Account{}
	for i := range accounts {
		byID[accounts[i].ID] = &accounts[i]
	}
	for _, r := range reports {
		row := reportRow{ID: r.ID, Target: h.accountView(byID[r.TargetAccountID]), Comment: r.Comment, Posts: len(r.StatusIDs), Created: r.CreatedAt}
		if r.AccountID != nil && byID[*r.AccountID] != nil {
			from := h.accountView(byID[*r.AccountID])
			row.From = &from
		}
		d.Reports = append(d.Reports, row)
	}
	if d.Domains, err = h.Store.WebDomainRules(ctx); err != nil {
		return nil, err
	}
	if !h.Social.MailEnabled() {
		resets, err := h.Store.PendingPasswordResets(ctx, now.AddDate(0, 0, -7))
		if err != nil {
			return nil, err
		}
		for i := range resets {
			d.Resets = append(d.Resets, resetRow{ID: resets[i].ID, Account: h.accountView(resets[i].User.Account), Requested: resets[i].RequestedAt})
		}
	}
	d.Settings = settingsView{Name: h.Config.Instance.Name, Description: h.Config.Instance.Description, Language: h.Config.Instance.Language,
		Registrations: h.Config.Registrations, FederationMode: h.Config.Federation.Mode, Allowlist: h.Config.Federation.Allowlist,
		SMTP: h.Social.MailEnabled(), MaxChars: h.Config.Instance.MaxStatusChars}
	return d, nil
}

// verifyMember records that someone is an adhérent of the section, or a
// sympathisant; the domain checks the viewer may decide.
func (h *Handlers) verifyMember(c *gin.Context) {
	member, ok := h.accountParam(c)
	if !ok {
		return
	}
	adherent := c.PostForm("status") == "adherent"
	if err := h.Social.VerifyMember(c.Request.Context(), viewerOf(c).Account, member, adherent); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.member_updated")
	c.Redirect(http.StatusSeeOther, "/dashboard#members")
}

// refuseMember turns down a request to join the section.
func (h *Handlers) refuseMember(c *gin.Context) {
	member, ok := h.accountParam(c)
	if !ok {
		return
	}
	if err := h.Social.AnswerJoinRequest(c.Request.Context(), viewerOf(c).Account, sectionOf(c), member, false); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.member_updated")
	c.Redirect(http.StatusSeeOther, "/dashboard#members")
}

// addDomainRule blocks a domain, or allows it (allow-list mode).
func (h *Handlers) addDomainRule(c *gin.Context) {
	domain, err := normalizeDomain(c.PostForm("domain"))
	kind := c.PostForm("kind")
	if err != nil || (kind != "block" && kind != "allow") || domain == strings.ToLower(h.Config.Host) {
		d, derr := h.dashboardData(c)
		if derr != nil {
			h.fail(c, derr)
			return
		}
		d.DomainError = h.t(c, "dashboard.domain_invalid")
		h.renderDashboard(c, http.StatusUnprocessableEntity, d)
		return
	}
	reason := strings.TrimSpace(c.PostForm("reason"))
	if len(reason) > 500 {
		reason = reason[:500]
	}
	if err := h.Store.SetDomainRule(c.Request.Context(), domain, kind, reason, h.now()); err != nil {
		h.fail(c, err)
		return
	}
	h.Log.Info("web: domain rule", "domain", domain, "kind", kind, "by", viewerOf(c).Account.Username)
	h.flash(c, "flash.domain_saved")
	c.Redirect(http.StatusSeeOther, "/dashboard#domains")
}

func (h *Handlers) deleteDomainRule(c *gin.Context) {
	if err := h.Store.WebDeleteDomainRule(c.Request.Context(), strings.ToLower(strings.TrimSpace(c.PostForm("domain")))); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.domain_removed")
	c.Redirect(http.StatusSeeOther, "/dashboard#domains")
}

// normalizeDomain accepts "example.org", "https://example.org/x" or an
// IDN, and returns the ASCII host name.
func normalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	ascii, err := idna.Lookup.ToASCII(s)
	if err != nil || !strings.Contains(ascii, ".") || strings.ContainsAny(ascii, " @") {
		return "", errInvalidDomain
	}
	return ascii, nil
}

var errInvalidDomain = errors.New("invalid domain")

func (h *Handlers) resolveReport(c *gin.Context) {
	if err := h.Store.WebResolveReport(c.Request.Context(), c.Param("id"), h.now()); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			h.notFound(c)
			return
		}
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.report_resolved")
	c.Redirect(http.StatusSeeOther, "/dashboard#reports")
}

// resetLink makes the link of a pending password-reset request, shown
// once to the administrator who passes it on (no SMTP configured).
func (h *Handlers) resetLink(c *gin.Context) {
	ctx := c.Request.Context()
	pr, err := h.Store.PasswordResetByID(ctx, c.Param("id"))
	if err != nil || pr.UsedAt != nil {
		h.notFound(c)
		return
	}
	raw := auth.NewToken()
	if err := h.Store.IssuePasswordReset(ctx, pr.ID, auth.HashToken(raw), h.now().Add(adminResetLifetime)); err != nil {
		h.fail(c, err)
		return
	}
	h.Log.Info("web: reset link made", "user", pr.UserID, "by", viewerOf(c).Account.Username)
	d, err := h.dashboardData(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	d.ResetLink = h.Config.BaseURL() + "/password/reset?token=" + raw
	d.ResetFor = pr.User.Account.Username
	h.renderDashboard(c, http.StatusOK, d)
}
