package federation_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// partySections lists A and B as the party's sections (federation.sections).
func partySections(c *config.Config) {
	c.Federation.Sections = []string{"section-a.test", "section-b.test"}
}

// hostileAdherentClaim is a server that is not one of the party's
// sections: its own keys, its own actor, which claims to be an adherent
// by every spelling of the term.
func hostileAdherentClaim(t *testing.T, network *coopoltest.Network, host string) (actorURI string, post func(target *coopoltest.Instance, body map[string]any) int) {
	t.Helper()
	key, err := httpsign.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := httpsign.EncodePublicKey(&key.PublicKey)
	actorURI = "http://" + host + "/users/mallory"
	doc := map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
			map[string]any{"coopol": ap.CoopolNS, "adherent": "coopol:adherent"}},
		"id": actorURI, "type": "Person", "preferredUsername": "mallory", "inbox": actorURI + "/inbox",
		"adherent": true, "coopol:adherent": true,
		"publicKey": map[string]any{"id": actorURI + "#main-key", "owner": actorURI, "publicKeyPem": pem},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/mallory", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ap.ContentType)
		json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	network.Serve(t, host, mux)
	return actorURI, func(target *coopoltest.Instance, body map[string]any) int {
		return signedPost{keyID: actorURI + "#main-key", keyPEM: httpsign.EncodePrivateKey(key), body: mustJSON(t, body)}.send(t, target)
	}
}

func countRows(t *testing.T, inst *coopoltest.Instance, model any, where string, args ...any) int {
	t.Helper()
	n, err := inst.Store.DB.NewSelect().Model(model).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestAdmissionRemoteAdherentVouchedBySectionsOnly (issue 12, who may
// join): a group admitting "the party's adherents" admits an adherent of
// B (B vouches for her, B is in federation.sections), refuses B's
// sympathisant (B does not vouch), and refuses a hostile server that is
// not a section although its actor claims adherent status: nothing
// stored, nobody notified. The term is shown to signed fetches from
// sections only.
func TestAdmissionRemoteAdherentVouchedBySectionsOnly(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"}, partySections)
			a, b := insts[0], insts[1]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bea := b.CreateUser(t, "bea", false) // a verified adherent of B
			symUser, err := b.Social.CreateUser(ctx, social.NewUser{Username: "sam", Email: "sam@example.org", Password: "password-sam", Role: model.RoleSympathisant, Approved: true})
			if err != nil {
				t.Fatal(err)
			}
			sam := symUser.Account
			group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", Openness: social.OpennessOpen, Admission: social.AdmitParty})
			if err != nil {
				t.Fatal(err)
			}
			groupOnB := b.Resolve(t, "climat", "section-a.test")

			// Unsigned fetches never learn who is an adherent.
			resp, err := b.Network().Client().Get(b.Base() + "/users/bea")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "adherent") {
				t.Fatalf("unsigned actor fetch shows adherent status: %s", body)
			}

			if _, err := b.Social.JoinGroup(ctx, bea, groupOnB); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bea admitted", func() bool { return membershipState(b, groupOnB, bea) == "accepted" })
			if _, err := b.Social.JoinGroup(ctx, sam, groupOnB); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "sam refused", func() bool { return membershipState(b, groupOnB, sam) == "none" })
			if samOnA, err := a.Store.AccountByURI(ctx, sam.URI); err == nil && membershipState(a, group, samOnA) != "none" {
				t.Fatalf("B's sympathisant stored as %s on A", membershipState(a, group, samOnA))
			}

			// A hostile server claims adherent status for its own actor.
			notifs := countRows(t, a, (*model.Notification)(nil), "account_id = ?", alice.ID)
			mallory, post := hostileAdherentClaim(t, a.Network(), "hostile.test")
			code := post(a, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "http://hostile.test/join/1",
				"type": "Join", "actor": mallory, "object": group.URI, "to": []string{group.URI}})
			if code >= 500 {
				t.Fatalf("hostile Join: %d", code)
			}
			if n := countRows(t, a, (*model.Membership)(nil), "group_account_id = ? AND account_id IN (SELECT id FROM accounts WHERE uri = ?)", group.ID, mallory); n != 0 {
				t.Fatal("a non-section server's adherent claim was believed")
			}
			if countRows(t, a, (*model.Notification)(nil), "account_id = ?", alice.ID) != notifs {
				t.Fatal("moderators notified of a refused Join")
			}
			if m, _ := a.Store.Membership(ctx, group.ID, a.Resolve(t, "bea", "section-b.test").ID); m == nil || m.State != "accepted" {
				t.Fatal("bea is not a member on A")
			}
		})
	}
}

