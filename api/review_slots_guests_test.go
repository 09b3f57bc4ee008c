package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/mail/mailtest"
	"github.com/coopol/coopol/social"
)

// Review finding: growing a slot's need goes through promoteWaitingSlot,
// which counts only "going" places (not guests' held ones) and treats every
// waiting participation as an account's.
func TestReviewGrowSlotWithGuests(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"}, coopoltest.Option(func(c *config.Config) {
		c.SMTP.Host, c.SMTP.Port = catcher.Host, catcher.Port
	}))[0]
	ctx := context.Background()
	_, sec := login(t, inst, "secretaire", false)
	_, m1 := login(t, inst, "m1", false)
	_, m2 := login(t, inst, "m2", false)
	_, m3 := login(t, inst, "m3", false)
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	at := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }
	write := func(n social.GuestNotice) mail.Message {
		return mail.Message{To: *n.Guest.Email, Subject: "x", Text: n.ConfirmURL}
	}

	t.Run("overbooking", func(t *testing.T) {
		ev := sec.post("/api/v1/coopol/events", map[string]any{
			"title": "Tractage", "kind": "field_action", "action_kind": "leafleting", "visibility": "public", "start_at": at(0),
			"slots": []any{map[string]any{"start_at": at(0), "end_at": at(time.Hour), "need": 2}},
		}).obj()
		id, slot := str(ev, "id"), str(ev, "slots.0.id")
		if st, err := inst.Social.SignUpGuest(ctx, id, social.NewGuest{Name: "Gaston", Email: "g1@guest.test", SlotID: slot, Consent: true}, write); err != nil || st != "held" {
			t.Fatalf("guest: %q %v", st, err)
		}
		m1.post("/api/v1/coopol/events/"+id+"/participate", map[string]any{"slot_id": slot}).ok()
		m2.post("/api/v1/coopol/events/"+id+"/participate", map[string]any{"slot_id": slot}).ok() // waiting
		m3.post("/api/v1/coopol/events/"+id+"/participate", map[string]any{"slot_id": slot}).ok() // waiting
		sec.do("PUT", "/api/v1/coopol/events/"+id, map[string]any{"slots": []any{
			map[string]any{"id": slot, "start_at": at(0), "end_at": at(time.Hour), "need": 3}}}).ok()
		taken, err := inst.Store.CountTaken(ctx, inst.Store.DB, id, slot)
		if err != nil || taken > 3 {
			t.Fatalf("slot of need 3 has %d places taken (held guest + going) %v", taken, err)
		}
	})

	t.Run("guest waiting", func(t *testing.T) {
		ev := sec.post("/api/v1/coopol/events", map[string]any{
			"title": "Tractage 2", "kind": "field_action", "action_kind": "leafleting", "visibility": "public", "start_at": at(0),
			"slots": []any{map[string]any{"start_at": at(0), "end_at": at(time.Hour), "need": 1}},
		}).obj()
		id, slot := str(ev, "id"), str(ev, "slots.0.id")
		m1.post("/api/v1/coopol/events/"+id+"/participate", map[string]any{"slot_id": slot}).ok()
		if st, err := inst.Social.SignUpGuest(ctx, id, social.NewGuest{Name: "Gaston", Email: "g2@guest.test", SlotID: slot, Consent: true}, write); err != nil || st != "waitlisted" {
			t.Fatalf("guest: %q %v", st, err)
		}
		res := sec.do("PUT", "/api/v1/coopol/events/"+id, map[string]any{"slots": []any{
			map[string]any{"id": slot, "start_at": at(0), "end_at": at(time.Hour), "need": 2}}})
		if res.Code != http.StatusOK {
			t.Fatalf("growing a slot a guest waits for: %d %s", res.Code, res.Body)
		}
	})
}
