package storage

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// CreateGroup stores a Group actor and its group row together.
func (s *Storage) CreateGroup(ctx context.Context, account *model.Account, group *model.Group) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if err := s.InsertAccount(ctx, tx, account); err != nil {
			return err
		}
		group.AccountID = account.ID
		if _, err := tx.NewInsert().Model(group).Exec(ctx); err != nil {
			return fmt.Errorf("insert group: %w", err)
		}
		return nil
	})
}

// GroupByAccountID returns the group row of a Group actor.
func (s *Storage) GroupByAccountID(ctx context.Context, accountID string) (*model.Group, error) {
	g := new(model.Group)
	err := s.DB.NewSelect().Model(g).Where("account_id = ?", accountID).Scan(ctx)
	return g, notFound(err)
}
