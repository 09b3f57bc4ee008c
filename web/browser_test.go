package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// The browser tests drive Debian's Chromium (apt-get install chromium)
// through the DevTools protocol: a person signs up, logs in, posts with an
// image, joins a group, signs up to a field action and sees the gauge
// move. Every page is saved as a screenshot in artifacts/screenshots
// (COOPOL_SCREENSHOTS overrides the folder), at a phone's width.

const chromiumPath = "/usr/bin/chromium"

// openMenu is the header's "Menu" button (a details element's summary):
// groups, sections, search, one's profile, settings and logging out are
// behind it, one tap away, on a phone as on a desktop.
const openMenu = `header details.menu > summary`

type driver struct {
	t     *testing.T
	ctx   context.Context
	inst  *coopoltest.Instance
	shots string
}

func newDriver(t *testing.T, inst *coopoltest.Instance) *driver {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip("Chromium is not installed (apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	shots := os.Getenv("COOPOL_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join("..", "artifacts", "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(412, 915), // a phone
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	d := &driver{t: t, ctx: ctx, inst: inst, shots: shots}
	// The first action starts the browser: no timeout on it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(412, 915)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return d
}

// do runs actions with a time limit.
func (d *driver) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(d.ctx, chromedp.Location())
		d.t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

func (d *driver) open(path string) {
	d.t.Helper()
	d.do("open "+path, chromedp.Navigate(d.inst.URL(path)), chromedp.WaitReady(chromedp.CSS("body")))
}

// text is the visible text of the page.
func (d *driver) text() string {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		d.t.Fatal(err)
	}
	return s
}

func (d *driver) mustSee(parts ...string) {
	d.t.Helper()
	page := d.text()
	for _, p := range parts {
		if !strings.Contains(page, p) {
			loc, _ := chromedp.Run(d.ctx, chromedp.Location())
			d.t.Fatalf("%s does not show %q:\n%s", loc, p, page)
		}
	}
}

// shot saves the whole page as name.png.
func (d *driver) shot(name string) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		d.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(d.shots, name+".png"), buf, 0o644); err != nil {
		d.t.Fatal(err)
	}
}

func (d *driver) attr(sel, name string) string {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
	defer cancel()
	r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		d.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value
}

