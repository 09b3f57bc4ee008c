package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestBrowserSecretaryWeek is issue 14's loop in Chromium, on two
// instances and three people, each with their own browser: the
// secretary of section A, Bruno, a militant of section B signed up to A's
// leafleting, and Alice, a volunteer of A on her phone (390×844).
//
//  1. the secretary moves the leafleting: Bruno is notified on B and B
//     shows the new place;
//  2. she cancels it: shown as cancelled, on A and on B;
//  3. she imports the sample address file from the dashboard;
//  4. she splits station 0015 into turfs for the door-to-door action and
//     gives one to Alice, who signed up;
//  5. Alice ticks three doors on her phone;
//  6. the Saturday has passed: the report starts from Alice's ticks and
//     records who came;
//  7. the ranking shows the effort in 0015;
//  8. with a second election imported, the effect view compares the
//     change in abstention where the section went and elsewhere.
//
// A, where all of the section's door-to-door data lives, runs on
// PostgreSQL when COOPOL_TEST_POSTGRES is set (SQLite otherwise); B on
// SQLite. Screenshots: secretary-*.png (README, docs/screenshots/).
func TestBrowserSecretaryWeek(t *testing.T) {
	backends := storagetest.Backends()
	network := coopoltest.NewNetwork()
	sections := func(cfg *config.Config) {
		cfg.Federation.Sections = []string{"section-a.test", "section-b.test"}
	}
	a := network.StartInstance(t, backends[len(backends)-1], "section-a.test", sections, func(cfg *config.Config) {
		cfg.Section.DisplayName = "Section de Villeneuve-Exemple"
		cfg.Section.Territory = "Villeneuve-Exemple 99350"
	})
	b := network.StartInstance(t, "sqlite", "section-b.test", sections)
	t.Logf("section A on %s, section B on sqlite", a.Config.Database.Type)
	ctx := context.Background()
	sec := createUser(t, a, "secretaire", model.RoleAdmin)
	if err := a.Social.VerifyMember(ctx, sec, sec, true); err != nil {
		t.Fatal(err)
	}
	alice := createUser(t, a, "alice", model.RoleMember)
	bob := createUser(t, a, "bob", model.RoleMember)
	bruno := createUser(t, b, "bruno", model.RoleMember)
	for acct, name := range map[*model.Account]string{sec: "Nadia Belkacem", alice: "Alice Moreau", bob: "Bob Lefèvre"} {
		if _, err := a.Social.UpdateProfile(ctx, acct, social.ProfileUpdate{DisplayName: ptr(name)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Social.UpdateProfile(ctx, bruno, social.ProfileUpdate{DisplayName: ptr("Bruno Garcia")}); err != nil {
		t.Fatal(err)
	}
	section, err := a.Store.LocalAccount(ctx, a.Config.Section.Username)
	if err != nil {
		t.Fatal(err)
	}

	// Bruno follows section A from B and signs up to its leafleting.
	if _, err := b.Social.Follow(ctx, bruno, b.Resolve(t, a.Config.Section.Username, a.Host)); err != nil {
		t.Fatal(err)
	}
	sectionOnB, err := b.Store.AccountByURI(ctx, section.URI)
	if err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "Bruno's follow of section A accepted", func() bool {
		f, err := b.Store.Follow(ctx, bruno.ID, sectionOnB.ID)
		return err == nil && f.State == model.FollowAccepted
	})
	saturday := nextSaturday(time.Now(), 10)
	need := 4
	leafleting, err := a.Social.CreateEvent(ctx, sec, social.NewEvent{Title: "Tractage au marché couvert", Kind: model.EventKindFieldAction,
		ActionKind: "leafleting", StartAt: saturday, EndAt: saturday.Add(2 * time.Hour), PlaceName: "Marché couvert",
		StreetAddress: "Place du Marché", PostalCode: "99350", Locality: "Villeneuve-Exemple", Capacity: &need, GroupID: section.ID,
		Description: "On distribue le tract sur les transports. Gilets et tracts au local."})
	if err != nil {
		t.Fatal(err)
	}
	var leafletingOnB *model.Event
	coopoltest.Eventually(t, "the leafleting reaches B", func() bool {
		leafletingOnB, err = b.Store.EventByURI(ctx, leafleting.URI)
		return err == nil
	})
	if _, err := b.Social.SignUp(ctx, bruno, leafletingOnB.ID, ""); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "Bruno's sign-up counted on A", func() bool {
		e, err := a.Store.EventByID(ctx, leafleting.ID)
		return err == nil && e.ParticipantCount == 1
	})

	d := newDriver(t, a)
	d.login("secretaire")
	brunoTab := person(t, b, 412, 915)
	brunoTab.login("bruno")

	// 1. A new meeting point: the secretary edits the place.
	d.open("/events/" + leafleting.ID)
	d.do("open the edit form", chromedp.Click(chromedp.CSS(`.organizer-tools a[href$="/edit"]`)), chromedp.WaitVisible(chromedp.CSS("#ev-place")))
	d.do("move the action",
		chromedp.SetValue(chromedp.CSS("#ev-place"), "Parvis de la mairie"),
		chromedp.SetValue(chromedp.CSS("#ev-street"), "1 place de la République"))
	d.shot("secretary-01-edit-place")
	d.do("save", chromedp.Click(chromedp.CSS(`form[action$="/edit"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	d.mustSee("Parvis de la mairie", "1 place de la République")
	d.shot("secretary-02-place-changed")

	coopoltest.Eventually(t, "the new place on B", func() bool {
		e, err := b.Store.EventByURI(ctx, leafleting.URI)
		return err == nil && e.PlaceName == "Parvis de la mairie"
	})
	brunoTab.open("/notifications")
	brunoTab.mustSee("a modifié une action où vous êtes inscrit·e", "Tractage au marché couvert", "le lieu")
	brunoTab.shot("secretary-03-remote-notified")
	brunoTab.open("/events/" + leafletingOnB.ID)
	brunoTab.mustSee("Parvis de la mairie", "1 place de la République")
	if strings.Contains(brunoTab.text(), "Marché couvert") {
		t.Fatal("B still shows the old place")
	}
	brunoTab.shot("secretary-04-remote-new-place")

	// 2. Rain on Saturday: the secretary cancels it.
	d.do("open the edit form again", chromedp.Click(chromedp.CSS(`.organizer-tools a[href$="/edit"]`)), chromedp.WaitVisible(chromedp.CSS("#ev-status")))
	d.do("cancel the action", chromedp.SetValue(chromedp.CSS("#ev-status"), "CANCELLED"),
		chromedp.Click(chromedp.CSS(`form[action$="/edit"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("strong.cancelled")))
	if s, _ := chromedp.Run(d.ctx, chromedp.TextContent(chromedp.CSS("strong.cancelled"))); s != "Annulé" {
		t.Fatalf("cancelled shown as %q", s)
	}
	d.shot("secretary-05-cancelled")
	coopoltest.Eventually(t, "cancelled on B, and Bruno told", func() bool {
		e, err := b.Store.EventByURI(ctx, leafleting.URI)
		told, _ := b.Store.DB.NewSelect().Model((*model.Notification)(nil)).
			Where("account_id = ? AND type = ? AND detail = ?", bruno.ID, social.NotificationEventChanged, social.ChangedStatus).Count(ctx)
		return err == nil && e.EventStatus == "CANCELLED" && told == 1
	})
	brunoTab.open("/events/" + leafletingOnB.ID)
	brunoTab.do("B shows the action cancelled", chromedp.WaitVisible(chromedp.CSS("strong.cancelled")))
	if err := chromedp.Cancel(brunoTab.ctx); err != nil { // Bruno's part is over: close his browser
		t.Fatal(err)
	}

	// 3. The address file, from the dashboard (after the first election's
	// results, which the ranking needs).
	results, _ := filepath.Abs(resultsFile)
	contours, _ := filepath.Abs(contoursFile)
	addresses, _ := filepath.Abs(addressesFile)
	d.do("desktop", chromedp.EmulateViewport(1280, 900))
	d.open("/dashboard/elections")
	d.do("import the 2024 results",
		chromedp.SetUploadFiles(chromedp.CSS("#el-results"), []string{results}),
		chromedp.SetUploadFiles(chromedp.CSS("#el-contours"), []string{contours}),
		chromedp.SendKeys(chromedp.CSS("#el-label"), "Législatives 2024 T1"),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/elections"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".election-map svg")))
	loc, _ := chromedp.Run(d.ctx, chromedp.Location())
	before := loc[strings.LastIndex(loc, "/")+1:]
	d.open("/dashboard/elections")
	d.do("import the addresses",
		chromedp.SetUploadFiles(chromedp.CSS("#ad-file"), []string{addresses}),
		chromedp.SendKeys(chromedp.CSS("#ad-communes"), "99350"),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/elections/addresses"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#addresses a[href$="/walk"]`)))
	d.mustSee("Adresses importées.", "Villeneuve-Exemple — 0015", "portes · 1060 électeur·ices")
	d.shotView("secretary-06-addresses-imported", "#addresses", "start")
	station := stationByCode(t, a, section.ID, "0015")
	d.do("open the walk list of 0015", chromedp.Click(chromedp.CSS(`#addresses a[href="/dashboard/elections/stations/`+station.ID+`/walk"]`)),
		chromedp.WaitVisible(chromedp.CSS(".walk-street")))
	d.mustSee("Liste des portes — bureau Villeneuve-Exemple — 0015", "portes · 1060 électeur·ices")
	d.shotView("secretary-07-walk-list", "", "")
	// The walk list prints: no header, navigation or flash; two columns
	// of streets with a box before each door.
	setMedia := func(media string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
			return err
		})
	}
	d.do("print media", setMedia("print"))
	printed, err := chromedp.Run(d.ctx, chromedp.Evaluate[[]string](`[getComputedStyle(document.querySelector("header")).display,
		getComputedStyle(document.querySelector(".walk")).columnCount,
		getComputedStyle(document.querySelector(".walk-doors li"), "::before").content]`))
	d.do("screen media", setMedia(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(printed) != 3 || printed[0] != "none" || printed[1] != "2" || !strings.Contains(printed[2], "☐") {
		t.Fatalf("printed walk list: header display, columns, door mark = %q", printed)
	}

	// 4. The door-to-door action at 0015 (published from the ranking's
	// "créer une action ici", covered by TestBrowserElections). Alice
	// signs up on her phone, Bob elsewhere; the secretary makes turfs and
	// gives Alice the first one.
	doors, err := a.Social.CreateEvent(ctx, sec, social.NewEvent{Title: "Porte-à-porte — bureau 0015", Kind: model.EventKindFieldAction,
		ActionKind: "door_to_door", StartAt: saturday.Add(4 * time.Hour), EndAt: saturday.Add(6 * time.Hour), PlaceName: "Bureau de vote 0015",
		Locality: "Villeneuve-Exemple", Capacity: &need, GroupID: section.ID, PollingStationID: station.ID,
		Description: "Rendez-vous devant l’école, on se répartit les secteurs."})
	if err != nil {
		t.Fatal(err)
	}
	aliceTab := person(t, a, 390, 844)
	aliceTab.login("alice")
	aliceTab.open("/events/" + doors.ID)
	aliceTab.do("Alice signs up", chromedp.Click(chromedp.CSS(`form[action$="/signup"] button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if _, err := a.Social.SignUp(ctx, bob, doors.ID, ""); err != nil {
		t.Fatal(err)
	}
	d.do("phone", chromedp.EmulateViewport(412, 915))
	d.open("/events/" + doors.ID)
	d.do("open the turfs", chromedp.Click(chromedp.CSS(`.doors-links a[href$="/turfs"]`)), chromedp.WaitVisible(chromedp.CSS("#turf-target")))
	d.mustSee("Bureau de vote : Villeneuve-Exemple — 0015", "Pas encore de secteurs.")
	d.do("make turfs of about 300 electors", chromedp.SetValue(chromedp.CSS("#turf-target"), "300"),
		chromedp.Click(chromedp.CSS(`form[action$="/turfs"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("ul.turfs select")))
	turfs, err := a.Store.Turfs(ctx, doors.ID)
	if err != nil || len(turfs) < 2 {
		t.Fatalf("turfs of 0015: %d (%v)", len(turfs), err)
	}
	d.mustSee(strconv.Itoa(len(turfs))+" secteurs", turfs[0].Name, "0 sur")
	first := turfs[0]
	d.do("give the first turf to Alice", chromedp.SetValue(chromedp.CSS("#assign-"+first.ID), alice.ID),
		chromedp.Click(chromedp.CSS(`form[action$="/turfs/`+first.ID+`/assign"] button`)),
		chromedp.WaitReady(chromedp.CSS(`#assign-`+first.ID+` option[selected][value="`+alice.ID+`"]`)))
	d.shot("secretary-08-turfs")

	// 5. Alice, on her phone, finds her turf and ticks three doors.
	aliceTab.open("/events/" + doors.ID)
	aliceTab.do("open her turf", chromedp.Click(chromedp.CSS(`.doors-links a[href="/turfs/`+first.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS("ul.walk-doors")))
	aliceTab.mustSee(first.Name, first.Doors[0].Street, "0 sur")
	ticks := []string{model.DoorTalked, model.DoorAbsent, model.DoorKnocked}
	for i, outcome := range ticks {
		door := "#door-" + first.Doors[i].ID
		aliceTab.do("tick door "+strconv.Itoa(i+1), chromedp.Click(chromedp.CSS(door+` button[value="`+outcome+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(door+`.done.outcome-`+outcome)))
	}
	aliceTab.mustSee("3 sur")
	noSidewaysScroll(t, aliceTab)
	aliceTab.shotView("secretary-09-volunteer-ticks-phone", "body", "start")
	got, err := a.Store.Turf(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, door := range got.Doors {
		want := ""
		if i < len(ticks) {
			want = ticks[i]
		}
		if door.Outcome != want {
			t.Fatalf("door %d of Alice's turf: %q, want %q", i, door.Outcome, want)
		}
	}
	// Bob did not get a turf: Alice's is not his to open.
	if n, _ := chromedp.Run(aliceTab.ctx, chromedp.Evaluate[int](`document.querySelectorAll("ul.walk-doors li").length`)); n != len(first.Doors) {
		t.Fatalf("Alice's turf shows %d doors, want %d", n, len(first.Doors))
	}

	// 6. The Saturday has passed (the clock is the machine's: the action
	// is moved into the past), and the secretary writes the report.
	past := time.Now().Add(-48 * time.Hour).Truncate(time.Hour)
	if _, err := a.Store.DB.NewUpdate().Table("events").Set("start_at = ?, end_at = ?", past, past.Add(2*time.Hour)).
		Where("id = ?", doors.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	d.open("/events/" + doors.ID)
	d.do("open the report", chromedp.Click(chromedp.CSS(`.doors-links a[href$="/report"]`)), chromedp.WaitVisible(chromedp.CSS("#rp-doors")))
	d.mustSee("Les bénévoles ont noté 3 portes", "Alice Moreau", "Bob Lefèvre")
	// The ticks fill the door counts: 3 knocked, 1 talked.
	if v, _ := chromedp.Run(d.ctx, chromedp.Value(chromedp.CSS("#rp-doors"))); v != "3" {
		t.Fatalf("doors knocked prefilled with %q, want 3", v)
	}
	if v, _ := chromedp.Run(d.ctx, chromedp.Value(chromedp.CSS("#rp-met"))); v != "1" {
		t.Fatalf("people met prefilled with %q, want 1", v)
	}
	d.do("fill in the report",
		chromedp.Click(chromedp.CSS(`input[name="came"][value="`+alice.ID+`"]`)),
		chromedp.SetValue(chromedp.CSS("#rp-leaflets"), "60"),
		chromedp.SendKeys(chromedp.CSS("#rp-notes"), "Bon accueil rue du Moulin ; repasser au 12 en soirée."))
	d.do("save the report", chromedp.Click(chromedp.CSS(`form[action$="/report"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	d.mustSee("Compte rendu enregistré.")
	if v, _ := chromedp.Run(d.ctx, chromedp.Value(chromedp.CSS("#rp-notes"))); !strings.Contains(v, "Bon accueil rue du Moulin") {
		t.Fatalf("notes after saving: %q", v)
	}
	d.shot("secretary-10-report")
	report, attended, err := a.Store.ActionReport(ctx, doors.ID)
	if err != nil || report == nil || report.DoorsKnocked != 3 || report.PeopleMet != 1 || report.Leaflets != 60 ||
		len(attended) != 1 || attended[0] != alice.ID {
		t.Fatalf("report stored: %+v, attended %v (%v)", report, attended, err)
	}

	// 7. The ranking shows the effort in 0015.
	d.do("desktop", chromedp.EmulateViewport(1280, 900))
	d.open("/dashboard/elections/" + before + "#station-" + station.ID)
	effort, err := chromedp.Run(d.ctx, chromedp.Text(chromedp.CSS("#station-"+station.ID+" td.effort")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 action faite, 0 prévue", "portes frappées pour 100 électeur·ices", "Liste des portes"} {
		if !strings.Contains(effort, want) {
			t.Fatalf("0015's effort %q lacks %q", effort, want)
		}
	}
	d.shotView("secretary-11-ranking-effort", "#station-"+station.ID, "center")

	// 8. Two elections: the effect view. The second results are the
	// sample's with abstention changed (down in 0015), generated here.
	later := laterResults(t, map[string]int{"0015": 85})
	d.open("/dashboard/elections")
	d.do("import the 2026 results",
		chromedp.SetUploadFiles(chromedp.CSS("#el-results"), []string{later}),
		chromedp.SetUploadFiles(chromedp.CSS("#el-contours"), []string{contours}),
		chromedp.SendKeys(chromedp.CSS("#el-label"), "Municipales 2026 T1"),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/elections"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".election-map svg, #import-error")))
	if msg, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`document.querySelector("#import-error")?.textContent || ""`)); msg != "" {
		t.Fatalf("the 2026 results were refused: %s", msg)
	}
	d.do("compare with 2024", chromedp.SetValue(chromedp.CSS("#rk-compare"), before),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#effect")))
	effect, err := chromedp.Run(d.ctx, chromedp.Text(chromedp.CSS("#effect")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Effet du terrain depuis « Législatives 2024 T1 »", "là où la section a fait du terrain", "−8,0 pt (1 bureau de vote, 1060 électeur·ices)",
		"+0,1 pt (23 bureaux de vote", "Écart\n−8,1 pt", "pas une preuve"} {
		if !strings.Contains(effect, want) {
			t.Fatalf("the effect view lacks %q:\n%s", want, effect)
		}
	}
	d.shotView("secretary-12-effect", "#effect", "center")
}

// person is another Chromium, for another person: its own cookies (two
// sessions in one browser share the cookies of 127.0.0.1, whatever the
// port) and its own viewport.
func person(t *testing.T, inst *coopoltest.Instance, width, height int64) *driver {
	t.Helper()
	d := newDriver(t, inst)
	d.do("viewport", chromedp.EmulateViewport(width, height))
	return d
}

func (d *driver) login(username string) {
	d.t.Helper()
	d.open("/login")
	d.do("log in as "+username, chromedp.SendKeys(chromedp.CSS("#login"), username), chromedp.SendKeys(chromedp.CSS("#password"), "password-"+username),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
}

// shotView saves what the window shows (not the whole page), with sel
// scrolled to block ("start", "center") when given.
func (d *driver) shotView(name, sel, block string) {
	d.t.Helper()
	if sel != "" {
		d.do("scroll to "+sel, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(sel)+`).scrollIntoView({block: "`+block+`"})`))
	}
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		d.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(d.shots, name+".png"), buf, 0o644); err != nil {
		d.t.Fatal(err)
	}
}

func noSidewaysScroll(t *testing.T, d *driver) {
	t.Helper()
	sw, err := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if sw > 0 {
		wide, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 5).map(e => e.tagName + "." + e.className).join(", ")`))
		t.Fatalf("the page scrolls sideways by %d px on a phone: %s", sw, wide)
	}
}

func stationByCode(t *testing.T, inst *coopoltest.Instance, sectionID, code string) model.PollingStation {
	t.Helper()
	var st model.PollingStation
	if err := inst.Store.DB.NewSelect().Model(&st).Where("section_id = ? AND code = ?", sectionID, code).Scan(context.Background()); err != nil {
		t.Fatalf("station %s: %v", code, err)
	}
	return st
}

// nextSaturday is 10:00 on a Saturday at least days away, in Paris.
func nextSaturday(now time.Time, days int) time.Time {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.UTC
	}
	d := now.In(paris).AddDate(0, 0, days)
	for d.Weekday() != time.Saturday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, paris)
}

// laterResults writes the sample UTF-8 results with more voters (fewer
// abstentions) in the given stations, and small changes both ways in the
// others; the counts still add up.
func laterResults(t *testing.T, more map[string]int) string {
	t.Helper()
	raw, err := os.ReadFile(resultsUTF8)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	header := strings.Split(lines[0], ";")
	col := map[string]int{}
	for i, h := range header {
		if _, seen := col[h]; !seen {
			col[h] = i
		}
	}
	for i, line := range lines[1:] {
		f := strings.Split(line, ";")
		delta, ok := more[f[col["Code du b.vote"]]]
		if !ok {
			delta = (i%5 - 2) * 6
		}
		// The votes go to (or come from) the candidate with the most.
		top, width := col["Voix"], 7 // each candidate: N°Panneau … % Voix/Exp
		for k := top; k < len(f); k += width {
			if n, m := atoi(f[k]), atoi(f[top]); n > m {
				top = k
			}
		}
		for k, sign := range map[int]int{col["Abstentions"]: -1, col["Votants"]: 1, col["Exprimés"]: 1, top: 1} {
			f[k] = strconv.Itoa(atoi(f[k]) + sign*delta)
		}
		lines[i+1] = strings.Join(f, ";")
	}
	out := filepath.Join(t.TempDir(), "resultats-municipales-2026-t1.csv")

	if err := os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
