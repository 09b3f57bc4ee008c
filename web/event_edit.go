package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// Adjusting a published event (issue 14): its organisers edit it (time,
// place, need, status) with the form it was published with; participants
// are told what changed. Duplicating it publishes the same action at a new
// date.

// editEventForm shows the publishing form filled with the event.
func (h *Handlers) editEventForm(c *gin.Context) {
	ev, ok := h.organizedEvent(c)
	if !ok {
		return
	}
	in := social.EditOf(ev)
	start := inZone(in.StartAt, ev.Timezone)
	f := &eventForm{EditID: ev.ID, Kind: ev.Kind, ActionKind: ev.ActionKind, Title: in.Title, Description: in.Description,
		Date: start.Format("2006-01-02"), Start: start.Format("15:04"), PlaceName: in.PlaceName, Street: in.StreetAddress,
		PostalCode: in.PostalCode, Locality: in.Locality, OnlineURL: in.OnlineURL, Status: in.Status}
	if !in.EndAt.IsZero() {
		f.End = inZone(in.EndAt, ev.Timezone).Format("15:04")
	}
	if in.Capacity != nil && len(ev.Slots) == 0 {
		f.Capacity = strconv.Itoa(*in.Capacity)
	}
	day := func(t time.Time) time.Time {
		l := inZone(t, ev.Timezone)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	}
	for _, slot := range ev.Slots {
		f.Slots = append(f.Slots, slotRow{ID: slot.ID, Start: inZone(slot.StartAt, ev.Timezone).Format("15:04"),
			End: inZone(slot.EndAt, ev.Timezone).Format("15:04"), Need: strconv.Itoa(slot.Need), Taken: slot.ParticipantCount > 0,
			Offset: int(day(slot.StartAt).Sub(day(ev.StartAt)).Hours() / 24)})
	}
	h.renderEventForm(c, http.StatusOK, f, nil)
}

// organizedEvent loads the event of the URL for its organisers; anyone
// else gets the 404 of a page that does not exist.
func (h *Handlers) organizedEvent(c *gin.Context) (*model.Event, bool) {
	ctx := c.Request.Context()
	ev, err := h.Social.Event(ctx, accountOf(c), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return nil, false
	}
	ok, err := h.Social.CanOrganize(ctx, accountOf(c), ev)
	if err != nil {
		h.fail(c, err)
		return nil, false
	}
	if !ok || !ev.Status.Local {
		h.notFound(c)
		return nil, false
	}
	return ev, true
}

// editEvent saves the edit.
func (h *Handlers) editEvent(c *gin.Context) {
	ev, ok := h.organizedEvent(c)
	if !ok {
		return
	}
	f := &eventForm{
		EditID: ev.ID, Kind: ev.Kind, ActionKind: c.PostForm("action_kind"), Title: strings.TrimSpace(c.PostForm("title")),
		Description: c.PostForm("description"), Date: c.PostForm("date"), Start: c.PostForm("start"), End: c.PostForm("end"),
		PlaceName: strings.TrimSpace(c.PostForm("place_name")), Street: strings.TrimSpace(c.PostForm("street")),
		PostalCode: strings.TrimSpace(c.PostForm("postal_code")), Locality: strings.TrimSpace(c.PostForm("locality")),
		OnlineURL: strings.TrimSpace(c.PostForm("online_url")), Capacity: strings.TrimSpace(c.PostForm("capacity")),
		Status: c.PostForm("status"),
	}
	again := func(msg string) {
		f.Error = msg
		h.renderEventForm(c, http.StatusUnprocessableEntity, f, nil)
	}
	zone, err := time.LoadLocation(ev.Timezone)
	if err != nil {
		zone = h.zone
	}
	in := social.EventEdit{Title: f.Title, Description: f.Description, ActionKind: f.ActionKind, PlaceName: f.PlaceName,
		StreetAddress: f.Street, PostalCode: f.PostalCode, Locality: f.Locality, OnlineURL: f.OnlineURL, Status: f.Status}
	if in.StartAt, err = time.ParseInLocation("2006-01-02 15:04", f.Date+" "+f.Start, zone); err != nil {
		again(h.t(c, "eventform.bad_date"))
		return
	}
	if f.End != "" {
		if in.EndAt, err = time.ParseInLocation("2006-01-02 15:04", f.Date+" "+f.End, zone); err != nil {
			again(h.t(c, "eventform.bad_date"))
			return
		}
	}
	if ev.Kind == model.EventKindFieldAction {
		slots, present, errKey := parseSlots(c, f, zone)
		if errKey != "" {
			again(h.t(c, errKey))
			return
		}
		in.SetSlots, in.Slots = present, slots
	}
	if f.Capacity != "" && !(in.SetSlots && len(in.Slots) > 0) {
		n, err := strconv.Atoi(f.Capacity)
		if err != nil || n < 1 {
			again(h.t(c, "eventform.bad_capacity"))
			return
		}
		in.Capacity = &n
	}
	_, _, err = h.Social.EditEvent(c.Request.Context(), accountOf(c), ev.ID, in)
	if msg, ok := h.validationMessage(c, err); ok {
		again(msg)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.event_edited")
	c.Redirect(http.StatusSeeOther, "/events/"+ev.ID)
}

// duplicateEvent publishes a copy of the event at a new date.
func (h *Handlers) duplicateEvent(c *gin.Context) {
	ev, ok := h.organizedEvent(c)
	if !ok {
		return
	}
	zone, err := time.LoadLocation(ev.Timezone)
	if err != nil {
		zone = h.zone
	}
	at := inZone(ev.StartAt, ev.Timezone)
	day, err := time.ParseInLocation("2006-01-02", c.PostForm("date"), zone)
	if err != nil {
		h.errorPage(c, http.StatusUnprocessableEntity, "eventform.bad_date")
		return
	}
	start := time.Date(day.Year(), day.Month(), day.Day(), at.Hour(), at.Minute(), 0, 0, zone)
	copyEv, err := h.Social.DuplicateEvent(c.Request.Context(), accountOf(c), ev.ID, start)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.event_duplicated")
	c.Redirect(http.StatusSeeOther, "/events/"+copyEv.ID)
}
