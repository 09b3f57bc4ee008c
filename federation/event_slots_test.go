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

// Issue 14: the organiser edits an action's slots (moves the one a
// participant on B signed up for, removes an empty one, adds one): B's
// copy gets the same slots, and the participant is told the time changed.
func TestEditedSlotsReachRemoteParticipants(t *testing.T) {
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
			start := time.Now().Add(72 * time.Hour).Truncate(time.Minute).UTC()
			ev, err := a.Social.CreateEvent(ctx, sec, social.NewEvent{Title: "Porte-à-porte", Kind: model.EventKindFieldAction,
				ActionKind: "door_to_door", StartAt: start, Slots: []social.NewSlot{
					{StartAt: start, EndAt: start.Add(time.Hour), Need: 2}, {StartAt: start.Add(time.Hour), EndAt: start.Add(2 * time.Hour), Need: 2}}})
			if err != nil {
				t.Fatal(err)
			}
			var onB *model.Event
			coopoltest.Eventually(t, "the action reaches B", func() bool {
				onB, err = b.Store.EventByURI(ctx, ev.URI)
				return err == nil && len(onB.Slots) == 2
			})
			first, second := ev.Slots[0], ev.Slots[1]
			if _, err := b.Social.SignUp(ctx, bruno, onB.ID, first.ID); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bruno going", func() bool {
				p, err := b.Store.Participation(ctx, b.Store.DB, onB.ID, first.ID, bruno.ID)
				return err == nil && p.State == model.ParticipationGoing
			})
			// Removing bruno's slot is refused on A.
			edit := social.EditOf(ev)
			edit.SetSlots, edit.Slots = true, []social.SlotEdit{{ID: second.ID, StartAt: second.StartAt, EndAt: second.EndAt, Need: 2}}
			if _, _, err := a.Social.EditEvent(ctx, sec, ev.ID, edit); err == nil {
				t.Fatal("a slot with a participant was removed")
			}
			edit.Slots = []social.SlotEdit{
				{ID: first.ID, StartAt: first.StartAt.Add(30 * time.Minute), EndAt: first.EndAt.Add(30 * time.Minute), Need: 3},
				{StartAt: start.Add(3 * time.Hour), EndAt: start.Add(4 * time.Hour), Need: 1},
			}
			if _, changed, err := a.Social.EditEvent(ctx, sec, ev.ID, edit); err != nil || len(changed) == 0 || changed[0] != social.ChangedTime {
				t.Fatalf("edit: %v %v", err, changed)
			}
			fresh, _ := a.Store.EventByID(ctx, ev.ID)
			coopoltest.Eventually(t, "B has A's slots", func() bool {
				e, err := b.Store.EventByURI(ctx, ev.URI)
				if err != nil || len(e.Slots) != len(fresh.Slots) {
					return false
				}
				for i := range e.Slots {
					if e.Slots[i].ID != fresh.Slots[i].ID || !e.Slots[i].StartAt.Equal(fresh.Slots[i].StartAt) || e.Slots[i].Need != fresh.Slots[i].Need {
						return false
					}
				}
				return true
			})
			coopoltest.Eventually(t, "bruno told the time changed", func() bool {
				n, _ := b.Store.DB.NewSelect().Model((*model.Notification)(nil)).
					Where("account_id = ? AND type = ? AND detail LIKE ?", bruno.ID, social.NotificationEventChanged, "time%").Count(ctx)
				return n == 1
			})
		})
	}
}
