package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Notifications and direct messages.

type notificationView struct {
	ID      string
	Key     string // catalog key of the sentence
	From    *accountView
	Status  *statusView
	Event   *eventView
	Group   *accountView
	Created time.Time
	Unread  bool
	// Changed says what an event one signed up for changed: "l’horaire, le lieu".
	Changed string
	// Link leads to what the notification is about (the dashboard).
	Link *notificationLink
}

type notificationsData struct {
	Items []notificationView
	Older string
}

// notificationKinds are the notification types the page knows how to
// say; others read as "notif.unknown".
var notificationKinds = []string{
	"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
	"coopol.group_join_request", "coopol.group_join_accepted", "coopol.group_join_rejected", "coopol.group_invite",
	"coopol.action_signup", "coopol.action_full", "coopol.action_cancel", "coopol.action_reminder", "coopol.action_promoted",
	"coopol.event_changed", "coopol.login_failures",
	"admin.sign_up", "admin.report", "coopol.account_approved",
}

// notificationLinks lead the staff from a notification to what waits.
var notificationLinks = map[string]notificationLink{
	"admin.sign_up": {Href: "/dashboard#accounts", Label: "notif.see_dashboard"},
	"admin.report":  {Href: "/dashboard#reports", Label: "notif.see_reports"},
}

type notificationLink struct{ Href, Label string }

// changedKeys say, in the catalog, what an "event changed" notification
// lists.
var changedKeys = map[string]string{
	social.ChangedTime: "notif.changed_time", social.ChangedPlace: "notif.changed_place", social.ChangedStatus: "notif.changed_status",
}

func notificationKey(typ string) string {
	for _, k := range notificationKinds {
		if k == typ {
			return "notif." + strings.ReplaceAll(typ, ".", "_")
		}
	}
	return "notif.unknown"
}

func (h *Handlers) notificationsPage(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	entries, err := h.Store.NotificationsPage(ctx, v.Account.ID, storage.NotificationFilter{}, h.now(), storage.Page{MaxID: c.Query("max_id"), Limit: 30})
	if err != nil {
		h.fail(c, err)
		return
	}
	rows, err := h.Store.NotificationsByIDs(ctx, storage.Items(entries))
	if err != nil {
		h.fail(c, err)
		return
	}
	var accountIDs, statusIDs, eventIDs []string
	for _, n := range rows {
		if n.FromAccountID != nil {
			accountIDs = append(accountIDs, *n.FromAccountID)
		}
		if n.GroupID != nil {
			accountIDs = append(accountIDs, *n.GroupID)
		}
		if n.StatusID != nil {
			statusIDs = append(statusIDs, *n.StatusID)
		}
		if n.EventID != nil {
			eventIDs = append(eventIDs, *n.EventID)
		}
	}
	accounts, err := h.Store.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		h.fail(c, err)
		return
	}
	byID := map[string]*model.Account{}
	for i := range accounts {
		byID[accounts[i].ID] = &accounts[i]
	}
	// A notification shows a post only if the viewer may still see it.
	visible, err := h.Store.VisibleStatusIDs(ctx, statusIDs, storage.StatusFilter(h.Social.VisibleFilter(v.Account)))
	if err != nil {
		h.fail(c, err)
		return
	}
	var shownIDs []string
	for _, id := range statusIDs {
		if visible[id] {
			shownIDs = append(shownIDs, id)
		}
	}
	statuses, err := h.Store.StatusesByIDs(ctx, shownIDs)
	if err != nil {
		h.fail(c, err)
		return
	}
	views, err := h.statusViews(ctx, v.Account, statuses)
	if err != nil {
		h.fail(c, err)
		return
	}
	statusByID := map[string]*statusView{}
	for i := range views {
		statusByID[views[i].ID] = &views[i]
	}
	events, err := h.Store.WebEventsByIDs(ctx, eventIDs)
	if err != nil {
		h.fail(c, err)
		return
	}
	eventByID := map[string]*eventView{}
	for i := range events {
		if ev := &events[i]; visible[ev.StatusID] {
			evv := h.eventView(ev)
			eventByID[ev.ID] = &evv
		}
	}
	d := &notificationsData{Older: ""}
	if len(entries) == 30 {
		d.Older = entries[len(entries)-1].Key
	}
	for _, n := range rows {
		item := notificationView{ID: n.ID, Key: notificationKey(n.Type), Created: n.CreatedAt, Unread: !n.Read}
		if l, ok := notificationLinks[n.Type]; ok {
			item.Link = &l
		}
		if n.Detail != "" {
			var parts []string
			for _, what := range strings.Split(n.Detail, ",") {
				if key, ok := changedKeys[what]; ok {
					parts = append(parts, h.t(c, key))
				}
			}
			item.Changed = strings.Join(parts, ", ")
		}
		if n.FromAccountID != nil && byID[*n.FromAccountID] != nil {
			av := h.accountView(byID[*n.FromAccountID])
			item.From = &av
		}
		if n.GroupID != nil && byID[*n.GroupID] != nil {
			gv := h.accountView(byID[*n.GroupID])
			item.Group = &gv
		}
		if n.EventID != nil {
			item.Event = eventByID[*n.EventID]
			if item.Event == nil {
				continue // no longer visible
			}
		} else if n.StatusID != nil {
			item.Status = statusByID[*n.StatusID]
			if item.Status == nil {
				continue
			}
		}
		d.Items = append(d.Items, item)
	}
	if c.Query("max_id") == "" && len(rows) > 0 {
		if err := h.Store.WebMarkNotificationsRead(ctx, v.Account.ID, rows[0].ID); err != nil {
			h.Log.Warn("web: mark notifications read", "err", err)
		}
	}
	p := h.newPage(c, h.t(c, "notifications.title"), d)
	p.Nav = "notifications"
	h.render(c, http.StatusOK, "notifications", p)
}

type messagesData struct {
	Threads []statusView
	Older   string
	Compose *composeData
}

// messagesPage lists the viewer's direct-message threads (the last
// message of each) and a form to write one.
func (h *Handlers) messagesPage(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	visible := storage.StatusFilter(h.Social.VisibleFilter(v.Account))
	entries, err := h.Store.ConversationsPage(ctx, v.Account.ID, visible, storage.Page{MaxID: c.Query("max_id"), Limit: pageSize})
	if err != nil {
		h.fail(c, err)
		return
	}
	lastIDs := make([]string, 0, len(entries))
	for _, e := range entries {
		lastIDs = append(lastIDs, e.Key)
	}
	statuses, err := h.Store.StatusesByIDs(ctx, lastIDs)
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &messagesData{Older: olderKey(entries)}
	if d.Threads, err = h.statusViews(ctx, v.Account, statuses); err != nil {
		h.fail(c, err)
		return
	}
	if d.Compose, err = h.composeFor(c, composeOptions{Direct: true}); err != nil {
		h.fail(c, err)
		return
	}
	d.Compose.To = c.Query("to")
	p := h.newPage(c, h.t(c, "messages.title"), d)
	p.Nav = "messages"
	h.render(c, http.StatusOK, "messages", p)
}
