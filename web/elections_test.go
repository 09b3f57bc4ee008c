package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

// Territorial targeting in the dashboard: the section's staff import
// results and see the stations ranked with their map; anyone else gets a
// 404, and a refused or bad import stores nothing.

var (
	resultsFile  = filepath.Join("..", "elections", "testdata", "resultats-burvot-t1-exemple.txt")
	resultsUTF8  = filepath.Join("..", "elections", "testdata", "resultats-burvot-t1-exemple-utf8.csv")
	contoursFile = filepath.Join("..", "elections", "testdata", "contours-bureaux-exemple.geojson")
)

// upload is a file field of a multipart form.
type upload struct{ field, name string }

// postFiles posts a multipart form: fields (csrf_token included or
// not, by the caller) and files read from disk.
func (b *browser) postFiles(path string, fields url.Values, files ...upload) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		content, err := os.ReadFile(f.name)
		if err != nil {
			b.t.Fatal(err)
		}
		w, _ := mw.CreateFormFile(f.field, filepath.Base(f.name))
		_, _ = w.Write(content)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.inst.URL(path), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func (b *browser) importElection(label string, files ...upload) response {
	b.t.Helper()
	return b.postFiles("/dashboard/elections", url.Values{"csrf_token": {b.csrf("/dashboard/elections")}, "label": {label}}, files...)
}

