package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/pagecache"
	"github.com/coopol/coopol/storage"
)

// coopolNotificationPrefix marks Coopol's own notification kinds
// (coopol.group_join_request, coopol.action_signup, …). Mastodon clients
// do not know them, and some fail on unknown types, so they are returned
// only to clients that name them in types[].
const coopolNotificationPrefix = "coopol."

// notificationFilter reads types[], exclude_types[] and account_id.
func notificationFilter(c *gin.Context) storage.NotificationFilter {
	return storage.NotificationFilter{
		Types:         queryList(c, "types"),
		ExcludeTypes:  queryList(c, "exclude_types"),
		ExcludePrefix: coopolNotificationPrefix,
		FromAccountID: c.Query("account_id"),
	}
}

// renderNotifications renders notifications, leaving out those whose
// status the viewer may no longer see and those without an account.
func (h *Handlers) renderNotifications(ctx context.Context, viewer *model.Account, ns []model.Notification) ([]notificationJSON, error) {
	var statusIDs []string
	for _, n := range ns {
		if n.StatusID != nil {
			statusIDs = append(statusIDs, *n.StatusID)
		}
	}
	visible, err := h.Store.VisibleStatusIDs(ctx, statusIDs, h.visibleFilter(viewer))
	if err != nil {
		return nil, err
	}
	kept := make([]model.Notification, 0, len(ns))
	for _, n := range ns {
		if n.StatusID == nil || visible[*n.StatusID] {
			kept = append(kept, n)
		}
	}
	return h.renderCheckedNotifications(ctx, viewer, kept)
}

// renderCheckedNotifications renders notifications whose statuses have
// passed the audience rule already (NotificationFilter.VisibleStatus, or
// renderNotifications), leaving out those without an account.
func (h *Handlers) renderCheckedNotifications(ctx context.Context, viewer *model.Account, ns []model.Notification) ([]notificationJSON, error) {
	var accountIDs, statusIDs, reportIDs []string
	for _, n := range ns {
		if n.ReportID != nil {
			reportIDs = append(reportIDs, *n.ReportID)
		}
	}
	// admin.report carries its report (one look-up for the page).
	reports, err := h.Store.ReportsByIDs(ctx, reportIDs)
	if err != nil {
		return nil, err
	}
	reportByID := map[string]*model.Report{}
	for i := range reports {
		reportByID[reports[i].ID] = &reports[i]
		accountIDs = append(accountIDs, reports[i].TargetAccountID)
	}
	for _, n := range ns {
		switch {
		case n.FromAccountID != nil:
			accountIDs = append(accountIDs, *n.FromAccountID)
		case n.GroupID != nil:
			accountIDs = append(accountIDs, *n.GroupID)
		}
		if n.StatusID != nil {
			statusIDs = append(statusIDs, *n.StatusID)
		}
	}
	// A page of 40 notifications often names a handful of accounts and
	// statuses (favourites of one post, one friend's mentions): each is
	// loaded and rendered once (issue 17: half the page's CPU).
	slices.Sort(accountIDs)
	accountIDs = slices.Compact(accountIDs)
	slices.Sort(statusIDs)
	statusIDs = slices.Compact(statusIDs)
	accounts, err := h.Store.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	renderedAccounts, err := h.renderAccounts(ctx, accounts)
	if err != nil {
		return nil, err
	}
	accountByID := map[string]accountJSON{}
	for _, a := range renderedAccounts {
		accountByID[a.ID] = a
	}
	statuses, err := h.Store.StatusesByIDs(ctx, statusIDs)
	if err != nil {
		return nil, err
	}
	renderedStatuses, err := h.renderStatuses(ctx, viewer, statuses)
	if err != nil {
		return nil, err
	}
	statusByID := map[string]statusJSON{}
	for _, s := range renderedStatuses {
		statusByID[s.ID] = s
	}
	out := make([]notificationJSON, 0, len(ns))
	for _, n := range ns {
		from := n.FromAccountID
		if from == nil {
			from = n.GroupID
		}
		if from == nil {
			continue
		}
		account, ok := accountByID[*from]
		if !ok {
			continue
		}
		entry := notificationJSON{ID: n.ID, Type: n.Type, GroupKey: "ungrouped-" + n.ID, CreatedAt: isoTime(n.CreatedAt), Account: account}
		if n.StatusID != nil {
			st, ok := statusByID[*n.StatusID]
			if !ok {
				continue
			}
			entry.Status = &st
		}
		if n.ReportID != nil {
			r, ok := reportByID[*n.ReportID]
			if !ok {
				continue
			}
			target, ok := accountByID[r.TargetAccountID]
			if !ok {
				continue
			}
			rj := &reportJSON{ID: r.ID, ActionTaken: r.ResolvedAt != nil, Category: "other", Comment: r.Comment,
				Forwarded: r.Forwarded, CreatedAt: isoTime(r.CreatedAt), StatusIDs: r.StatusIDs, RuleIDs: []string{}, TargetAccount: target}
			if r.ResolvedAt != nil {
				at := isoTime(*r.ResolvedAt)
				rj.ActionTakenAt = &at
			}
			if rj.StatusIDs == nil {
				rj.StatusIDs = []string{}
			}
			entry.Report = rj
		}
		out = append(out, entry)
	}
	return out, nil
}

