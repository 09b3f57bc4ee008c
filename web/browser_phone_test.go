package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// Issue 16, "phone first", in Chromium on a 390×844 screen: every main
// page, for a member and for a visitor, has a header of one line, the
// main places in a bar at the bottom, no error in the console (no 404
// for the icon, no Content-Security-Policy violation) and no sideways
// scrolling; an event's address opens a map app. Screenshots:
// docs/screenshots/phone-* when COOPOL_SCREENSHOTS=../docs/screenshots.

// recordErrors is run in every document before its own scripts: it keeps
// what the console would show as errors and a test can read back
// without waiting (CSP violations, resources that failed to load,
// uncaught exceptions).
const recordErrors = `window.__coopolErrors = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__coopolErrors.push("CSP violation: " + e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
window.addEventListener("error", function (e) {
  var t = e.target;
  if (t && t !== window && (t.src || t.href)) { window.__coopolErrors.push("failed to load " + (t.src || t.href)); }
  else { window.__coopolErrors.push("error: " + e.message); }
}, true);`

// layoutFacts are measured in the page.
type layoutFacts struct {
	HeaderHeight float64 `json:"headerHeight"`
	LineHeight   float64 `json:"lineHeight"`
	HeaderRows   int     `json:"headerRows"`
	BarBottom    float64 `json:"barBottom"`
	BarRows      int     `json:"barRows"`
	BarItems     int     `json:"barItems"`
	ScrollWidth  float64 `json:"scrollWidth"`
	Errors       []string
}

const measureLayout = `(() => {
  const header = document.querySelector("header.top");
  const brand = header.querySelector(".brand");
  // Rows: the brand's line, plus one for each in-flow item wholly below
  // or above it.
  const line = brand.getBoundingClientRect();
  const rows = (els) => 1 + Array.from(els).filter(e => e.getClientRects().length && getComputedStyle(e).position !== "fixed")
    .filter(e => { const r = e.getBoundingClientRect(); return r.top >= line.bottom || r.bottom <= line.top; }).length;
  const bar = header.querySelector("nav.tabs");
  const items = bar.querySelectorAll(":scope > ul > li");
  const barRows = new Set(Array.from(items).map(e => Math.round(e.getBoundingClientRect().top))).size;
  return {
    headerHeight: header.getBoundingClientRect().height,
    lineHeight: brand.getBoundingClientRect().height,
    headerRows: rows(header.querySelector(".top-inner").children),
    barBottom: bar.getBoundingClientRect().bottom,
    barRows: barRows, barItems: items.length,
    scrollWidth: document.documentElement.scrollWidth,
  };
})()`

// phone is a driver on a 390×844 phone screen that records the console.
type phone struct {
	*driver
	mu      sync.Mutex
	console []string
}

