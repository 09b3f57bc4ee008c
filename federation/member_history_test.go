package federation_test

import (
	"context"
	"io"
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

// signedGetBody GETs uri as ActivityPub, signed by signer (nil: unsigned),
// and returns the status and body.
func signedGetBody(t *testing.T, inst *coopoltest.Instance, uri string, signer *model.Account) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, uri, nil)
	req.Header.Set("Accept", ap.ContentType)
	if signer != nil {
		key, err := httpsign.ParsePrivateKey(signer.PrivateKeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		if err := httpsign.SignRequest(req, signer.PublicKeyID, key, nil, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := inst.Network().Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestNewMemberGetsMembersOnlyHistory (issue 13, history on arrival):
// when bob of B becomes a member of A's group, B fetches the group's
// history signed with bob's key, and the members-only post and event
// published before he joined arrive on B, members-only in that group
// (bob sees them, B's non-member does not). C, whose erin only follows
// the group, gets the public history and nothing members-only; the
// group's outbox shows members-only items to nobody but a member's
// signature (not to C's instance actor, erin, or bob's own server's
// instance actor), and is not cached for others.
func TestNewMemberGetsMembersOnlyHistory(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test", "section-c.test"})
			a, b, c := insts[0], insts[1], insts[2]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := b.CreateUser(t, "bob", false)
			basile := b.CreateUser(t, "basile", false) // on B, never joins
			erin := c.CreateUser(t, "erin", false)     // follows the group, never joins
			group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", DisplayName: "Climat",
				Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			if err != nil {
				t.Fatal(err)
			}
			// Before anyone of B or C is there: a public post, a
			// members-only post and a members-only event.
			public, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Ciné-débat ouvert à tous", GroupID: group.ID})
			if err != nil {
				t.Fatal(err)
			}
			secret, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Ordre du jour interne", Visibility: model.VisibilityMembers, GroupID: group.ID})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
			meeting, err := a.Social.CreateEvent(ctx, alice, social.NewEvent{Title: "Réunion interne climat", StartAt: start, EndAt: start.Add(time.Hour),
				Visibility: model.VisibilityMembers, GroupID: group.ID})
			if err != nil {
				t.Fatal(err)
			}
			meetingStatus, err := a.Store.StatusByID(ctx, meeting.StatusID)
			if err != nil {
				t.Fatal(err)
			}

			groupOnC := c.Resolve(t, "climat", "section-a.test")
			if _, err := c.Social.Follow(ctx, erin, groupOnC); err != nil {
				t.Fatal(err)
			}
			groupOnB := b.Resolve(t, "climat", "section-a.test")
			if _, err := b.Social.JoinGroup(ctx, bob, groupOnB); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bob accepted on B", func() bool { return membershipState(b, groupOnB, bob) == storage.MemberAccepted })

			// The members-only history reaches B, members-only in the group.
			coopoltest.Eventually(t, "the members-only post and event on B", func() bool {
				return statusExists(b, secret.URI) && statusExists(b, meetingStatus.URI)
			})
			for _, uri := range []string{secret.URI, meetingStatus.URI} {
				st, err := b.Store.StatusByURI(ctx, uri)
				if err != nil {
					t.Fatal(err)
				}
				if st.Visibility != model.VisibilityMembers || st.GroupID == nil || *st.GroupID != groupOnB.ID {
					t.Fatalf("%s on B: visibility %s, group %v", uri, st.Visibility, st.GroupID)
				}
				if ok, _ := b.Social.CanView(ctx, bob, st); !ok {
					t.Fatalf("bob, a member, cannot see %s on B", uri)
				}
				if ok, _ := b.Social.CanView(ctx, basile, st); ok {
					t.Fatalf("basile, not a member, sees %s on B", uri)
				}
				if ok, _ := b.Social.CanView(ctx, nil, st); ok {
					t.Fatalf("anonymous sees %s on B", uri)
				}
			}
			if ev, err := b.Store.EventByURI(ctx, meetingStatus.URI); err != nil || ev.Title != "Réunion interne climat" {
				t.Fatalf("the members-only meeting on B is not an event: %+v %v", ev, err)
			}
			coopoltest.Eventually(t, "the public post on B and C", func() bool {
				return statusExists(b, public.URI) && statusExists(c, public.URI)
			})

			// C follows only: nothing members-only there.
			if statusExists(c, secret.URI) || statusExists(c, meetingStatus.URI) {
				t.Fatal("a members-only item reached C, whose erin only follows the group")
			}

			// The outbox, asked directly.
			page := group.OutboxURI + "?page=true"
			bobOnA := a.Resolve(t, "bob", "section-b.test")
			if membershipState(a, group, bobOnA) != storage.MemberAccepted {
				t.Fatal("bob is not a member on A")
			}
			code, body := signedGetBody(t, a, page, bob)
			if code != http.StatusOK || !strings.Contains(body, "Ordre du jour interne") || !strings.Contains(body, "Réunion interne climat") {
				t.Fatalf("the outbox signed by a member: %d %s", code, body)
			}
			cInstance, err := c.Social.InstanceActor(ctx)
			if err != nil {
				t.Fatal(err)
			}
			bInstance, err := b.Social.InstanceActor(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for name, signer := range map[string]*model.Account{"unsigned": nil, "C's instance actor": cInstance, "erin of C": erin,
				"B's instance actor": bInstance, "basile of B": basile} {
				code, body := signedGetBody(t, a, page, signer)
				if code != http.StatusOK || !strings.Contains(body, "Ciné-débat ouvert à tous") {
					t.Fatalf("%s: the public outbox: %d %s", name, code, body)
				}
				if strings.Contains(body, "Ordre du jour interne") || strings.Contains(body, "Réunion interne climat") || strings.Contains(body, group.MembersURI) {
					t.Fatalf("%s got members-only items from the outbox: %s", name, body)
				}
			}

			// Leaving: a later history fetch for bob brings nothing
			// members-only (the outbox asks the audience rule each time).
			if err := a.Social.RemoveMember(ctx, alice, group, bobOnA, false); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bob removed on B", func() bool { return membershipState(b, groupOnB, bob) != storage.MemberAccepted })
			if _, body := signedGetBody(t, a, page, bob); strings.Contains(body, "Ordre du jour interne") {
				t.Fatal("a removed member's signed fetch still gets members-only items")
			}
		})
	}
}
