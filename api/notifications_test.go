package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

func types(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, m := range items {
		out[i], _ = m["type"].(string)
	}
	return out
}

func TestNotifications(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		alice, ac := login(t, inst, "alice", false)
		bob, bc := login(t, inst, "bob", false)
		_, cc := login(t, inst, "carol", false)

		mine := ac.postStatus("Qui vient samedi ?", "public")
		bc.post("/api/v1/accounts/"+alice.ID+"/follow", nil).obj()
		bc.post("/api/v1/statuses/"+str(mine, "id")+"/favourite", nil).obj()
		mention := bc.postStatus("@alice moi !", "direct")
		// A Coopol kind, which Mastodon clients do not know.
		ctx := context.Background()
		now := time.Now().UTC()
		if err := inst.Store.InsertNotification(ctx, inst.Store.DB, &model.Notification{ID: model.NewID(now), AccountID: alice.ID,
			FromAccountID: &bob.ID, Type: "coopol.action_signup", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}

		all := ac.get("/api/v1/notifications").list()
		if got := types(all); !slices.Equal(got, []string{"mention", "favourite", "follow"}) {
			t.Fatalf("types: %v", got)
		}
		for _, n := range all {
			if str(n, "account.acct") != "bob" || !isoTimePattern.MatchString(str(n, "created_at")) {
				t.Fatalf("notification: %v", n)
			}
		}
		if str(all[0], "status.id") != str(mention, "id") || str(all[1], "status.id") != str(mine, "id") || all[2]["status"] != nil {
			t.Fatalf("statuses: %s", mustJSON(all))
		}
		if got := types(ac.get("/api/v1/notifications?types[]=mention").list()); !slices.Equal(got, []string{"mention"}) {
			t.Fatalf("types[]=mention: %v", got)
		}
		if got := types(ac.get("/api/v1/notifications?exclude_types[]=follow&exclude_types[]=mention").list()); !slices.Equal(got, []string{"favourite"}) {
			t.Fatalf("exclude_types: %v", got)
		}
		if got := types(ac.get("/api/v1/notifications?types[]=coopol.action_signup&types[]=follow").list()); !slices.Equal(got, []string{"coopol.action_signup", "follow"}) {
			t.Fatalf("asked-for Coopol kind: %v", got)
		}
		if got := ac.get("/api/v1/notifications?account_id=" + alice.ID).list(); len(got) != 0 {
			t.Fatalf("account_id filter: %v", got)
		}
		r := ac.get("/api/v1/notifications?limit=2")
		if got := types(r.list()); !slices.Equal(got, []string{"mention", "favourite"}) {
			t.Fatalf("limit: %v", got)
		}
		if got := types(ac.get(links(t, r)["next"]).list()); !slices.Equal(got, []string{"follow"}) {
			t.Fatalf("next page: %v", got)
		}

		if c := ac.get("/api/v1/notifications/unread_count").obj(); c["count"] != 3.0 {
			t.Fatalf("unread: %v", c)
		}
		ac.post("/api/v1/markers", url.Values{"notifications[last_read_id]": {str(all[1], "id")}}).obj()
		if c := ac.get("/api/v1/notifications/unread_count").obj(); c["count"] != 1.0 {
			t.Fatalf("unread after marker: %v", c)
		}

		// Someone else's notification does not exist for them.
		nid := str(all[0], "id")
		cc.get("/api/v1/notifications/" + nid).status(http.StatusNotFound)
		cc.post("/api/v1/notifications/"+nid+"/dismiss", nil).status(http.StatusNotFound)
		if n := ac.get("/api/v1/notifications/" + nid).obj(); n["type"] != "mention" {
			t.Fatalf("get: %v", n)
		}
		ac.post("/api/v1/notifications/"+nid+"/dismiss", nil).obj()
		ac.get("/api/v1/notifications/" + nid).status(http.StatusNotFound)

		// Muting with notifications silences them.
		ac.post("/api/v1/accounts/"+bob.ID+"/mute", nil).obj()
		if got := ac.get("/api/v1/notifications").list(); len(got) != 0 {
			t.Fatalf("muted account's notifications: %v", types(got))
		}
		ac.post("/api/v1/accounts/"+bob.ID+"/unmute", nil).obj()
		ac.post("/api/v1/notifications/clear", nil).obj()
		if got := ac.get("/api/v1/notifications?types[]=coopol.action_signup").list(); len(got) != 0 {
			t.Fatalf("after clear: %v", types(got))
		}
	})
}
