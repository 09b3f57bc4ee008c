package storage

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// GroupStatuses pages the discussions started in a group (its posts,
// events and actions, not the replies), newest first: a group's outbox.
func (s *Storage) GroupStatuses(ctx context.Context, groupID string, visibilities []string, maxID string, limit int) ([]model.Status, error) {
	var out []model.Status
	q := s.DB.NewSelect().Model(&out).Relation("Account").Where("s.group_id = ?", groupID).
		Where("s.visibility IN (?)", bun.In(visibilities)).Where("s.in_reply_to_id IS NULL").Where("s.reblog_of_id IS NULL").
		Order("s.id DESC").Limit(int64(limit))
	if maxID != "" {
		q.Where("s.id < ?", maxID)
	}
	err := q.Scan(ctx)
	return out, err
}

// CountGroupStatuses counts what GroupStatuses pages.
func (s *Storage) CountGroupStatuses(ctx context.Context, groupID string, visibilities []string) (int, error) {
	n, err := s.DB.NewSelect().Model((*model.Status)(nil)).Where("group_id = ?", groupID).
		Where("visibility IN (?)", bun.In(visibilities)).Where("in_reply_to_id IS NULL").Where("reblog_of_id IS NULL").Count(ctx)
	return int(n), err
}
