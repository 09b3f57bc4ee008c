package federation_test

import (
	"context"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// TestMastodonStylePostIntoPublicGroup: a follower on another server
// posts into an open group by mentioning it, as a Mastodon user does
// (the group in cc and a Mention tag, delivered to the group's inbox);
// the group accepts it and announces it to its other followers.
func TestMastodonStylePostIntoPublicGroup(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test", "section-c.test"})
	a, b, c := insts[0], insts[1], insts[2]
	ctx := context.Background()
	alice := a.CreateUser(t, "alice", false)
	group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "velo", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	masto := b.CreateUser(t, "masto", false) // plays a Mastodon user: follows, never joins
	carol := c.CreateUser(t, "carol", false)
	for _, x := range []struct {
		inst *coopoltest.Instance
		who  *model.Account
	}{{b, masto}, {c, carol}} {
		g := x.inst.Resolve(t, "velo", "section-a.test")
		if _, err := x.inst.Social.Follow(ctx, x.who, g); err != nil {
			t.Fatal(err)
		}
		coopoltest.Eventually(t, "follow accepted on "+x.inst.Host, func() bool {
			f, err := x.inst.Store.Follow(ctx, x.who.ID, g.ID)
			return err == nil && f.State == model.FollowAccepted
		})
	}
	// A public post mentioning the group: the group is addressed and the
	// post delivered to its inbox, as Mastodon does for a mention.
	note, err := b.Social.CreateStatus(ctx, masto, social.NewStatus{Text: "@velo@section-a.test balade dimanche !", Visibility: model.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	noteID := note.URI
	coopoltest.Eventually(t, "the group takes the post", func() bool { return statusExists(a, noteID) })
	st, err := a.Store.StatusByURI(ctx, noteID)
	if err != nil || st.GroupID == nil || *st.GroupID != group.ID {
		t.Fatalf("the group did not take the post: %v %+v", err, st)
	}
	// carol, another follower, sees the group's boost of it.
	coopoltest.Eventually(t, "announced to the other followers", func() bool { return statusExists(c, noteID) })
}
