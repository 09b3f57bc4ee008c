package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// TestGroupModeration: a moderator locks a thread (a remote member's
// reply is refused by the group) and removes a post (it disappears from
// the members' servers too).
func TestGroupModeration(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test"})
	a, b := insts[0], insts[1]
	ctx := context.Background()
	alice := a.CreateUser(t, "alice", false)
	bob := b.CreateUser(t, "bob", false)
	group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	groupOnB := b.Resolve(t, "climat", "section-a.test")
	if _, err := b.Social.JoinGroup(ctx, bob, groupOnB); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "bob is a member", func() bool { return membershipState(b, groupOnB, bob) == storage.MemberAccepted })

	thread, err := b.Social.CreateStatus(ctx, bob, social.NewStatus{Text: "Fil de discussion", Visibility: model.VisibilityMembers, GroupID: groupOnB.ID})
	if err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "thread on A", func() bool { return statusExists(a, thread.URI) })
	onA, _ := a.Store.StatusByURI(ctx, thread.URI)

	// Only moderators moderate.
	carol := a.CreateUser(t, "carol", false)
	if err := a.Social.ModerateGroupPost(ctx, carol, onA.ID, social.ModLock); err == nil {
		t.Fatal("a non-member locked a thread")
	}
	if err := a.Social.ModerateGroupPost(ctx, alice, onA.ID, social.ModLock); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "réponse", InReplyToID: onA.ID}); err == nil {
		t.Fatal("a reply to a locked thread was accepted locally")
	}
	reply, err := b.Social.CreateStatus(ctx, bob, social.NewStatus{Text: "Je réponds quand même", InReplyToID: thread.ID})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if statusExists(a, reply.URI) {
		t.Fatal("the group accepted a reply to a locked thread")
	}

	// Removal reaches the member's server.
	if err := a.Social.ModerateGroupPost(ctx, alice, onA.ID, social.ModRemove); err != nil {
		t.Fatal(err)
	}
	if statusExists(a, thread.URI) {
		t.Fatal("the removed post is still on the group's server")
	}
	coopoltest.Eventually(t, "removal on B", func() bool { return !statusExists(b, thread.URI) })
	_ = group
}
