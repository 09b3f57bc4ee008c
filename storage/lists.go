package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// List is a person's list of accounts, with its own timeline.
type List struct {
	bun.BaseModel `bun:"table:lists"`

	ID            string    `bun:"id,pk"`
	AccountID     string    `bun:"account_id"`
	Title         string    `bun:"title"`
	RepliesPolicy string    `bun:"replies_policy"`
	Exclusive     bool      `bun:"exclusive"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (s *Storage) CreateList(ctx context.Context, l *List) error {
	_, err := s.DB.NewInsert().Model(l).Exec(ctx)
	return err
}

func (s *Storage) UpdateList(ctx context.Context, l *List) error {
	_, err := s.DB.NewUpdate().Model(l).WherePK().Exec(ctx)
	return err
}

func (s *Storage) DeleteList(ctx context.Context, id string) error {
	_, err := s.DB.NewDelete().Model((*List)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// ListByID returns a list owned by ownerID (ErrNotFound otherwise).
// Kept in the timeline cache: every list page asks for it.
func (s *Storage) ListByID(ctx context.Context, ownerID, id string) (*List, error) {
	return s.cachedList(ctx, ownerID, id, func() (*List, error) {
		l := new(List)
		err := s.DB.NewSelect().Model(l).Where("id = ? AND account_id = ?", id, ownerID).Scan(ctx)
		return l, notFound(err)
	})
}

// Lists returns ownerID's lists, oldest first; with memberID, only the
// lists containing that account.
func (s *Storage) Lists(ctx context.Context, ownerID, memberID string) ([]List, error) {
	var out []List
	q := s.DB.NewSelect().Model(&out).Where("account_id = ?", ownerID).Order("id ASC")
	if memberID != "" {
		q = q.Where("id IN (SELECT list_id FROM list_accounts WHERE account_id = ?)", memberID)
	}
	err := q.Scan(ctx)
	return out, err
}

// AddListAccounts adds accounts to a list (idempotent).
func (s *Storage) AddListAccounts(ctx context.Context, listID string, accountIDs []string, now time.Time) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		for _, id := range accountIDs {
			row := map[string]any{"id": model.NewID(now), "list_id": listID, "account_id": id, "created_at": now}
			if _, err := tx.NewInsert().Model(&row).TableExpr("list_accounts").On("CONFLICT (list_id, account_id) DO NOTHING").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveListAccounts removes accounts from a list.
func (s *Storage) RemoveListAccounts(ctx context.Context, listID string, accountIDs []string) error {
	if len(accountIDs) == 0 {
		return nil
	}
	_, err := s.DB.NewDelete().TableExpr("list_accounts").Where("list_id = ? AND account_id IN (?)", listID, bun.In(accountIDs)).Exec(ctx)
	return err
}

// ListAccountsPage lists a list's members, paged by membership.
func (s *Storage) ListAccountsPage(ctx context.Context, listID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("list_accounts AS la").Where("la.list_id = ?", listID)
	return pageEntries(ctx, q, "la.id", "la.account_id", p)
}
