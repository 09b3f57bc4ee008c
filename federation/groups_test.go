package federation_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

func membershipState(inst *coopoltest.Instance, group, member *model.Account) string {
	m, err := inst.Store.Membership(context.Background(), group.ID, member.ID)
	if err != nil {
		return "none"
	}
	return m.State
}

func signedGet(t *testing.T, inst *coopoltest.Instance, uri string, signer *model.Account) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, uri, nil)
	req.Header.Set("Accept", ap.ContentType)
	if signer != nil {
		key, _ := httpsign.ParsePrivateKey(signer.PrivateKeyPEM)
		if err := httpsign.SignRequest(req, signer.PublicKeyID, key, nil, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := inst.Network().Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestThematicGroupAcrossThreeSections is issue 5's scenario: a member of
// section A creates "Enseignants"; members of B and C join (one after
// approval, one by invitation); a members-only thread reaches every member
// and nothing reaches a plain follower; unsigned and non-member fetches
// get 404; a removed member stops receiving posts.
func TestThematicGroupAcrossThreeSections(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test", "section-c.test"})
			a, b, c := insts[0], insts[1], insts[2]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := b.CreateUser(t, "bob", false)
			carol := c.CreateUser(t, "carol", false)
			erin := c.CreateUser(t, "erin", false) // follows the group, never joins

			group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "enseignants", DisplayName: "Enseignants", Openness: social.OpennessModerated, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			if err != nil {
				t.Fatal(err)
			}
			groupOnB := b.Resolve(t, "enseignants", "section-a.test")
			groupOnC := c.Resolve(t, "enseignants", "section-a.test")
			if !groupOnB.IsGroup() || groupOnB.MembersURI == "" {
				t.Fatalf("group as seen from B: %+v", groupOnB)
			}

			// Bob asks to join: pending until alice approves.
			if _, err := b.Social.JoinGroup(ctx, bob, groupOnB); err != nil {
				t.Fatal(err)
			}
			bobOnA := a.Resolve(t, "bob", "section-b.test")
			coopoltest.Eventually(t, "bob's request on A", func() bool { return membershipState(a, group, bobOnA) == storage.MemberPending })
			ns, _ := a.Store.Notifications(ctx, alice.ID, 10)
			if len(ns) == 0 || ns[0].Type != "coopol.group_join_request" {
				t.Fatalf("alice not told of the request: %+v", ns)
			}
			if membershipState(b, groupOnB, bob) != storage.MemberPending {
				t.Fatal("B assumed the membership before approval")
			}
			if err := a.Social.AnswerJoinRequest(ctx, alice, group, bobOnA, true); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bob accepted on B", func() bool { return membershipState(b, groupOnB, bob) == storage.MemberAccepted })

			// Carol is invited, so her Join is accepted at once.
			carolOnA := a.Resolve(t, "carol", "section-c.test")
			if err := a.Social.InviteMember(ctx, alice, group, carolOnA); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "invitation on C", func() bool { return membershipState(c, groupOnC, carol) == storage.MemberInvited })
			if _, err := c.Social.JoinGroup(ctx, carol, groupOnC); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "carol accepted on C", func() bool { return membershipState(c, groupOnC, carol) == storage.MemberAccepted })

			// Erin only follows the group.
			if _, err := c.Social.Follow(ctx, erin, groupOnC); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "erin follows the group", func() bool {
				f, err := c.Store.Follow(ctx, erin.ID, groupOnC.ID)
				return err == nil && f.State == model.FollowAccepted
			})

			// A members-only thread by alice, and bob's members-only reply.
			thread, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Réunion du groupe jeudi", Visibility: model.VisibilityMembers, GroupID: group.ID, Title: "Réunion"})
			if err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "thread on B and C", func() bool { return statusExists(b, thread.URI) && statusExists(c, thread.URI) })
			threadOnB, _ := b.Store.StatusByURI(ctx, thread.URI)
			if threadOnB.Visibility != model.VisibilityMembers || threadOnB.GroupID == nil || *threadOnB.GroupID != groupOnB.ID {
				t.Fatalf("thread on B: %+v", threadOnB)
			}
			reply, err := b.Social.CreateStatus(ctx, bob, social.NewStatus{Text: "J'y serai", InReplyToID: threadOnB.ID})
			if err != nil {
				t.Fatal(err)
			}
			if reply.Visibility != model.VisibilityMembers {
				t.Fatalf("a reply in a members-only thread must stay members-only, got %s", reply.Visibility)
			}
			coopoltest.Eventually(t, "bob's reply on A and C", func() bool { return statusExists(a, reply.URI) && statusExists(c, reply.URI) })

			// Who may see it, on C: carol yes, erin no.
			threadOnC, _ := c.Store.StatusByURI(ctx, thread.URI)
			if ok, _ := c.Social.CanView(ctx, carol, threadOnC); !ok {
				t.Fatal("carol, a member, cannot see the thread")
			}
			if ok, _ := c.Social.CanView(ctx, erin, threadOnC); ok {
				t.Fatal("erin, a plain follower, can see a members-only thread")
			}
			var visible int
			c.Store.DB.NewSelect().TableExpr("statuses AS s").Apply(c.Social.VisibleFilter(erin)).Where("s.group_id IS NOT NULL").ColumnExpr("count(*)").Scan(ctx, &visible)
			if visible != 0 {
				t.Fatalf("erin's timeline query sees %d members-only posts", visible)
			}

			// Fetches: unsigned and non-member get 404, a member gets it.
			if code := signedGet(t, a, thread.URI, nil); code != 404 {
				t.Fatalf("unsigned fetch: %d", code)
			}
			if code := signedGet(t, a, thread.URI, erin); code != 404 {
				t.Fatalf("non-member fetch: %d", code)
			}
			if code := signedGet(t, a, thread.URI, carol); code != 200 {
				t.Fatalf("member fetch: %d", code)
			}
			if code := signedGet(t, b, reply.URI, nil); code != 404 {
				t.Fatalf("unsigned fetch of the reply on B: %d", code)
			}
			// The member list: a count to members, nothing to others (P-05).
			if code := signedGet(t, a, group.MembersURI, carol); code != 200 {
				t.Fatalf("member reading the members collection: %d", code)
			}
			if code := signedGet(t, a, group.MembersURI, erin); code != 404 {
				t.Fatalf("non-member reading the members collection: %d", code)
			}

			// Carol is removed: C forgets the membership and gets nothing more.
			if err := a.Social.RemoveMember(ctx, alice, group, carolOnA, false); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "removal on C", func() bool { return membershipState(c, groupOnC, carol) == "none" })
			after, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Suite sans Carol", Visibility: model.VisibilityMembers, GroupID: group.ID})
			if err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "post after removal on B", func() bool { return statusExists(b, after.URI) })
			time.Sleep(300 * time.Millisecond)
			if statusExists(c, after.URI) {
				t.Fatal("a removed member's section still receives members-only posts")
			}
			if ok, _ := c.Social.CanView(ctx, carol, threadOnC); ok {
				t.Fatal("carol still sees the thread after her removal")
			}
		})
	}
}

