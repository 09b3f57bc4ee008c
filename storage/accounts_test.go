package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

func newLocal(username, email string) (*model.Account, *model.User) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := &model.Account{
		ID: model.NewID(now), URI: "http://x.test/users/" + username, Username: username,
		ActorType: model.ActorPerson, Fields: []model.Field{{Name: "Section", Value: "Lyon"}},
		AlsoKnownAs: []string{}, CreatedAt: now, UpdatedAt: now,
	}
	u := &model.User{ID: model.NewID(now), Email: email, PasswordHash: "x", Role: model.RoleMember, Locale: "fr", DefaultVisibility: "public", CreatedAt: now, UpdatedAt: now}
	return a, u
}

func TestCreateAndFindLocalUser(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		a, u := newLocal("Alice", "alice@example.org")
		if err := s.CreateLocalUser(ctx, a, u); err != nil {
			t.Fatal(err)
		}
		got, err := s.LocalAccount(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != a.ID || len(got.Fields) != 1 || got.Fields[0].Value != "Lyon" {
			t.Fatalf("round trip lost data: %+v", got)
		}
		byLogin, err := s.UserByLogin(ctx, "ALICE@example.org")
		if err != nil || byLogin.Account.Username != "Alice" {
			t.Fatalf("by e-mail: %v %+v", err, byLogin)
		}
		if _, err := s.UserByLogin(ctx, "alice"); err != nil {
			t.Fatalf("by username: %v", err)
		}

		// Same username in another case, or same e-mail: refused, nothing stored.
		a2, u2 := newLocal("ALICE", "other@example.org")
		if err := s.CreateLocalUser(ctx, a2, u2); err == nil {
			t.Fatal("duplicate username accepted")
		}
		a3, u3 := newLocal("bob", "Alice@Example.org")
		if err := s.CreateLocalUser(ctx, a3, u3); err == nil {
			t.Fatal("duplicate e-mail accepted")
		}
		if n, _ := s.CountUsers(ctx); n != 1 {
			t.Fatalf("refused users were stored: %d users", n)
		}
		if _, err := s.AccountByID(ctx, a3.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("half-written account left behind: %v", err)
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}
