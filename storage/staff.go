package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// What waits for the section's staff (issue 14): accounts to approve,
// requests for verification, open reports.

// StaffAccounts returns the accounts of the instance's staff (admins and
// moderators who can log in): those told of sign-ups and reports.
func (s *Storage) StaffAccounts(ctx context.Context, db bun.IDB) ([]model.Account, error) {
	var out []model.Account
	err := db.NewSelect().Model(&out).
		Where("domain = ''").
		Where("id IN (SELECT account_id FROM users WHERE role IN (?) AND approved = ? AND disabled_at IS NULL)",
			bun.In([]string{model.RoleAdmin, model.RoleModerator}), true).
		Order("id ASC").Scan(ctx)
	return out, err
}

// WebStaffWaiting counts, in one statement, what waits for the staff:
// accounts to approve (not refused), this section's people asking to be
// verified as adherents, and open reports. It is the number on the
// dashboard link.
func (s *Storage) WebStaffWaiting(ctx context.Context, sectionID string) (int, error) {
	var n int
	err := s.DB.NewRaw(`SELECT
		(SELECT COUNT(*) FROM users WHERE approved = ? AND disabled_at IS NULL AND refused_at IS NULL) +
		(SELECT COUNT(*) FROM memberships m JOIN accounts a ON a.id = m.account_id
			WHERE m.group_account_id = ? AND m.state = ? AND a.domain = '') +
		(SELECT COUNT(*) FROM reports WHERE resolved_at IS NULL)`, false, sectionID, MemberPending).Scan(ctx, &n)
	return n, err
}

// RefuseUser turns down an account waiting for approval, with the
// staff's message (possibly empty). ErrNotFound when there is no such
// account waiting.
func (s *Storage) RefuseUser(ctx context.Context, userID, message string, now time.Time) error {
	res, err := s.DB.NewUpdate().Model((*model.User)(nil)).
		Set("refused_at = ?", now).Set("refusal_message = ?", message).Set("updated_at = ?", now).
		Where("id = ?", userID).Where("approved = ?", false).Where("refused_at IS NULL").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReportsByIDs returns reports by id (for admin.report notifications).
func (s *Storage) ReportsByIDs(ctx context.Context, ids []string) ([]model.Report, error) {
	var out []model.Report
	if len(ids) == 0 {
		return out, nil
	}
	err := s.DB.NewSelect().Model(&out).Where("id IN (?)", bun.In(ids)).Scan(ctx)
	return out, err
}
