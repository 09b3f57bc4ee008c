package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// webUser stores a local person with a login.
func webUser(t *testing.T, s *storage.Storage, username string, approved bool) *model.User {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &model.Account{ID: model.NewID(now), URI: "https://example.test/users/" + username, Username: username, ActorType: model.ActorPerson,
		Fields: []model.Field{}, AlsoKnownAs: []string{}, CreatedAt: now, UpdatedAt: now}
	u := &model.User{ID: model.NewID(now), Email: username + "@example.org", PasswordHash: "x", Role: model.RoleMember, Approved: approved,
		Locale: "fr", DefaultVisibility: "public", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateLocalUser(context.Background(), a, u); err != nil {
		t.Fatal(err)
	}
	u.Account = a
	return u
}

func TestWebSessions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		u := webUser(t, s, "alice", true)
		now := time.Now().UTC().Truncate(time.Microsecond)
		raw := auth.NewToken()
		ws := &model.WebSession{ID: model.NewID(now), TokenHash: auth.HashToken(raw), UserID: u.ID, UserAgent: "test",
			CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateWebSession(ctx, ws); err != nil {
			t.Fatal(err)
		}
		got, err := s.WebSessionByTokenHash(ctx, auth.HashToken(raw), now)
		if err != nil || got.User == nil || got.User.Account == nil || got.User.Account.Username != "alice" {
			t.Fatalf("session %+v, %v", got, err)
		}
		if _, err := s.WebSessionByTokenHash(ctx, auth.HashToken(raw), now.Add(2*time.Hour)); err != storage.ErrNotFound {
			t.Fatalf("expired session found: %v", err)
		}
		later := now.Add(time.Minute)
		if err := s.TouchWebSession(ctx, got, later); err != nil {
			t.Fatal(err)
		}
		if u2, _ := s.UserByAccountID(ctx, u.AccountID); u2.LastSeenAt == nil || !u2.LastSeenAt.Equal(later) {
			t.Fatalf("last seen %v, want %v", u2.LastSeenAt, later)
		}
		if err := s.DeleteExpiredWebSessions(ctx, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionByTokenHash(ctx, auth.HashToken(raw), now); err != storage.ErrNotFound {
			t.Fatalf("purged session still there: %v", err)
		}
	})
}

func TestPasswordResets(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		u := webUser(t, s, "bob", true)
		now := time.Now().UTC().Truncate(time.Microsecond)
		// Two requests without a link (no SMTP): both pending.
		for range 2 {
			if err := s.CreatePasswordReset(ctx, &model.PasswordReset{ID: model.NewID(now), UserID: u.ID, RequestedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		pending, err := s.PendingPasswordResets(ctx, now.Add(-time.Hour))
		if err != nil || len(pending) != 2 || pending[0].User.Account.Username != "bob" {
			t.Fatalf("pending %+v, %v", pending, err)
		}
		raw := auth.NewToken()
		if err := s.IssuePasswordReset(ctx, pending[0].ID, auth.HashToken(raw), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		pr, err := s.PasswordResetByTokenHash(ctx, auth.HashToken(raw), now)
		if err != nil || pr.UserID != u.ID {
			t.Fatalf("reset %+v, %v", pr, err)
		}
		ws := &model.WebSession{ID: model.NewID(now), TokenHash: auth.HashToken(auth.NewToken()), UserID: u.ID, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateWebSession(ctx, ws); err != nil {
			t.Fatal(err)
		}
		used, err := s.ResetPassword(ctx, pr.ID, u.ID, "new-hash", now)
		if err != nil || !used {
			t.Fatalf("reset: %v, %v", used, err)
		}
		if used, _ := s.ResetPassword(ctx, pr.ID, u.ID, "again", now); used {
			t.Fatal("a reset link worked twice")
		}
		if u2, _ := s.UserByAccountID(ctx, u.AccountID); u2.PasswordHash != "new-hash" {
			t.Fatalf("password hash %q", u2.PasswordHash)
		}
		if _, err := s.WebSessionByTokenHash(ctx, ws.TokenHash, now); err != storage.ErrNotFound {
			t.Fatal("sessions survive a password reset")
		}
		// Every other request of the user is closed too.
		if pending, _ := s.PendingPasswordResets(ctx, now.Add(-time.Hour)); len(pending) != 0 {
			t.Fatalf("requests left open: %d", len(pending))
		}
	})
}

func TestWebFiguresAndApproval(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		webUser(t, s, "alice", true)
		waiting := webUser(t, s, "carol", false)
		now := time.Now().UTC()
		f, err := s.WebUserFigures(ctx, now.AddDate(0, 0, -30))
		if err != nil || f.Registered != 1 || f.Pending != 1 || f.Members != 1 || f.Active != 0 {
			t.Fatalf("figures %+v, %v", f, err)
		}
		list, err := s.WebUnapprovedUsers(ctx)
		if err != nil || len(list) != 1 || list[0].ID != waiting.ID {
			t.Fatalf("unapproved %+v, %v", list, err)
		}
		if err := s.WebApproveUser(ctx, waiting.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := s.WebApproveUser(ctx, "nobody", now); err != storage.ErrNotFound {
			t.Fatalf("approving nobody: %v", err)
		}
		if err := s.SetDomainRule(ctx, "spam.example", "block", "spam", now); err != nil {
			t.Fatal(err)
		}
		rules, err := s.WebDomainRules(ctx)
		if err != nil || len(rules) != 1 || rules[0].Domain != "spam.example" || rules[0].Kind != "block" {
			t.Fatalf("rules %+v, %v", rules, err)
		}
		if err := s.WebDeleteDomainRule(ctx, "spam.example"); err != nil {
			t.Fatal(err)
		}
		if rules, _ := s.WebDomainRules(ctx); len(rules) != 0 {
			t.Fatalf("rule left: %+v", rules)
		}
	})
}
