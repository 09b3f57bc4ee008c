package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// OAuth applications, authorization codes and access tokens. Every secret
// is looked up by its hash (auth.HashToken); the raw values never reach
// the database (U-03).

// CreateOAuthApplication stores a registered client.
func (s *Storage) CreateOAuthApplication(ctx context.Context, app *model.OAuthApplication) error {
	if _, err := s.DB.NewInsert().Model(app).Exec(ctx); err != nil {
		return fmt.Errorf("insert oauth application: %w", err)
	}
	return nil
}

// OAuthApplicationByClientID finds a client by its public client_id.
func (s *Storage) OAuthApplicationByClientID(ctx context.Context, clientID string) (*model.OAuthApplication, error) {
	app := new(model.OAuthApplication)
	err := s.DB.NewSelect().Model(app).Where("client_id = ?", clientID).Scan(ctx)
	return app, notFound(err)
}

// OAuthApplicationByID finds a client by its id.
func (s *Storage) OAuthApplicationByID(ctx context.Context, id string) (*model.OAuthApplication, error) {
	app := new(model.OAuthApplication)
	err := s.DB.NewSelect().Model(app).Where("id = ?", id).Scan(ctx)
	return app, notFound(err)
}

// CreateAuthorizationCode stores a new code and, in passing, deletes codes
// that expired before code.CreatedAt (they can never be used).
func (s *Storage) CreateAuthorizationCode(ctx context.Context, code *model.OAuthAuthorizationCode) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*model.OAuthAuthorizationCode)(nil)).
			Where("expires_at < ?", code.CreatedAt).Exec(ctx); err != nil {
			return fmt.Errorf("delete expired authorization codes: %w", err)
		}
		if _, err := tx.NewInsert().Model(code).Exec(ctx); err != nil {
			return fmt.Errorf("insert authorization code: %w", err)
		}
		return nil
	})
}

// ConsumeAuthorizationCode deletes the code with this hash and returns it
// with its User (and User.Account): a code works once, even when two
// exchanges race (the loser gets ErrNotFound). The caller checks expiry,
// client, redirect URI, PKCE and whether the user may still log in.
func (s *Storage) ConsumeAuthorizationCode(ctx context.Context, codeHash string) (*model.OAuthAuthorizationCode, error) {
	code := new(model.OAuthAuthorizationCode)
	err := s.InTx(ctx, func(tx bun.Tx) error {
		if err := tx.NewSelect().Model(code).Relation("User").Relation("User.Account").
			Where("oauth_code.code_hash = ?", codeHash).Scan(ctx); err != nil {
			return notFound(err)
		}
		res, err := tx.NewDelete().Model((*model.OAuthAuthorizationCode)(nil)).Where("code_hash = ?", codeHash).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete authorization code: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrNotFound // consumed by a concurrent exchange
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return code, nil
}

// CountAuthorizationCodes counts stored codes (for tests and statistics).
func (s *Storage) CountAuthorizationCodes(ctx context.Context) (int64, error) {
	return s.DB.NewSelect().Model((*model.OAuthAuthorizationCode)(nil)).Count(ctx)
}

// CreateOAuthToken stores an access token.
func (s *Storage) CreateOAuthToken(ctx context.Context, token *model.OAuthToken) error {
	if _, err := s.DB.NewInsert().Model(token).Exec(ctx); err != nil {
		return fmt.Errorf("insert oauth token: %w", err)
	}
	return nil
}

// OAuthTokenByHash finds a token with its application and, for user
// tokens, the user and account: one query per authenticated request.
// Revoked tokens are returned too; the caller decides.
func (s *Storage) OAuthTokenByHash(ctx context.Context, tokenHash string) (*model.OAuthToken, error) {
	// Run on every authenticated request: kept in the row cache, exact
	// across replicas (rowcache.go), and prepared once (prepared.go).
	gen, cacheOK := s.syncRowCache(ctx)
	if cacheOK {
		if t, ok := s.rows.cachedToken(tokenHash); ok {
			return t, nil
		}
	}
	t, err := s.oauthTokenByHash(ctx, tokenHash)
	if err != nil {
		return nil, err
	}
	if cacheOK {
		s.rows.putToken(gen, t)
	}
	return t, nil
}

func (s *Storage) oauthTokenByHash(ctx context.Context, tokenHash string) (*model.OAuthToken, error) {
	stmt, err := s.prepared(ctx, "oauth_token_by_hash", func() string {
		return s.DB.NewSelect().Model((*model.OAuthToken)(nil)).
			Relation("Application").
			Relation("User").
			Relation("User.Account").
			Where("oauth_token.token_hash = ?", s.placeholder()).
			String()
	})
	if err != nil {
		return nil, fmt.Errorf("prepare token lookup: %w", err)
	}
	rows, err := stmt.QueryContext(ctx, tokenHash)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	t := new(model.OAuthToken)
	if err := s.DB.ScanRow(ctx, rows, t); err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	if t.UserID == nil || (t.User != nil && t.User.ID == "") {
		t.User = nil // app-only token: no user behind the LEFT JOIN
	}
	return t, nil
}

// TouchOAuthToken records that a token was used at `at`.
func (s *Storage) TouchOAuthToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.DB.NewUpdate().Model((*model.OAuthToken)(nil)).
		Set("last_used_at = ?", at).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch oauth token: %w", err)
	}
	return nil
}

// RevokeOAuthToken marks one token revoked (idempotent: the first
// revocation time is kept).
func (s *Storage) RevokeOAuthToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.DB.NewUpdate().Model((*model.OAuthToken)(nil)).
		Set("revoked_at = ?", at).Where("id = ?", id).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke oauth token: %w", err)
	}
	return nil
}

// RevokeOAuthTokensOfCode revokes the tokens issued for an authorization
// code (its hash), when the code is presented again: RFC 6749 §4.1.2 says
// a replayed code should revoke what it granted. It returns how many.
func (s *Storage) RevokeOAuthTokensOfCode(ctx context.Context, codeHash string, at time.Time) (int64, error) {
	res, err := s.DB.NewUpdate().Model((*model.OAuthToken)(nil)).
		Set("revoked_at = ?", at).Where("code_hash = ?", codeHash).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of a replayed code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// RevokeUserOAuthTokens revokes every token of a user (password change,
// account disabled, "log out everywhere") and returns how many it revoked.
func (s *Storage) RevokeUserOAuthTokens(ctx context.Context, userID string, at time.Time) (int64, error) {
	res, err := s.DB.NewUpdate().Model((*model.OAuthToken)(nil)).
		Set("revoked_at = ?", at).Where("user_id = ?", userID).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("revoke user oauth tokens: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ApplicationsByIDs returns client applications by id. Every status
// posted from an app names it, so a page asks for them: they are kept in
// the row cache (a change logs 'o').
func (s *Storage) ApplicationsByIDs(ctx context.Context, ids []string) (map[string]model.OAuthApplication, error) {
	out := map[string]model.OAuthApplication{}
	if len(ids) == 0 {
		return out, nil
	}
	gen, cacheOK := s.syncRowCache(ctx)
	missing := ids
	if cacheOK {
		missing = s.rows.cachedApps(ids, out)
		if len(missing) == 0 {
			return out, nil
		}
	}
	var apps []model.OAuthApplication
	if err := s.DB.NewSelect().Model(&apps).Where("id IN (?)", bun.In(missing)).Scan(ctx); err != nil {
		return out, err
	}
	for _, a := range apps {
		out[a.ID] = a
	}
	if cacheOK {
		s.rows.putApps(gen, apps)
	}
	return out, nil
}
