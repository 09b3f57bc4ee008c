package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

// Issue 14 through the API: an action's slots are replaced by PUT (a slot
// someone signed up for cannot be removed); a sign-up may carry a phone
// number with consent, shown to the organiser only; the organiser writes
// to the participants, one private message each.
func TestCoopolSlotsPhoneAndMessageAPI(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		_, sec := login(t, inst, "secretaire", false)
		m1acc, m1 := login(t, inst, "m1", false)
		_, m2 := login(t, inst, "m2", false)
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
		at := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }
		ev := sec.post("/api/v1/coopol/events", map[string]any{
			"title": "Porte-à-porte", "kind": "field_action", "action_kind": "door_to_door", "start_at": at(0),
			"slots": []any{map[string]any{"start_at": at(0), "end_at": at(time.Hour), "need": 2}, map[string]any{"start_at": at(time.Hour), "end_at": at(2 * time.Hour), "need": 2}},
		}).obj()
		id := str(ev, "id")
		first, second := str(ev, "slots.0.id"), str(ev, "slots.1.id")

		// A phone number needs consent; refused, nothing is stored.
		m1.post("/api/v1/coopol/events/"+id+"/participate", map[string]any{"slot_id": first, "phone": "06 11 22 33 44"}).status(http.StatusUnprocessableEntity)
		m1.post("/api/v1/coopol/events/"+id+"/participate", map[string]any{"slot_id": first, "phone": "appelle-moi", "phone_consent": true}).status(http.StatusUnprocessableEntity)
		if _, err := inst.Store.Participation(ctx, inst.Store.DB, id, first, m1acc.ID); err == nil {
			t.Fatal("a refused sign-up was stored")
		}
		m1.post("/api/v1/coopol/events/"+id+"/participate", map[string]any{"slot_id": first, "phone": "06 11 22 33 44", "phone_consent": true}).ok()
		ps := sec.get("/api/v1/coopol/events/" + id + "/participants").list()
		if len(ps) != 1 || str(ps[0], "phone") != "06 11 22 33 44" {
			t.Fatalf("organiser's list: %v", ps)
		}
		m2.get("/api/v1/coopol/events/" + id + "/participants").status(http.StatusNotFound)
		if got := m2.get("/api/v1/coopol/events/" + id).Body; strings.Contains(string(got), "06 11 22") {
			t.Fatalf("the event shows the phone number: %s", got)
		}

		// Slots: removing the one m1 signed up for is refused.
		sec.do("PUT", "/api/v1/coopol/events/"+id, map[string]any{"slots": []any{
			map[string]any{"id": second, "start_at": at(time.Hour), "end_at": at(2 * time.Hour), "need": 2}}}).status(http.StatusUnprocessableEntity)
		got := sec.do("PUT", "/api/v1/coopol/events/"+id, map[string]any{"slots": []any{
			map[string]any{"id": first, "start_at": at(30 * time.Minute), "end_at": at(90 * time.Minute), "need": 3},
			map[string]any{"start_at": at(3 * time.Hour), "end_at": at(4 * time.Hour), "need": 1}}}).obj()
		if str(got, "slots.0.id") != first || path(got, "slots.0.need") != float64(3) || path(got, "slots.1.need") != float64(1) || path(got, "capacity") != float64(4) {
			t.Fatalf("after the slots edit: %v", got)
		}
		if len(got["slots"].([]any)) != 2 {
			t.Fatalf("slots: %v", got["slots"])
		}

		// The organiser writes; m1 receives a direct message; m2 cannot.
		m2.post("/api/v1/coopol/events/"+id+"/message", map[string]any{"text": "Coucou"}).status(http.StatusNotFound)
		res := sec.post("/api/v1/coopol/events/"+id+"/message", map[string]any{"text": "Rendez-vous à l’école"}).obj()
		if path(res, "recipients") != float64(1) {
			t.Fatalf("message: %v", res)
		}
		n, _ := inst.Store.DB.NewSelect().Model((*model.Status)(nil)).
			Join("JOIN status_recipients AS r ON r.status_id = s.id").
			Where("r.account_id = ? AND s.visibility = ?", m1acc.ID, model.VisibilityDirect).Count(ctx)
		if n != 1 {
			t.Fatalf("m1 has %d direct messages", n)
		}
		sec.post("/api/v1/coopol/events/"+id+"/message", map[string]any{"text": ""}).status(http.StatusUnprocessableEntity)
	})
}
