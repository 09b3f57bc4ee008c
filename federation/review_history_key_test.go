package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Review finding (H-13): the members-only history fetch signs with the new
// member's key every GET it makes, including those to third-party origins
// (a remote member's post the group relays is fetched from its own
// server). That server then learns, by resolving the key, which local
// account is reading the group: here C learns of bob of B, who never had
// anything to do with C.
func TestReviewHistoryFetchSignsThirdPartyAsMember(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test", "section-c.test"})
	a, b, c := insts[0], insts[1], insts[2]
	ctx := context.Background()
	alice := a.CreateUser(t, "alice", false)
	bob := b.CreateUser(t, "bob", false)
	carol := c.CreateUser(t, "carol", false)
	group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", DisplayName: "Climat",
		Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	groupOnC := c.Resolve(t, "climat", "section-a.test")
	if _, err := c.Social.JoinGroup(ctx, carol, groupOnC); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "carol accepted on C", func() bool { return membershipState(c, groupOnC, carol) == storage.MemberAccepted })
	post, err := c.Social.CreateStatus(ctx, carol, social.NewStatus{Text: "Public post of carol in the group", GroupID: groupOnC.ID})
	if err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "carol's post in the group on A", func() bool {
		st, err := a.Store.StatusByURI(ctx, post.URI)
		return err == nil && st.GroupID != nil && *st.GroupID == group.ID
	})
	if _, err := c.Store.AccountByURI(ctx, bob.URI); err == nil {
		t.Fatal("C knew bob before the test")
	}
	groupOnB := b.Resolve(t, "climat", "section-a.test")
	if _, err := b.Social.JoinGroup(ctx, bob, groupOnB); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "bob accepted on B", func() bool { return membershipState(b, groupOnB, bob) == storage.MemberAccepted })
	coopoltest.Eventually(t, "carol's post fetched by B (history)", func() bool { return statusExists(b, post.URI) })
	time.Sleep(200 * time.Millisecond) // C's key resolution is synchronous with the GET; only slack here
	if _, err := c.Store.AccountByURI(ctx, bob.URI); err == nil {
		t.Fatal("C resolved bob's key: B's history fetch signed a GET to a third-party server as bob, telling C that bob reads group climat")
	}
}
