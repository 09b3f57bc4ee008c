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

// TestStaffWaitingAndRefusal: the dashboard's number counts accounts to
// approve (not refused ones) and open reports in one statement; a
// refusal keeps the staff's message and happens once.
func TestStaffWaitingAndRefusal(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		var users []*model.User
		for _, name := range []string{"staff", "nadia", "omar"} {
			a, u := newLocal(name, name+"@example.org")
			u.Approved = name == "staff"
			if name == "staff" {
				u.Role = model.RoleAdmin
			}
			if err := s.CreateLocalUser(ctx, a, u); err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		if err := s.InsertReport(ctx, &model.Report{ID: model.NewID(now), TargetAccountID: users[1].AccountID, StatusIDs: []string{}, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.WebStaffWaiting(ctx, "no-section"); err != nil || n != 3 {
			t.Fatalf("waiting: %d %v, want 2 accounts + 1 report", n, err)
		}
		if err := s.RefuseUser(ctx, users[1].ID, "Passez nous voir.", now); err != nil {
			t.Fatal(err)
		}
		if err := s.RefuseUser(ctx, users[1].ID, "encore", now); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("second refusal: %v", err)
		}
		if err := s.RefuseUser(ctx, users[0].ID, "x", now); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("refusing an approved account: %v", err)
		}
		got, _ := s.UserByLogin(ctx, "nadia")
		if got.RefusedAt == nil || got.RefusalMessage != "Passez nous voir." {
			t.Fatalf("refusal not kept: %+v", got)
		}
		if n, _ := s.WebStaffWaiting(ctx, "no-section"); n != 2 {
			t.Fatalf("waiting after a refusal: %d, want 2", n)
		}
		staff, err := s.StaffAccounts(ctx, s.DB)
		if err != nil || len(staff) != 1 || staff[0].ID != users[0].AccountID {
			t.Fatalf("staff accounts: %v %v", staff, err)
		}
	})
}

// TestStaffNotificationsStayWithTheStaff: a moderator's report and
// sign-up notifications are listed and counted while they are staff, and
// no longer once they are not (the review's finding 6).
func TestStaffNotificationsStayWithTheStaff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		a, u := newLocal("modo", "modo@example.org")
		u.Approved, u.Role = true, model.RoleModerator
		if err := s.CreateLocalUser(ctx, a, u); err != nil {
			t.Fatal(err)
		}
		for i, typ := range []string{"admin.report", "admin.sign_up", "mention"} {
			n := &model.Notification{ID: model.NewID(now.Add(time.Duration(i) * time.Millisecond)), AccountID: a.ID, Type: typ, CreatedAt: now}
			if err := s.InsertNotification(ctx, s.DB, n); err != nil {
				t.Fatal(err)
			}
		}
		listed := func() (int, int) {
			t.Helper()
			page, err := s.NotificationsPage(ctx, a.ID, storage.NotificationFilter{}, now, storage.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			unread, err := s.WebCountUnreadNotifications(ctx, a.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			return len(page), unread
		}
		if n, unread := listed(); n != 3 || unread != 3 {
			t.Fatalf("as a moderator: %d listed, %d unread, want 3 and 3", n, unread)
		}
		if _, err := s.DB.NewUpdate().Model((*model.User)(nil)).Set("role = ?", model.RoleMember).Where("id = ?", u.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if n, unread := listed(); n != 1 || unread != 1 {
			t.Fatalf("no longer staff: %d listed, %d unread, want only the mention", n, unread)
		}
	})
}
