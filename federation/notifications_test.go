package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

func notificationTypes(t *testing.T, inst *coopoltest.Instance, a *model.Account) map[string]int {
	t.Helper()
	ns, err := inst.Store.Notifications(context.Background(), a.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, n := range ns {
		out[n.Type]++
	}
	return out
}

// TestStatusUpdateAndPollNotifications: subscribers hear of new posts
// ("status"), boosters of edits ("update"), voters and author of a
// poll's end ("poll"), across two sections.
func TestStatusUpdateAndPollNotifications(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test"})
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
	if err := b.Store.SetFollowOptions(ctx, bob.ID, aliceOnB.ID, true, true); err != nil {
		t.Fatal(err)
	}

	post, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Première", Visibility: model.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "status notification on B", func() bool { return notificationTypes(t, b, bob)["status"] == 1 })

	onB, _ := b.Store.StatusByURI(ctx, post.URI)
	if _, err := b.Social.Reblog(ctx, bob, onB.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.EditStatus(ctx, alice, post.ID, social.NewStatus{Text: "Première, corrigée"}); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "update notification on B", func() bool { return notificationTypes(t, b, bob)["update"] == 1 })

	poll, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Sondage", Visibility: model.VisibilityPublic,
		Poll: &social.NewPoll{Options: []string{"oui", "non"}, ExpiresIn: 5 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "poll on B", func() bool { return statusExists(b, poll.URI) })
	pollOnB, _ := b.Store.StatusByURI(ctx, poll.URI)
	if _, err := b.Social.Vote(ctx, bob, pollOnB.ID, []int{0}); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "vote counted", func() bool {
		p, err := a.Store.Poll(ctx, a.Store.DB, poll.ID)
		return err == nil && p.VotersCount == 1
	})
	later := func() time.Time { return time.Now().Add(10 * time.Minute) }
	a.Social.Now, b.Social.Now = later, later
	if n, err := a.Social.ClosePolls(ctx); err != nil || n != 1 {
		t.Fatalf("closing on A: %d %v", n, err)
	}
	if n, _ := a.Social.ClosePolls(ctx); n != 0 {
		t.Fatal("a poll was closed twice")
	}
	if notificationTypes(t, a, alice)["poll"] != 1 {
		t.Fatal("the author was not told the poll ended")
	}
	if n, err := b.Social.ClosePolls(ctx); err != nil || n != 1 {
		t.Fatalf("closing on B: %d %v", n, err)
	}
	if notificationTypes(t, b, bob)["poll"] != 1 {
		t.Fatal("the voter was not told the poll ended")
	}
}
