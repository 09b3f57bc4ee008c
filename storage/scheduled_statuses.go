package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// ScheduledStatus is a post to publish at ScheduledAt. Params is what
// the client posted (social.NewStatus as JSON).
type ScheduledStatus struct {
	bun.BaseModel `bun:"table:scheduled_statuses"`

	ID            string    `bun:"id,pk"`
	AccountID     string    `bun:"account_id"`
	ApplicationID *string   `bun:"application_id"`
	ScheduledAt   time.Time `bun:"scheduled_at"`
	Params        string    `bun:"params"`
	MediaIDs      []string  `bun:"media_ids,type:text"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (s *Storage) InsertScheduledStatus(ctx context.Context, ss *ScheduledStatus) error {
	_, err := s.DB.NewInsert().Model(ss).Exec(ctx)
	return err
}

// ScheduledStatus loads one of accountID's scheduled statuses.
func (s *Storage) ScheduledStatus(ctx context.Context, accountID, id string) (*ScheduledStatus, error) {
	ss := new(ScheduledStatus)
	err := s.DB.NewSelect().Model(ss).Where("id = ? AND account_id = ?", id, accountID).Scan(ctx)
	return ss, notFound(err)
}

// ScheduledStatusesPage pages accountID's scheduled statuses by id.
func (s *Storage) ScheduledStatusesPage(ctx context.Context, accountID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("scheduled_statuses AS ss").Where("ss.account_id = ?", accountID)
	return pageEntries(ctx, q, "ss.id", "ss.id", p)
}

// ScheduledStatusesByIDs loads scheduled statuses in the order of ids.
func (s *Storage) ScheduledStatusesByIDs(ctx context.Context, ids []string) ([]ScheduledStatus, error) {
	var rows []ScheduledStatus
	if len(ids) == 0 {
		return rows, nil
	}
	if err := s.DB.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	byID := map[string]ScheduledStatus{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]ScheduledStatus, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// RescheduleStatus moves a scheduled status to a new time.
func (s *Storage) RescheduleStatus(ctx context.Context, accountID, id string, at time.Time) error {
	res, err := s.DB.NewUpdate().Model((*ScheduledStatus)(nil)).Set("scheduled_at = ?", at).
		Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteScheduledStatus removes one; false when another replica (or the
// owner) removed it first. accountID "" skips the owner check (the job).
func (s *Storage) DeleteScheduledStatus(ctx context.Context, db bun.IDB, accountID, id string) (bool, error) {
	q := db.NewDelete().Model((*ScheduledStatus)(nil)).Where("id = ?", id)
	if accountID != "" {
		q = q.Where("account_id = ?", accountID)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DueScheduledStatuses lists scheduled statuses whose time has come.
func (s *Storage) DueScheduledStatuses(ctx context.Context, now time.Time, limit int) ([]ScheduledStatus, error) {
	var out []ScheduledStatus
	err := s.DB.NewSelect().Model(&out).Where("scheduled_at <= ?", now).Order("scheduled_at").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// CountScheduledStatuses counts accountID's pending scheduled statuses.
func (s *Storage) CountScheduledStatuses(ctx context.Context, accountID string) (int, error) {
	n, err := s.DB.NewSelect().Model((*ScheduledStatus)(nil)).Where("account_id = ?", accountID).Count(ctx)
	return int(n), err
}
