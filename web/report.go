package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// Reports to the section's moderators, and the personal calendar feed.

type reportData struct {
	Target  accountView
	Status  *statusView
	Comment string
	Error   string
}

// reportForm asks why an account (or one of its posts) is reported.
func (h *Handlers) reportForm(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	d := &reportData{}
	var target *model.Account
	if id := c.Query("status"); id != "" {
		st, err := h.Social.VisibleStatus(ctx, v.Account, id)
		if err != nil {
			h.fail(c, err)
			return
		}
		sv := h.statusView(st)
		d.Status, target = &sv, st.Account
	} else {
		a, err := h.Store.AccountByID(ctx, c.Query("account"))
		if err != nil || a.ActorType == model.ActorApplication {
			h.notFound(c)
			return
		}
		target = a
	}
	d.Target = h.accountView(target)
	h.render(c, http.StatusOK, "report", h.newPage(c, h.t(c, "report.title"), d))
}

func (h *Handlers) reportSubmit(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	target, err := h.Store.AccountByID(ctx, c.PostForm("account_id"))
	if err != nil {
		h.notFound(c)
		return
	}
	var statusIDs []string
	if id := c.PostForm("status_id"); id != "" {
		statusIDs = append(statusIDs, id)
	}
	_, err = h.Social.Report(ctx, v.Account, target, statusIDs, c.PostForm("comment"))
	var ve *social.ValidationError
	if errors.As(err, &ve) {
		d := &reportData{Target: h.accountView(target), Comment: c.PostForm("comment"), Error: h.domainMessage(c, ve.Msg)}
		h.render(c, http.StatusUnprocessableEntity, "report", h.newPage(c, h.t(c, "report.title"), d))
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.reported")
	c.Redirect(http.StatusSeeOther, accountPath(target))
}

// calendarFeed makes a new address for the viewer's own calendar feed
// (their commitments), shown once; the previous one stops working.
func (h *Handlers) calendarFeed(c *gin.Context) {
	v := viewerOf(c)
	raw := auth.NewToken()
	if err := h.Store.SetCalendarToken(c.Request.Context(), v.Account.ID, auth.HashToken(raw), h.now()); err != nil {
		h.fail(c, err)
		return
	}
	c.Set(ctxFeedURL, h.Config.BaseURL()+"/calendar/"+raw+".ics")
	h.commitments(c)
}

const ctxFeedURL = "coopol.web.feed"
