package storage

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// NotificationGroupKey names the notifications grouped together by the
// grouped notifications API and the web page: the likes (or boosts) of
// one status, the follows of one day, the sign-ups (or cancellations) of
// one event; others are alone.
type NotificationGroupKey struct {
	ID       string // an ungrouped notification
	Type     string
	StatusID string
	EventID  string
	Day      time.Time // follows: that UTC day
}

// eventGroupedTypes are grouped by event.
var eventGroupedTypes = []string{"coopol.action_signup", "coopol.action_cancel"}

// NotificationGroupKeyOf names the group of a notification when its type
// is one of grouped (Mastodon's group_key: "favourite-<status>",
// "follow-20261206", "ungrouped-<id>"; Coopol's "coopol.action_signup-<event>").
func NotificationGroupKeyOf(n *model.Notification, grouped []string) string {
	if !slices.Contains(grouped, n.Type) {
		return "ungrouped-" + n.ID
	}
	switch {
	case (n.Type == "favourite" || n.Type == "reblog") && n.StatusID != nil:
		return n.Type + "-" + *n.StatusID
	case n.Type == "follow":
		return "follow-" + n.CreatedAt.UTC().Format("20060102")
	case slices.Contains(eventGroupedTypes, n.Type) && n.EventID != nil:
		return n.Type + "-" + *n.EventID
	}
	return "ungrouped-" + n.ID
}

// ParseNotificationGroupKey is NotificationGroupKeyOf's inverse.
func ParseNotificationGroupKey(key string) (NotificationGroupKey, bool) {
	typ, rest, ok := strings.Cut(key, "-")
	if !ok || rest == "" {
		return NotificationGroupKey{}, false
	}
	switch {
	case typ == "ungrouped":
		return NotificationGroupKey{ID: rest}, true
	case typ == "favourite", typ == "reblog":
		return NotificationGroupKey{Type: typ, StatusID: rest}, true
	case typ == "follow":
		day, err := time.Parse("20060102", rest)
		return NotificationGroupKey{Type: typ, Day: day}, err == nil
	case slices.Contains(eventGroupedTypes, typ):
		return NotificationGroupKey{Type: typ, EventID: rest}, true
	}
	return NotificationGroupKey{}, false
}

func (k NotificationGroupKey) apply(q *bun.SelectQuery) *bun.SelectQuery {
	switch {
	case k.ID != "":
		return q.Where("id = ?", k.ID)
	case k.EventID != "":
		return q.Where("type = ? AND event_id = ?", k.Type, k.EventID)
	case k.StatusID != "":
		return q.Where("type = ? AND status_id = ?", k.Type, k.StatusID)
	default:
		return q.Where("type = ? AND created_at >= ? AND created_at < ?", k.Type, k.Day, k.Day.Add(24*time.Hour))
	}
}

// NotificationGroup lists accountID's notifications of a group, newest
// first (at most limit).
func (s *Storage) NotificationGroup(ctx context.Context, accountID string, k NotificationGroupKey, limit int) ([]model.Notification, error) {
	var out []model.Notification
	q := s.DB.NewSelect().Model(&out).Where("account_id = ?", accountID)
	err := k.apply(q).OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// DismissNotificationGroup deletes accountID's notifications of a group.
func (s *Storage) DismissNotificationGroup(ctx context.Context, accountID string, k NotificationGroupKey) error {
	q := s.DB.NewDelete().Model((*model.Notification)(nil)).Where("account_id = ?", accountID)
	switch {
	case k.ID != "":
		q = q.Where("id = ?", k.ID)
	case k.EventID != "":
		q = q.Where("type = ? AND event_id = ?", k.Type, k.EventID)
	case k.StatusID != "":
		q = q.Where("type = ? AND status_id = ?", k.Type, k.StatusID)
	default:
		q = q.Where("type = ? AND created_at >= ? AND created_at < ?", k.Type, k.Day, k.Day.Add(24*time.Hour))
	}
	_, err := q.Exec(ctx)
	return err
}
