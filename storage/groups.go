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

// IsMember reports an accepted membership.
func (s *Storage) IsMember(ctx context.Context, groupID, accountID string) (bool, error) {
	return s.DB.NewSelect().Model((*model.Membership)(nil)).
		Where("group_account_id = ? AND account_id = ? AND state = 'accepted'", groupID, accountID).Exists(ctx)
}

// MemberInboxes returns the delivery inboxes of a group's accepted remote
// members.
func (s *Storage) MemberInboxes(ctx context.Context, db bun.IDB, groupID string) ([]string, error) {
	var inboxes []string
	err := db.NewSelect().Model((*model.Account)(nil)).
		ColumnExpr("DISTINCT CASE WHEN shared_inbox_uri <> '' THEN shared_inbox_uri ELSE inbox_uri END").
		Where("domain <> ''").
		Where("id IN (SELECT account_id FROM memberships WHERE group_account_id = ? AND state = 'accepted')", groupID).
		Scan(ctx, &inboxes)
	return inboxes, err
}

// CountMembers counts accepted members of a group.
func (s *Storage) CountMembers(ctx context.Context, groupID string) (int, error) {
	n, err := s.DB.NewSelect().Model((*model.Membership)(nil)).Where("group_account_id = ? AND state = 'accepted'", groupID).Count(ctx)
	return int(n), err
}
