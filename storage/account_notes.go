package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// SetAccountNote keeps accountID's private note about targetID; an
// empty note removes it.
func (s *Storage) SetAccountNote(ctx context.Context, accountID, targetID, comment string, now time.Time) error {
	if comment == "" {
		_, err := s.DB.NewDelete().TableExpr("account_notes").Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
		return err
	}
	row := map[string]any{"account_id": accountID, "target_account_id": targetID, "comment": comment, "updated_at": now}
	_, err := s.DB.NewInsert().Model(&row).TableExpr("account_notes").
		On("CONFLICT (account_id, target_account_id) DO UPDATE").Set("comment = EXCLUDED.comment, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}

// AccountNotes returns accountID's notes about targetIDs, by target.
func (s *Storage) AccountNotes(ctx context.Context, accountID string, targetIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if accountID == "" || len(targetIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		TargetAccountID string `bun:"target_account_id"`
		Comment         string `bun:"comment"`
	}
	err := s.DB.NewSelect().TableExpr("account_notes").Column("target_account_id", "comment").
		Where("account_id = ? AND target_account_id IN (?)", accountID, bun.In(targetIDs)).Scan(ctx, &rows)
	for _, r := range rows {
		out[r.TargetAccountID] = r.Comment
	}
	return out, err
}
