package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestRowCacheIsNeverStale: two replicas on one database. Replica A
// caches a status and its author; replica B (or a CLI command, or a
// trigger) edits, suspends and deletes them; A's next read sees each
// change (issue 17: never a stale row, across replicas).
func TestRowCacheIsNeverStale(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			cfg := storagetest.DatabaseConfig(t, backend)
			open := func() *storage.Storage {
				s, err := storage.Open(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return s
			}
			a, b := open(), open()
			r := &timelineRig{t: t, s: b, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
			alice := r.account("alice")
			id := r.status(alice, model.VisibilityPublic, nil)

			read := func() *model.Status {
				t.Helper()
				// Each read is a request of its own: statuses, then their
				// authors, in one request scope (one look at the changes).
				sts, err := a.StatusesByIDs(storage.WithRequestScope(ctx), []string{id})
				if err != nil {
					t.Fatal(err)
				}
				if len(sts) == 0 {
					return nil
				}
				return &sts[0]
			}
			// Twice: the second read is served from A's cache.
			for range 2 {
				if st := read(); st == nil || st.Account == nil || st.Account.Username != "alice" {
					t.Fatalf("first reads: %+v", st)
				}
			}
			// A caller changing what it got does not change the cache.
			st := read()
			st.Content = "scribbled"
			st.Account.DisplayName = "scribbled"
			if st := read(); st.Content == "scribbled" || st.Account.DisplayName == "scribbled" {
				t.Fatal("the cache handed out its own rows")
			}

			// An edit on B.
			if _, err := b.DB.NewUpdate().Model((*model.Status)(nil)).Set("content = ?", "<p>edited</p>").Where("id = ?", id).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if st := read(); st == nil || st.Content != "<p>edited</p>" {
				t.Fatalf("after the edit on the other replica: %+v", st)
			}
			// The author suspended and renamed on B: A's status and account
			// reads both see it.
			if _, err := b.DB.NewUpdate().Model((*model.Account)(nil)).Set("display_name = ?", "Alice S.").Set("suspended_at = ?", r.now).Where("id = ?", alice.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if st := read(); st == nil || st.Account.DisplayName != "Alice S." || st.Account.SuspendedAt == nil {
				t.Fatalf("after the suspension: %+v", st.Account)
			}
			accs, err := a.AccountsByIDs(ctx, []string{alice.ID})
			if err != nil || len(accs) != 1 || accs[0].SuspendedAt == nil {
				t.Fatalf("accounts after the suspension: %+v, %v", accs, err)
			}
			// Deleted on B: gone on A at once.
			if _, err := b.DB.NewDelete().Model((*model.Status)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if st := read(); st != nil {
				t.Fatalf("a deleted status is still served: %+v", st)
			}
		})
	}
}
