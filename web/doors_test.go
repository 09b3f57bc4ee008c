package web_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

var addressesFile = filepath.Join("..", "elections", "testdata", "adresses-bureaux-reu-exemple.csv")

// The secretary's door to door: import the address file, see a station's
// walk list, publish an action there, split it into turfs and give one to
// a volunteer, who ticks doors on their phone. Nobody else sees a turf,
// and nothing of it reaches public pages or the action's ActivityPub
// object.
func TestDoorToDoorJourney(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")

		// Addresses before results is fine: the stations are created.
		r := sec.postFiles("/dashboard/elections/addresses", url.Values{"csrf_token": {sec.csrf("/dashboard/elections")}, "communes": {"99350"}},
			upload{"addresses", addressesFile})
		wantStatus(t, r, http.StatusSeeOther)
		page := sec.get("/dashboard/elections")
		mustContain(t, page, "Adresses importées.", "Adresses des électeurs", "/walk")
		var station model.PollingStation
		if err := inst.Store.DB.NewSelect().Model(&station).Where("section_id = ? AND code = '0015'", w.section.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		walk := sec.get("/dashboard/elections/stations/" + station.ID + "/walk")
		wantStatus(t, walk, http.StatusOK)
		mustContain(t, walk, "Liste des portes — bureau 99350 — 0015", "portes", "électeur·ices")
		// Not for members, nor for visitors: the pages do not exist.
		alice := newBrowser(t, inst)
		alice.login("alice")
		wantStatus(t, alice.get("/dashboard/elections/stations/"+station.ID+"/walk"), http.StatusNotFound)
		wantStatus(t, newBrowser(t, inst).get("/dashboard/elections/stations/"+station.ID+"/walk"), http.StatusNotFound)
		// A broken file says where, and changes nothing.
		before, _ := inst.Store.DB.NewSelect().Table("addresses").Count(ctx)
		r = sec.postFiles("/dashboard/elections/addresses", url.Values{"csrf_token": {sec.csrf("/dashboard/elections")}},
			upload{"addresses", filepath.Join("..", "elections", "testdata", "contours-bureaux-exemple.geojson")})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "ligne 1", "Rien n’a été importé")
		if after, _ := inst.Store.DB.NewSelect().Table("addresses").Count(ctx); after != before {
			t.Fatalf("a refused import changed the addresses: %d → %d", before, after)
		}

		// The action, and two volunteers.
		day := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
		r = sec.submit("/events/new?kind=field_action&station="+station.ID, "/events", url.Values{
			"kind": {"field_action"}, "action_kind": {"door_to_door"}, "title": {"Porte-à-porte — bureau 0015"}, "date": {day},
			"start": {"10:00"}, "end": {"12:00"}, "place_name": {"Bureau de vote 0015"}, "locality": {"Villeneuve-Exemple"},
			"capacity": {"4"}, "visibility": {"public"}, "group_id": {w.section.ID}, "polling_station_id": {station.ID},
		})
		wantStatus(t, r, http.StatusSeeOther)
		action := r.Location
		id := strings.TrimPrefix(action, "/events/")
		bob := newBrowser(t, inst)
		bob.login("bob")
		for _, b := range []*browser{alice, bob} {
			wantStatus(t, b.submit(action, action+"/signup", url.Values{}), http.StatusSeeOther)
		}
		mustContain(t, sec.get(action), "Secteurs de porte-à-porte")
		mustNotContain(t, alice.get(action), "Secteurs de porte-à-porte", "Mon secteur")
		wantStatus(t, alice.get(action+"/turfs"), http.StatusNotFound)

		r = sec.submit(action+"/turfs", action+"/turfs", url.Values{"by": {"size"}, "target": {"100"}})
		wantStatus(t, r, http.StatusSeeOther)
		turfs, err := inst.Store.Turfs(ctx, id)
		if err != nil || len(turfs) < 2 {
			t.Fatalf("turfs: %v %d", err, len(turfs))
		}
		page = sec.get(action + "/turfs")
		mustContain(t, page, "secteurs", turfs[0].Name, ">alice</option>")
		r = sec.submit(action+"/turfs", action+"/turfs/"+turfs[0].ID+"/assign", url.Values{"account_id": {w.alice.ID}})
		wantStatus(t, r, http.StatusSeeOther)
		// Only people who signed up can be given a turf.
		r = sec.submit(action+"/turfs", action+"/turfs/"+turfs[1].ID+"/assign", url.Values{"account_id": {w.sam.ID}})
		wantStatus(t, r, http.StatusUnprocessableEntity)

		// Alice finds her turf from the action and ticks three doors.
		mustContain(t, alice.get(action), "Mon secteur", "/turfs/"+turfs[0].ID)
		mine := alice.get("/turfs/" + turfs[0].ID)
		wantStatus(t, mine, http.StatusOK)
		mustContain(t, mine, turfs[0].Doors[0].Street, "Discuté", "Personne", "Repasser")
		outcomes := []string{model.DoorTalked, model.DoorAbsent, model.DoorLater}
		for i, o := range outcomes {
			door := turfs[0].Doors[i]
			r := alice.submit("/turfs/"+turfs[0].ID, "/turfs/"+turfs[0].ID+"/doors/"+door.ID, url.Values{"outcome": {o}})
			wantStatus(t, r, http.StatusSeeOther)
			if r.Location != "/turfs/"+turfs[0].ID+"#door-"+door.ID {
				t.Fatalf("after a tick: %s", r.Location)
			}
		}
		mustContain(t, alice.get("/turfs/"+turfs[0].ID), "3 sur")

		// Bob cannot open or tick Alice's turf; nor can a visitor.
		wantStatus(t, bob.get("/turfs/"+turfs[0].ID), http.StatusNotFound)
		r = bob.submit(action, "/turfs/"+turfs[0].ID+"/doors/"+turfs[0].Doors[3].ID, url.Values{"outcome": {model.DoorTalked}})
		wantStatus(t, r, http.StatusNotFound)
		visitor := newBrowser(t, inst).get("/turfs/" + turfs[0].ID)
		if visitor.Status == http.StatusOK {
			t.Fatal("a visitor opened a turf")
		}
		got, err := inst.Store.Turf(ctx, turfs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range got.Doors {
			want := ""
			if i < len(outcomes) {
				want = outcomes[i]
			}
			if d.Outcome != want {
				t.Fatalf("door %d: %q, want %q", i, d.Outcome, want)
			}
		}
		// Once doors are ticked the turfs cannot be made again.
		r = sec.submit(action+"/turfs", action+"/turfs", url.Values{"by": {"street"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "ne peuvent plus être refaits")

		// The report starts from the ticks; who came is kept for people
		// who signed up only; a member cannot open it.
		report := sec.get(action + "/report")
		wantStatus(t, report, http.StatusOK)
		mustContain(t, report, "Qui est venu", `name="doors_knocked" min="0" value="3"`, `name="people_met" min="0" value="1"`, `name="came" value="`+w.alice.ID+`"`, `name="came" value="`+w.bob.ID+`"`)
		wantStatus(t, alice.get(action+"/report"), http.StatusNotFound)
		r = sec.submit(action+"/report", action+"/report", url.Values{"doors_knocked": {"40"}, "people_met": {"12"}, "leaflets": {"150"},
			"notes": {"Bon accueil rue du Moulin."}, "came": {w.alice.ID, w.sam.ID}})
		wantStatus(t, r, http.StatusSeeOther)
		saved, attended, err := inst.Store.ActionReport(ctx, id)
		if err != nil || saved == nil || saved.DoorsKnocked != 40 || saved.Leaflets != 150 || len(attended) != 1 || attended[0] != w.alice.ID {
			t.Fatalf("report: %v %+v %v", err, saved, attended)
		}
		r = sec.submit(action+"/report", action+"/report", url.Values{"doors_knocked": {"-4"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if again, _, _ := inst.Store.ActionReport(ctx, id); again.DoorsKnocked != 40 {
			t.Fatalf("a refused report changed the saved one: %+v", again)
		}
		mustNotContain(t, newBrowser(t, inst).get(action), "Bon accueil", "Compte rendu")

		// Public page and ActivityPub object: no street, no turf.
		pub := newBrowser(t, inst).get(action)
		mustNotContain(t, pub, turfs[0].Doors[0].Street, "/turfs/", "Secteurs")
		req, _ := http.NewRequest(http.MethodGet, inst.URL(action), nil)
		req.Header.Set("Accept", "application/activity+json")
		ap := newBrowser(t, inst).do(req)
		ev, _ := inst.Store.EventByID(ctx, id)
		req, _ = http.NewRequest(http.MethodGet, inst.URL(strings.TrimPrefix(ev.URI, inst.Base())), nil)
		req.Header.Set("Accept", "application/activity+json")
		obj := newBrowser(t, inst).do(req)
		for _, body := range []string{ap.Body, obj.Body} {
			for _, d := range turfs[0].Doors[:3] {
				if strings.Contains(body, d.Street) {
					t.Fatalf("the action's object carries a street of its turfs: %s", body)
				}
			}
		}
	})
}

// The ranking shows, per station, the actions done and planned and the
// doors knocked per 100 electors.
func TestRankingShowsDoorToDoorEffort(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")
		r := sec.importElection("Présidentielle 2022 T1", upload{"results", resultsFile})
		wantStatus(t, r, http.StatusSeeOther)
		ranking := r.Location
		wantStatus(t, sec.postFiles("/dashboard/elections/addresses", url.Values{"csrf_token": {sec.csrf("/dashboard/elections")}},
			upload{"addresses", addressesFile}), http.StatusSeeOther)
		var station model.PollingStation
		if err := inst.Store.DB.NewSelect().Model(&station).Where("section_id = ? AND code = '0015'", w.section.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		day := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
		r = sec.submit("/events/new?kind=field_action&station="+station.ID, "/events", url.Values{
			"kind": {"field_action"}, "action_kind": {"door_to_door"}, "title": {"Porte-à-porte — bureau 0015"}, "date": {day},
			"start": {"10:00"}, "end": {"12:00"}, "place_name": {"Bureau de vote 0015"}, "locality": {"Villeneuve-Exemple"},
			"capacity": {"4"}, "visibility": {"public"}, "group_id": {w.section.ID}, "polling_station_id": {station.ID},
		})
		wantStatus(t, r, http.StatusSeeOther)
		action := r.Location
		wantStatus(t, sec.submit(action+"/turfs", action+"/turfs", url.Values{"by": {"street"}}), http.StatusSeeOther)
		turfs, err := inst.Store.Turfs(ctx, strings.TrimPrefix(action, "/events/"))
		if err != nil || len(turfs) == 0 {
			t.Fatal(err)
		}
		for _, d := range turfs[0].Doors[:min(5, len(turfs[0].Doors))] {
			wantStatus(t, sec.submit("/turfs/"+turfs[0].ID, "/turfs/"+turfs[0].ID+"/doors/"+d.ID, url.Values{"outcome": {model.DoorKnocked}}), http.StatusSeeOther)
		}
		page := sec.get(ranking)
		wantStatus(t, page, http.StatusOK)
		row := between(page.Body, `id="station-`+station.ID+`"`, "</tr>")
		if !strings.Contains(row, "0 action faite, 1 prévue") || !strings.Contains(row, "portes frappées pour 100") || !strings.Contains(row, "/walk") {
			t.Fatalf("station 0015's row lacks its effort: %s", row)
		}
	})
}

// With two elections, the ranking compares the change in abstention where
// the section campaigned with the rest, and says it is no proof.
func TestEffectViewWithTwoElections(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")
		r := sec.importElection("Législatives 2024 T1", upload{"results", resultsFile})
		wantStatus(t, r, http.StatusSeeOther)
		before := strings.TrimPrefix(r.Location, "/dashboard/elections/")
		r = sec.importElection("Municipales 2026 T1", upload{"results", resultsUTF8})
		wantStatus(t, r, http.StatusSeeOther)
		after := r.Location
		var station model.PollingStation
		if err := inst.Store.DB.NewSelect().Model(&station).Where("section_id = ? AND code = '0015'", w.section.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		page := sec.get(after + "?compare=" + before)
		mustContain(t, page, "Effet du terrain", "il faut des bureaux où la section a fait une action")

		day := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
		r = sec.submit("/events/new?kind=field_action&station="+station.ID, "/events", url.Values{
			"kind": {"field_action"}, "action_kind": {"door_to_door"}, "title": {"Porte-à-porte — bureau 0015"}, "date": {day},
			"start": {"10:00"}, "end": {"12:00"}, "place_name": {"Bureau de vote 0015"}, "locality": {"Villeneuve-Exemple"},
			"capacity": {"4"}, "visibility": {"public"}, "group_id": {w.section.ID}, "polling_station_id": {station.ID},
		})
		wantStatus(t, r, http.StatusSeeOther)
		// The action took place (between the two elections).
		if _, err := inst.Store.DB.NewUpdate().Table("events").Set("start_at = ?", time.Now().AddDate(0, -6, 0)).
			Where("id = ?", strings.TrimPrefix(r.Location, "/events/")).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		page = sec.get(after + "?compare=" + before)
		effect := between(page.Body, `id="effect"`, "</section>")
		for _, want := range []string{"là où la section a fait du terrain", "1 bureau", "23 bureaux", "Écart", "0,0 pt", "pas une preuve"} {
			if !strings.Contains(effect, want) {
				t.Fatalf("effect lacks %q: %s", want, effect)
			}
		}
	})
}

// TestAddressImportAndWalkListAreLogged: issue 14 asks that the import of
// the address file and each access to a walk list be logged; the log
// says who and which station, never an address.
func TestAddressImportAndWalkListAreLogged(t *testing.T) {
	logs := &syncBuffer{}
	network := coopoltest.NewNetwork()
	network.SetLogWriter(logs)
	inst := network.StartInstance(t, "sqlite", "section-a.test")
	w := newWorld(t, inst)
	sec := newBrowser(t, inst)
	sec.login("sec")
	r := sec.postFiles("/dashboard/elections/addresses", url.Values{"csrf_token": {sec.csrf("/dashboard/elections")}, "communes": {"99350"}},
		upload{"addresses", addressesFile})
	wantStatus(t, r, http.StatusSeeOther)
	var station model.PollingStation
	if err := inst.Store.DB.NewSelect().Model(&station).Where("section_id = ? AND code = '0015'", w.section.ID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, sec.get("/dashboard/elections/stations/"+station.ID+"/walk"), http.StatusOK)
	got := logs.String()
	for _, want := range []string{"addresses imported", "walk list opened", "station=" + station.ID, "by=" + w.sec.ID} {
		if !strings.Contains(got, want) {
			t.Errorf("the logs lack %q:\n%s", want, got)
		}
	}
	for _, never := range []string{"rue Danton", "Villeneuve-Exemple,"} {
		if strings.Contains(got, never) {
			t.Errorf("the logs hold an address (%q)", never)
		}
	}
}
