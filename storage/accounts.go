package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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

// AccountByIDCached is AccountByID through the row cache: an account's
// page and statuses name it on every request.
func (s *Storage) AccountByIDCached(ctx context.Context, id string) (*model.Account, error) {
	gen, cached := s.syncRowCache(ctx)
	byID, err := s.accountsByIDs(ctx, gen, cached, []string{id})
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", id, err)
	}
	a, ok := byID[id]
	if !ok {
		return nil, ErrNotFound
	}
	return &a, nil
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

// AccountsByIDs loads accounts by id, in the order of ids; missing ids
// are skipped. Rows come from the row cache when it has them.
func (s *Storage) AccountsByIDs(ctx context.Context, ids []string) ([]model.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	gen, cached := s.syncRowCache(ctx)
	byID, err := s.accountsByIDs(ctx, gen, cached, ids)
	if err != nil {
		return nil, err
	}
	out := make([]model.Account, 0, len(byID))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Storage) accountsByIDs(ctx context.Context, gen uint64, cached bool, ids []string) (map[string]model.Account, error) {
	if len(ids) == 0 {
		return map[string]model.Account{}, nil
	}
	found, missing := map[string]model.Account{}, ids
	if cached {
		found, missing = s.rows.cachedAccounts(ids)
	}
	if len(missing) > 0 {
		var rows []model.Account
		if err := s.DB.NewSelect().Model(&rows).Where("id IN (?)", bun.In(missing)).Scan(ctx); err != nil {
			return nil, err
		}
		if cached {
			s.rows.putAccounts(gen, rows)
		}
		for _, a := range rows {
			found[a.ID] = a
		}
	}
	return found, nil
}

// AccountByURL finds an account by its id or its profile URL.
func (s *Storage) AccountByURL(ctx context.Context, u string) (*model.Account, error) {
	a := new(model.Account)
	err := s.DB.NewSelect().Model(a).Where("uri = ? OR url = ?", u, u).OrderExpr("id").Limit(1).Scan(ctx)
	return a, notFound(err)
}

// AccountSource is the plain text of a local profile.
type AccountSource struct {
	bun.BaseModel `bun:"table:account_sources"`

	AccountID string        `bun:"account_id,pk"`
	Note      string        `bun:"note"`
	Fields    []model.Field `bun:"fields,type:text"`
	UpdatedAt time.Time     `bun:"updated_at"`
}

// AccountSourceOf returns the profile source of an account (ErrNotFound
// when the profile was never edited through the API).
func (s *Storage) AccountSourceOf(ctx context.Context, accountID string) (*AccountSource, error) {
	src := new(AccountSource)
	err := s.DB.NewSelect().Model(src).Where("account_id = ?", accountID).Scan(ctx)
	return src, notFound(err)
}

// UpdateProfile writes a local account's profile and its source together.
func (s *Storage) UpdateProfile(ctx context.Context, db bun.IDB, a *model.Account, src *AccountSource) error {
	if _, err := db.NewUpdate().Model(a).Column("display_name", "note", "fields", "locked", "bot", "discoverable", "indexable", "updated_at",
		"avatar_media_id", "avatar_remote_url", "header_media_id", "header_remote_url").
		WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	_, err := db.NewInsert().Model(src).On("CONFLICT (account_id) DO UPDATE").
		Set("note = EXCLUDED.note, fields = EXCLUDED.fields, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}

// SetUserDefaultVisibility changes the visibility a person's posts get
// when a client does not say.
func (s *Storage) SetUserDefaultVisibility(ctx context.Context, userID, visibility string, now time.Time) error {
	_, err := s.DB.NewUpdate().Model((*model.User)(nil)).Set("default_visibility = ?, updated_at = ?", visibility, now).
		Where("id = ?", userID).Exec(ctx)
	return err
}