func TestBrowserJourney(t *testing.T) {
	inst := start(t, openRegistrations)
	ctx := context.Background()
	svc := inst.Social
	sec := createUser(t, inst, "sec", model.RoleAdmin)
	alice := createUser(t, inst, "alice", model.RoleMember)
	section, _ := inst.Store.LocalAccount(ctx, inst.Config.Section.Username)
	if err := svc.VerifyMember(ctx, sec, sec, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateProfile(ctx, section, social.ProfileUpdate{Note: ptr("La section du 7e arrondissement : militer, débattre, agir ensemble.")}); err != nil {
		t.Fatal(err)
	}
	ecole, err := svc.CreateGroup(ctx, alice, social.NewGroup{Username: "ecole", DisplayName: "École publique",
		Note: "Enseignant·es, parents et élèves : défendre l’école publique.", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateStatus(ctx, sec, social.NewStatus{Text: "Assemblée générale jeudi à 19 h, salle Jaurès. Venez nombreux ! #AG", GroupID: section.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateStatus(ctx, alice, social.NewStatus{Text: "Rentrée : il manque trois postes à l’école Jean-Macé.", GroupID: ecole.ID}); err != nil {
		t.Fatal(err)
	}
	need := 2
	start := time.Now().Add(96 * time.Hour).Truncate(time.Hour)
	action, err := svc.CreateEvent(ctx, sec, social.NewEvent{Title: "Tractage au marché Saint-Louis", Kind: model.EventKindFieldAction,
		ActionKind: "leafleting", StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "Marché Saint-Louis", Locality: "Lyon",
		StreetAddress: "Place Saint-Louis", PostalCode: "69007", Capacity: &need, GroupID: section.ID,
		Description: "Distribution du tract sur les transports. Rendez-vous au local à 9 h 30."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateEvent(ctx, sec, social.NewEvent{Title: "Débat : quelle école voulons-nous ?", StartAt: start.Add(48 * time.Hour),
		PlaceName: "Maison des associations", Locality: "Lyon", GroupID: section.ID}); err != nil {
		t.Fatal(err)
	}
	picture := filepath.Join(t.TempDir(), "marche.png")
	if err := os.WriteFile(picture, pngImage(t), 0o644); err != nil {
		t.Fatal(err)
	}

	d := newDriver(t, inst)

	// The section's public page, and the keyboard: the first Tab reaches
	// the skip link.
	d.open("/")
	d.mustSee("Tractage au marché Saint-Louis", "Assemblée générale", "0 inscrit·e sur 2 nécessaires")
	d.shot("01-section-home")
	d.do("tab", chromedp.KeyEvent("\t"))
	if cls, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`document.activeElement.className`)); cls != "skip" {
		t.Fatalf("first Tab focuses %q, want the skip link", cls)
	}

	// Sign up.
	d.do("go to sign up", chromedp.Click(chromedp.CSS(`header a[href="/signup"]`)), chromedp.WaitVisible(chromedp.CSS("#username")))
	d.do("fill in the sign-up form",
		chromedp.SendKeys(chromedp.CSS("#username"), "lea"),
		chromedp.SendKeys(chromedp.CSS("#display_name"), "Léa"),
		chromedp.SendKeys(chromedp.CSS("#email"), "lea@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "un mot de passe solide"),
	)
	d.shot("02-signup")
	d.do("sign up", chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#compose-text")))
	d.mustSee("Bienvenue", "Quoi de neuf, Léa ?")
	d.shot("03-home-after-signup")

	// Log out and in again.
	d.do("log out", chromedp.Click(chromedp.CSS(openMenu)), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`header a[href="/login"]`)))
	d.do("go to log in", chromedp.Click(chromedp.CSS(`header a[href="/login"]`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	d.do("fill in the login form", chromedp.SendKeys(chromedp.CSS("#login"), "lea"), chromedp.SendKeys(chromedp.CSS("#password"), "un mot de passe solide"))
	d.shot("04-login")
	d.do("log in", chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#compose-text")))

	// Post with an image.
	d.do("write a post",
		chromedp.SendKeys(chromedp.CSS("#compose-text"), "Premier message depuis mon téléphone ! Photo du marché."),
		chromedp.Click(chromedp.CSS(`details.more:has(#compose-media) summary`)),
		chromedp.SetUploadFiles(chromedp.CSS("#compose-media"), []string{picture}),
		chromedp.SendKeys(chromedp.CSS("#compose-media-description"), "Les étals du marché au soleil"),
	)
	d.shot("05-compose-with-image")
	d.do("publish", chromedp.Click(chromedp.CSS(`form.compose button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	d.do("see the image", chromedp.WaitVisible(chromedp.CSS(`article.status .media img[alt="Les étals du marché au soleil"]`)))
	if w := d.attr(`article.status .media img`, "src"); !strings.HasPrefix(w, "/media/") {
		t.Fatalf("image served from %q", w)
	}
	if loaded, _ := chromedp.Run(d.ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector("article.status .media img"); return i.complete && i.naturalWidth > 0; })()`)); !loaded {
		t.Fatal("the posted image did not load in the browser")
	}
	d.mustSee("Publié.", "Premier message depuis mon téléphone")
	d.shot("06-posted-with-image")
	d.do("open the post", chromedp.Click(chromedp.CSS(`article.status a.time`)), chromedp.WaitVisible(chromedp.CSS("article.status.main")))
	d.mustSee("Réponses", "Pas encore de réponse.")
	d.shot("06b-status-page")

	// Join a group.
	d.do("groups", chromedp.Click(chromedp.CSS(openMenu)), chromedp.Click(chromedp.CSS(`header a[href="/groups"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/@ecole"]`)))
	d.shot("07-groups")
	d.do("open the group", chromedp.Click(chromedp.CSS(`a[href="/@ecole"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/join"] button`)))
	d.shot("08-group-before-joining")
	d.do("join", chromedp.Click(chromedp.CSS(`form[action$="/join"] button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	d.mustSee("Vous avez rejoint le groupe.", "Vous êtes membre", "2 membres", "il manque trois postes")
	d.shot("09-group-joined")

	// Sign up to the field action and watch the gauge.
	d.open("/events")
	d.shot("10-agenda")
	d.do("open the action", chromedp.Click(chromedp.CSS(`a[href="/events/`+action.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS("progress")))
	if v := d.attr("progress", "value"); v != "0" {
		t.Fatalf("gauge before: %q", v)
	}
	d.mustSee("0 inscrit·e sur 2 nécessaires", "encore 2 places")
	d.shot("11-action-before-signup")
	d.do("sign up to the action", chromedp.Click(chromedp.CSS(`form[action$="/signup"] button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if v := d.attr("progress", "value"); v != "1" {
		t.Fatalf("gauge after: %q", v)
	}
	d.mustSee("1 inscrit·e sur 2 nécessaires", "encore 1 place", "Vous êtes inscrit·e.", "Me désinscrire")
	d.shot("12-action-after-signup")
	d.open("/")
	d.mustSee("1 inscrit·e sur 2 nécessaires")
	d.open("/commitments")
	d.mustSee("Tractage au marché Saint-Louis", "Vous êtes inscrit·e.")
	d.shot("13-commitments")

	// The home timeline receives a new post without reloading.
	d.open("/home")
	fresh, err := svc.CreateStatus(ctx, alice, social.NewStatus{Text: "Message arrivé en direct", GroupID: ecole.ID})
	if err != nil {
		t.Fatal(err)
	}
	d.do("live update", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event("visibilitychange"))`),
		chromedp.WaitVisible(chromedp.CSS("#s-"+fresh.ID)), chromedp.WaitVisible(chromedp.CSS("#live")))
	d.mustSee("Message arrivé en direct", "nouveau message")
	d.shot("14-home-live-update")

	// The other pages, for the record.
	for _, p := range []struct{ name, path, see string }{
		{"15-profile", "/@lea", "Premier message"},
		{"16-profile-secretary", "/@sec", "Assemblée générale"},
		{"17-notifications", "/notifications", "Notifications"},
		{"18-messages", "/messages", "Nouveau message"},
		{"19-search", "/search?q=eco", "École publique"},
		{"20-settings", "/settings", "Profil public"},
		{"21-compose", "/compose", "Écrire"},
		{"22-tag", "/tags/ag", "Assemblée générale"},
		{"23-not-found", "/nulle-part", "Cette page n’existe pas"},
	} {
		d.open(p.path)
		d.mustSee(p.see)
		d.shot(p.name)
	}

	// The secretary's dashboard, on a phone and on a desktop.
	d.do("log out", chromedp.Click(chromedp.CSS(openMenu)), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`header a[href="/login"]`)))
	d.open("/login")
	d.do("log in as the secretary", chromedp.SendKeys(chromedp.CSS("#login"), "sec"), chromedp.SendKeys(chromedp.CSS("#password"), "password-sec"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#compose-text")))
	d.open("/dashboard")
	d.mustSee("Tableau de bord de la section", "1 inscrit·e sur 2 nécessaires", "Actifs ce mois-ci")
	d.shot("24-dashboard")
	d.open("/events/" + action.ID)
	d.mustSee("Inscrit·es", "@lea")
	d.shot("25-action-organiser-view")
	d.open("/events/new?kind=field_action")
	d.shot("26-new-field-action")
	d.open("/notifications")
	d.mustSee("s’est inscrit·e", "Tractage au marché Saint-Louis")
	d.shot("26b-notifications-secretary")
	d.do("desktop", chromedp.EmulateViewport(1280, 900))
	d.open("/dashboard")
	d.shot("27-dashboard-desktop")
	d.open("/")
	d.shot("28-section-home-desktop")
	d.open("/lang/en?next=/")
	d.mustSee("Field actions", "Upcoming events")
	d.shot("29-section-home-english")
}

func ptr[T any](v T) *T { return &v }
