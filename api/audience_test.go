package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// membersGroup makes a moderated group created by owner with the given
// clients admitted as members; it returns the group's id.
func membersGroup(t *testing.T, owner *apiClient, name string, members map[*model.Account]*apiClient) string {
	t.Helper()
	gid := str(owner.post("/api/v1/coopol/groups", map[string]any{"username": name, "openness": "moderated"}).obj(), "id")
	for a, c := range members {
		c.post("/api/v1/coopol/groups/"+gid+"/join", nil).ok()
		owner.post("/api/v1/coopol/groups/"+gid+"/requests/"+a.ID+"/authorize", nil).ok()
	}
	return gid
}

func countNotifications(t *testing.T, inst *coopoltest.Instance, accountID string) int {
	t.Helper()
	n, err := inst.Store.DB.NewSelect().Model((*model.Notification)(nil)).Where("account_id = ?", accountID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestMembersOnlyMentionOfNonMemberRefused (P-13): a mention never widens
// a members-only audience, so a members-only post mentioning a non-member
// is refused with 422, and nothing is stored or notified.
func TestMembersOnlyMentionOfNonMemberRefused(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		bob, bobc := login(t, inst, "bob", false)
		carol, carolc := login(t, inst, "carol", false)
		gid := membersGroup(t, alice, "bureau", map[*model.Account]*apiClient{bob: bobc})
		before := countNotifications(t, inst, carol.ID)
		r := bobc.post("/api/v1/statuses", map[string]any{"status": "Entre nous @carol", "visibility": "members", "group_id": gid})
		r.status(http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), "members of its group only") {
			t.Fatalf("unclear error: %s", r.Body)
		}
		if n := countStatuses(t, inst, bob); n != 0 {
			t.Fatalf("%d statuses stored after a refusal", n)
		}
		if n := countNotifications(t, inst, carol.ID); n != before {
			t.Fatal("the non-member was notified")
		}
		// Mentioning a member is fine; carol still cannot read it.
		st := bobc.post("/api/v1/statuses", map[string]any{"status": "Entre nous @alice", "visibility": "members", "group_id": gid}).obj()
		carolc.get("/api/v1/statuses/" + str(st, "id")).status(http.StatusNotFound)
		// An edit cannot add a non-member either.
		bobc.do("PUT", "/api/v1/statuses/"+str(st, "id"), map[string]any{"status": "Entre nous @carol"}).status(http.StatusUnprocessableEntity)
		carolc.get("/api/v1/statuses/" + str(st, "id")).status(http.StatusNotFound)
	})
}

// TestRemovedMemberStopsReading (P-14): a removed or banned member stops
// reading the group's members-only posts at once, replies to their own
// old posts included; they are not notified of those replies, and their
// calendar feed drops the group's members-only events.
func TestRemovedMemberStopsReading(t *testing.T) {
	for _, ban := range []bool{false, true} {
		name := "removed"
		if ban {
			name = "banned"
		}
		t.Run(name, func(t *testing.T) {
			eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
				_, alice := login(t, inst, "alice", false)
				bob, bobc := login(t, inst, "bob", false)
				gid := membersGroup(t, alice, "bureau", map[*model.Account]*apiClient{bob: bobc})
				own := bobc.post("/api/v1/statuses", map[string]any{"status": "Ma proposition", "visibility": "members", "group_id": gid}).obj()
				start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
				ev := alice.post("/api/v1/coopol/events", map[string]any{"title": "Réunion du bureau", "start_at": start.Format(time.RFC3339),
					"visibility": "members", "group_id": gid}).obj()
				bobc.post("/api/v1/coopol/events/"+str(ev, "id")+"/participate", nil).ok()
				feed := str(bobc.post("/api/v1/coopol/calendar", nil).obj(), "url")
				if n := feedEvents(t, inst, feed); n != 1 {
					t.Fatalf("bob's feed has %d events before removal", n)
				}

				alice.post("/api/v1/coopol/groups/"+gid+"/members/"+bob.ID+"/remove", map[string]any{"ban": ban}).ok()
				before := countNotifications(t, inst, bob.ID)
				reply := alice.post("/api/v1/statuses", map[string]any{"status": "Non, Bob.", "in_reply_to_id": str(own, "id")}).obj()
				if str(reply, "coopol.visibility") != "members" {
					t.Fatalf("reply visibility: %v", reply["coopol"])
				}
				bobc.get("/api/v1/statuses/" + str(reply, "id")).status(http.StatusNotFound)
				bobc.get("/api/v1/statuses/" + str(ev, "status_id")).status(http.StatusNotFound)
				if n := countNotifications(t, inst, bob.ID); n != before {
					t.Fatal("the removed member was notified of a reply")
				}
				if ctx := bobc.get("/api/v1/statuses/" + str(own, "id") + "/context").obj(); len(ctx["descendants"].([]any)) != 0 {
					t.Fatalf("the removed member reads the replies: %v", ctx["descendants"])
				}
				if home := bobc.get("/api/v1/timelines/home").list(); strings.Contains(string(bobc.get("/api/v1/timelines/home").Body), "Non, Bob.") {
					t.Fatalf("reply in the removed member's home: %v", home)
				}
				if n := feedEvents(t, inst, feed); n != 0 {
					t.Fatalf("bob's feed still has %d events of the group", n)
				}
				// Their own post stays theirs to read.
				bobc.get("/api/v1/statuses/" + str(own, "id")).ok()
			})
		})
	}
}

