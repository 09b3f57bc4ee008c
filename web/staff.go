package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// What waits for the section's staff (issue 14): the accounts to
// approve or refuse, with word sent to the applicant.

// approveUser lets a new account log in (registrations: approval); the
// applicant finds a notification at their first login and, when the
// instance sends mail, an e-mail says they can log in.
func (h *Handlers) approveUser(c *gin.Context) {
	u, err := h.Social.ApproveUser(c.Request.Context(), viewerOf(c).Account, c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	h.Log.Info("web: account approved", "user", u.ID, "by", viewerOf(c).Account.Username)
	h.mailApplicant(c, u, "mail.approved", "")
	h.flash(c, "flash.account_approved")
	c.Redirect(http.StatusSeeOther, "/dashboard#accounts")
}

// refuseUser turns an account down, with an optional message that the
// applicant reads when they try to log in, and by e-mail when the
// instance sends mail.
func (h *Handlers) refuseUser(c *gin.Context) {
	u, err := h.Social.RefuseUser(c.Request.Context(), viewerOf(c).Account, c.Param("id"), c.PostForm("message"))
	var ve *social.ValidationError
	if errors.As(err, &ve) {
		d, derr := h.dashboardData(c)
		if derr != nil {
			h.fail(c, derr)
			return
		}
		d.RefuseError = h.domainMessage(c, ve.Msg)
		h.renderDashboard(c, http.StatusUnprocessableEntity, d)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.Log.Info("web: account refused", "user", u.ID, "by", viewerOf(c).Account.Username)
	h.mailApplicant(c, u, "mail.refused", u.RefusalMessage)
	h.flash(c, "flash.account_refused")
	c.Redirect(http.StatusSeeOther, "/dashboard#accounts")
}

// mailApplicant tells an applicant the staff's answer by mail (queued,
// retried) when the instance sends mail. The address is never logged.
func (h *Handlers) mailApplicant(c *gin.Context, u *model.User, key, message string) {
	if !h.Social.MailEnabled() || u.Email == "" {
		return
	}
	lang := h.msgs.choose(c.Request)
	if u.Locale == "fr" || u.Locale == "en" {
		lang = u.Locale
	}
	name := u.Email
	if u.Account != nil {
		name = u.Account.Username
	}
	section := h.sectionName(c)
	subject := h.msgs.T(lang, key+".subject", "Section", section)
	body := h.msgs.T(lang, key+".body", "Name", name, "Section", section, "Link", h.Config.BaseURL()+"/login")
	if message != "" {
		body += "\n" + h.msgs.T(lang, "mail.refused.message", "Message", message) + "\n"
	}
	if err := h.Social.SendMail(c.Request.Context(), nil, mail.Message{To: u.Email, Subject: subject, Text: body}); err != nil {
		h.Log.Error("web: queue answer to applicant", "key", key, "err", err)
	}
}
