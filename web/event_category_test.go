package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

// TestEventFormSetsTheKindTheAgendaFilters: issue 13, the agenda filters
// by kind (action, meeting, debate, event); the form that publishes an
// event lets the organiser say which (a meeting, a debate, another
// event), so the filter finds what was published from the web. A kind the
// form does not offer is refused in French and stores nothing.
func TestEventFormSetsTheKindTheAgendaFilters(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst) // with a field action of the section
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")

		form := sec.get("/events/new")
		wantStatus(t, form, http.StatusOK)
		mustContain(t, form, `name="category"`, "Type d’événement", `value="MEETING"`, "Réunion", `value="DEBATE"`, "Débat",
			`value="MOVEMENTS_POLITICS" selected`, "Autre événement")
		mustNotContain(t, sec.get("/events/new?kind=field_action"), `name="category"`)

		day := time.Now().Add(96 * time.Hour).Format("2006-01-02")
		publish := func(title, category string) response {
			t.Helper()
			return sec.submit("/events/new", "/events", url.Values{"kind": {"event"}, "group_id": {w.section.ID}, "title": {title},
				"date": {day}, "start": {"18:30"}, "visibility": {"public"}, "category": {category}, "locality": {"Lyon"}})
		}
		for title, category := range map[string]string{"Réunion de section": "MEETING", "Débat sur les retraites": "DEBATE", "Fête de la section": "MOVEMENTS_POLITICS"} {
			wantStatus(t, publish(title, category), http.StatusSeeOther)
		}
		r := publish("Type inventé", "PARTY")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Ce type d’événement n’est pas proposé.")
		n, err := inst.Store.DB.NewSelect().Model((*model.Event)(nil)).Where("title = ?", "Type inventé").Count(ctx)
		if err != nil || n != 0 {
			t.Fatalf("a refused kind stored %d events (%v)", n, err)
		}
		var stored []model.Event
		if err := inst.Store.DB.NewSelect().Model(&stored).Where("title IN (?)", []string{"Réunion de section", "Débat sur les retraites"}).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		for _, ev := range stored {
			if want := map[string]string{"Réunion de section": "MEETING", "Débat sur les retraites": "DEBATE"}[ev.Title]; ev.Category != want {
				t.Fatalf("%s stored with category %q, want %q", ev.Title, ev.Category, want)
			}
		}

		all := []string{"Réunion de section", "Débat sur les retraites", "Fête de la section", actionTitle}
		for kind, want := range map[string][]string{
			"meeting": {"Réunion de section"},
			"debate":  {"Débat sur les retraites"},
			"action":  {actionTitle},
			"event":   {"Réunion de section", "Débat sur les retraites", "Fête de la section"},
		} {
			page := sec.get("/events?kind=" + kind)
			wantStatus(t, page, http.StatusOK)
			for _, title := range all {
				shown := false
				for _, w := range want {
					shown = shown || w == title
				}
				if shown {
					mustContain(t, page, title)
				} else {
					mustNotContain(t, page, title)
				}
			}
		}
	})
}