// notifications: GET /api/v1/notifications.
func (h *Handlers) notifications(c *gin.Context) {
	viewer := CurrentAccount(c)
	ctx := c.Request.Context()
	p := pageParams(c, defaultNotificationLimit, maxNotificationLimit)
	// The audience rule is asked in the page's statement, so that a page
	// is full and its statuses are not looked at twice.
	f := notificationFilter(c)
	f.VisibleStatus = h.visibleFilter(viewer)
	now := h.now() // before rendering: what ends after it is rendered as not ended yet
	ns, err := h.Store.NotificationsPageCached(ctx, viewer.ID, f, now, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	entries := storage.NotificationEntries(ns)
	asked, page := h.askRendered(c, viewer, entries, now)
	defer h.rendered.Release(asked)
	if page != nil {
		respondKept(c, page)
		return
	}
	out, err := h.renderCheckedNotifications(ctx, viewer, ns)
	if err != nil {
		h.internalError(c, err)
		return
	}
	until, err := h.filtersEnd(ctx, viewer, now)
	if err != nil {
		h.internalError(c, err)
		return
	}
	for i := range out {
		if out[i].Report != nil {
			asked.Refuse() // reports are not in the caches the page is kept by
		}
		until = pagecache.Earlier(until, statusEnds(out[i].Status, now))
	}
	h.setLink(c, entries, p, false)
	respondRendered(c, h.rendered, asked, until, out, appendNotificationJSON)
}

// getNotification: GET /api/v1/notifications/:id.
func (h *Handlers) getNotification(c *gin.Context) {
	viewer := CurrentAccount(c)
	n, err := h.Store.Notification(c.Request.Context(), viewer.ID, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	out, err := h.renderNotifications(c.Request.Context(), viewer, []model.Notification{*n})
	if err != nil {
		h.internalError(c, err)
		return
	}
	if len(out) == 0 {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	c.JSON(http.StatusOK, out[0])
}

// dismissNotification: POST /api/v1/notifications/:id/dismiss.
func (h *Handlers) dismissNotification(c *gin.Context) {
	viewer := CurrentAccount(c)
	if _, err := h.Store.Notification(c.Request.Context(), viewer.ID, c.Param("id")); err != nil {
		h.domainError(c, err)
		return
	}
	if err := h.Store.DeleteNotification(c.Request.Context(), viewer.ID, c.Param("id")); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// clearNotifications: POST /api/v1/notifications/clear.
func (h *Handlers) clearNotifications(c *gin.Context) {
	if err := h.Store.ClearNotifications(c.Request.Context(), CurrentAccount(c).ID); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// unreadCount: GET /api/v1/notifications/unread_count — notifications
// newer than the notifications marker (limit: default 100, at most 1000).
func (h *Handlers) unreadCount(c *gin.Context) {
	viewer := CurrentAccount(c)
	ctx := c.Request.Context()
	limit := 100
	if n, err := strconv.Atoi(c.Query("limit")); err == nil && n > 0 {
		limit = min(n, 1000)
	}
	markers, err := h.Store.Markers(ctx, viewer.ID, []string{"notifications"})
	if err != nil {
		h.internalError(c, err)
		return
	}
	after := ""
	if len(markers) > 0 {
		after = markers[0].LastReadID
	}
	n, err := h.Store.CountNotificationsAfter(ctx, viewer.ID, after, notificationFilter(c), h.now(), limit)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"count": n})
}