func newPhone(t *testing.T, d *driver) *phone {
	p := &phone{driver: d}
	d.do("phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordErrors})
			return err
		}))
	messages := chromedp.Console(d.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				p.mu.Lock()
				p.console = append(p.console, m.String())
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// check opens path and asserts the phone layout and a clean console.
func (p *phone) check(who, path, shot string) {
	p.t.Helper()
	p.open(path)
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	f, err := chromedp.Run(ctx, chromedp.Evaluate[layoutFacts](measureLayout))
	if err != nil {
		p.t.Fatalf("%s %s: measure: %v", who, path, err)
	}
	if f.Errors, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__coopolErrors || ["the error recorder did not run"]`)); err != nil {
		p.t.Fatalf("%s %s: errors: %v", who, path, err)
	}
	// The icons the page links, and /favicon.ico that browsers ask for
	// anyway, all answer an image.
	icons, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Promise.all(Array.from(document.querySelectorAll('link[rel~="icon"], link[rel="apple-touch-icon"]')).map(l => l.href).concat([location.origin + "/favicon.ico"])
	  .map(u => fetch(u).then(r => r.status === 200 && r.headers.get("content-type").startsWith("image/") ? "" : u + ": " + r.status + " " + r.headers.get("content-type"))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s %s: icons: %v", who, path, err)
	}
	for _, bad := range icons {
		if bad != "" {
			p.t.Errorf("%s %s: icon %s", who, path, bad)
		}
	}
	if f.HeaderRows != 1 || f.HeaderHeight > 1.5*f.LineHeight {
		p.t.Errorf("%s %s: the header takes %d rows, %.0f px for a line of %.0f px", who, path, f.HeaderRows, f.HeaderHeight, f.LineHeight)
	}
	if f.BarItems != 5 || f.BarRows != 1 || f.BarBottom < 843 || f.BarBottom > 845 {
		p.t.Errorf("%s %s: the bottom bar has %d items on %d rows, ends at %.0f px (screen 844)", who, path, f.BarItems, f.BarRows, f.BarBottom)
	}
	if f.ScrollWidth > 390 {
		p.t.Errorf("%s %s: the page is %.0f px wide on a 390 px screen", who, path, f.ScrollWidth)
	}
	for _, e := range f.Errors {
		p.t.Errorf("%s %s: console: %s", who, path, e)
	}
	p.mu.Lock()
	for _, m := range p.console {
		p.t.Errorf("%s %s: console: %s", who, path, m)
	}
	p.console = nil
	p.mu.Unlock()
	if shot != "" {
		p.viewportShot(shot)
	}
}

// viewportShot saves what the phone's screen shows (the bottom bar
// where it sits), not the whole page.
func (p *phone) viewportShot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(p.shots, name+".png"), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func TestBrowserPhoneLayout(t *testing.T) {
	inst := start(t, withConfig(func(cfg *config.Config) { cfg.Section.DisplayName = "Section de Villeneuve" }))
	ctx := context.Background()
	svc := inst.Social
	sec := createUser(t, inst, "sec", model.RoleAdmin)
	aline := createUser(t, inst, "aline", model.RoleMember)
	bruno := createUser(t, inst, "bruno", model.RoleMember)
	section, _ := inst.Store.LocalAccount(ctx, inst.Config.Section.Username)
	for _, a := range []*model.Account{sec, aline, bruno} {
		if err := svc.VerifyMember(ctx, sec, a, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.UpdateProfile(ctx, aline, social.ProfileUpdate{DisplayName: ptr("Aline")}); err != nil {
		t.Fatal(err)
	}
	ecole, err := svc.CreateGroup(ctx, aline, social.NewGroup{Username: "ecole", DisplayName: "École publique",
		Note: "Défendre l’école publique.", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateStatus(ctx, sec, social.NewStatus{Text: "Assemblée générale jeudi à 19 h, salle Jaurès.", GroupID: section.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateStatus(ctx, aline, social.NewStatus{Text: "Il manque trois postes à l’école Jean-Macé.", GroupID: ecole.ID}); err != nil {
		t.Fatal(err)
	}
	need := 6
	lat, lon := 44.4081, 0.7044
	at := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	action, err := svc.CreateEvent(ctx, sec, social.NewEvent{Title: "Tractage au marché couvert", Kind: model.EventKindFieldAction,
		ActionKind: "leafleting", StartAt: at, EndAt: at.Add(2 * time.Hour), PlaceName: "Marché couvert", StreetAddress: "Place de la Libération",
		PostalCode: "47300", Locality: "Villeneuve-sur-Lot", Latitude: &lat, Longitude: &lon, Capacity: &need, GroupID: section.ID,
		Description: "Rendez-vous devant la halle à 9 h 30."})
	if err != nil {
		t.Fatal(err)
	}
	debate, err := svc.CreateEvent(ctx, sec, social.NewEvent{Title: "Débat : quelle école voulons-nous ?", StartAt: at.Add(48 * time.Hour),
		PlaceName: "Maison des associations", StreetAddress: "12 rue de Pujols", PostalCode: "47300", Locality: "Villeneuve-sur-Lot", GroupID: section.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignUp(ctx, bruno, action.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateStatus(ctx, bruno, social.NewStatus{Text: "@aline tu peux prendre les tracts au local ?", Visibility: model.VisibilityDirect}); err != nil {
		t.Fatal(err)
	}

	p := newPhone(t, newDriver(t, inst))

	// A visitor.
	for _, pg := range []struct{ path, shot string }{
		{"/", "phone-visitor-section"}, {"/events", ""}, {"/events/" + action.ID, ""},
		{"/groups", ""}, {"/sections", ""}, {"/search", ""}, {"/@ecole", ""}, {"/login", ""}, {"/signup", ""},
		{"/events/" + debate.ID, ""}, {"/@aline", ""},
	} {
		p.check("visitor", pg.path, pg.shot)
	}

	// A member: log in, then every main page.
	p.open("/login")
	p.do("log in", chromedp.SendKeys(chromedp.CSS("#login"), "aline"), chromedp.SendKeys(chromedp.CSS("#password"), "password-aline"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(openMenu)))
	for _, pg := range []struct{ path, shot string }{
		{"/home", "phone-member-home"}, {"/events", "phone-member-agenda"}, {"/messages", ""},
		{"/notifications", "phone-member-notifications"}, {"/commitments", ""}, {"/groups", ""}, {"/sections", ""},
		{"/search?q=Villeneuve", ""}, {"/compose", ""}, {"/settings", ""}, {"/@aline", ""}, {"/@ecole", ""},
		{"/@" + inst.Config.Section.Username, ""}, {"/events/" + debate.ID, ""}, {"/events/" + action.ID, ""},
	} {
		p.check("aline", pg.path, pg.shot)
	}

	// "Où est le point de rendez-vous ?": the address opens the phone's
	// map app at the coordinates, or OpenStreetMap; big enough to tap.
	p.do("scroll to the address", chromedp.ScrollIntoView(chromedp.CSS(".map-links")))
	p.viewportShot("phone-member-action-map-links")
	if geo := p.attr(".map-links a.map-app", "href"); geo != "geo:44.4081,0.7044" {
		t.Errorf("map app link %q", geo)
	}
	if osm := p.attr(".map-links a.map-osm", "href"); !strings.HasPrefix(osm, "https://www.openstreetmap.org/?mlat=44.4081&mlon=0.7044") {
		t.Errorf("OpenStreetMap link %q", osm)
	}
	tap := p.eval(`document.querySelector(".map-links a.map-app").getBoundingClientRect().height`)
	if tap < 44 {
		t.Errorf("the map link is %.0f px high, too small to tap", tap)
	}
	// (Not tapped: headless Chromium asks the system for a geo: handler
	// and then drops the next clicks.) Without coordinates, a search.
	p.check("aline", "/events/"+debate.ID, "")
	if osm := p.attr(".map-links a.map-osm", "href"); osm != "https://www.openstreetmap.org/search?query=12+rue+de+Pujols+47300+Villeneuve-sur-Lot" {
		t.Errorf("OpenStreetMap search link %q", osm)
	}
	if n := p.count(".map-links a.map-app"); n != 0 {
		t.Errorf("a geo: link without coordinates (%d)", n)
	}

	// Mes engagements and the agenda: one tap from anywhere.
	p.open("/messages")
	p.do("tap Mes engagements", chromedp.Click(chromedp.CSS(`header a.top-link[href="/commitments"]`)),
		chromedp.WaitVisible(chromedp.CSS(`header a.top-link[href="/commitments"][aria-current="page"]`)))
	p.mustSee("Mes engagements")
	p.do("tap Agenda", chromedp.Click(chromedp.CSS(`header nav.tabs a[href="/events"]`)),
		chromedp.WaitVisible(chromedp.CSS(`header nav.tabs a[href="/events"][aria-current="page"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/events/`+action.ID+`"]`)))

	// The menu: one's public profile, settings apart.
	p.do("open the menu", chromedp.Click(chromedp.CSS(openMenu)), chromedp.WaitReady(chromedp.CSS("details.menu[open]")))
	p.viewportShot("phone-member-menu")
	if p.eval(`(() => { const r = document.querySelector("details.menu > ul").getBoundingClientRect();
	  return r.top >= 0 && r.bottom <= document.querySelector("nav.tabs").getBoundingClientRect().top + 1 ? 1 : 0; })()`) != 1 {
		t.Error("the open menu does not fit above the bottom bar")
	}
	// A tap elsewhere closes it (app.js); it opens again. (Chromium
	// counts the links of a closed details element as visible: the
	// test asks for the open attribute.)
	p.do("tap outside the menu", chromedp.Click(chromedp.CSS("main h1")), chromedp.WaitNotPresent(chromedp.CSS("details.menu[open]")),
		chromedp.Click(chromedp.CSS(openMenu)), chromedp.WaitReady(chromedp.CSS("details.menu[open]")))
	p.do("my profile", chromedp.Click(chromedp.CSS(`details.menu a[href="/@aline"]`)), chromedp.WaitVisible(chromedp.CSS(".profile-head")))
	p.mustSee("Aline", "@aline@")

	// A desktop keeps the header on one line, the same places in it.
	p.do("desktop", chromedp.EmulateViewport(1280, 800))
	p.open("/home")
	desktop, err := chromedp.Run(p.ctx, chromedp.Evaluate[layoutFacts](measureLayout))
	if err != nil {
		t.Fatal(err)
	}
	if desktop.HeaderRows != 1 || desktop.BarRows != 1 || desktop.BarBottom > desktop.HeaderHeight+1 {
		t.Errorf("desktop header: %+v", desktop)
	}
	p.viewportShot("phone-desktop-header")
}

// count is the number of elements matching sel.
func (d *driver) count(sel string) int {
	d.t.Helper()
	return int(d.eval(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
}

// eval is a number the page computes.
func (d *driver) eval(expr string) float64 {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr))
	if err != nil {
		d.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return n
}

// TestFaviconIsServed: browsers ask for /favicon.ico on every site, and
// pages link an SVG icon; a 404 would be a console error on every page
// (issue 16).
func TestFaviconIsServed(t *testing.T) {
	inst := start(t)
	b := newBrowser(t, inst)
	for path, ctype := range map[string]string{"/favicon.ico": "image/x-icon", "/static/favicon.svg": "image/svg+xml", "/static/icon-180.png": "image/png"} {
		r := b.get(path)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("Content-Type"); got != ctype || len(r.Body) < 100 {
			t.Errorf("%s: %q, %d bytes", path, got, len(r.Body))
		}
	}
	for _, path := range []string{"/", "/login", "/nulle-part"} {
		mustContain(t, b.get(path), `<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">`, `<link rel="icon" href="/favicon.ico"`)
	}
}
