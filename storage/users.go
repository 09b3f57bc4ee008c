package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// WebFigures are a section's activity figures.
type WebFigures struct {
	Registered int // local people who can log in
	Active     int // seen or posting since the given time
	Members    int // verified adhérents (and staff)
	Pending    int // accounts waiting for approval
}

// WebUserFigures counts local users for the section dashboard.
func (s *Storage) WebUserFigures(ctx context.Context, activeSince time.Time) (WebFigures, error) {
	var f WebFigures
	users := func() *bun.SelectQuery {
		return s.DB.NewSelect().Model((*model.User)(nil)).Where("u.disabled_at IS NULL")
	}
	count := func(q *bun.SelectQuery, into *int) error {
		n, err := q.Count(ctx)
		*into = int(n)
		return err
	}
	if err := count(users().Where("u.approved = ?", true), &f.Registered); err != nil {
		return f, err
	}
	if err := count(users().Where("u.approved = ?", true).
		Where("(u.last_seen_at >= ? OR EXISTS (SELECT 1 FROM statuses fs WHERE fs.account_id = u.account_id AND fs.created_at >= ?))", activeSince, activeSince), &f.Active); err != nil {
		return f, err
	}
	if err := count(users().Where("u.approved = ?", true).Where("u.role IN ('admin', 'moderator', 'member')"), &f.Members); err != nil {
		return f, err
	}
	return f, count(users().Where("u.approved = ?", false).Where("u.refused_at IS NULL"), &f.Pending)
}

// WebUnapprovedUsers lists accounts waiting for approval, oldest first.
func (s *Storage) WebUnapprovedUsers(ctx context.Context) ([]model.User, error) {
	var out []model.User
	err := s.DB.NewSelect().Model(&out).Relation("Account").
		Where("u.approved = ?", false).Where("u.disabled_at IS NULL").Where("u.refused_at IS NULL").Order("u.id ASC").Limit(200).Scan(ctx)
	return out, err
}

// WebApproveUser lets a registered person log in.
func (s *Storage) WebApproveUser(ctx context.Context, userID string, now time.Time) error {
	// Never over a staff refusal (refused_at is cleared only by staff
	// approving).
	res, err := s.DB.NewUpdate().Model((*model.User)(nil)).Set("approved = ?", true).Set("updated_at = ?", now).
		Where("id = ? AND refused_at IS NULL", userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// WebUserByID returns a user with its account.
func (s *Storage) WebUserByID(ctx context.Context, id string) (*model.User, error) {
	u := new(model.User)
	err := s.DB.NewSelect().Model(u).Relation("Account").Where("u.id = ?", id).Scan(ctx)
	return u, notFound(err)
}
