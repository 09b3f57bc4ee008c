package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/social"
)

// updateEvent edits an event (its organisers only; others get 404): the
// fields named in the request change, the others stay. Participants are
// told of a new time, place or status.
func (h *Handlers) updateEvent(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	ev, err := h.Social.Event(ctx, CurrentAccount(c), c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	in := social.EditOf(ev)
	for key, dst := range map[string]*string{"title": &in.Title, "description": &in.Description, "action_kind": &in.ActionKind,
		"place_name": &in.PlaceName, "street_address": &in.StreetAddress, "postal_code": &in.PostalCode,
		"locality": &in.Locality, "online_url": &in.OnlineURL, "status": &in.Status} {
		if p.has(key) {
			*dst = p.Get(key)
		}
	}
	for key, dst := range map[string]*time.Time{"start_at": &in.StartAt, "end_at": &in.EndAt} {
		if !p.has(key) {
			continue
		}
		t, ok := parseTime(p.Get(key))
		if !ok {
			ErrorJSON(c, http.StatusUnprocessableEntity, key+" must be an RFC 3339 time")
			return
		}
		*dst = t
	}
	if p.has("capacity") {
		n, err := strconv.Atoi(p.Get("capacity"))
		if err != nil {
			ErrorJSON(c, http.StatusUnprocessableEntity, "capacity must be a whole number")
			return
		}
		in.Capacity = &n
	}
	if _, _, err := h.Social.EditEvent(ctx, CurrentAccount(c), ev.ID, in); err != nil {
		h.domainError(c, err)
		return
	}
	h.respondEvent(c, ev.ID)
}

// duplicateEvent publishes a copy of an event at start_at.
func (h *Handlers) duplicateEvent(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	start, ok := parseTime(p.Get("start_at"))
	if !ok || start.IsZero() {
		ErrorJSON(c, http.StatusUnprocessableEntity, "start_at must be an RFC 3339 time")
		return
	}
	ev, err := h.Social.DuplicateEvent(c.Request.Context(), CurrentAccount(c), c.Param("id"), start)
	if err != nil {
		h.domainError(c, err)
		return
	}
	h.respondEvent(c, ev.ID)
}
