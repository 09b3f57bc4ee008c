package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

func (h *Handlers) scheduledRoutes(v1 *gin.RouterGroup) {
	read, write := h.RequireScope("read:statuses"), h.RequireScope("write:statuses")
	v1.GET("/scheduled_statuses", read, h.scheduledStatuses)
	v1.GET("/scheduled_statuses/:id", read, h.getScheduledStatus)
	v1.PUT("/scheduled_statuses/:id", write, h.rescheduleStatus)
	v1.DELETE("/scheduled_statuses/:id", write, h.deleteScheduledStatus)
}

// parseScheduledAt reads scheduled_at (ISO 8601); zero when absent.
func parseScheduledAt(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// scheduleStatus answers POST /api/v1/statuses with scheduled_at: a
// ScheduledStatus, published by the periodic job.
func (h *Handlers) scheduleStatus(c *gin.Context, author *model.Account, in social.NewStatus, at time.Time) {
	var appID *string
	if app := CurrentApplication(c); app != nil {
		appID = &app.ID
	}
	ss, err := h.Social.ScheduleStatus(c.Request.Context(), author, in, at, appID)
	if err != nil {
		h.domainError(c, err)
		return
	}
	h.respondScheduled(c, ss)
}

func (h *Handlers) scheduledEntity(c *gin.Context, ss *storage.ScheduledStatus) (gin.H, error) {
	in := social.ScheduledParams(ss)
	media := []any{}
	if len(in.MediaIDs) > 0 {
		byID, err := h.Store.MediaByIDs(c.Request.Context(), in.MediaIDs)
		if err != nil {
			return nil, err
		}
		for _, id := range in.MediaIDs {
			if m, ok := byID[id]; ok {
				media = append(media, h.mediaEntity(&m))
			}
		}
	}
	var poll any
	if in.Poll != nil {
		poll = gin.H{"options": in.Poll.Options, "expires_in": int(in.Poll.ExpiresIn.Seconds()), "multiple": in.Poll.Multiple, "hide_totals": in.Poll.HideTotals}
	}
	mediaIDs := in.MediaIDs
	if mediaIDs == nil {
		mediaIDs = []string{}
	}
	return gin.H{
		"id": ss.ID, "scheduled_at": isoTime(ss.ScheduledAt), "media_attachments": media,
		"params": gin.H{
			"text": in.Text, "poll": poll, "media_ids": mediaIDs, "sensitive": in.Sensitive, "spoiler_text": in.SpoilerText,
			"visibility": in.Visibility, "in_reply_to_id": strPtr(in.InReplyToID), "language": strPtr(in.Language),
			"application_id": ss.ApplicationID, "scheduled_at": nil, "idempotency": nil, "with_rate_limit": false,
		},
	}, nil
}

func (h *Handlers) respondScheduled(c *gin.Context, ss *storage.ScheduledStatus) {
	out, err := h.scheduledEntity(c, ss)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) scheduledStatuses(c *gin.Context) {
	ctx := c.Request.Context()
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	entries, err := h.Store.ScheduledStatusesPage(ctx, CurrentAccount(c).ID, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	rows, err := h.Store.ScheduledStatusesByIDs(ctx, storage.Items(entries))
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := make([]gin.H, 0, len(rows))
	for i := range rows {
		e, err := h.scheduledEntity(c, &rows[i])
		if err != nil {
			h.internalError(c, err)
			return
		}
		out = append(out, e)
	}
	h.setLink(c, entries, p, false)
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) getScheduledStatus(c *gin.Context) {
	ss, err := h.Store.ScheduledStatus(c.Request.Context(), CurrentAccount(c).ID, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	h.respondScheduled(c, ss)
}

// rescheduleStatus: PUT /api/v1/scheduled_statuses/:id (scheduled_at).
func (h *Handlers) rescheduleStatus(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	at, ok := parseScheduledAt(p.Get("scheduled_at"))
	if !ok || at.IsZero() {
		ErrorJSON(c, http.StatusUnprocessableEntity, "scheduled_at must be an ISO 8601 date and time")
		return
	}
	if at.Before(h.now().Add(social.MinScheduleDelay)) {
		ErrorJSON(c, http.StatusUnprocessableEntity, "scheduled_at must be at least 5 minutes in the future")
		return
	}
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	if err := h.Store.RescheduleStatus(ctx, viewer.ID, c.Param("id"), at); err != nil {
		h.domainError(c, err)
		return
	}
	h.getScheduledStatus(c)
}

func (h *Handlers) deleteScheduledStatus(c *gin.Context) {
	deleted, err := h.Store.DeleteScheduledStatus(c.Request.Context(), h.Store.DB, CurrentAccount(c).ID, c.Param("id"))
	if err != nil {
		h.internalError(c, err)
		return
	}
	if !deleted {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}
