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
		sec := &apiClient{t: t, inst: inst, token: mintToken(t, inst, u.Account, "read write"), http: anonymous(t, inst).http}
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