func feedEvents(t *testing.T, inst *coopoltest.Instance, feed string) int {
	t.Helper()
	resp, err := http.Get(inst.URL(strings.TrimPrefix(feed, inst.Base())))
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

// TestMembersOnlyReplyStaysMembersOnly (P-15): whatever the client asks,
// a reply in a members-only thread is members-only in the same group;
// nothing public carries the parent's id.
func TestMembersOnlyReplyStaysMembersOnly(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		bob, bobc := login(t, inst, "bob", false)
		_, carol := login(t, inst, "carol", false)
		gid := membersGroup(t, alice, "bureau", map[*model.Account]*apiClient{bob: bobc})
		other := str(bobc.post("/api/v1/coopol/groups", map[string]any{"username": "autre", "openness": "moderated"}).obj(), "id")
		root := alice.post("/api/v1/statuses", map[string]any{"status": "Ordre du jour", "visibility": "members", "group_id": gid}).obj()
		for _, vis := range []string{"public", "unlisted", "private", "direct", ""} {
			r := bobc.post("/api/v1/statuses", map[string]any{"status": "Réponse " + vis, "visibility": vis, "in_reply_to_id": str(root, "id")}).obj()
			if str(r, "coopol.visibility") != "members" {
				t.Fatalf("reply asked as %q is %v", vis, r["coopol"])
			}
			carol.get("/api/v1/statuses/" + str(r, "id")).status(http.StatusNotFound)
			if resp, err := http.Get(inst.URL("/users/bob/statuses/" + str(r, "id"))); err != nil || resp.StatusCode != http.StatusNotFound {
				t.Fatalf("anonymous fetch of a members-only reply: %v %v", resp.StatusCode, err)
			}
		}
		n := countStatuses(t, inst, bob)
		bobc.post("/api/v1/statuses", map[string]any{"status": "Ailleurs", "group_id": other, "in_reply_to_id": str(root, "id")}).status(http.StatusUnprocessableEntity)
		if countStatuses(t, inst, bob) != n {
			t.Fatal("a reply moved to another group was stored")
		}
		if pub := anonymous(t, inst).get("/api/v1/timelines/public?local=true").list(); len(pub) != 0 {
			t.Fatalf("public timeline shows %d posts of a members-only thread", len(pub))
		}
	})
}

