package web_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// TestBrowserGroupAndSectionSettings is issue 14's settings journey in
// Chromium, on a phone: a group's founder opens the settings from the
// group page, renames it, gives it a territory and an avatar, then
// removes a member, who stops reading the members-only post at once;
// the secretary sees the number of things waiting on the dashboard link
// and renames the section, whose name then titles every page.
// Screenshots: docs/screenshots/settings-*.
func TestBrowserGroupAndSectionSettings(t *testing.T) {
	inst := start(t)
	ctx := context.Background()
	w := newWorld(t, inst)
	picture := filepath.Join(t.TempDir(), "avatar.png")
	if err := os.WriteFile(picture, pngImage(t), 0o644); err != nil {
		t.Fatal(err)
	}
	// Someone waits for approval, so that the dashboard link says so.
	if _, err := inst.Social.CreateUser(ctx, social.NewUser{Username: "nadia", Email: "nadia@example.org", Password: "password-nadia", Role: model.RoleSympathisant}); err != nil {
		t.Fatal(err)
	}

	d := newDriver(t, inst)
	d.shots = filepath.Join("..", "docs", "screenshots")
	login := func(username string) {
		d.open("/login")
		d.do("log in as "+username, chromedp.SendKeys(chromedp.CSS("#login"), username), chromedp.SendKeys(chromedp.CSS("#password"), "password-"+username),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	}
	logout := func() {
		d.do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`header a[href="/login"]`)))
	}

	// The founder edits the group from its page.
	login("alice")
	d.open("/@ecole")
	settings := `a[href="/groups/` + w.ecole.ID + `/settings"]`
	d.do("open the settings", chromedp.Click(chromedp.CSS(settings)), chromedp.WaitVisible(chromedp.CSS("#gs-name")))
	d.mustSee("Réglages — École", "Qui peut rejoindre le groupe", "Membres", "@bob")
	d.do("edit the presentation",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#gs-name").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#gs-name"), "École publique du 7e"),
		chromedp.SendKeys(chromedp.CSS("#gs-territory"), "Lyon 7e"),
		chromedp.SetUploadFiles(chromedp.CSS("#gs-avatar"), []string{picture}),
	)
	d.do("save", chromedp.Click(chromedp.CSS(`form[action$="/settings"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	d.mustSee("Réglages enregistrés", "Réglages — École publique du 7e")
	if loaded, _ := chromedp.Run(d.ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector("img.avatar-preview"); return !!i && i.complete && i.naturalWidth > 0; })()`)); !loaded {
		t.Fatal("the new avatar does not show on the settings page")
	}
	g, _ := inst.Store.GroupByAccountID(ctx, w.ecole.ID)
	if a, _ := inst.Store.AccountByID(ctx, w.ecole.ID); a.DisplayName != "École publique du 7e" || a.AvatarMediaID == nil || g.Territory != "Lyon 7e" {
		t.Fatalf("stored group: %q avatar %v territory %q", a.DisplayName, a.AvatarMediaID, g.Territory)
	}
	d.shot("settings-group")

	// Remove bob: he no longer reads the members-only post.
	if ok, _ := inst.Social.CanView(ctx, w.bob, w.members); !ok {
		t.Fatal("bob cannot read the members-only post before")
	}
	remove := `form[action="/groups/` + w.ecole.ID + `/members/` + w.bob.ID + `/remove"] button.secondary`
	// The page still shows the last save's flash: drop it, so that the
	// wait below is for the next page's.
	d.do("remove bob", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("p.flash").forEach(e => e.remove())`),
		chromedp.ScrollIntoView(chromedp.CSS(remove)), chromedp.Click(chromedp.CSS(remove)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	d.mustSee("La personne ne fait plus partie du groupe.")
	if strings.Contains(d.text(), "@bob") {
		t.Fatal("bob is still listed among the members")
	}
	if _, err := inst.Store.Membership(ctx, w.ecole.ID, w.bob.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("bob's membership: %v", err)
	}
	if ok, _ := inst.Social.CanView(ctx, w.bob, w.members); ok {
		t.Fatal("a removed member still reads the members-only post")
	}
	d.do("to the members", chromedp.ScrollIntoView(chromedp.CSS("#members")))
	d.shot("settings-group-members")
	logout()

	// The secretary: what waits, then the section's settings.
	login("sec")
	if badge, _ := chromedp.Run(d.ctx, chromedp.Text(chromedp.CSS(`header a[href="/dashboard"] .badge`))); !strings.HasPrefix(strings.TrimSpace(badge), "1") {
		t.Fatalf("dashboard badge %q, want 1 (nadia waits)", badge)
	}
	d.open("/dashboard")
	d.mustSee("Comptes à valider", "nadia@example.org", "Refuser…")
	d.do("open the section settings", chromedp.Click(chromedp.CSS(`a[href="/groups/`+w.section.ID+`/settings"]`)), chromedp.WaitVisible(chromedp.CSS("#gs-name")))
	d.do("rename the section",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#gs-name").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#gs-name"), "Section Lyon 7e"),
		chromedp.SendKeys(chromedp.CSS("#gs-note"), "Militer, débattre, agir ensemble dans le 7e."),
		chromedp.SendKeys(chromedp.CSS("#gs-territory"), "Lyon 7e arrondissement"),
	)
	d.do("save", chromedp.Click(chromedp.CSS(`form[action$="/settings"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	title, err := chromedp.Run(d.ctx, chromedp.Title())
	if err != nil || !strings.HasSuffix(title, "· Section Lyon 7e") {
		t.Fatalf("page title %q (%v)", title, err)
	}
	d.shot("settings-section")
}
