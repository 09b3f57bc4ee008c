package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// statsOf reads one account's counters and compares them with what the
// rows say: the triggers must agree with a full count after every write.
func statsOf(t *testing.T, s *storage.Storage, id string) storage.AccountStats {
	t.Helper()
	m, err := s.AccountStatsByIDs(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	return m[id]
}

func wantStats(t *testing.T, s *storage.Storage, id string, statuses, followers, following int, last time.Time) {
	t.Helper()
	got := statsOf(t, s, id)
	if got.Statuses != statuses || got.Followers != followers || got.Following != following {
		t.Fatalf("counters of %s = %d statuses, %d followers, %d following; want %d, %d, %d",
			id, got.Statuses, got.Followers, got.Following, statuses, followers, following)
	}
	switch {
	case last.IsZero() && got.LastStatusAt != nil:
		t.Fatalf("last status at %v, want none", got.LastStatusAt)
	case !last.IsZero() && (got.LastStatusAt == nil || !got.LastStatusAt.Equal(last)):
		t.Fatalf("last status at %v, want %v", got.LastStatusAt, last)
	}
}

// TestAccountStatsFollowEveryWrite: counters change in the same statement
// as the post, the follow, the delete, the cascade of an account's
// removal, and a repair puts back what a manual edit broke (issue 17).
func TestAccountStatsFollowEveryWrite(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		r := &timelineRig{t: t, s: s, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
		alice, bob, carol := r.account("alice"), r.account("bob"), r.account("carol")
		wantStats(t, s, alice.ID, 0, 0, 0, time.Time{})

		first := r.status(alice, model.VisibilityPublic, nil)
		t1 := r.now
		r.status(alice, model.VisibilityDirect, nil, bob) // DMs are not counted
		second := r.status(alice, model.VisibilityPrivate, nil)
		t2 := r.now
		wantStats(t, s, alice.ID, 2, 0, 0, t2)

		// A boost counts for the booster.
		boost := r.status(bob, model.VisibilityPublic, func(st *model.Status) { st.ReblogOfID = &first })
		wantStats(t, s, bob.ID, 1, 0, 0, r.now)

		// Deleting the latest status moves last_status_at back; deleting
		// the boosted status takes the boost with it (cascade).
		if err := s.DeleteStatus(ctx, s.DB, second); err != nil {
			t.Fatal(err)
		}
		wantStats(t, s, alice.ID, 1, 0, 0, t1)
		if err := s.DeleteStatus(ctx, s.DB, first); err != nil {
			t.Fatal(err)
		}
		wantStats(t, s, alice.ID, 0, 0, 0, time.Time{})
		if _, err := s.StatusByID(ctx, boost); err == nil {
			t.Fatal("boost survived its original")
		}
		wantStats(t, s, bob.ID, 0, 0, 0, time.Time{})

		// Follows: pending ones are not counted, accepting counts them,
		// an upsert back to pending and a delete uncount them.
		f := &model.Follow{ID: model.NewID(r.now), AccountID: bob.ID, TargetAccountID: alice.ID, URI: "http://x.test/f/1",
			State: model.FollowPending, ShowReblogs: true, CreatedAt: r.now, UpdatedAt: r.now}
		if err := s.UpsertFollow(ctx, s.DB, f); err != nil {
			t.Fatal(err)
		}
		wantStats(t, s, alice.ID, 0, 0, 0, time.Time{})
		stored, err := s.Follow(ctx, bob.ID, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetFollowState(ctx, s.DB, stored.ID, model.FollowAccepted); err != nil {
			t.Fatal(err)
		}
		wantStats(t, s, alice.ID, 0, 1, 0, time.Time{})
		wantStats(t, s, bob.ID, 0, 0, 1, time.Time{})
		r.follow(carol, alice)
		r.follow(alice, carol)
		r.follow(carol, alice) // again: an upsert that changes nothing
		wantStats(t, s, alice.ID, 0, 2, 1, time.Time{})
		if _, err := s.DeleteFollow(ctx, s.DB, bob.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		wantStats(t, s, alice.ID, 0, 1, 1, time.Time{})
		wantStats(t, s, bob.ID, 0, 0, 0, time.Time{})

		// An account that goes takes its follows with it: the others'
		// counters drop in the same transaction.
		r.status(carol, model.VisibilityPublic, nil)
		if _, err := s.DB.NewDelete().TableExpr("accounts").Where("id = ?", carol.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		wantStats(t, s, alice.ID, 0, 0, 0, time.Time{})

		// A manual edit breaks them; the repair finds and fixes it.
		r.status(alice, model.VisibilityPublic, nil)
		last := r.now
		if _, err := s.DB.NewUpdate().TableExpr("account_stats").Set("statuses_count = 42, followers_count = 7").Where("account_id = ?", alice.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		fixed, err := s.RepairAccountStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if fixed != 1 {
			t.Fatalf("repair fixed %d accounts, want 1", fixed)
		}
		wantStats(t, s, alice.ID, 1, 0, 0, last)
		if fixed, err = s.RepairAccountStats(ctx); err != nil || fixed != 0 {
			t.Fatalf("second repair fixed %d (%v), want 0", fixed, err)
		}
	})
}
