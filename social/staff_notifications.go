package social

import (
	"context"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// The secretary knows what waits (issue 14): a sign-up and a report
// reach the staff as notifications, with Mastodon's own types so that
// their apps show them; join requests reach a group's moderators and
// sign-ups to an action its organiser (groups.go, events.go).
const (
	NotificationAdminSignUp     = "admin.sign_up"
	NotificationAdminReport     = "admin.report"
	NotificationAccountApproved = "coopol.account_approved"
)

// MaxRefusalChars bounds the message that goes with a refused account.
const MaxRefusalChars = 1000

// notifyStaff tells every member of the staff (but from, if staff).
func (s *Service) notifyStaff(ctx context.Context, db bun.IDB, typ string, from *model.Account, reportID *string) error {
	staff, err := s.Store.StaffAccounts(ctx, db)
	if err != nil {
		return err
	}
	now := s.now()
	for i := range staff {
		if from != nil && staff[i].ID == from.ID {
			continue
		}
		n := &model.Notification{ID: model.NewID(now), AccountID: staff[i].ID, Type: typ, ReportID: reportID, CreatedAt: now}
		if from != nil {
			n.FromAccountID = &from.ID
		}
		if err := s.Store.InsertNotification(ctx, db, n); err != nil {
			return err
		}
		s.emit(ctx, db, "notification", n.ID, staff[i].ID)
	}
	return nil
}

// NotifySignUp tells the staff that someone signed up ("admin.sign_up");
// in approval mode the account waits for them in the dashboard.
func (s *Service) NotifySignUp(ctx context.Context, account *model.Account) error {
	return s.notifyStaff(ctx, s.Store.DB, NotificationAdminSignUp, account, nil)
}

// fileReport stores a report and tells the staff ("admin.report").
func (s *Service) fileReport(ctx context.Context, r *model.Report) error {
	var from *model.Account
	if r.AccountID != nil {
		if a, err := s.Store.AccountByID(ctx, *r.AccountID); err == nil {
			from = a
		}
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return err
		}
		return s.notifyStaff(ctx, tx, NotificationAdminReport, from, &r.ID)
	})
}

// ApproveUser lets an account waiting for approval log in, and tells the
// applicant (a notification they see at their first login; the web
// interface mails them too when it can). Only the section's staff may.
func (s *Service) ApproveUser(ctx context.Context, staff *model.Account, userID string) (*model.User, error) {
	section, err := s.staffSection(ctx, staff)
	if err != nil {
		return nil, err
	}
	var u *model.User
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		u = new(model.User)
		if err := tx.NewSelect().Model(u).Relation("Account").Where("u.id = ?", userID).Scan(ctx); err != nil {
			return ErrNotFound
		}
		if u.Approved {
			return nil
		}
		now := s.now()
		if _, err := tx.NewUpdate().Model((*model.User)(nil)).Set("approved = ?", true).Set("refused_at = NULL").
			Set("refusal_message = ''").Set("updated_at = ?", now).Where("id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		u.Approved, u.RefusedAt, u.RefusalMessage = true, nil, ""
		// A sympathisant arrives following the section.
		if err := s.followSectionOnArrival(ctx, tx, u); err != nil {
			return err
		}
		n := &model.Notification{ID: model.NewID(now), AccountID: u.AccountID, Type: NotificationAccountApproved,
			FromAccountID: &section.ID, GroupID: &section.ID, CreatedAt: now}
		if err := s.Store.InsertNotification(ctx, tx, n); err != nil {
			return err
		}
		s.emit(ctx, tx, "notification", n.ID, u.AccountID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// RefuseUser turns down an account waiting for approval, with an
// optional message the applicant reads when they try to log in (and by
// mail when the web interface can send it). Only the section's staff may.
func (s *Service) RefuseUser(ctx context.Context, staff *model.Account, userID, message string) (*model.User, error) {
	if _, err := s.staffSection(ctx, staff); err != nil {
		return nil, err
	}
	message = strings.TrimSpace(strings.ReplaceAll(message, "\x00", ""))
	if text.CountChars(message) > MaxRefusalChars {
		return nil, invalid("the message is too long (at most %d characters)", MaxRefusalChars)
	}
	u, err := s.Store.WebUserByID(ctx, userID)
	if err != nil {
		return nil, ErrNotFound
	}
	if err := s.Store.RefuseUser(ctx, userID, message, s.now()); errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	u.RefusalMessage = message
	return u, nil
}

// staffSection checks that account is the section's staff and returns
// the section.
func (s *Service) staffSection(ctx context.Context, account *model.Account) (*model.Account, error) {
	section, err := s.Store.LocalAccount(ctx, s.Config.Section.Username)
	if err != nil {
		return nil, err
	}
	ok, err := s.CanModerate(ctx, account, section)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	return section, nil
}
