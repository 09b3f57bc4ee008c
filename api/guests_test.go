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

// TestEventGuestsAPI: the people who signed up without an account (on the
// event's web page) are listed, with their address and phone, to the
// organiser only; the members' participant list is unchanged by them.
func TestEventGuestsAPI(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"}, coopoltest.Option(func(c *config.Config) {
		c.SMTP.Host, c.SMTP.Port = catcher.Host, catcher.Port
	}))[0]
	_, sec := login(t, inst, "secretaire", false)
	_, m1 := login(t, inst, "m1", false)
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	ev := sec.post("/api/v1/coopol/events", map[string]any{
		"title": "Tractage", "kind": "field_action", "action_kind": "leafleting", "visibility": "public",
		"start_at": start.Format(time.RFC3339), "capacity": 3, "timezone": "Europe/Paris",
	}).obj()
	id := str(ev, "id")
	state, err := inst.Social.SignUpGuest(context.Background(), id, social.NewGuest{Name: "Gaston", Email: "gaston@guest.test",
		Phone: "0612345678", Consent: true}, func(n social.GuestNotice) mail.Message {
		return mail.Message{To: *n.Guest.Email, Subject: "Inscription", Text: n.ConfirmURL + "\n" + n.CancelURL}
	})
	if err != nil || state != "held" {
		t.Fatalf("guest sign-up: %q %v", state, err)
	}
	catcher.WaitTo(t, "gaston@guest.test", "/guests/confirm?token=", 10*time.Second)
	guests := sec.get("/api/v1/coopol/events/" + id + "/guests").list()
	if len(guests) != 1 || str(guests[0], "email") != "gaston@guest.test" || str(guests[0], "phone") != "0612345678" ||
		str(guests[0], "state") != "held" || guests[0]["confirmed"] != false {
		t.Fatalf("organiser sees guests %v", guests)
	}
	m1.get("/api/v1/coopol/events/" + id + "/guests").status(http.StatusNotFound)
	anonymous(t, inst).get("/api/v1/coopol/events/" + id + "/guests").status(http.StatusUnauthorized)
	if ps := sec.get("/api/v1/coopol/events/" + id + "/participants").list(); len(ps) != 0 {
		t.Fatalf("members' participant list shows %v", ps)
	}
	if got := m1.get("/api/v1/coopol/events/" + id).obj(); path(got, "participant_count") != float64(1) {
		t.Fatalf("gauge through the API: %v", got)
	}
}
