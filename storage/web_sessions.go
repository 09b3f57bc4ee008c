package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Web sessions and password resets (the web interface). Both are looked
// up by the hash of the secret the person holds.

// CreateWebSession stores a new login session.
func (s *Storage) CreateWebSession(ctx context.Context, ws *model.WebSession) error {
	if _, err := s.DB.NewInsert().Model(ws).Exec(ctx); err != nil {
		return fmt.Errorf("insert web session: %w", err)
	}
	return nil
}

// WebSessionByTokenHash returns an unexpired session with its user and the
// user's account.
func (s *Storage) WebSessionByTokenHash(ctx context.Context, tokenHash string, now time.Time) (*model.WebSession, error) {
	ws := new(model.WebSession)
	err := s.DB.NewSelect().Model(ws).Relation("User").Relation("User.Account").
		Where("ws.token_hash = ?", tokenHash).Where("ws.expires_at > ?", now).Scan(ctx)
	return ws, notFound(err)
}

// TouchWebSession records that a session (and its user) was seen at `at`.
func (s *Storage) TouchWebSession(ctx context.Context, ws *model.WebSession, at time.Time) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*model.WebSession)(nil)).Set("last_used_at = ?", at).Where("id = ?", ws.ID).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model((*model.User)(nil)).Set("last_seen_at = ?", at).Where("id = ?", ws.UserID).Exec(ctx)
		return err
	})
}

// DeleteWebSession ends one session (log out).
func (s *Storage) DeleteWebSession(ctx context.Context, tokenHash string) error {
	_, err := s.DB.NewDelete().Model((*model.WebSession)(nil)).Where("token_hash = ?", tokenHash).Exec(ctx)
	return err
}

// DeleteUserWebSessions ends every session of a user (new password).
func (s *Storage) DeleteUserWebSessions(ctx context.Context, db bun.IDB, userID string) error {
	if db == nil {
		db = s.DB
	}
	_, err := db.NewDelete().Model((*model.WebSession)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// DeleteExpiredWebSessions removes sessions past their expiry.
func (s *Storage) DeleteExpiredWebSessions(ctx context.Context, now time.Time) error {
	_, err := s.DB.NewDelete().Model((*model.WebSession)(nil)).Where("expires_at <= ?", now).Exec(ctx)
	return err
}

// CreatePasswordReset stores a reset request (with or without its link).
func (s *Storage) CreatePasswordReset(ctx context.Context, pr *model.PasswordReset) error {
	if _, err := s.DB.NewInsert().Model(pr).Exec(ctx); err != nil {
		return fmt.Errorf("insert password reset: %w", err)
	}
	return nil
}

// PendingPasswordResets lists requests still waiting for an administrator
// to make their link (no SMTP), newest first, with the users.
func (s *Storage) PendingPasswordResets(ctx context.Context, since time.Time) ([]model.PasswordReset, error) {
	var out []model.PasswordReset
	err := s.DB.NewSelect().Model(&out).Relation("User").Relation("User.Account").
		Where("pr.token_hash IS NULL").Where("pr.used_at IS NULL").Where("pr.requested_at > ?", since).
		Order("pr.requested_at DESC").Limit(100).Scan(ctx)
	return out, err
}

// PasswordResetByID returns one reset request with its user.
func (s *Storage) PasswordResetByID(ctx context.Context, id string) (*model.PasswordReset, error) {
	pr := new(model.PasswordReset)
	err := s.DB.NewSelect().Model(pr).Relation("User").Relation("User.Account").Where("pr.id = ?", id).Scan(ctx)
	return pr, notFound(err)
}

// IssuePasswordReset gives a pending request its link (by hash) and expiry.
func (s *Storage) IssuePasswordReset(ctx context.Context, id, tokenHash string, expires time.Time) error {
	res, err := s.DB.NewUpdate().Model((*model.PasswordReset)(nil)).
		Set("token_hash = ?", tokenHash).Set("expires_at = ?", expires).
		Where("id = ?", id).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// PasswordResetByTokenHash returns an unused, unexpired reset with its user.
func (s *Storage) PasswordResetByTokenHash(ctx context.Context, tokenHash string, now time.Time) (*model.PasswordReset, error) {
	pr := new(model.PasswordReset)
	err := s.DB.NewSelect().Model(pr).Relation("User").Relation("User.Account").
		Where("pr.token_hash = ?", tokenHash).Where("pr.used_at IS NULL").Where("pr.expires_at > ?", now).Scan(ctx)
	return pr, notFound(err)
}

// ResetPassword uses a reset link once: the new password is stored, every
// other reset of the user is closed and every session ends. It reports
// false if the link was used meanwhile.
func (s *Storage) ResetPassword(ctx context.Context, resetID, userID, passwordHash string, now time.Time) (bool, error) {
	used := false
	err := s.InTx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*model.PasswordReset)(nil)).Set("used_at = ?", now).
			Where("id = ?", resetID).Where("used_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		used = true
		if _, err := tx.NewUpdate().Model((*model.PasswordReset)(nil)).Set("used_at = ?", now).
			Where("user_id = ?", userID).Where("used_at IS NULL").Exec(ctx); err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, userID, passwordHash, now); err != nil {
			return err
		}
		return s.DeleteUserWebSessions(ctx, tx, userID)
	})
	return used, err
}

// SetUserPassword changes a user's password (already hashed).
func (s *Storage) SetUserPassword(ctx context.Context, userID, passwordHash string, now time.Time) error {
	return s.setPassword(ctx, s.DB, userID, passwordHash, now)
}

func (s *Storage) setPassword(ctx context.Context, db bun.IDB, userID, passwordHash string, now time.Time) error {
	_, err := db.NewUpdate().Model((*model.User)(nil)).Set("password_hash = ?", passwordHash).Set("updated_at = ?", now).
		Where("id = ?", userID).Exec(ctx)
	return err
}
