package web

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// The people of an action (issue 14): the waiting list said before one
// clicks, withdrawing confirmed on a page of its own (no script: the CSP
// forbids inline JS), the organisers' message to every participant (one
// private message each), the phone numbers participants leave for the day
// and the organisers' export.

// countWaiting fills the waiting-list sizes of an event and its slots.
func (h *Handlers) countWaiting(c *gin.Context, ev *model.Event, v *eventView) error {
	ctx := c.Request.Context()
	n, err := h.Store.CountParticipants(ctx, h.Store.DB, ev.ID, "", model.ParticipationWaitlisted)
	if err != nil {
		return err
	}
	v.Waiting = n
	for i := range v.Slots {
		if v.Slots[i].Waiting, err = h.Store.CountParticipants(ctx, h.Store.DB, ev.ID, v.Slots[i].ID, model.ParticipationWaitlisted); err != nil {
			return err
		}
	}
	return nil
}

// eventStation names the polling station a field action of the section
// targets ("create an action here" on the ranking or the map).
func (h *Handlers) eventStation(c *gin.Context, ev *model.Event) *stationRef {
	if ev.PollingStationID == nil || ev.GroupID == nil || !ev.Status.Local {
		return nil
	}
	st, err := h.Store.PollingStation(c.Request.Context(), *ev.GroupID, *ev.PollingStationID)
	if err != nil {
		return nil
	}
	return &stationRef{Code: st.Code, Commune: st.CommuneName, WalkPath: "/dashboard/elections/stations/" + st.ID + "/walk"}
}

type cancelConfirmData struct {
	Event  eventView
	SlotID string
	Slot   *slotView
	State  string
	Back   string // where to go after (a local path), "" for the action
}

// eventCancelConfirm asks before giving up one's place: a plain page
// whose form posts to /events/:id/cancel, and a link back.
func (h *Handlers) eventCancelConfirm(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	ev, err := h.Social.Event(ctx, v.Account, c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	slotID := c.Query("slot_id")
	p, err := h.Store.Participation(ctx, h.Store.DB, ev.ID, slotID, v.Account.ID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Redirect(http.StatusSeeOther, "/events/"+ev.ID)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	d := &cancelConfirmData{Event: h.eventView(ev), SlotID: slotID, State: p.State}
	if back := c.Query("back"); back != "" {
		d.Back = localPath(back, "")
	}
	for i := range d.Event.Slots {
		if d.Event.Slots[i].ID == slotID {
			d.Slot = &d.Event.Slots[i]
		}
	}
	page := h.newPage(c, h.t(c, "event.cancel_confirm_title"), d)
	page.Nav = "events"
	page.NoIndex = true
	h.render(c, http.StatusOK, "event_cancel", page)
}

// messageParticipants sends the organiser's text to every participant,
// one private message each.
func (h *Handlers) messageParticipants(c *gin.Context) {
	ev, ok := h.organizedEvent(c)
	if !ok {
		return
	}
	_, err := h.Social.MessageParticipants(c.Request.Context(), accountOf(c), ev.ID, social.ParticipantsMessage{
		Text: c.PostForm("text"), Waiting: c.PostForm("waiting") != "",
	})
	if msg, ok := h.validationMessage(c, err); ok {
		p := h.newPage(c, h.t(c, "error.title"), errorData{Message: "error.invalid", Detail: msg, Status: http.StatusUnprocessableEntity})
		p.NoIndex = true
		h.render(c, http.StatusUnprocessableEntity, "error", p)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.participants_messaged")
	c.Redirect(http.StatusSeeOther, "/events/"+ev.ID)
}

// forgetPhone erases the phone number the viewer left for an action.
func (h *Handlers) forgetPhone(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	ev, err := h.Social.Event(ctx, v.Account, c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if err := h.Store.DeleteParticipantPhone(ctx, h.Store.DB, ev.ID, v.Account.ID); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.phone_forgotten")
	c.Redirect(http.StatusSeeOther, "/events/"+ev.ID)
}

// exportParticipants is the organisers' CSV of an action's participants:
// name, handle, slot, state and phone number when given. Anyone else gets
// a 404. The domain logs the export (who, which event, how many rows).
func (h *Handlers) exportParticipants(c *gin.Context) {
	ev, rows, err := h.Social.ExportParticipants(c.Request.Context(), accountOf(c), c.Param("id"))
	if err != nil {
		if errors.Is(err, social.ErrForbidden) {
			err = social.ErrNotFound
		}
		h.fail(c, err)
		return
	}
	var b strings.Builder
	b.WriteString("\ufeff") // spreadsheets then read UTF-8
	w := csv.NewWriter(&b)
	_ = w.Write([]string{h.t(c, "export.name"), h.t(c, "export.handle"), h.t(c, "export.slot"), h.t(c, "export.state"), h.t(c, "export.phone")})
	for _, r := range rows {
		slot := ""
		if r.Slot != nil {
			start, end := inZone(r.Slot.StartAt, ev.Timezone), inZone(r.Slot.EndAt, ev.Timezone)
			slot = start.Format("2006-01-02 15:04") + "–" + end.Format("15:04")
		}
		_ = w.Write([]string{cell(r.Name), cell(r.Handle), slot, h.t(c, stateKey(r.State)), cell(r.Phone)})
	}
	w.Flush()
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", `attachment; filename="participants-`+ev.ID+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}

// cell keeps a name a spreadsheet would take for a formula as text
// (CSV injection): a leading =, +, -, @, tab or carriage return gets a '.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type electionDeleteData struct {
	Election electionRow
}

// electionDeleteConfirm asks before deleting an imported election.
func (h *Handlers) electionDeleteConfirm(c *gin.Context) {
	e, err := h.Store.Election(c.Request.Context(), sectionOf(c).ID, c.Param("id"))
	if errors.Is(err, storage.ErrNotFound) {
		h.notFound(c)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	p := h.newPage(c, h.t(c, "elections.delete_title"), &electionDeleteData{Election: electionRows([]model.Election{*e})[0]})
	p.Nav = "dashboard"
	p.NoIndex = true
	h.render(c, http.StatusOK, "election_delete", p)
}

// deleteElection removes an imported election and its results (the
// polling stations stay: actions point at them). Staff only; logged.
func (h *Handlers) deleteElection(c *gin.Context) {
	ctx := c.Request.Context()
	section := sectionOf(c)
	err := h.Store.DeleteElection(ctx, section.ID, c.Param("id"))
	if errors.Is(err, storage.ErrNotFound) {
		h.notFound(c)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.Log.Info("elections: election deleted", "election", c.Param("id"), "by", viewerOf(c).Account.ID)
	h.flash(c, "flash.election_deleted")
	c.Redirect(http.StatusSeeOther, "/dashboard/elections")
}

// stateKey is the catalog key of a participation state.
func stateKey(state string) string { return "state." + state }
