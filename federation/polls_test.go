package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestPollAcrossSections: a poll federates as a Question, a remote member
// votes with a named Note, the author's server counts it once and sends
// the new tallies back.
func TestPollAcrossSections(t *testing.T) {
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
			st, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Quel jour pour la réunion ?", Visibility: model.VisibilityPublic,
				Poll: &social.NewPoll{Options: []string{"Mardi", "Jeudi"}, ExpiresIn: 24 * time.Hour}})
			if err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "poll on B", func() bool {
				p, err := b.Store.PollByStatusURI(ctx, st.URI)
				return err == nil && len(p.Options) == 2
			})
			onB, _ := b.Store.StatusByURI(ctx, st.URI)
			if _, err := b.Social.Vote(ctx, bob, onB.ID, []int{1}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Social.Vote(ctx, bob, onB.ID, []int{0}); err == nil {
				t.Fatal("voted twice in a single-choice poll")
			}
			coopoltest.Eventually(t, "vote counted on A", func() bool {
				p, err := a.Store.Poll(ctx, a.Store.DB, st.ID)
				return err == nil && p.VotersCount == 1 && p.Votes[1] == 1
			})
			coopoltest.Eventually(t, "tallies back on B", func() bool {
				p, err := b.Store.PollByStatusURI(ctx, st.URI)
				return err == nil && p.VotersCount == 1 && len(p.Votes) == 2 && p.Votes[1] == 1
			})
			// A vote is not a post: nothing named "Jeudi" was stored as a status on A.
			n, _ := a.Store.DB.NewSelect().TableExpr("statuses").Where("account_id <> ?", alice.ID).Count(ctx)
			if n != 0 {
				t.Fatalf("the vote was stored as %d statuses", n)
			}
		})
	}
}
