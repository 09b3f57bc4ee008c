package storage

import (
	"context"
	"fmt"

	"github.com/coopol/coopol/model"
)

// UpsertRemoteGroup keeps what a remote section or group says of itself
// (kind, territory, openness, member count, calendar feed).
func (s *Storage) UpsertRemoteGroup(ctx context.Context, g *model.Group) error {
	_, err := s.DB.NewInsert().Model(g).
		On("CONFLICT (account_id) DO UPDATE").
		Set("kind = EXCLUDED.kind, openness = EXCLUDED.openness, territory = EXCLUDED.territory, member_count = EXCLUDED.member_count, calendar_url = EXCLUDED.calendar_url, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert remote group: %w", err)
	}
	return nil
}
