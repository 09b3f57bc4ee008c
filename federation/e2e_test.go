package federation_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

func statusExists(inst *coopoltest.Instance, uri string) bool {
	_, err := inst.Store.StatusByURI(context.Background(), uri)
	return err == nil
}

func followState(inst *coopoltest.Instance, from, to *model.Account) string {
	f, err := inst.Store.Follow(context.Background(), from.ID, to.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return "none"
	}
	return f.State
}

// TestTwoSectionsFederate runs the whole life of a relationship between
// two instances over real signed HTTP: follow, post, reply, like, boost,
// edit, delete, unfollow, follow with approval, block.
func TestTwoSectionsFederate(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"},
				func(c *config.Config) { c.Federation.DeliverBlocks = true })
			a, b := insts[0], insts[1]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := b.CreateUser(t, "bob", false)
			carol := b.CreateUser(t, "carol", true)

			// Follow without approval: pending until B's Accept arrives.
			bobOnA := a.Resolve(t, "bob", "section-b.test")
			if bobOnA.URI != "http://section-b.test/users/bob" || bobOnA.PublicKeyPEM == "" {
				t.Fatalf("resolved bob: %+v", bobOnA)
			}
			if _, err := a.Social.Follow(ctx, alice, bobOnA); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "alice's follow accepted on A", func() bool { return followState(a, alice, bobOnA) == model.FollowAccepted })
			aliceOnB, err := b.Store.AccountByURI(ctx, alice.URI)
			if err != nil {
				t.Fatal(err)
			}
			if followState(b, aliceOnB, bob) != model.FollowAccepted {
				t.Fatal("B does not record alice as follower")
			}

			// Bob posts publicly, mentioning alice: A stores it once and notifies alice.
			post, err := b.Social.CreateStatus(ctx, bob, social.NewStatus{Text: "Tractage samedi @alice@section-a.test #marché", Visibility: model.VisibilityPublic})
			if err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bob's post on A", func() bool { return statusExists(a, post.URI) })
			onA, _ := a.Store.StatusByURI(ctx, post.URI)
			if !strings.Contains(onA.Content, "Tractage samedi") || onA.Visibility != model.VisibilityPublic {
				t.Fatalf("post on A: %+v", onA)
			}
			if tags, _ := a.Store.StatusTags(ctx, onA.ID); len(tags) != 1 || tags[0] != "marché" {
				t.Fatalf("tags on A: %v", tags)
			}
			coopoltest.Eventually(t, "alice notified of the mention", func() bool {
				ns, _ := a.Store.Notifications(ctx, alice.ID, 10)
				return len(ns) == 1 && ns[0].Type == "mention"
			})

			// Alice replies, likes and boosts; each lands once on B.
			reply, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "J'en suis !", InReplyToID: onA.ID, Visibility: model.VisibilityPublic})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Social.Favourite(ctx, alice, onA.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Social.Reblog(ctx, alice, onA.ID); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "reply, like and boost counted on B", func() bool {
				st, _ := b.Store.StatusByID(ctx, post.ID)
				return st.RepliesCount == 1 && st.FavouritesCount == 1 && st.ReblogsCount == 1
			})
			replyOnB, err := b.Store.StatusByURI(ctx, reply.URI)
			if err != nil || replyOnB.InReplyToID == nil || *replyOnB.InReplyToID != post.ID {
				t.Fatalf("reply on B: %v %+v", err, replyOnB)
			}
			// Liking twice does not count twice.
			if _, err := a.Social.Favourite(ctx, alice, onA.ID); err != nil {
				t.Fatal(err)
			}

			// Bob edits: A shows the new text and keeps the edit time.
			if _, err := b.Social.EditStatus(ctx, bob, post.ID, social.NewStatus{Text: "Tractage samedi 10h, place du marché"}); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "edit on A", func() bool {
				st, _ := a.Store.StatusByURI(ctx, post.URI)
				return strings.Contains(st.Content, "10h") && st.EditedAt != nil
			})

			// Alice takes back her like and boost.
			if _, err := a.Social.Unfavourite(ctx, alice, onA.ID); err != nil {
				t.Fatal(err)
			}
			if err := a.Social.Unreblog(ctx, alice, onA.ID); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "unlike and unboost on B", func() bool {
				st, _ := b.Store.StatusByID(ctx, post.ID)
				return st.FavouritesCount == 0 && st.ReblogsCount == 0
			})

			// Bob deletes: gone on A, and a late copy would be refused.
			if err := b.Social.DeleteStatus(ctx, bob, post.ID); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "delete on A", func() bool { return !statusExists(a, post.URI) })
			if gone, _ := a.Store.IsTombstoned(ctx, post.URI); !gone {
				t.Fatal("A did not remember the deletion")
			}

			// Unfollow.
			if err := a.Social.Unfollow(ctx, alice, bobOnA); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "unfollow on B", func() bool { return followState(b, aliceOnB, bob) == "none" })

			// Follow with approval: pending on both sides until carol agrees.
			carolOnA := a.Resolve(t, "carol", "section-b.test")
			if !carolOnA.Locked {
				t.Fatal("carol's actor does not say manuallyApprovesFollowers")
			}
			if _, err := a.Social.Follow(ctx, alice, carolOnA); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "follow request on B", func() bool { return followState(b, aliceOnB, carol) == model.FollowPending })
			if followState(a, alice, carolOnA) != model.FollowPending {
				t.Fatal("A assumed the follow was accepted (P-01)")
			}
			// A followers-only post of carol's does not reach a pending follower (P-01).
			private, err := b.Social.CreateStatus(ctx, carol, social.NewStatus{Text: "Réunion de section", Visibility: model.VisibilityPrivate})
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Social.AnswerFollowRequest(ctx, carol, aliceOnB, true); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "approval on A", func() bool { return followState(a, alice, carolOnA) == model.FollowAccepted })
			if statusExists(a, private.URI) {
				t.Fatal("a followers-only post reached a pending follower")
			}
			private2, err := b.Social.CreateStatus(ctx, carol, social.NewStatus{Text: "Réunion de section, suite", Visibility: model.VisibilityPrivate})
			if err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "followers-only post on A", func() bool { return statusExists(a, private2.URI) })
			if st, _ := a.Store.StatusByURI(ctx, private2.URI); st.Visibility != model.VisibilityPrivate {
				t.Fatalf("visibility on A: %s", st.Visibility)
			}

			public, err := b.Social.CreateStatus(ctx, carol, social.NewStatus{Text: "Tract du samedi", Visibility: model.VisibilityPublic})
			if err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "public post on A", func() bool { return statusExists(a, public.URI) })
			carolsPageForAlice := func() int {
				t.Helper()
				page, err := a.Store.AccountTimeline(ctx, carolOnA.ID, a.Social.VisibleFilter(alice), storage.AccountTimelineOptions{}, storage.Page{Limit: 20})
				if err != nil {
					t.Fatal(err)
				}
				return len(page)
			}
			if n := carolsPageForAlice(); n < 2 {
				t.Fatalf("before the block, carol's page on A shows alice %d posts, want her public and followers-only ones", n)
			}

			// Carol blocks alice: the follow ends on both sides.
			if err := b.Social.Block(ctx, carol, aliceOnB); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "block on A", func() bool {
				blocked, _ := a.Store.IsBlocking(ctx, carolOnA.ID, alice.ID)
				return blocked && followState(a, alice, carolOnA) == "none"
			})
			// The Block from carol's own server reaches the audience rule on
			// A: logged in, alice reads none of carol's posts there, public
			// ones included (README, "Who can read what").
			if n := carolsPageForAlice(); n != 0 {
				t.Fatalf("after carol's block, her page on A still shows alice %d posts", n)
			}
			if _, err := a.Social.Follow(ctx, alice, carolOnA); !errors.Is(err, social.ErrForbidden) {
				t.Fatalf("following a blocker: %v", err)
			}
		})
	}
}