func countElections(t *testing.T, inst *coopoltest.Instance, sectionID string) int {
	t.Helper()
	es, err := inst.Store.Elections(context.Background(), sectionID)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestElectionsAreForTheSectionStaffOnly(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	sec := newBrowser(t, inst)
	sec.login("sec")
	r := sec.importElection("Présidentielle 2022 T1", upload{"results", resultsFile}, upload{"contours", contoursFile})
	wantStatus(t, r, http.StatusSeeOther)
	electionPath := r.Location
	if !strings.HasPrefix(electionPath, "/dashboard/elections/") {
		t.Fatalf("import went to %q", electionPath)
	}
	mustContain(t, sec.get("/dashboard"), `href="/dashboard/elections"`)
	mustContain(t, sec.get("/dashboard/elections"), "Présidentielle 2022 T1", "Importer des résultats")
	stations, _ := inst.Store.ElectionResults(context.Background(), w.section.ID, strings.TrimPrefix(electionPath, "/dashboard/elections/"), "")
	if len(stations) == 0 {
		t.Fatal("nothing imported")
	}
	stationID := stations[0].StationID

	// Members, sympathisants and anonymous visitors: the pages do not exist.
	for _, who := range []string{"alice", "sam", ""} {
		b := newBrowser(t, inst)
		if who != "" {
			b.login(who)
		}
		for _, path := range []string{"/dashboard/elections", electionPath, electionPath + "?compare=x&by=change", "/dashboard/elections/nope"} {
			r := b.get(path)
			wantStatus(t, r, http.StatusNotFound)
			mustNotContain(t, r, "Villeneuve-Exemple", `<svg xmlns`) // the map (the navigation icons are SVG too)
		}
		if who == "" {
			continue
		}
		r := b.postFiles("/dashboard/elections", url.Values{"csrf_token": {b.csrf("/home")}, "label": {"Pirate"}}, upload{"results", resultsFile})
		wantStatus(t, r, http.StatusNotFound)
		// Nor can they target the section's station with a field action:
		// alice organises her own group's events, not the section's.
		if who == "alice" {
			wantStatus(t, b.get("/events/new?kind=field_action&station="+stationID), http.StatusNotFound)
			r := b.submit("/events/new", "/events", url.Values{"kind": {"field_action"}, "action_kind": {"door_to_door"}, "title": {"x"},
				"date": {"2030-01-05"}, "start": {"10:00"}, "capacity": {"2"}, "visibility": {"public"}, "group_id": {w.ecole.ID},
				"polling_station_id": {stationID}})
			wantStatus(t, r, http.StatusNotFound)
		}
	}
	if n := countElections(t, inst, w.section.ID); n != 1 {
		t.Fatalf("%d elections after refused imports, want 1", n)
	}
}

func TestElectionImportNeedsTheCSRFToken(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	sec := newBrowser(t, inst)
	sec.login("sec")
	r := sec.postFiles("/dashboard/elections", url.Values{"label": {"Sans jeton"}}, upload{"results", resultsFile})
	wantStatus(t, r, http.StatusForbidden)
	mustContain(t, r, "Le formulaire a expiré")
	r = sec.postFiles("/dashboard/elections", url.Values{"label": {"Faux jeton"}, "csrf_token": {"forged"}}, upload{"results", resultsFile})
	wantStatus(t, r, http.StatusForbidden)
	if n := countElections(t, inst, w.section.ID); n != 0 {
		t.Fatalf("%d elections stored by refused forms", n)
	}
}

func TestElectionImportShowsWhereTheFileIsWrong(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	sec := newBrowser(t, inst)
	sec.login("sec")
	raw, err := os.ReadFile(resultsUTF8)
	if err != nil {
		t.Fatal(err)
	}
	// Line 4's "Inscrits" is not a number.
	lines := strings.Split(string(raw), "\n")
	fields := strings.Split(lines[3], ";")
	fields[7] = "huit cents"
	lines[3] = strings.Join(fields, ";")
	bad := filepath.Join(t.TempDir(), "resultats-faux.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	r := sec.importElection("Faux", upload{"results", bad}, upload{"contours", contoursFile})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "resultats-faux.csv : ligne 4, colonne « Inscrits » : « huit cents » n’est pas un nombre entier.", "Rien n’a été importé.", `value="Faux"`)
	mustNotContain(t, r, "is not a whole number") // issue 16: no English left in messages
	// A contours file that is not GeoJSON: refused too, after a good
	// results file, and nothing of either is kept.
	notGeo := filepath.Join(t.TempDir(), "contours.geojson")
	os.WriteFile(notGeo, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature"`), 0o644)
	r = sec.importElection("Contours cassés", upload{"results", resultsUTF8}, upload{"contours", notGeo})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Import impossible : le contour n° 1 n’est pas lisible.", "Rien n’a été importé.")
	mustNotContain(t, r, "contours: ")
	// No file at all.
	r = sec.importElection("Vide")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Choisissez le fichier des résultats.")
	if n := countElections(t, inst, w.section.ID); n != 0 {
		t.Fatalf("%d elections stored after failed imports", n)
	}
	stations, _ := inst.Store.ElectionCommunes(context.Background(), w.section.ID, "")
	if len(stations) != 0 {
		t.Fatalf("stations stored after failed imports: %v", stations)
	}
	// The same label twice: refused, unless replaced.
	wantStatus(t, sec.importElection("Deux fois", upload{"results", resultsFile}), http.StatusSeeOther)
	r = sec.importElection("Deux fois", upload{"results", resultsFile})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Une élection porte déjà ce nom.")
}

func TestElectionRankingMapAndFieldAction(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")
		r := sec.importElection("Présidentielle 2022 T1", upload{"results", resultsFile}, upload{"contours", contoursFile})
		wantStatus(t, r, http.StatusSeeOther)
		first := r.Location
		// The same figures again, to compare with (Latin-1 and UTF-8).
		r = sec.importElection("Législatives 2024 T1", upload{"results", resultsUTF8})
		wantStatus(t, r, http.StatusSeeOther)
		second := strings.TrimPrefix(r.Location, "/dashboard/elections/")

		page := sec.get(first)
		wantStatus(t, page, http.StatusOK)
		mustContain(t, page, "Résultats importés.", "Présidentielle 2022 T1", "1er tour", "Bureaux classés par abstention",
			"<svg", "Taux d&#39;abstention", `class="station" href="#station-`, `bureau 0001 <span class="small">Villeneuve-Exemple</span>`,
			"26,3\u202f%", "Créer une action de terrain ici", "Ensemble du territoire", "Participation", "Blancs", "Nuls")
		mustNotContain(t, page, "<script>", " style=", "javascript:", "<style") // the CSP refuses inline styles (issue 16)
		// The highest abstention comes first, and every map link has its row.
		e := strings.TrimPrefix(first, "/dashboard/elections/")
		ranked, err := inst.Store.ElectionResults(ctx, w.section.ID, e, "")
		if err != nil || len(ranked) < 2 {
			t.Fatalf("results: %v %d", err, len(ranked))
		}
		for _, res := range ranked {
			mustContain(t, page, `href="#station-`+res.StationID+`"`, `id="station-`+res.StationID+`"`)
		}
		rows := strings.Split(between(page.Body, "<tbody>", "</tbody>"), "<tr ")
		if len(rows) != len(ranked)+1 {
			t.Fatalf("%d rows for %d stations", len(rows)-1, len(ranked))
		}

		// Compared with the other election, by change; filtered by commune.
		page = sec.get(first + "?compare=" + second + "&by=change&commune=99350")
		wantStatus(t, page, http.StatusOK)
		mustContain(t, page, "Bureaux classés par évolution de l’abstention depuis « Législatives 2024 T1 »", "Évolution", "0,0 pt", "Ensemble de la commune")
		// An election of nobody, or a commune of nowhere, is not an error.
		wantStatus(t, sec.get("/dashboard/elections/01ZZZZ"), http.StatusNotFound)
		wantStatus(t, sec.get(first+"?compare=nope&by=change&commune=00000"), http.StatusOK)
		sec.get("/lang/en?next=/")
		en := sec.get(first)
		mustContain(t, en, "Stations ranked by abstention", "Create a field action here", "26.3%", "Abstention rate")
		sec.get("/lang/fr?next=/")

		// "Create a field action here": the form is filled in for the station.
		station := ranked[0]
		link := between(page.Body, `href="/events/new?`, `"`)
		if !strings.Contains(link, "station=") {
			t.Fatalf("no action link: %q", link)
		}
		form := sec.get("/events/new?kind=field_action&station=" + station.StationID)
		wantStatus(t, form, http.StatusOK)
		title := "Porte-à-porte — bureau " + station.Station.Code
		mustContain(t, form, `value="`+title+`"`, `name="polling_station_id" value="`+station.StationID+`"`,
			`value="door_to_door" selected`, `value="Bureau de vote `+station.Station.Code+`"`, `value="Villeneuve-Exemple"`, `value="`+w.section.ID+`" selected`)
		mustContain(t, sec.get("/events/new?kind=field_action&action_kind=leafleting&station="+station.StationID), "Tractage — bureau "+station.Station.Code)
		wantStatus(t, sec.get("/events/new?kind=field_action&station=nope"), http.StatusNotFound)

		day := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
		r = sec.submit("/events/new?kind=field_action&station="+station.StationID, "/events", url.Values{
			"kind": {"field_action"}, "action_kind": {"door_to_door"}, "title": {title}, "date": {day}, "start": {"10:00"}, "end": {"12:00"},
			"place_name": {"Bureau de vote " + station.Station.Code}, "locality": {"Villeneuve-Exemple"},
			"capacity": {"4"}, "visibility": {"public"}, "group_id": {w.section.ID}, "polling_station_id": {station.StationID},
		})
		wantStatus(t, r, http.StatusSeeOther)
		id := strings.TrimPrefix(r.Location, "/events/")
		ev, err := inst.Store.EventByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ev.PollingStationID == nil || *ev.PollingStationID != station.StationID || ev.Kind != model.EventKindFieldAction || ev.ActionKind != "door_to_door" {
			t.Fatalf("created action: station %v, kind %s/%s", ev.PollingStationID, ev.Kind, ev.ActionKind)
		}
		// The public page of the action shows the action, not the figures.
		pub := newBrowser(t, inst).get(r.Location)
		wantStatus(t, pub, http.StatusOK)
		mustContain(t, pub, title)
		mustNotContain(t, pub, "Abstention", "26,3", station.StationID)

		// A station posted for another group's event is refused.
		r = sec.submit("/events/new", "/events", url.Values{"kind": {"event"}, "title": {"x"}, "date": {day}, "start": {"10:00"},
			"visibility": {"public"}, "group_id": {w.section.ID}, "polling_station_id": {station.StationID}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
	})
}