// TestRemovedRemoteMemberStopsReading (issue 12, members-only means
// current members): once A's group removes bob of B, B is told (Remove),
// and bob no longer reads the group's members-only posts on B (API), is
// not notified of replies to his own old post, cannot fetch them from A
// (ActivityPub GET signed by him), and his private calendar on B drops
// the group's members-only event. dora, still a member on B, still reads.
func TestRemovedRemoteMemberStopsReading(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"}, partySections)
			a, b := insts[0], insts[1]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := b.CreateUser(t, "bob", false)
			dora := b.CreateUser(t, "dora", false)
			group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "bureau", Openness: social.OpennessOpen, Admission: social.AdmitParty})
			if err != nil {
				t.Fatal(err)
			}
			groupOnB := b.Resolve(t, "bureau", "section-a.test")
			for _, m := range []*model.Account{bob, dora} {
				if _, err := b.Social.JoinGroup(ctx, m, groupOnB); err != nil {
					t.Fatal(err)
				}
				coopoltest.Eventually(t, m.Username+" admitted", func() bool { return membershipState(b, groupOnB, m) == "accepted" })
			}
			own, err := b.Social.CreateStatus(ctx, bob, social.NewStatus{Text: "Ma proposition", Visibility: model.VisibilityMembers, GroupID: groupOnB.ID})
			if err != nil {
				t.Fatal(err)
			}
			var ownOnA *model.Status
			coopoltest.Eventually(t, "bob's post on A", func() bool {
				ownOnA, err = a.Store.StatusByURI(ctx, own.URI)
				return err == nil
			})
			start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
			ev, err := a.Social.CreateEvent(ctx, alice, social.NewEvent{Title: "Réunion du bureau", StartAt: start, Visibility: model.VisibilityMembers, GroupID: group.ID})
			if err != nil {
				t.Fatal(err)
			}
			var evOnB *model.Event
			coopoltest.Eventually(t, "event on B", func() bool {
				evOnB, err = b.Store.EventByURI(ctx, ev.URI)
				return err == nil
			})
			if _, err := b.Social.SignUp(ctx, bob, evOnB.ID, ""); err != nil {
				t.Fatal(err)
			}
			token := auth.NewToken()
			if err := b.Store.SetCalendarToken(ctx, bob.ID, auth.HashToken(token), time.Now()); err != nil {
				t.Fatal(err)
			}
			if n := calendarEvents(t, b, token); n != 1 {
				t.Fatalf("bob's calendar has %d events before removal", n)
			}

			bobOnA := a.Resolve(t, "bob", "section-b.test")
			if err := a.Social.RemoveMember(ctx, alice, group, bobOnA, false); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "B told of the removal", func() bool { return membershipState(b, groupOnB, bob) == "none" })
			before := countRows(t, b, (*model.Notification)(nil), "account_id = ?", bob.ID)
			reply, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Non, Bob.", InReplyToID: ownOnA.ID})
			if err != nil {
				t.Fatal(err)
			}
			if reply.Visibility != model.VisibilityMembers {
				t.Fatalf("reply visibility %s", reply.Visibility)
			}
			var replyOnB *model.Status
			coopoltest.Eventually(t, "reply reaches dora's server", func() bool {
				replyOnB, err = b.Store.StatusByURI(ctx, reply.URI)
				return err == nil
			})
			if ok, _ := b.Social.CanView(ctx, dora, replyOnB); !ok {
				t.Fatal("dora, still a member, cannot read the reply")
			}
			if ok, _ := b.Social.CanView(ctx, bob, replyOnB); ok {
				t.Fatal("bob, removed, reads the reply on B")
			}
			if n := countRows(t, b, (*model.Notification)(nil), "account_id = ?", bob.ID); n != before {
				t.Fatal("bob, removed, was notified of the reply")
			}
			if code := signedGet(t, a, reply.URI, bob); code != http.StatusNotFound {
				t.Fatalf("bob fetches the reply from A: %d", code)
			}
			if n := calendarEvents(t, b, token); n != 0 {
				t.Fatalf("bob's calendar still has %d events of the group", n)
			}
		})
	}
}

func calendarEvents(t *testing.T, inst *coopoltest.Instance, token string) int {
	t.Helper()
	resp, err := http.Get(inst.URL("/calendar/" + token + ".ics"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cal, err := ical.ParseCalendar(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return len(cal.Events())
}
