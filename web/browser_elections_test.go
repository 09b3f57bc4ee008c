package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// The secretary's territorial targeting in Chromium: import the sample
// results and contours through the form, read the ranking and the map,
// click a station on the map, and create a field action there.
func TestBrowserElections(t *testing.T) {
	inst := start(t)
	ctx := context.Background()
	sec := createUser(t, inst, "sec", model.RoleAdmin)
	createUser(t, inst, "alice", model.RoleMember)
	if err := inst.Social.VerifyMember(ctx, sec, sec, true); err != nil {
		t.Fatal(err)
	}
	section, _ := inst.Store.LocalAccount(ctx, inst.Config.Section.Username)
	if _, err := inst.Social.UpdateProfile(ctx, section, social.ProfileUpdate{DisplayName: ptr("Section Villeneuve")}); err != nil {
		t.Fatal(err)
	}
	results, _ := filepath.Abs(resultsFile)
	contours, _ := filepath.Abs(contoursFile)

	d := newDriver(t, inst)
	d.open("/login")
	d.do("log in as the secretary", chromedp.SendKeys(chromedp.CSS("#login"), "sec"), chromedp.SendKeys(chromedp.CSS("#password"), "password-sec"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#compose-text")))
	d.do("desktop", chromedp.EmulateViewport(1280, 900))
	d.open("/dashboard")
	d.do("open the elections", chromedp.Click(chromedp.CSS(`nav.toc a[href="/dashboard/elections"]`)), chromedp.WaitVisible(chromedp.CSS("#el-results")))
	d.mustSee("Aucune élection importée", "Importer des résultats")

	// A wrong file first: the form says where, and nothing is imported.
	d.do("import the contours as results",
		chromedp.SetUploadFiles(chromedp.CSS("#el-results"), []string{contours}),
		chromedp.SendKeys(chromedp.CSS("#el-label"), "Présidentielle 2022 T1"),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/elections"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#import-error")))
	d.mustSee("contours-bureaux-exemple.geojson : ligne", "Rien n’a été importé.", "Aucune élection importée")
	d.shot("30-elections-import-error")

	d.do("import the sample files",
		chromedp.SetUploadFiles(chromedp.CSS("#el-results"), []string{results}),
		chromedp.SetUploadFiles(chromedp.CSS("#el-contours"), []string{contours}),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/elections"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".election-map svg")))
	d.mustSee("Résultats importés.", "Présidentielle 2022 T1", "Bureaux classés par abstention", "Taux d'abstention", "Ensemble du territoire")
	n, err := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".election-map a.station path").length`))
	if err != nil || n < 2 {
		t.Fatalf("%d stations drawn on the map (%v)", n, err)
	}
	// The map is readable: drawn at the page's width, not overflowing,
	// with white borders between the stations.
	w, _ := chromedp.Run(d.ctx, chromedp.Evaluate[float64](`document.querySelector(".election-map svg").getBoundingClientRect().width`))
	main, _ := chromedp.Run(d.ctx, chromedp.Evaluate[float64](`document.querySelector("main").getBoundingClientRect().width`))
	if w < 300 || w > main {
		t.Fatalf("map %.0f px wide in a %.0f px page", w, main)
	}
	if stroke, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".election-map a.station path")).stroke`)); stroke != "rgb(255, 255, 255)" {
		t.Fatalf("station borders %q", stroke)
	}
	d.shot("31-election-map")

	// The station with the highest abstention: first row, and on the map.
	first := d.attr(".ranking tbody tr", "id")
	stationID := strings.TrimPrefix(first, "station-")
	d.do("click the station on the map", chromedp.Click(chromedp.CSS(`.election-map a.station[href="#`+first+`"] path`)),
		chromedp.WaitVisible(chromedp.CSS(`#`+first+`:target`)))
	d.shot("32-election-station-row")

	d.do("create a field action here", chromedp.Click(chromedp.CSS(`#`+first+` a.create-action`)), chromedp.WaitVisible(chromedp.CSS("#ev-title")))
	title := d.attr("#ev-title", "value")
	if !strings.HasPrefix(title, "Porte-à-porte — bureau ") {
		t.Fatalf("title %q", title)
	}
	d.mustSee("Action ciblée sur", "Villeneuve-Exemple, bureau de vote")
	day := time.Now().AddDate(0, 0, 7).Format("2006-01-02")
	d.do("fill in the date and the need",
		chromedp.SetValue(chromedp.CSS("#ev-date"), day),
		chromedp.SetValue(chromedp.CSS("#ev-start"), "10:00"),
		chromedp.SetValue(chromedp.CSS("#ev-end"), "12:00"),
		chromedp.SendKeys(chromedp.CSS("#ev-capacity"), "4"))
	d.shot("33-new-action-for-station")
	if bad, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('form[action="/events"] :invalid')).map(e => e.name + ": " + e.validationMessage).join("; ")`)); bad != "" {
		t.Fatalf("the form does not validate: %s", bad)
	}
	// Enter in the last field submits the form, as on a phone keyboard.
	d.do("publish the action", chromedp.SendKeys(chromedp.CSS("#ev-capacity"), "\r"), chromedp.WaitVisible(chromedp.CSS("progress")))
	d.mustSee(title, "C’est publié.", "0 inscrit·e sur 4 nécessaires", "Bureau de vote "+strings.TrimPrefix(title, "Porte-à-porte — bureau ")+", Villeneuve-Exemple")
	d.shot("34-action-for-station")
	loc, _ := chromedp.Run(d.ctx, chromedp.Location())
	ev, err := inst.Store.EventByID(ctx, loc[strings.LastIndex(loc, "/")+1:])
	if err != nil {
		t.Fatal(err)
	}
	if ev.PollingStationID == nil || *ev.PollingStationID != stationID {
		t.Fatalf("the action targets %v, want %s", ev.PollingStationID, stationID)
	}

	// On a phone, the map fits and the table scrolls.
	d.do("phone", chromedp.EmulateViewport(412, 915))
	d.open("/dashboard/elections")
	d.do("open the election", chromedp.Click(chromedp.CSS(`#elections a`)), chromedp.WaitVisible(chromedp.CSS(".election-map svg")))
	wide, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest(".table-scroll") || e.closest(".table-scroll") && e.getClientRects().length > 0 && getComputedStyle(e).position === "absolute" && !e.closest(".table-scroll").contains(e.offsetParent)).slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join(", ")`))
	if sw, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); sw > 412 {
		t.Errorf("the page scrolls sideways on a phone: %d px", sw)
	}
	if wide != "" {
		t.Errorf("wider than the phone: %s", wide)
	}
	d.shot("35-election-map-phone")
}
