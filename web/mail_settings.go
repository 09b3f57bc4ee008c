package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// E-mail notifications: the settings section and the unsubscribe link.

// MailText translates a catalogue message for the notification mails
// (social.Service.MailText); an unknown language falls back to the
// instance's.
func (h *Handlers) MailText(lang, id string, args ...any) string { return h.msgs.T(lang, id, args...) }

// mailSettings is the "E-mails" section of the settings page.
type mailSettings struct {
	Email       string
	Frequency   string
	Frequencies []string
	Kinds       []mailKindChoice
	Error       string
}

type mailKindChoice struct {
	Kind string
	On   bool
}

func newMailSettings(email string, p *model.MailPreferences) *mailSettings {
	on := map[string]bool{social.MailMessages: p.Messages, social.MailMentions: p.Mentions, social.MailSignups: p.Signups,
		social.MailActions: p.Actions, social.MailReminders: p.Reminders}
	m := &mailSettings{Email: email, Frequency: p.Frequency, Frequencies: model.MailFrequencies}
	for _, k := range social.MailKinds {
		m.Kinds = append(m.Kinds, mailKindChoice{Kind: k, On: on[k]})
	}
	return m
}

// loadMailSettings fills the section when the instance can send mail.
func (h *Handlers) loadMailSettings(c *gin.Context, d *settingsData) error {
	if !h.Social.MailEnabled() || d.Mail != nil {
		return nil
	}
	v := viewerOf(c)
	p, err := h.Social.MailPreferences(c.Request.Context(), v.Account)
	if err != nil {
		return err
	}
	d.Mail = newMailSettings(v.User.Email, p)
	return nil
}

// saveMailSettings stores the person's choices; a frequency not offered
// is refused and nothing changes.
func (h *Handlers) saveMailSettings(c *gin.Context) {
	if !h.Social.MailEnabled() {
		h.notFound(c)
		return
	}
	v := viewerOf(c)
	// The mails speak the language the person reads this page in.
	p := model.MailPreferences{Frequency: c.PostForm("frequency"), Language: h.msgs.choose(c.Request)}
	kinds := c.PostFormArray("kinds")
	p.Messages, p.Mentions, p.Signups = slices.Contains(kinds, social.MailMessages), slices.Contains(kinds, social.MailMentions), slices.Contains(kinds, social.MailSignups)
	p.Actions, p.Reminders = slices.Contains(kinds, social.MailActions), slices.Contains(kinds, social.MailReminders)
	if !slices.Contains(model.MailFrequencies, p.Frequency) {
		d := &settingsData{DisplayName: v.Account.DisplayName, Locked: v.Account.Locked, Discoverable: v.Account.Discoverable}
		d.Note, d.Fields, _ = h.Social.ProfileSource(c.Request.Context(), v.Account)
		d.Mail = newMailSettings(v.User.Email, &p)
		d.Mail.Error = h.t(c, "mailsettings.bad_frequency")
		h.renderSettings(c, http.StatusUnprocessableEntity, d)
		return
	}
	if err := h.Social.SaveMailPreferences(c.Request.Context(), v.Account, p); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.mail_saved")
	c.Redirect(http.StatusSeeOther, "/settings#mail-title")
}

type unsubscribeData struct {
	Token    string
	Done     bool
	Invalid  bool
	Instance string
}

// unsubscribePage asks to confirm: a link opened by a mail scanner or a
// preview must not unsubscribe anyone.
func (h *Handlers) unsubscribePage(c *gin.Context) {
	d := &unsubscribeData{Token: c.Param("token"), Instance: h.Config.Instance.Name}
	status := http.StatusOK
	if _, err := h.Social.CheckUnsubscribeToken(c.Request.Context(), d.Token); errors.Is(err, social.ErrNotFound) {
		d.Invalid, status = true, http.StatusNotFound
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.renderUnsubscribe(c, status, d)
}

// unsubscribe stops the mails. It needs no login and no CSRF token: the
// signed token in the address is the authority, and mail programs send
// RFC 8058's one-click POST ("List-Unsubscribe=One-Click") without
// cookies.
func (h *Handlers) unsubscribe(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 4<<10)
	d := &unsubscribeData{Token: c.Param("token"), Instance: h.Config.Instance.Name}
	err := h.Social.Unsubscribe(c.Request.Context(), d.Token)
	switch {
	case errors.Is(err, social.ErrNotFound):
		d.Invalid = true
		h.renderUnsubscribe(c, http.StatusNotFound, d)
	case err != nil:
		h.fail(c, err)
	default:
		d.Done = true
		h.renderUnsubscribe(c, http.StatusOK, d)
	}
}

func (h *Handlers) renderUnsubscribe(c *gin.Context, status int, d *unsubscribeData) {
	// The token is in the address: it must not leave in a Referer.
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("Cache-Control", "no-store")
	p := h.newPage(c, h.t(c, "unsubscribe.title"), d)
	p.NoIndex = true
	h.render(c, status, "unsubscribe", p)
}
