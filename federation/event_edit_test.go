package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// Issue 14: the organiser moves a field action; a participant on another
// section's instance sees the new place and time and is told, in one
// notification, what changed; a cancellation reaches them too.
func TestEditedActionReachesRemoteParticipants(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
			a, b := insts[0], insts[1]
			ctx := context.Background()
			sec := a.CreateUser(t, "secretaire", false)
			bruno := b.CreateUser(t, "bruno", false)
			if _, err := b.Social.Follow(ctx, bruno, b.Resolve(t, "secretaire", "section-a.test")); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "follow accepted", func() bool {
				n, _ := b.Store.DB.NewSelect().TableExpr("follows").Where("state = 'accepted' AND account_id = ?", bruno.ID).Count(ctx)
				return n == 1
			})
			need := 3
			start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
			ev, err := a.Social.CreateEvent(ctx, sec, social.NewEvent{Title: "Tractage au marché", Kind: model.EventKindFieldAction,
				ActionKind: "leafleting", StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "Place du marché",
				Locality: "Villeneuve-Exemple", Capacity: &need})
			if err != nil {
				t.Fatal(err)
			}
			var onB *model.Event
			coopoltest.Eventually(t, "the action reaches B", func() bool {
				onB, err = b.Store.EventByURI(ctx, ev.URI)
				return err == nil
			})
			if _, err := b.Social.SignUp(ctx, bruno, onB.ID, ""); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bruno going", func() bool { return participationState(b, onB, bruno) == model.ParticipationGoing })

			edit := social.EditOf(ev)
			edit.PlaceName, edit.StartAt, edit.EndAt = "Devant la mairie", start.Add(4*time.Hour), start.Add(6*time.Hour)
			if _, changed, err := a.Social.EditEvent(ctx, sec, ev.ID, edit); err != nil || len(changed) != 2 {
				t.Fatalf("edit: %v %v", err, changed)
			}
			coopoltest.Eventually(t, "the new place on B", func() bool {
				e, err := b.Store.EventByURI(ctx, ev.URI)
				return err == nil && e.PlaceName == "Devant la mairie" && e.StartAt.Equal(start.Add(4*time.Hour).UTC())
			})
			notified := func(detail string) bool {
				n, _ := b.Store.DB.NewSelect().Model((*model.Notification)(nil)).
					Where("account_id = ? AND type = ? AND detail = ?", bruno.ID, social.NotificationEventChanged, detail).Count(ctx)
				return n == 1
			}
			coopoltest.Eventually(t, "bruno told what changed", func() bool { return notified("time,place") })

			if _, err := a.Social.CancelEvent(ctx, sec, ev.ID); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "cancelled on B, bruno told", func() bool {
				e, err := b.Store.EventByURI(ctx, ev.URI)
				return err == nil && e.EventStatus == "CANCELLED" && notified("status")
			})
			// A participant of B cannot edit A's action through B.
			if _, _, err := b.Social.EditEvent(ctx, bruno, onB.ID, edit); err == nil {
				t.Fatal("a participant edited the action")
			}
		})
	}
}
