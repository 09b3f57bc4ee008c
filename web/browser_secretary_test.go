package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/coopol/coopol/model"
)

// The secretary's loop on a phone (390×844), in Chromium: the election map
// with its station numbers and legend, "create an action here" from the
// map, an action with two slots, a participant who left a phone number,
// a message to the participants, and the participant's side: the message
// received, and the confirm step before giving up a place.
func TestBrowserSecretaryActionSlotsAndMessage(t *testing.T) {
	inst := start(t)
	ctx := context.Background()
	sec := createUser(t, inst, "sec", model.RoleAdmin)
	alice := createUser(t, inst, "alice", model.RoleMember)
	bob := createUser(t, inst, "bob", model.RoleMember)
	if err := inst.Social.VerifyMember(ctx, sec, sec, true); err != nil {
		t.Fatal(err)
	}
	results, _ := filepath.Abs(resultsFile)
	contours, _ := filepath.Abs(contoursFile)

	d := newDriver(t, inst)
	d.do("phone", chromedp.EmulateViewport(390, 844))
	login := func(who string) {
		d.open("/login")
		d.do("log in as "+who, chromedp.SendKeys(chromedp.CSS("#login"), who), chromedp.SendKeys(chromedp.CSS("#password"), "password-"+who),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	}
	login("sec")
	d.open("/dashboard/elections")
	d.do("import the sample files",
		chromedp.SetUploadFiles(chromedp.CSS("#el-results"), []string{results}),
		chromedp.SetUploadFiles(chromedp.CSS("#el-contours"), []string{contours}),
		chromedp.SendKeys(chromedp.CSS("#el-label"), "Présidentielle 2022 T1"),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/elections"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".election-map svg")))

	// Station numbers on the map, readable at a phone's width: at least
	// 11 px high on screen.
	labels, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".election-map .station-label").length`))
	if labels < 2 {
		t.Fatalf("%d station numbers on the map", labels)
	}
	if h, _ := chromedp.Run(d.ctx, chromedp.Evaluate[float64](`Math.min(...Array.from(document.querySelectorAll(".election-map .station-label")).map(e => e.getBoundingClientRect().height))`)); h < 11 {
		t.Errorf("station numbers are %.1f px high on a phone", h)
	}
	// The legend is HTML, in the page's font, and fits the screen.
	if n, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".map-legend li").length`)); n < 2 {
		t.Fatalf("%d legend items", n)
	}
	if right, _ := chromedp.Run(d.ctx, chromedp.Evaluate[float64](`Math.max(...Array.from(document.querySelectorAll(".map-legend li")).map(e => e.getBoundingClientRect().right))`)); right > 390 {
		t.Errorf("the legend runs off the screen: %.0f px", right)
	}
	if fs, _ := chromedp.Run(d.ctx, chromedp.Evaluate[float64](`parseFloat(getComputedStyle(document.querySelector(".map-legend li")).fontSize)`)); fs < 14 {
		t.Errorf("legend font %.1f px", fs)
	}
	if sw, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); sw > 390 {
		t.Errorf("the page scrolls sideways: %d px", sw)
	}
	d.do("scroll to the map", chromedp.ScrollIntoView(chromedp.CSS("#map")))
	d.shot("40-election-map-390")
	elementShot(d, "40-election-map-390-map", "#map")

	// Tap a station on the map: its row, with "create an action here" on
	// screen without scrolling sideways.
	first := d.attr(".ranking tbody tr", "id")
	d.do("tap the station", chromedp.Click(chromedp.CSS(`.election-map a.station[href="#`+first+`"] path`)),
		chromedp.WaitVisible(chromedp.CSS(`#`+first+`:target`)))
	if right, _ := chromedp.Run(d.ctx, chromedp.Evaluate[float64](`document.querySelector("#`+first+` .create-action-phone").getBoundingClientRect().right`)); right <= 0 || right > 390 {
		t.Fatalf("\"create an action here\" is off screen on a phone: right at %.0f px", right)
	}
	d.shot("41-station-row-390")
	elementShot(d, "41-station-row-390-row", "#"+first)
	d.do("create an action here", chromedp.Click(chromedp.CSS(`#`+first+` .create-action-phone`)), chromedp.WaitVisible(chromedp.CSS("#ev-title")))
	title := d.attr("#ev-title", "value")
	if !strings.HasPrefix(title, "Porte-à-porte — bureau ") {
		t.Fatalf("title %q", title)
	}

	// Two slots, each with its need.
	day := time.Now().AddDate(0, 0, 7).Format("2006-01-02")
	d.do("fill in the date and two slots",
		chromedp.SetValue(chromedp.CSS("#ev-date"), day),
		chromedp.SetValue(chromedp.CSS("#ev-start"), "09:00"),
		chromedp.SetValue(chromedp.CSS("#ev-end"), "13:00"),
		chromedp.SetValue(chromedp.CSS("#slot-start-0"), "09:00"),
		chromedp.SetValue(chromedp.CSS("#slot-end-0"), "11:00"),
		chromedp.SendKeys(chromedp.CSS("#slot-need-0"), "4"),
		chromedp.SetValue(chromedp.CSS("#slot-start-1"), "11:00"),
		chromedp.SetValue(chromedp.CSS("#slot-end-1"), "13:00"),
		chromedp.SendKeys(chromedp.CSS("#slot-need-1"), "2"),
		chromedp.ScrollIntoView(chromedp.CSS(".slots-form")))
	d.shot("42-action-two-slots-form")
	elementShot(d, "42-action-two-slots-form-slots", ".slots-form")
	// (Submitted rather than tapped: see "send" below.)
	d.do("publish", chromedp.Submit(chromedp.CSS(`form[action="/events"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#slots-title")))
	d.mustSee("C’est publié.", "Créneaux", "0 inscrit·e sur 4 nécessaires", "0 inscrit·e sur 2 nécessaires", "Bureau de vote visé")
	loc, _ := chromedp.Run(d.ctx, chromedp.Location())
	ev, err := inst.Store.EventByID(ctx, loc[strings.LastIndex(loc, "/")+1:])
	if err != nil || len(ev.Slots) != 2 || ev.Slots[0].Need != 4 || ev.Slots[1].Need != 2 {
		t.Fatalf("published: %v %+v", err, ev)
	}
	d.shot("43-action-two-slots")

	// Alice takes the first slot and leaves a number; Bob the second.
	if _, err := inst.Social.SignUp(ctx, alice, ev.ID, ev.Slots[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := inst.Social.SetParticipantPhone(ctx, alice, ev.ID, "06 12 34 56 78", true); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Social.SignUp(ctx, bob, ev.ID, ev.Slots[1].ID); err != nil {
		t.Fatal(err)
	}
	d.open("/events/" + ev.ID)
	d.mustSee("06 12 34 56 78", "Exporter les inscrit·es (CSV)", "Écrire aux participant·es")
	if sw, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); sw > 390 {
		t.Errorf("the organiser's action page scrolls sideways: %d px", sw)
	}
	d.do("write to the participants", chromedp.ScrollIntoView(chromedp.CSS("#msg-text")),
		chromedp.SendKeys(chromedp.CSS("#msg-text"), "Rendez-vous à 8 h 45 devant l’école, avec des chaussures confortables."))
	d.shot("44-message-participants")
	// After a full-page screenshot Chromium's mouse events miss the page
	// (a tap lands nowhere; without the screenshot the tap submits):
	// submit the form as the tap would.
	d.do("send", chromedp.Submit(chromedp.CSS(`form[action$="/message"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	d.mustSee("Message envoyé")

	// Alice's side: the message in her messages, alone; the confirm step
	// before giving up her place.
	d.do("log out", chromedp.Click(chromedp.CSS(openMenu)), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`header a[href="/login"]`)))
	login("alice")
	d.open("/messages")
	d.mustSee("Rendez-vous à 8 h 45 devant l’école", title)
	if strings.Contains(d.text(), "bob") {
		t.Fatal("alice's message names bob")
	}
	d.shot("45-message-received")
	d.open("/events/" + ev.ID)
	d.do("give up the place", chromedp.Click(chromedp.CSS(`a[href="/events/`+ev.ID+`/cancel?slot_id=`+ev.Slots[0].ID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/events/`+ev.ID+`/cancel"]`)))
	d.mustSee("Annuler votre participation ?", "Non, garder ma place")
	d.shot("46-cancel-confirm")
	d.do("confirm", chromedp.Submit(chromedp.CSS(`form[action="/events/`+ev.ID+`/cancel"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if _, err := inst.Store.Participation(ctx, inst.Store.DB, ev.ID, ev.Slots[0].ID, alice.ID); err == nil {
		t.Fatal("alice still signed up")
	}
	if phones, _ := inst.Store.ParticipantPhones(ctx, ev.ID); len(phones) != 0 {
		t.Fatal("alice's number outlived her sign-up")
	}
}

// elementShot saves one element of the page as name.png (the README's
// pictures of the map on a phone).
func elementShot(d *driver, name, sel string) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		d.t.Fatalf("screenshot %s: %v", sel, err)
	}
	if err := os.WriteFile(filepath.Join(d.shots, name+".png"), buf, 0o644); err != nil {
		d.t.Fatal(err)
	}
}
