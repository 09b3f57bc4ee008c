package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// TestSympathisantsFollowTheSection: issue 13's membership model —
// sympathisants are not members of the section and follow it, so its
// public posts and actions reach their home timeline and agenda. Created
// approved (as the CLI does) or approved by the staff after signing up;
// never a member, and one who unfollowed is not made to follow again.
func TestSympathisantsFollowTheSection(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst) // sam: a sympathisant created approved
		ctx := context.Background()
		follows := func(who *model.Account) bool {
			t.Helper()
			f, err := inst.Store.Follow(ctx, who.ID, w.section.ID)
			if err != nil && err != storage.ErrNotFound {
				t.Fatal(err)
			}
			return err == nil && f.State == model.FollowAccepted
		}
		if !follows(w.sam) {
			t.Fatal("a sympathisant created approved does not follow the section")
		}
		if follows(w.alice) || follows(w.bob) {
			t.Fatal("verified members were made to follow the section: they are its members")
		}
		if _, err := inst.Store.Membership(ctx, w.section.ID, w.sam.ID); err != storage.ErrNotFound {
			t.Fatalf("the sympathisant has a section membership (%v)", err)
		}

		sam := newBrowser(t, inst)
		sam.login("sam")
		later, err := inst.Social.CreateStatus(ctx, w.sec, social.NewStatus{Text: "Réunion publique jeudi", GroupID: w.section.ID})
		if err != nil {
			t.Fatal(err)
		}
		home := sam.get("/home")
		wantStatus(t, home, http.StatusOK)
		mustContain(t, home, sectionText, "Réunion publique jeudi", actionTitle)
		mustContain(t, sam.get("/events"), actionTitle)

		// Someone signs up (registrations: approval): no follow while
		// the account waits, one once the staff approve it.
		visitor := newBrowser(t, inst)
		visitor.submit("/signup", "/signup", url.Values{"username": {"nadia"}, "email": {"nadia@example.org"}, "password": {"correct horse battery"}, "status": {"sympathisant"}})
		nadia, err := inst.Store.UserByLogin(ctx, "nadia")
		if err != nil {
			t.Fatal(err)
		}
		nadiaAcc, _ := inst.Store.AccountByID(ctx, nadia.AccountID)
		if follows(nadiaAcc) {
			t.Fatal("an account waiting for approval follows the section")
		}
		sec := newBrowser(t, inst)
		sec.login("sec")
		wantStatus(t, sec.submit("/dashboard", "/dashboard/users/"+nadia.ID+"/approve", nil), http.StatusSeeOther)
		if !follows(nadiaAcc) {
			t.Fatal("an approved sympathisant does not follow the section")
		}
		visitor.submit("/login", "/login", url.Values{"login": {"nadia"}, "password": {"correct horse battery"}})
		mustContain(t, visitor.get("/home"), "Réunion publique jeudi")

		// A verified adhérent is a member, not a follower; back to
		// sympathisant, they follow.
		if err := inst.Social.VerifyMember(ctx, w.sec, nadiaAcc, true); err != nil {
			t.Fatal(err)
		}
		if m, err := inst.Store.Membership(ctx, w.section.ID, nadiaAcc.ID); err != nil || m.State != storage.MemberAccepted {
			t.Fatalf("verified: membership %+v, %v", m, err)
		}
		if err := inst.Social.Unfollow(ctx, nadiaAcc, w.section); err != nil {
			t.Fatal(err)
		}
		if err := inst.Social.VerifyMember(ctx, w.sec, nadiaAcc, false); err != nil {
			t.Fatal(err)
		}
		if !follows(nadiaAcc) {
			t.Fatal("no longer an adhérent, nadia does not follow the section")
		}

		// sam unfollows: a restart's reconciliation does not follow again.
		if err := inst.Social.Unfollow(ctx, w.sam, w.section); err != nil {
			t.Fatal(err)
		}
		if err := inst.Social.ReconcileSection(ctx); err != nil {
			t.Fatal(err)
		}
		if follows(w.sam) {
			t.Fatal("the start-up reconciliation made sam follow the section again")
		}
		if _, err := inst.Social.CreateStatus(ctx, w.sec, social.NewStatus{Text: "Après le désabonnement", GroupID: w.section.ID}); err != nil {
			t.Fatal(err)
		}
		mustNotContain(t, sam.get("/home"), "Après le désabonnement")
		_ = later
	})
}
