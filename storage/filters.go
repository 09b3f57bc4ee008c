package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Filter is a filter v2 of one account: keywords and statuses that, in
// the contexts named, are shown behind a warning or hidden.
type Filter struct {
	bun.BaseModel `bun:"table:filters,alias:f"`

	ID        string     `bun:"id,pk"`
	AccountID string     `bun:"account_id"`
	Title     string     `bun:"title"`
	Context   []string   `bun:"context,type:text"`
	Action    string     `bun:"action"`
	ExpiresAt *time.Time `bun:"expires_at"`
	CreatedAt time.Time  `bun:"created_at"`
	UpdatedAt time.Time  `bun:"updated_at"`

	Keywords []FilterKeyword `bun:"rel:has-many,join:id=filter_id"`
	Statuses []FilterStatus  `bun:"rel:has-many,join:id=filter_id"`
}

type FilterKeyword struct {
	bun.BaseModel `bun:"table:filter_keywords,alias:fk"`

	ID        string    `bun:"id,pk"`
	FilterID  string    `bun:"filter_id"`
	Keyword   string    `bun:"keyword"`
	WholeWord bool      `bun:"whole_word"`
	CreatedAt time.Time `bun:"created_at"`
}

type FilterStatus struct {
	bun.BaseModel `bun:"table:filter_statuses"`

	ID        string    `bun:"id,pk"`
	FilterID  string    `bun:"filter_id"`
	StatusID  string    `bun:"status_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// Filters lists accountID's filters with their keywords and statuses,
// oldest first.
func (s *Storage) Filters(ctx context.Context, accountID string) ([]Filter, error) {
	// Read on every page the account opens: kept in the row cache
	// (viewer_cache.go).
	gen, cacheOK := s.syncRowCache(ctx)
	if cacheOK {
		if fs, ok := s.rows.cachedFilters(accountID); ok {
			return fs, nil
		}
	}
	out, err := s.readFilters(ctx, accountID)
	if err == nil && cacheOK {
		s.rows.putFilters(gen, accountID, out)
	}
	return out, err
}

func (s *Storage) readFilters(ctx context.Context, accountID string) ([]Filter, error) {
	out := []Filter{}
	err := s.DB.NewSelect().Model(&out).Relation("Keywords", orderByID).Relation("Statuses", orderByID).
		Where("f.account_id = ?", accountID).Order("f.id").Scan(ctx)
	return out, err
}

func orderByID(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("id") }

// Filter loads one of accountID's filters (ErrNotFound otherwise).
func (s *Storage) Filter(ctx context.Context, accountID, id string) (*Filter, error) {
	f := new(Filter)
	err := s.DB.NewSelect().Model(f).Relation("Keywords", orderByID).Relation("Statuses", orderByID).
		Where("f.id = ? AND f.account_id = ?", id, accountID).Scan(ctx)
	return f, notFound(err)
}

// SaveFilter inserts or updates a filter, adds keywords (new ids),
// updates keywords that exist, and deletes those named in deleteKeywordIDs.
func (s *Storage) SaveFilter(ctx context.Context, f *Filter, keywords []FilterKeyword, deleteKeywordIDs []string) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(f).On("CONFLICT (id) DO UPDATE").
			Set("title = EXCLUDED.title, context = EXCLUDED.context, action = EXCLUDED.action, expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return err
		}
		for i := range keywords {
			k := &keywords[i]
			k.FilterID = f.ID
			if _, err := tx.NewInsert().Model(k).On("CONFLICT (id) DO UPDATE").
				Set("keyword = EXCLUDED.keyword, whole_word = EXCLUDED.whole_word").
				Where("fk.filter_id = ?", f.ID).Exec(ctx); err != nil {
				return err
			}
		}
		if len(deleteKeywordIDs) > 0 {
			if _, err := tx.NewDelete().Model((*FilterKeyword)(nil)).Where("filter_id = ? AND id IN (?)", f.ID, bun.In(deleteKeywordIDs)).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteFilter removes one of accountID's filters.
func (s *Storage) DeleteFilter(ctx context.Context, accountID, id string) error {
	res, err := s.DB.NewDelete().Model((*Filter)(nil)).Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// FilterKeywordByID loads a keyword of one of accountID's filters.
func (s *Storage) FilterKeywordByID(ctx context.Context, accountID, id string) (*FilterKeyword, error) {
	k := new(FilterKeyword)
	err := s.DB.NewSelect().Model(k).Where("id = ? AND filter_id IN (SELECT id FROM filters WHERE account_id = ?)", id, accountID).Scan(ctx)
	return k, notFound(err)
}

// DeleteFilterKeyword removes a keyword of one of accountID's filters.
func (s *Storage) DeleteFilterKeyword(ctx context.Context, accountID, id string) error {
	res, err := s.DB.NewDelete().Model((*FilterKeyword)(nil)).
		Where("id = ? AND filter_id IN (SELECT id FROM filters WHERE account_id = ?)", id, accountID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AddFilterStatus adds a status to a filter.
func (s *Storage) AddFilterStatus(ctx context.Context, fs *FilterStatus) error {
	_, err := s.DB.NewInsert().Model(fs).Exec(ctx)
	return err
}

// FilterStatusByID loads a filtered status of one of accountID's filters.
func (s *Storage) FilterStatusByID(ctx context.Context, accountID, id string) (*FilterStatus, error) {
	fs := new(FilterStatus)
	err := s.DB.NewSelect().Model(fs).Where("id = ? AND filter_id IN (SELECT id FROM filters WHERE account_id = ?)", id, accountID).Scan(ctx)
	return fs, notFound(err)
}

// DeleteFilterStatus removes a filtered status of one of accountID's filters.
func (s *Storage) DeleteFilterStatus(ctx context.Context, accountID, id string) error {
	res, err := s.DB.NewDelete().Model((*FilterStatus)(nil)).
		Where("id = ? AND filter_id IN (SELECT id FROM filters WHERE account_id = ?)", id, accountID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