// sectionID is the id of the instance's section group.
func sectionID(t *testing.T, inst *coopoltest.Instance) string {
	t.Helper()
	a, err := inst.Store.LocalAccount(context.Background(), inst.Social.Config.Section.Username)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func sectionMembership(t *testing.T, inst *coopoltest.Instance, accountID string) *model.Membership {
	t.Helper()
	m, err := inst.Store.Membership(context.Background(), sectionID(t, inst), accountID)
	if err != nil {
		return nil
	}
	return m
}

// TestSectionMembershipFollowsRoles (issue 13, one membership model): the
// CLI's admin and member accounts are the section's staff and members at
// once; a sympathisant is not a member and cannot become one by asking;
// staff verification is the only way in, and taking it back stops the
// reading of the section's members-only posts at once.
func TestSectionMembershipFollowsRoles(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		mk := func(name, role string) (*model.Account, *apiClient) {
			u, err := inst.Social.CreateUser(ctx, social.NewUser{Username: name, Email: name + "@example.org", Password: "password-" + name, Role: role, Approved: true})
			if err != nil {
				t.Fatal(err)
			}
			return u.Account, &apiClient{t: t, inst: inst, token: mintToken(t, inst.Store, u.Account, "read write follow"), http: &http.Client{Timeout: 20 * time.Second}}
		}
		sec, secc := mk("secretaire", model.RoleAdmin)
		mod, _ := mk("moderatrice", model.RoleModerator)
		adh, adhc := mk("adherente", model.RoleMember)
		sym, symc := mk("sympathisant", model.RoleSympathisant)
		for a, role := range map[*model.Account]string{sec: "admin", mod: "moderator", adh: "member"} {
			m := sectionMembership(t, inst, a.ID)
			if m == nil || m.State != "accepted" || m.Role != role || m.SectionStatus != "adherent" {
				t.Fatalf("%s: section membership %+v, want accepted %s", a.Username, m, role)
			}
		}
		if m := sectionMembership(t, inst, sym.ID); m != nil {
			t.Fatalf("a sympathisant is a section member: %+v", m)
		}
		gid := sectionID(t, inst)
		// The secretary posts members-only in her section without asking.
		post := secc.post("/api/v1/statuses", map[string]any{"status": "AG samedi", "visibility": "members", "group_id": gid}).obj()
		adhc.get("/api/v1/statuses/" + str(post, "id")).ok()
		symc.get("/api/v1/statuses/" + str(post, "id")).status(http.StatusNotFound)

		// No asking to join a section; nothing stored, nobody notified.
		before := countNotifications(t, inst, sec.ID)
		r := symc.post("/api/v1/coopol/groups/"+gid+"/join", nil)
		r.status(http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), "follow it instead") {
			t.Fatalf("unclear refusal: %s", r.Body)
		}
		if m := sectionMembership(t, inst, sym.ID); m != nil {
			t.Fatalf("join stored a membership: %+v", m)
		}
		if countNotifications(t, inst, sec.ID) != before {
			t.Fatal("staff notified of a refused join")
		}
		// Nor do the group tools change the section's membership.
		secc.post("/api/v1/coopol/groups/"+gid+"/members/"+adh.ID+"/remove", nil).status(http.StatusUnprocessableEntity)
		secc.post("/api/v1/coopol/groups/"+gid+"/invite", map[string]any{"account_id": sym.ID}).status(http.StatusUnprocessableEntity)
		if m := sectionMembership(t, inst, sym.ID); m != nil {
			t.Fatalf("invite stored a membership: %+v", m)
		}
		// A sympathisant cannot verify themselves.
		symc.post("/api/v1/coopol/members/"+sym.ID+"/verify", map[string]any{"adherent": true}).status(http.StatusForbidden)
		if m := sectionMembership(t, inst, sym.ID); m != nil {
			t.Fatalf("self-verification made a member: %+v", m)
		}
		// Staff verification is the way in; taking it back is the way out.
		secc.post("/api/v1/coopol/members/"+sym.ID+"/verify", map[string]any{"adherent": true}).ok()
		if m := sectionMembership(t, inst, sym.ID); m == nil || m.State != "accepted" || m.Role != "member" {
			t.Fatalf("verified, section membership %+v", m)
		}
		symc.get("/api/v1/statuses/" + str(post, "id")).ok()
		secc.post("/api/v1/coopol/members/"+adh.ID+"/verify", map[string]any{"adherent": false}).ok()
		if m := sectionMembership(t, inst, adh.ID); m != nil {
			t.Fatalf("unverified, still a section member: %+v", m)
		}
		adhc.get("/api/v1/statuses/" + str(post, "id")).status(http.StatusNotFound)
		if u, _ := inst.Store.UserByAccountID(ctx, adh.ID); u.Role != model.RoleSympathisant || u.MemberVerifiedAt != nil {
			t.Fatalf("unverified user: %s %v", u.Role, u.MemberVerifiedAt)
		}
	})
}
