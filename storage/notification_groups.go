package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// NotificationGroupKey names the notifications grouped together by the
// grouped notifications API: the likes (or boosts) of one status, the
// follows of one day; others are alone.
type NotificationGroupKey struct {
	ID       string // an ungrouped notification
	Type     string
	StatusID string
	Day      time.Time // follows: that UTC day
}

func (k NotificationGroupKey) apply(q *bun.SelectQuery) *bun.SelectQuery {
	switch {
	case k.ID != "":
		return q.Where("id = ?", k.ID)
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
	case k.StatusID != "":
		q = q.Where("type = ? AND status_id = ?", k.Type, k.StatusID)
	default:
		q = q.Where("type = ? AND created_at >= ? AND created_at < ?", k.Type, k.Day, k.Day.Add(24*time.Hour))
	}
	_, err := q.Exec(ctx)
	return err
}
