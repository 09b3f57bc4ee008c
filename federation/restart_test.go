package federation_test

import (
	"context"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestDeliveriesSurviveRestart covers: posts made while the
// receiving section is down are queued in the database, survive a
// restart of the sender, are retried, and arrive exactly once.
func TestDeliveriesSurviveRestart(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
			a, b := insts[0], insts[1]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := b.CreateUser(t, "bob", false)
			aliceOnB := b.Resolve(t, "alice", "section-a.test")
			if _, err := b.Social.Follow(ctx, bob, aliceOnB); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "follow accepted", func() bool {
				f, err := b.Store.Follow(ctx, bob.ID, aliceOnB.ID)
				return err == nil && f.State == model.FollowAccepted
			})

			b.Stop(t)
			var uris []string
			for _, text := range []string{"un", "deux", "trois"} {
				st, err := a.Social.CreateStatus(ctx, alice, socialStatus(text, model.VisibilityPublic))
				if err != nil {
					t.Fatal(err)
				}
				uris = append(uris, st.URI)
			}
			failedAttempts := func() int {
				n, _ := a.Store.DB.NewSelect().TableExpr("river_job").Where("kind = 'deliver' AND attempt >= 1 AND state <> 'completed'").Count(ctx)
				return int(n)
			}
			coopoltest.Eventually(t, "deliveries to the dead section failed at least once", func() bool { return failedAttempts() >= 3 })

			a.Restart(t)
			b.Restart(t)
			coopoltest.Eventually(t, "all three posts delivered after the restarts", func() bool {
				for _, uri := range uris {
					if _, err := b.Store.StatusByURI(ctx, uri); err != nil {
						return false
					}
				}
				return true
			})
			coopoltest.Eventually(t, "delivery jobs completed", func() bool {
				n, _ := a.Store.DB.NewSelect().TableExpr("river_job").Where("kind = 'deliver' AND state <> 'completed'").Count(ctx)
				return n == 0
			})
			n, err := b.Store.DB.NewSelect().TableExpr("statuses").Where("account_id = ?", aliceOnB.ID).Count(ctx)
			if err != nil || n != 3 {
				t.Fatalf("want exactly 3 posts from alice on B, got %d (%v)", n, err)
			}
		})
	}
}
