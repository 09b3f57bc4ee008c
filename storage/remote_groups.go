package storage

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// UpsertRemoteGroup keeps what a remote section or group says of itself
// (kind, territory, openness, member count, calendar feed).
func (s *Storage) UpsertRemoteGroup(ctx context.Context, g *model.Group) error {
	return s.upsertRemoteGroup(ctx, s.DB, g)
}

func (s *Storage) upsertRemoteGroup(ctx context.Context, db bun.IDB, g *model.Group) error {
	_, err := db.NewInsert().Model(g).
		On("CONFLICT (account_id) DO UPDATE").
		Set("kind = EXCLUDED.kind, openness = EXCLUDED.openness, territory = EXCLUDED.territory, member_count = EXCLUDED.member_count, calendar_url = EXCLUDED.calendar_url, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert remote group: %w", err)
	}
	return nil
}

// SaveRemoteActor writes a remote actor (inserted when isNew) and, when
// group is not nil, what the section or group says of itself, in one
// transaction: no page shows a section's new name beside its old
// territory.
func (s *Storage) SaveRemoteActor(ctx context.Context, account *model.Account, isNew bool, group *model.Group) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if isNew {
			if err := s.InsertAccount(ctx, tx, account); err != nil {
				return err
			}
		} else if _, err := tx.NewUpdate().Model(account).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update account %s: %w", account.URI, err)
		}
		if group == nil {
			return nil
		}
		group.AccountID = account.ID
		return s.upsertRemoteGroup(ctx, tx, group)
	})
}
