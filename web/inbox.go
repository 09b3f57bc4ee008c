package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Notifications and direct messages.

type notificationView struct {
	ID  string
	Key string // catalog key of the sentence
	// Others counts the other people of a grouped notification ("Aline
	// et 3 autres se sont inscrit·es"); GroupKey is then the sentence.
	Others   int
	GroupKey string
	// Message: a direct message, told as such ("Message d’Aline") with
	// its conversation's page.
	Message      bool
	Conversation string
	From         *accountView
	Status       *statusView
	Event        *eventView
	Group        *accountView
	Created      time.Time
	Unread       bool
	// Changed says what an event one signed up for changed: "l’horaire, le lieu".
	Changed string
	// Link leads to what the notification is about (the dashboard).
	Link *notificationLink
}

type notificationsData struct {
	Items []notificationView
	Older string
}

// webGroupedTypes are the notifications the page groups, by the rule of
// the grouped notifications API (storage.NotificationGroupKeyOf): likes
// and boosts of a post, follows of a day, sign-ups and cancellations of
// an action.
var webGroupedTypes = []string{"favourite", "reblog", "follow", "coopol.action_signup", "coopol.action_cancel"}

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
	rows, err := h.Store.NotificationsPageCached(ctx, v.Account.ID, storage.NotificationFilter{}, h.now(), storage.Page{MaxID: c.Query("max_id"), Limit: 30})
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
	threadOf := map[string]string{}
	for i := range statuses {
		if statuses[i].Visibility == model.VisibilityDirect {
			threadOf[statuses[i].ID] = statuses[i].ThreadID
		}
	}
	d := &notificationsData{Older: ""}
	if len(rows) == 30 {
		d.Older = rows[len(rows)-1].ID
	}
	// Rows are newest first: a group shows where its newest one is, with
	// that one's gauge, and counts the other people in it.
	groupAt := map[string]int{}
	groupPeople := map[string][]string{}
	for _, n := range rows {
		item := notificationView{ID: n.ID, Key: notificationKey(n.Type), Created: n.CreatedAt, Unread: !n.Read}
		key := storage.NotificationGroupKeyOf(&n, webGroupedTypes)
		if at, ok := groupAt[key]; ok {
			g := &d.Items[at]
			g.Unread = g.Unread || !n.Read
			if n.FromAccountID != nil && !slices.Contains(groupPeople[key], *n.FromAccountID) {
				groupPeople[key] = append(groupPeople[key], *n.FromAccountID)
				g.Others++
				g.GroupKey = "notif.group." + strings.ReplaceAll(n.Type, ".", "_")
			}
			continue
		}
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
			item.Event = gaugeThen(item.Event, &n)
		} else if n.StatusID != nil {
			item.Status = statusByID[*n.StatusID]
			if item.Status == nil {
				continue
			}
			if thread, ok := threadOf[*n.StatusID]; ok && n.Type == "mention" && item.From != nil {
				// A direct message is a message, not a mention (the API
				// keeps Mastodon's "mention": its apps know it so).
				item.Message, item.Conversation, item.Key = true, conversationPath(thread), "notif.message_from"
			}
		}
		groupAt[key] = len(d.Items)
		if n.FromAccountID != nil {
			groupPeople[key] = []string{*n.FromAccountID}
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

// gaugeThen is ev with the gauge stored with the notification: what it
// said when the notification was made, not what it says now. Its element
// ids are the notification's, so that two cards of one event on the page
// do not share them.
func gaugeThen(ev *eventView, n *model.Notification) *eventView {
	if n.GaugeGoing == nil {
		return ev
	}
	then := *ev
	then.ID = "n" + n.ID
	then.Going = *n.GaugeGoing
	then.HasCapacity = n.GaugeCapacity != nil
	if then.HasCapacity {
		then.Capacity = *n.GaugeCapacity
		then.Remaining = max(then.Capacity-then.Going, 0)
		then.Full = then.Remaining == 0
	}
	return &then
}
