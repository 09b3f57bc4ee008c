package calendar

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Handler serves the .ics feeds. Anonymous feeds show public events
// only; a member's own feed sits behind an unguessable token (calendar
// apps cannot log in) and lists only that member's sign-ups.
type Handler struct {
	Social *social.Service
	Store  *storage.Storage
}

// Register mounts /events/:id/calendar.ics, /users/:username/calendar.ics
// and /calendar/:token (token ending in .ics).
func (h *Handler) Register(r *gin.Engine) {
	r.GET("/events/:id/calendar.ics", h.event)
	r.GET("/users/:username/calendar.ics", h.organizer)
	r.GET("/calendar/:token", h.member)
}

func (h *Handler) write(c *gin.Context, name string, events []model.Event) {
	items := make([]Item, 0, len(events))
	for i := range events {
		ev := &events[i]
		item := Item{Event: ev, URL: h.Social.URIs.Event(ev.ID)}
		if ev.Status != nil {
			item.Description = ev.Status.Content
			item.URL = ev.Status.URL
		}
		items = append(items, item)
	}
	var buf bytes.Buffer
	if err := Write(&buf, name, h.Social.Config.Host, items, time.Now()); err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", buf.Bytes())
}

// event is one event, for whoever may see it anonymously (public ones).
func (h *Handler) event(c *gin.Context) {
	ev, err := h.Social.Event(c.Request.Context(), nil, c.Param("id"))
	if err != nil {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	h.write(c, ev.Title, []model.Event{*ev})
}

// organizer is a section's or group's public agenda.
func (h *Handler) organizer(c *gin.Context) {
	ctx := c.Request.Context()
	a, err := h.Store.LocalAccount(ctx, c.Param("username"))
	if err != nil || !a.IsGroup() {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	events, err := h.Store.EventsAfter(ctx, storage.EventFilter(h.Social.VisibleFilter(nil)), time.Now().Add(-30*24*time.Hour), a.ID, "", 200)
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	h.write(c, name, events)
}

// member is a member's own commitments.
func (h *Handler) member(c *gin.Context) {
	token, ok := strings.CutSuffix(c.Param("token"), ".ics")
	if !ok || token == "" {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	ctx := c.Request.Context()
	account, err := h.Store.AccountByCalendarToken(ctx, auth.HashToken(token))
	if err != nil {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	signedUp, err := h.Store.AccountEvents(ctx, account.ID, time.Now().Add(-30*24*time.Hour))
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	// A sign-up is no pass: a members-only event leaves the feed as soon
	// as its owner is no longer a member of the group (the same audience
	// rule as every other door).
	events := make([]model.Event, 0, len(signedUp))
	for i := range signedUp {
		if signedUp[i].Status == nil {
			continue
		}
		ok, err := h.Social.CanView(ctx, account, signedUp[i].Status)
		if err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		if ok {
			events = append(events, signedUp[i])
		}
	}
	h.write(c, "Coopol – "+account.Username, events)
}