// TestPublicGroupPlainFollower: a follower on an instance with no member
// receives the group's public posts (filed in the group, shown in the
// follower's home timeline: redistribution, not a boost, issue 13), and
// never its members-only posts.
func TestPublicGroupPlainFollower(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-d.test"})
	a, d := insts[0], insts[1]
	ctx := context.Background()
	alice := a.CreateUser(t, "alice", false)
	dave := d.CreateUser(t, "dave", false)
	group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	groupOnD := d.Resolve(t, "climat", "section-a.test")
	if _, err := d.Social.Follow(ctx, dave, groupOnD); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "dave follows", func() bool {
		f, err := d.Store.Follow(ctx, dave.ID, groupOnD.ID)
		return err == nil && f.State == model.FollowAccepted
	})
	secret, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Entre membres", Visibility: model.VisibilityMembers, GroupID: group.ID})
	if err != nil {
		t.Fatal(err)
	}
	public, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Marche pour le climat samedi", Visibility: model.VisibilityPublic, GroupID: group.ID})
	if err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "public group post relayed to D", func() bool {
		st, err := d.Store.StatusByURI(ctx, public.URI)
		return err == nil && st.GroupID != nil && *st.GroupID == groupOnD.ID
	})
	if n, _ := d.Store.DB.NewSelect().TableExpr("statuses").Where("reblog_of_id IS NOT NULL").Count(ctx); n != 0 {
		t.Fatalf("%d boost rows for the group's own post", n)
	}
	if statusExists(d, secret.URI) {
		t.Fatal("a members-only post reached a plain follower's server")
	}
	var bodies []string
	a.Store.DB.NewSelect().TableExpr("outbox_activities").Column("body").Where("account_id = ?", group.ID).Scan(ctx, &bodies)
	for _, body := range bodies {
		if strings.Contains(body, "Entre membres") && strings.Contains(body, ap.Public) {
			t.Fatal("a members-only post was announced publicly")
		}
	}
}
