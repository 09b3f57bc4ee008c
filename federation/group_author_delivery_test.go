package federation_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// Issue 15, GoToSocial item 3: a server that knows a group's public post
// only through the group's boost (Mastodon, GoToSocial) applies an edit or
// a deletion only when the post's author sends it. So the author's own
// Update and Delete go to the group's followers' servers too, not only the
// group's relay that Coopol understands.
func TestGroupPostEditAndDeleteGoToGroupFollowersFromTheAuthor(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-d.test"})
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
			coopoltest.Eventually(t, "dave follows the group", func() bool { return followState(d, dave, groupOnD) == model.FollowAccepted })
			daveOnA := a.Resolve(t, "dave", "section-d.test")

			st, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Marche pour le climat samedi", GroupID: group.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Social.EditStatus(ctx, alice, st.ID, social.NewStatus{Text: "Marche pour le climat dimanche", GroupID: group.ID}); err != nil {
				t.Fatal(err)
			}
			if err := a.Social.DeleteStatus(ctx, alice, st.ID); err != nil {
				t.Fatal(err)
			}
			sent := map[string]bool{} // activity types alice sent to D's inbox
			var jobs []struct {
				Args []byte `bun:"args"`
			}
			argsAsText := "args::text AS args" // SQLite keeps River's args as JSONB
			if backend == "sqlite" {
				argsAsText = "json(args) AS args"
			}
			if err := a.Store.DB.NewSelect().TableExpr("river_job").ColumnExpr(argsAsText).Where("kind = 'deliver'").Scan(ctx, &jobs); err != nil {
				t.Fatal(err)
			}
			for _, j := range jobs {
				var args map[string]string
				if err := json.Unmarshal(j.Args, &args); err != nil || args["inbox"] != daveOnA.DeliveryInbox() {
					continue
				}
				var act model.OutboxActivity
				if err := a.Store.DB.NewSelect().Model(&act).Where("id = ?", args["activity_id"]).Scan(ctx); err == nil && act.AccountID == alice.ID {
					sent[act.Type] = true
				}
			}
			for _, typ := range []string{"Update", "Delete"} {
				if !sent[typ] {
					t.Errorf("alice's %s of her group post did not go to the group follower's server (sent: %v)", typ, sent)
				}
			}
		})
	}
}
