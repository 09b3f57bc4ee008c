package federation_test

import (
	"context"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestBlockingAFollowerSendsRejectNotBlock (issue 15, GtS item 5): with
// deliver_blocks false (the default), blocking a remote follower ends the
// follow on their server with a Reject(Follow) embedding their Follow, and
// nothing reveals the block.
func TestBlockingAFollowerSendsRejectNotBlock(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			a := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			if a.Config.Federation.DeliverBlocks {
				t.Fatal("deliver_blocks is expected to be off by default")
			}
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			peer := newStrictPeer(t, a.Network(), "strict.test", "gina")
			if code := peer.follow(t, a, "gina", alice.URI); code != 202 {
				t.Fatalf("follow: %d (%s)", code, peer.problems())
			}
			coopoltest.Eventually(t, "Accept delivered", func() bool { return len(peer.find("Accept")) == 1 })
			follow, _ := peer.find("Accept")[0]["object"].(map[string]any)
			gina, err := a.Store.AccountByURI(ctx, peer.actorURI("gina"))
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Social.Block(ctx, alice, gina); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "Reject delivered", func() bool { return len(peer.find("Reject")) == 1 })
			reject := peer.find("Reject")[0]
			inner, _ := reject["object"].(map[string]any)
			if reject["actor"] != alice.URI || inner["type"] != "Follow" || inner["id"] != follow["id"] || inner["actor"] != gina.URI || inner["object"] != alice.URI {
				t.Fatalf("Reject: %v", reject)
			}
			if followState(a, gina, alice) != "none" {
				t.Fatal("the follow still exists on A")
			}
			// Another delivery (a public post) would come after; nothing
			// named Block went out, nor any Undo.
			for _, typ := range peer.types() {
				if typ == "Block" || typ == "Undo" {
					t.Fatalf("the block was revealed: %v", peer.types())
				}
			}
			n, _ := a.Store.DB.NewSelect().TableExpr("outbox_activities").Where("type = ?", "Block").Count(ctx)
			if n != 0 {
				t.Fatalf("%d Block activities stored", n)
			}
		})
	}
}
