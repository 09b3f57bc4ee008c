package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// BlocksPage lists the accounts accountID blocks, paged by the block.
func (s *Storage) BlocksPage(ctx context.Context, accountID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("blocks AS b").Where("b.account_id = ?", accountID)
	return pageEntries(ctx, q, "b.id", "b.target_account_id", p)
}

// MutesPage lists the accounts accountID mutes (and whose mute has not
// expired), paged by the mute.
func (s *Storage) MutesPage(ctx context.Context, accountID string, now time.Time, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("mutes AS m").Where("m.account_id = ?", accountID).
		Where("m.expires_at IS NULL OR m.expires_at > ?", now)
	return pageEntries(ctx, q, "m.id", "m.target_account_id", p)
}

// Mute hides an account from someone's timelines and, with
// HideNotifications, from their notifications.
type Mute struct {
	bun.BaseModel `bun:"table:mutes"`

	ID                string     `bun:"id,pk"`
	AccountID         string     `bun:"account_id"`
	TargetAccountID   string     `bun:"target_account_id"`
	HideNotifications bool       `bun:"hide_notifications"`
	ExpiresAt         *time.Time `bun:"expires_at"`
	CreatedAt         time.Time  `bun:"created_at"`
}

// UpsertMute stores a mute, or updates its options.
func (s *Storage) UpsertMute(ctx context.Context, m *Mute) error {
	_, err := s.DB.NewInsert().Model(m).On("CONFLICT (account_id, target_account_id) DO UPDATE").
		Set("hide_notifications = EXCLUDED.hide_notifications, expires_at = EXCLUDED.expires_at").Exec(ctx)
	return err
}

// DeleteMute lifts a mute.
func (s *Storage) DeleteMute(ctx context.Context, accountID, targetID string) error {
	_, err := s.DB.NewDelete().Model((*Mute)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	return err
}
