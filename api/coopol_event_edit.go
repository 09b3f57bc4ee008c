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
	// slots (JSON only): the action's whole list of slots; a slot with an
	// id is kept with the time and need given, one without is added, one
	// left out is removed (refused while people are signed up for it).
	if raw, ok := p.json["slots"]; ok {
		list, ok := raw.([]any)
		if !ok {
			ErrorJSON(c, http.StatusUnprocessableEntity, "slots must be a list")
			return
		}
		in.SetSlots, in.Slots = true, []social.SlotEdit{}
		for _, item := range list {
			m, _ := item.(map[string]any)
			id, _ := m["id"].(string)
			s, _ := m["start_at"].(string)
			e, _ := m["end_at"].(string)
			need, _ := m["need"].(float64)
			st, ok1 := parseTime(s)
			et, ok2 := parseTime(e)
			if !ok1 || !ok2 || st.IsZero() || need != float64(int(need)) {
				ErrorJSON(c, http.StatusUnprocessableEntity, "each slot needs start_at, end_at and need")
				return
			}
			in.Slots = append(in.Slots, social.SlotEdit{ID: id, StartAt: st, EndAt: et, Need: int(need)})
		}
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

// messageParticipants: POST /api/v1/coopol/events/:id/message with text
// (and waiting=true to include the waiting list). Each participant gets
// a private message of their own; organisers only (404 for anyone else).
func (h *Handlers) messageParticipants(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	waiting := p.Get("waiting") == "true" || p.Get("waiting") == "1"
	n, err := h.Social.MessageParticipants(c.Request.Context(), CurrentAccount(c), c.Param("id"), social.ParticipantsMessage{Text: p.Get("text"), Waiting: waiting})
	if err != nil {
		if err == social.ErrForbidden {
			err = social.ErrNotFound
		}
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recipients": n})
}
