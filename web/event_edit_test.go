package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// The secretary moves a published action (a new meeting point, a later
// hour): the participants are told in one notification that says what
// changed; a larger need promotes the people waiting; a member cannot
// edit; cancelling keeps the action visible, marked cancelled; a duplicate
// keeps place and need at a new date.
func TestEditCancelDuplicateAnAction(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")
		day := time.Now().AddDate(0, 0, 5).Format("2006-01-02")
		r := sec.submit("/events/new?kind=field_action", "/events", url.Values{
			"kind": {"field_action"}, "action_kind": {"leafleting"}, "title": {"Tractage au marché"}, "date": {day},
			"start": {"10:00"}, "end": {"12:00"}, "place_name": {"Place du marché"}, "locality": {"Villeneuve-Exemple"},
			"capacity": {"1"}, "visibility": {"public"}, "group_id": {w.section.ID},
		})
		wantStatus(t, r, http.StatusSeeOther)
		action := r.Location
		id := strings.TrimPrefix(action, "/events/")
		alice, bob := newBrowser(t, inst), newBrowser(t, inst)
		alice.login("alice")
		bob.login("bob")
		wantStatus(t, alice.submit(action, action+"/signup", url.Values{}), http.StatusSeeOther)
		wantStatus(t, bob.submit(action, action+"/signup", url.Values{}), http.StatusSeeOther) // waits: need of 1

		// Only the organisers may edit.
		wantStatus(t, alice.get(action+"/edit"), http.StatusNotFound)
		wantStatus(t, alice.submit(action, action+"/edit", url.Values{"title": {"pris"}}), http.StatusNotFound)
		if ev, _ := inst.Store.EventByID(ctx, id); ev.Title != "Tractage au marché" {
			t.Fatalf("a member edited the action: %q", ev.Title)
		}

		form := sec.get(action + "/edit")
		wantStatus(t, form, http.StatusOK)
		mustContain(t, form, `value="Tractage au marché"`, `value="Place du marché"`, `value="10:00"`, "Statut")
		r = sec.submit(action+"/edit", action+"/edit", url.Values{
			"action_kind": {"leafleting"}, "title": {"Tractage au marché"}, "date": {day}, "start": {"14:00"}, "end": {"16:00"},
			"place_name": {"Devant la mairie"}, "locality": {"Villeneuve-Exemple"}, "capacity": {"2"}, "status": {"CONFIRMED"},
			"description": {"Rendez-vous devant la mairie."},
		})
		wantStatus(t, r, http.StatusSeeOther)
		ev, err := inst.Store.EventByID(ctx, id)
		if err != nil || ev.PlaceName != "Devant la mairie" || *ev.Capacity != 2 || ev.ParticipantCount != 2 {
			t.Fatalf("after edit: %v %+v", err, ev)
		}
		// Alice is told once what changed; Bob, promoted by the larger need, too.
		for _, who := range []*model.Account{w.alice, w.bob} {
			var ns []model.Notification
			if err := inst.Store.DB.NewSelect().Model(&ns).Where("account_id = ? AND type = ?", who.ID, social.NotificationEventChanged).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if len(ns) != 1 || ns[0].Detail != "time,place" {
				t.Fatalf("%s: %+v", who.Username, ns)
			}
		}
		mustContain(t, alice.get("/notifications"), "a modifié une action où vous êtes inscrit·e", "l’horaire, le lieu")
		mustContain(t, bob.get(action), "Devant la mairie")

		// Cancelled: still visible, marked so; participants told the status changed.
		r = sec.submit(action+"/edit", action+"/edit", url.Values{
			"action_kind": {"leafleting"}, "title": {"Tractage au marché"}, "date": {day}, "start": {"14:00"}, "end": {"16:00"},
			"place_name": {"Devant la mairie"}, "locality": {"Villeneuve-Exemple"}, "capacity": {"2"}, "status": {"CANCELLED"},
		})
		wantStatus(t, r, http.StatusSeeOther)
		page := newBrowser(t, inst).get(action)
		wantStatus(t, page, http.StatusOK)
		mustContain(t, page, "Tractage au marché", "nnulé")

		// A bad edit is refused and changes nothing.
		r = sec.submit(action+"/edit", action+"/edit", url.Values{"title": {""}, "date": {day}, "start": {"14:00"}, "status": {"CONFIRMED"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if again, _ := inst.Store.EventByID(ctx, id); again.Title != "Tractage au marché" || again.EventStatus != "CANCELLED" {
			t.Fatalf("a refused edit changed the action: %+v", again)
		}

		// Duplicate a week later: same place and need, new date, nobody signed up.
		next := time.Now().AddDate(0, 0, 12).Format("2006-01-02")
		r = sec.submit(action, action+"/duplicate", url.Values{"date": {next}})
		wantStatus(t, r, http.StatusSeeOther)
		dup, err := inst.Store.EventByID(ctx, strings.TrimPrefix(r.Location, "/events/"))
		if err != nil || dup.ID == id || dup.PlaceName != "Devant la mairie" || *dup.Capacity != 2 || dup.ParticipantCount != 0 ||
			dup.EventStatus != "CANCELLED" && inZoneDate(dup.StartAt) != next {
			t.Fatalf("duplicate: %v %+v", err, dup)
		}
		if inZoneDate(dup.StartAt) != next {
			t.Fatalf("duplicate on %s, want %s", inZoneDate(dup.StartAt), next)
		}
	})
}

func inZoneDate(t time.Time) string {
	loc, _ := time.LoadLocation("Europe/Paris")
	return t.In(loc).Format("2006-01-02")
}
