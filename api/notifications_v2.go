package api

// Mastodon 4.3's grouped notifications (/api/v2/notifications), the
// notification policy and the requests it holds. Groups are the likes or
// boosts of one status and the follows of one day, as Mastodon groups
// them; a page groups the notifications it holds (notifications_count
// counts those of the page).

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

func (h *Handlers) groupedNotificationRoutes(v1, v2 *gin.RouterGroup) {
	read, write := h.RequireScope("read:notifications"), h.RequireScope("write:notifications")
	v2.GET("/notifications", read, h.groupedNotifications)
	v2.GET("/notifications/unread_count", read, h.unreadCount)
	v2.GET("/notifications/policy", read, h.notificationPolicy)
	v2.PATCH("/notifications/policy", write, h.setNotificationPolicy)
	v2.PUT("/notifications/policy", write, h.setNotificationPolicy)
	v2.GET("/notifications/:group_key", read, h.notificationGroup)
	v2.GET("/notifications/:group_key/accounts", read, h.notificationGroupAccounts)
	v2.POST("/notifications/:group_key/dismiss", write, h.dismissNotificationGroup)
	v1.GET("/notifications/requests", read, h.notificationRequests)
	v1.GET("/notifications/requests/merged", read, func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"merged": true}) })
	v1.GET("/notifications/requests/:id", read, h.notificationRequest)
	v1.POST("/notifications/requests/:id/accept", write, h.answerNotificationRequests("accepted", false))
	v1.POST("/notifications/requests/:id/dismiss", write, h.answerNotificationRequests("dismissed", false))
	v1.POST("/notifications/requests/accept", write, h.answerNotificationRequests("accepted", true))
	v1.POST("/notifications/requests/dismiss", write, h.answerNotificationRequests("dismissed", true))
}

// defaultGroupedTypes are grouped unless grouped_types[] says otherwise.
var defaultGroupedTypes = []string{"favourite", "reblog", "follow"}

// groupKeyOf names the group of a notification (storage holds the rule,
// shared with the web page).
func groupKeyOf(n *model.Notification, grouped []string) string {
	return storage.NotificationGroupKeyOf(n, grouped)
}

// parseGroupKey is groupKeyOf's inverse.
func parseGroupKey(key string) (storage.NotificationGroupKey, bool) {
	return storage.ParseNotificationGroupKey(key)
}

type notificationGroupJSON struct {
	GroupKey                 string   `json:"group_key"`
	NotificationsCount       int      `json:"notifications_count"`
	Type                     string   `json:"type"`
	MostRecentNotificationID string   `json:"most_recent_notification_id"`
	PageMinID                string   `json:"page_min_id"`
	PageMaxID                string   `json:"page_max_id"`
	LatestPageNotificationAt string   `json:"latest_page_notification_at"`
	SampleAccountIDs         []string `json:"sample_account_ids"`
	StatusID                 *string  `json:"status_id"`
}

