package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// ErrEmailTaken: a login already uses this e-mail address.
var ErrEmailTaken = errors.New("e-mail address already registered")

// CreateLocalUser stores a local account and its login in one transaction.
func (s *Storage) CreateLocalUser(ctx context.Context, account *model.Account, user *model.User) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(account).Exec(ctx); err != nil {
			if IsUniqueViolation(err) {
				return fmt.Errorf("username %q is taken", account.Username)
			}
			return fmt.Errorf("insert account: %w", err)
		}
		user.AccountID = account.ID
		if _, err := tx.NewInsert().Model(user).Exec(ctx); err != nil {
			if IsUniqueViolation(err) {
				return ErrEmailTaken
			}
			return fmt.Errorf("insert user: %w", err)
		}
		return nil
	})
}

// InsertAccount stores an account without a login (groups, the instance
// actor, remote actors).
func (s *Storage) InsertAccount(ctx context.Context, db bun.IDB, account *model.Account) error {
	if db == nil {
		db = s.DB
	}
	if _, err := db.NewInsert().Model(account).Exec(ctx); err != nil {
		return fmt.Errorf("insert account %s: %w", account.URI, err)
	}
	return nil
}

// UpdateAccount writes every column of the account.
func (s *Storage) UpdateAccount(ctx context.Context, account *model.Account) error {
	if _, err := s.DB.NewUpdate().Model(account).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update account %s: %w", account.URI, err)
	}
	return nil
}

// LocalAccount finds a local account by username (case-insensitive).
func (s *Storage) LocalAccount(ctx context.Context, username string) (*model.Account, error) {
	return s.AccountByUsername(ctx, username, "")
}

// AccountByUsername finds an account by username and domain ("" = local).
func (s *Storage) AccountByUsername(ctx context.Context, username, domain string) (*model.Account, error) {
	a := new(model.Account)
	err := s.DB.NewSelect().Model(a).
		Where("lower(username) = ?", strings.ToLower(username)).
		Where("domain = ?", strings.ToLower(domain)).
		Scan(ctx)
	return a, notFound(err)
}

func (s *Storage) AccountByID(ctx context.Context, id string) (*model.Account, error) {
	a := new(model.Account)
	err := s.DB.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	return a, notFound(err)
}

func (s *Storage) AccountByURI(ctx context.Context, uri string) (*model.Account, error) {
	a := new(model.Account)
	err := s.DB.NewSelect().Model(a).Where("uri = ?", uri).Scan(ctx)
	return a, notFound(err)
}

// AccountByKeyID finds the owner of a public key id.
func (s *Storage) AccountByKeyID(ctx context.Context, keyID string) (*model.Account, error) {
	a := new(model.Account)
	err := s.DB.NewSelect().Model(a).Where("public_key_id = ?", keyID).Limit(1).Scan(ctx)
	return a, notFound(err)
}

// UserByAccountID returns the login of a local account.
func (s *Storage) UserByAccountID(ctx context.Context, accountID string) (*model.User, error) {
	u := new(model.User)
	err := s.DB.NewSelect().Model(u).Relation("Account").Where("u.account_id = ?", accountID).Scan(ctx)
	return u, notFound(err)
}

// UserByLogin finds a user by e-mail or username.
func (s *Storage) UserByLogin(ctx context.Context, login string) (*model.User, error) {
	u := new(model.User)
	login = strings.ToLower(strings.TrimSpace(login))
	err := s.DB.NewSelect().Model(u).Relation("Account").
		Where("lower(u.email) = ? OR (lower(account.username) = ? AND account.domain = '')", login, login).
		Limit(1).Scan(ctx)
	return u, notFound(err)
}

// ListUsers lists local users with their accounts, oldest first.
func (s *Storage) ListUsers(ctx context.Context) ([]model.User, error) {
	var users []model.User
	err := s.DB.NewSelect().Model(&users).Relation("Account").Order("u.id ASC").Scan(ctx)
	return users, err
}

// CountUsers counts local users.
func (s *Storage) CountUsers(ctx context.Context) (int64, error) {
	return s.DB.NewSelect().Model((*model.User)(nil)).Count(ctx)
}
