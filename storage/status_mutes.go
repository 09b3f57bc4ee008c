package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Status mutes (Mastodon's "mute conversation") are kept per thread:
// muting any post of a discussion silences the whole discussion.

// MuteThread mutes threadID for accountID (idempotent).
func (s *Storage) MuteThread(ctx context.Context, accountID, threadID string, now time.Time) error {
	row := map[string]any{"account_id": accountID, "thread_id": threadID, "created_at": now}
	_, err := s.DB.NewInsert().Model(&row).TableExpr("status_mutes").On("CONFLICT DO NOTHING").Exec(ctx)
	return err
}

// UnmuteThread lifts a thread mute.
func (s *Storage) UnmuteThread(ctx context.Context, accountID, threadID string) error {
	_, err := s.DB.NewDelete().TableExpr("status_mutes").Where("account_id = ? AND thread_id = ?", accountID, threadID).Exec(ctx)
	return err
}

// StatusThreadMuted reports whether accountID muted the thread statusID
// belongs to (db may be the transaction creating a notification).
func (s *Storage) StatusThreadMuted(ctx context.Context, db bun.IDB, accountID, statusID string) (bool, error) {
	return db.NewSelect().TableExpr("status_mutes AS sm").
		Where("sm.account_id = ? AND sm.thread_id = (SELECT thread_id FROM statuses WHERE id = ?)", accountID, statusID).Exists(ctx)
}
