package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

func newApp(now time.Time) *model.OAuthApplication {
	return &model.OAuthApplication{
		ID: model.NewID(now), Name: "Tusky", Website: "https://tusky.app",
		RedirectURIs: []string{"https://app.example/cb", "urn:ietf:wg:oauth:2.0:oob"},
		Scopes:       "read write", ClientID: model.NewID(now) + "-client", ClientSecretHash: "secret-hash", CreatedAt: now,
	}
}

func TestOAuthApplicationRoundTrip(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		app := newApp(now)
		if err := s.CreateOAuthApplication(ctx, app); err != nil {
			t.Fatal(err)
		}
		got, err := s.OAuthApplicationByClientID(ctx, app.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != app.ID || len(got.RedirectURIs) != 2 || got.RedirectURIs[1] != "urn:ietf:wg:oauth:2.0:oob" || got.Scopes != "read write" || !got.CreatedAt.Equal(now) {
			t.Fatalf("round trip lost data: %+v", got)
		}
		if _, err := s.OAuthApplicationByID(ctx, app.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OAuthApplicationByClientID(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("unknown client: %v", err)
		}
		dup := newApp(now)
		dup.ClientID = app.ClientID
		if err := s.CreateOAuthApplication(ctx, dup); !storage.IsUniqueViolation(err) {
			t.Fatalf("duplicate client_id: %v", err)
		}
	})
}

func TestAuthorizationCodeIsSingleUse(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		a, u := newLocal("alice", "alice@example.org")
		if err := s.CreateLocalUser(ctx, a, u); err != nil {
			t.Fatal(err)
		}
		app := newApp(now)
		if err := s.CreateOAuthApplication(ctx, app); err != nil {
			t.Fatal(err)
		}
		old := &model.OAuthAuthorizationCode{CodeHash: "old", ApplicationID: app.ID, UserID: u.ID, RedirectURI: "https://app.example/cb",
			Scopes: "read", ExpiresAt: now.Add(-time.Hour), CreatedAt: now.Add(-2 * time.Hour)}
		if err := s.CreateAuthorizationCode(ctx, old); err != nil {
			t.Fatal(err)
		}
		code := &model.OAuthAuthorizationCode{CodeHash: "h1", ApplicationID: app.ID, UserID: u.ID, RedirectURI: "https://app.example/cb",
			Scopes: "read", CodeChallenge: "abc", CodeChallengeMethod: "S256", ExpiresAt: now.Add(10 * time.Minute), CreatedAt: now}
		if err := s.CreateAuthorizationCode(ctx, code); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountAuthorizationCodes(ctx); n != 1 {
			t.Fatalf("expired code not purged: %d codes", n)
		}

		// Two concurrent exchanges: exactly one wins.
		var wg sync.WaitGroup
		results := make([]error, 4)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.ConsumeAuthorizationCode(ctx, "h1")
				if err == nil && (got.UserID != u.ID || got.User == nil || got.User.Account == nil || got.User.Account.Username != "alice" || got.CodeChallengeMethod != "S256" || !got.ExpiresAt.Equal(code.ExpiresAt)) {
					err = errors.New("wrong code returned")
				}
				results[i] = err
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, storage.ErrNotFound):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("code consumed %d times", wins)
		}
	})
}

func TestOAuthTokenLookupAndRevoke(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		a, u := newLocal("bob", "bob@example.org")
		if err := s.CreateLocalUser(ctx, a, u); err != nil {
			t.Fatal(err)
		}
		app := newApp(now)
		if err := s.CreateOAuthApplication(ctx, app); err != nil {
			t.Fatal(err)
		}
		userTok := &model.OAuthToken{ID: model.NewID(now), TokenHash: "th-user", ApplicationID: app.ID, UserID: &u.ID, Scopes: "read", CreatedAt: now}
		appTok := &model.OAuthToken{ID: model.NewID(now), TokenHash: "th-app", ApplicationID: app.ID, Scopes: "read", CreatedAt: now}
		for _, tok := range []*model.OAuthToken{userTok, appTok} {
			if err := s.CreateOAuthToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.OAuthTokenByHash(ctx, "th-user")
		if err != nil {
			t.Fatal(err)
		}
		if got.User == nil || got.User.ID != u.ID || got.User.Account == nil || got.User.Account.Username != "bob" || got.Application == nil || got.Application.ClientID != app.ClientID {
			t.Fatalf("user token relations not loaded: %+v", got)
		}
		got, err = s.OAuthTokenByHash(ctx, "th-app")
		if err != nil {
			t.Fatal(err)
		}
		if got.User != nil || got.UserID != nil || got.Application == nil {
			t.Fatalf("app token: %+v", got)
		}
		if _, err := s.OAuthTokenByHash(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}

		used := now.Add(time.Minute)
		if err := s.TouchOAuthToken(ctx, userTok.ID, used); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeOAuthToken(ctx, appTok.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeOAuthToken(ctx, appTok.ID, now.Add(time.Hour)); err != nil { // idempotent
			t.Fatal(err)
		}
		got, _ = s.OAuthTokenByHash(ctx, "th-app")
		if got.RevokedAt == nil || !got.RevokedAt.Equal(now) {
			t.Fatalf("revoked_at = %v", got.RevokedAt)
		}
		n, err := s.RevokeUserOAuthTokens(ctx, u.ID, now)
		if err != nil || n != 1 {
			t.Fatalf("revoke user tokens: %d %v", n, err)
		}
		got, _ = s.OAuthTokenByHash(ctx, "th-user")
		if got.RevokedAt == nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
			t.Fatalf("user token after revoke: %+v", got)
		}
	})
}
