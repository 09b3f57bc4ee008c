package api_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// TestStaffNotificationsSpeakMastodon (issue 14): a report and a sign-up
// reach the staff as Mastodon's admin.report (with its report) and
// admin.sign_up, which Mastodon apps show without asking for them; the
// reporter and other members get neither.
func TestStaffNotificationsSpeakMastodon(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		u, err := inst.Social.CreateUser(ctx, social.NewUser{Username: "sec", Email: "sec@example.org", Password: "password-sec", Role: model.RoleAdmin, Approved: true})
		if err != nil {
			t.Fatal(err)
		}
		sec := &apiClient{t: t, inst: inst, token: mintToken(t, inst.Store, u.Account, "read write"), http: anonymous(t, inst).http}
		alice, aliceAPI := login(t, inst, "alice", false)
		bob := inst.CreateUser(t, "bob", false)

		aliceAPI.post("/api/v1/reports", url.Values{"account_id": {bob.ID}, "comment": {"des insultes"}}).ok()
		nadia, err := inst.Social.CreateUser(ctx, social.NewUser{Username: "nadia", Email: "nadia@example.org", Password: "password-nadia", Role: model.RoleSympathisant})
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.Social.NotifySignUp(ctx, nadia.Account); err != nil {
			t.Fatal(err)
		}

		list, _ := sec.get("/api/v1/notifications").ok().([]any)
		var report, signUp map[string]any
		for _, item := range list {
			n := item.(map[string]any)
			switch n["type"] {
			case "admin.report":
				report = n
			case "admin.sign_up":
				signUp = n
			}
		}
		if report == nil || signUp == nil {
			t.Fatalf("staff notifications: %v", list)
		}
		if acc := report["account"].(map[string]any); acc["id"] != alice.ID {
			t.Fatalf("admin.report account %v, want the reporter", acc["id"])
		}
		r, _ := report["report"].(map[string]any)
		if r == nil || r["comment"] != "des insultes" || r["target_account"].(map[string]any)["id"] != bob.ID || r["action_taken"] != false {
			t.Fatalf("admin.report's report: %v", report["report"])
		}
		if acc := signUp["account"].(map[string]any); acc["id"] != nadia.Account.ID {
			t.Fatalf("admin.sign_up account %v", acc["id"])
		}
		// The reporter (a member, not staff) is told of nothing.
		for _, item := range aliceAPI.get("/api/v1/notifications").ok().([]any) {
			if typ := item.(map[string]any)["type"].(string); typ == "admin.report" || typ == "admin.sign_up" {
				t.Fatalf("a member got %s", typ)
			}
		}
	})
}

// TestGroupProfileByAPI: PATCH /api/v1/coopol/groups/:id changes a
// group's name, description and territory for its admins, as the web
// settings page does; a member who is not admin gets 403 and nothing
// changes; a bad territory is a 422 that changes nothing.
func TestGroupProfileByAPI(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		alice, aliceAPI := login(t, inst, "alice", false)
		bob, bobAPI := login(t, inst, "bob", false)
		group, err := inst.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "velo", DisplayName: "Vélo", Openness: social.OpennessOpen, Admission: social.AdmitAnyone})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inst.Social.JoinGroup(ctx, bob, group); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/coopol/groups/" + group.ID
		if r := bobAPI.do("PATCH", path, url.Values{"display_name": {"Piraté"}}); r.Code != 403 {
			t.Fatalf("a member's PATCH: %d %s", r.Code, r.Body)
		}
		section, _ := inst.Store.LocalAccount(ctx, "section")
		if r := aliceAPI.do("PATCH", "/api/v1/coopol/groups/"+section.ID, url.Values{"display_name": {"Piraté"}}); r.Code != 403 {
			t.Fatalf("a member's PATCH of the section: %d %s", r.Code, r.Body)
		}
		if r := aliceAPI.do("PATCH", path, url.Values{"territory": {"<b>Lyon</b>"}}); r.Code != 422 {
			t.Fatalf("a bad territory: %d %s", r.Code, r.Body)
		}
		r := aliceAPI.do("PATCH", path, url.Values{"display_name": {"Vélo à Lyon"}, "territory": {"Lyon"}})
		if r.Code != 200 {
			t.Fatalf("the creator's PATCH: %d %s", r.Code, r.Body)
		}
		got := r.obj()
		if got["territory"] != "Lyon" {
			t.Fatalf("answer: %v", got)
		}
		if a, _ := inst.Store.AccountByID(ctx, group.ID); a.DisplayName != "Vélo à Lyon" {
			t.Fatalf("stored name %q", a.DisplayName)
		}
		if s, _ := inst.Store.LocalAccount(ctx, "section"); s.DisplayName == "Piraté" {
			t.Fatal("a refused PATCH renamed the section")
		}
	})
}