// respondGroups renders notifications (newest first) as groups, with
// the accounts and statuses they refer to once each.
func (h *Handlers) respondGroups(c *gin.Context, ns []model.Notification, grouped []string) {
	viewer := CurrentAccount(c)
	rendered, err := h.renderNotifications(c.Request.Context(), viewer, ns)
	if err != nil {
		h.internalError(c, err)
		return
	}
	accounts, statuses := []accountJSON{}, []statusJSON{}
	seenAccount, seenStatus := map[string]bool{}, map[string]bool{}
	groups := []*notificationGroupJSON{}
	byKey := map[string]*notificationGroupJSON{}
	stored := map[string]model.Notification{}
	for _, n := range ns {
		stored[n.ID] = n
	}
	for i := range rendered {
		r := &rendered[i]
		n := model.Notification{ID: r.ID, Type: r.Type, CreatedAt: stored[r.ID].CreatedAt, EventID: stored[r.ID].EventID}
		if r.Status != nil {
			n.StatusID = &r.Status.ID
		}
		key := groupKeyOf(&n, grouped)
		g := byKey[key]
		if g == nil {
			g = &notificationGroupJSON{GroupKey: key, Type: r.Type, MostRecentNotificationID: r.ID, PageMaxID: r.ID,
				LatestPageNotificationAt: r.CreatedAt, SampleAccountIDs: []string{}}
			if r.Status != nil {
				g.StatusID = &r.Status.ID
			}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.NotificationsCount++
		g.PageMinID = r.ID
		if len(g.SampleAccountIDs) < 8 && !slices.Contains(g.SampleAccountIDs, r.Account.ID) {
			g.SampleAccountIDs = append(g.SampleAccountIDs, r.Account.ID)
		}
		if !seenAccount[r.Account.ID] {
			seenAccount[r.Account.ID] = true
			accounts = append(accounts, r.Account)
		}
		if r.Status != nil && !seenStatus[r.Status.ID] {
			seenStatus[r.Status.ID] = true
			statuses = append(statuses, *r.Status)
		}
	}
	c.JSON(http.StatusOK, gin.H{"accounts": accounts, "statuses": statuses, "notification_groups": groups})
}

func groupedTypes(c *gin.Context) []string {
	if g := queryList(c, "grouped_types"); len(g) > 0 {
		return g
	}
	return defaultGroupedTypes
}

// groupedNotifications: GET /api/v2/notifications.
func (h *Handlers) groupedNotifications(c *gin.Context) {
	viewer := CurrentAccount(c)
	ctx := c.Request.Context()
	p := pageParams(c, defaultNotificationLimit, maxNotificationLimit)
	ns, err := h.Store.NotificationsPageCached(ctx, viewer.ID, notificationFilter(c), h.now(), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.setLink(c, storage.NotificationEntries(ns), p, false)
	h.respondGroups(c, ns, groupedTypes(c))
}

func (h *Handlers) notificationGroupParam(c *gin.Context) ([]model.Notification, bool) {
	key, ok := parseGroupKey(c.Param("group_key"))
	if !ok {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return nil, false
	}
	ns, err := h.Store.NotificationGroup(c.Request.Context(), CurrentAccount(c).ID, key, maxNotificationLimit)
	if err != nil {
		h.internalError(c, err)
		return nil, false
	}
	if len(ns) == 0 {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return nil, false
	}
	return ns, true
}

// notificationGroup: GET /api/v2/notifications/:group_key.
func (h *Handlers) notificationGroup(c *gin.Context) {
	if ns, ok := h.notificationGroupParam(c); ok {
		h.respondGroups(c, ns, defaultGroupedTypes)
	}
}

// notificationGroupAccounts: GET /api/v2/notifications/:group_key/accounts.
func (h *Handlers) notificationGroupAccounts(c *gin.Context) {
	ns, ok := h.notificationGroupParam(c)
	if !ok {
		return
	}
	rendered, err := h.renderNotifications(c.Request.Context(), CurrentAccount(c), ns)
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := []accountJSON{}
	seen := map[string]bool{}
	for _, r := range rendered {
		if !seen[r.Account.ID] {
			seen[r.Account.ID] = true
			out = append(out, r.Account)
		}
	}
	c.JSON(http.StatusOK, out)
}

// dismissNotificationGroup: POST /api/v2/notifications/:group_key/dismiss.
func (h *Handlers) dismissNotificationGroup(c *gin.Context) {
	key, ok := parseGroupKey(c.Param("group_key"))
	if !ok {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	if err := h.Store.DismissNotificationGroup(c.Request.Context(), CurrentAccount(c).ID, key); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// ---- Policy and requests ----

var policyValues = []string{social.PolicyAccept, social.PolicyFilter, social.PolicyDrop}

func (h *Handlers) policyEntity(c *gin.Context, p *storage.NotificationPolicy) {
	requests, held, err := h.Store.PendingNotificationRequests(c.Request.Context(), p.AccountID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"for_not_following": p.ForNotFollowing, "for_not_followers": p.ForNotFollowers, "for_new_accounts": p.ForNewAccounts,
		"for_private_mentions": p.ForPrivateMentions, "for_limited_accounts": p.ForLimitedAccounts,
		"summary": gin.H{"pending_requests_count": requests, "pending_notifications_count": held},
	})
}

// notificationPolicy: GET /api/v2/notifications/policy.
func (h *Handlers) notificationPolicy(c *gin.Context) {
	p, err := h.Store.GetNotificationPolicy(c.Request.Context(), nil, CurrentAccount(c).ID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.policyEntity(c, p)
}

// setNotificationPolicy: PATCH /api/v2/notifications/policy.
func (h *Handlers) setNotificationPolicy(c *gin.Context) {
	in, ok := h.params(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p, err := h.Store.GetNotificationPolicy(ctx, nil, CurrentAccount(c).ID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	for key, field := range map[string]*string{"for_not_following": &p.ForNotFollowing, "for_not_followers": &p.ForNotFollowers,
		"for_new_accounts": &p.ForNewAccounts, "for_private_mentions": &p.ForPrivateMentions, "for_limited_accounts": &p.ForLimitedAccounts} {
		if !in.has(key) {
			continue
		}
		v := in.Get(key)
		if !slices.Contains(policyValues, v) {
			ErrorJSON(c, http.StatusUnprocessableEntity, key+" must be accept, filter or drop")
			return
		}
		*field = v
	}
	p.UpdatedAt = h.now()
	if err := h.Store.SetNotificationPolicy(ctx, p); err != nil {
		h.internalError(c, err)
		return
	}
	h.policyEntity(c, p)
}

func (h *Handlers) renderRequests(c *gin.Context, rs []storage.NotificationRequest) ([]gin.H, bool) {
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	var accountIDs, statusIDs []string
	for _, r := range rs {
		accountIDs = append(accountIDs, r.FromAccountID)
		if r.LastStatusID != nil {
			statusIDs = append(statusIDs, *r.LastStatusID)
		}
	}
	accounts, err := h.Store.AccountsByIDs(ctx, accountIDs)
	if err == nil {
		var rendered []accountJSON
		if rendered, err = h.renderAccounts(ctx, accounts); err == nil {
			byID := map[string]accountJSON{}
			for _, a := range rendered {
				byID[a.ID] = a
			}
			visible, verr := h.Store.VisibleStatusIDs(ctx, statusIDs, h.visibleFilter(viewer))
			if verr != nil {
				h.internalError(c, verr)
				return nil, false
			}
			var shown []string
			for _, id := range statusIDs {
				if visible[id] {
					shown = append(shown, id)
				}
			}
			sts, serr := h.Store.StatusesByIDs(ctx, shown)
			if serr != nil {
				h.internalError(c, serr)
				return nil, false
			}
			renderedStatuses, rerr := h.renderStatuses(ctx, viewer, sts)
			if rerr != nil {
				h.internalError(c, rerr)
				return nil, false
			}
			statusByID := map[string]statusJSON{}
			for _, s := range renderedStatuses {
				statusByID[s.ID] = s
			}
			out := make([]gin.H, 0, len(rs))
			for _, r := range rs {
				a, ok := byID[r.FromAccountID]
				if !ok {
					continue
				}
				var last any
				if r.LastStatusID != nil {
					if s, ok := statusByID[*r.LastStatusID]; ok {
						last = s
					}
				}
				out = append(out, gin.H{"id": r.ID, "created_at": isoTime(r.CreatedAt), "updated_at": isoTime(r.UpdatedAt),
					"account": a, "notifications_count": strconv.Itoa(r.NotificationsCount), "last_status": last})
			}
			return out, true
		}
	}
	h.internalError(c, err)
	return nil, false
}

// notificationRequests: GET /api/v1/notifications/requests.
func (h *Handlers) notificationRequests(c *gin.Context) {
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultNotificationLimit, maxNotificationLimit)
	entries, err := h.Store.NotificationRequestsPage(ctx, viewer.ID, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	rs, err := h.Store.NotificationRequestsByIDs(ctx, viewer.ID, storage.Items(entries))
	if err != nil {
		h.internalError(c, err)
		return
	}
	out, ok := h.renderRequests(c, rs)
	if !ok {
		return
	}
	h.setLink(c, entries, p, false)
	c.JSON(http.StatusOK, out)
}

// notificationRequest: GET /api/v1/notifications/requests/:id.
func (h *Handlers) notificationRequest(c *gin.Context) {
	rs, err := h.Store.NotificationRequestsByIDs(c.Request.Context(), CurrentAccount(c).ID, []string{c.Param("id")})
	if err != nil {
		h.internalError(c, err)
		return
	}
	out, ok := h.renderRequests(c, rs)
	if !ok {
		return
	}
	if len(out) == 0 {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	c.JSON(http.StatusOK, out[0])
}

// answerNotificationRequests accepts (later notifications from that
// account come through) or dismisses requests: one by :id, or many by
// id[].
func (h *Handlers) answerNotificationRequests(state string, many bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		ids := []string{c.Param("id")}
		if many {
			p, ok := h.params(c)
			if !ok {
				return
			}
			ids = p.List("id")
		}
		n, err := h.Store.SetNotificationRequestState(c.Request.Context(), CurrentAccount(c).ID, ids, state, h.now())
		if err != nil {
			h.internalError(c, err)
			return
		}
		if !many && n == 0 {
			ErrorJSON(c, http.StatusNotFound, msgNotFound)
			return
		}
		c.JSON(http.StatusOK, gin.H{})
	}
}
