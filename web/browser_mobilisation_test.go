package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// TestBrowserCrossSectionMobilisation is issue 13's journey in Chromium,
// on three instances: a sympathisant of C follows section A from C's
// pages; a militant of B finds section A by typing "Villeneuve" in B's
// search, follows it, sees in B's agenda the action A published before
// and the one published after, and signs up; the gauge moves on A, B and
// C. Then an action found on B by pasting its URL in search is an event
// with its sign-up button. Screenshots: docs/screenshots/mobilisation-*.
func TestBrowserCrossSectionMobilisation(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test", "section-c.test"}, func(cfg *config.Config) {
		if cfg.Host == "section-a.test" {
			cfg.Section.DisplayName = "Section de Villeneuve"
			cfg.Section.Territory = "Villeneuve-sur-Lot 47300"
		}
		cfg.Federation.Sections = []string{"section-a.test", "section-b.test", "section-c.test"}
	})
	a, b, c := insts[0], insts[1], insts[2]
	ctx := context.Background()
	sec := createUser(t, a, "secretaire", model.RoleAdmin)
	createUser(t, b, "bruno", model.RoleMember)
	createUser(t, c, "chloe", model.RoleSympathisant)
	sectionA, _ := a.Store.LocalAccount(ctx, "section")
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	action := func(title string, at time.Time, group string) *model.Event {
		need := 2
		ev, err := a.Social.CreateEvent(ctx, sec, social.NewEvent{Title: title, Description: "Rendez-vous devant la mairie.",
			Kind: model.EventKindFieldAction, ActionKind: "leafleting", StartAt: at, EndAt: at.Add(2 * time.Hour),
			PlaceName: "Marché couvert", PostalCode: "47300", Locality: "Villeneuve-sur-Lot", Capacity: &need, GroupID: group})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	before := action("Tractage au marché couvert", start, sectionA.ID)
	for _, inst := range []*coopoltest.Instance{b, c} {
		coopoltest.Eventually(t, inst.Host+" knows section A and its action (directory of sections)", func() bool {
			f, err := inst.Social.SearchDirectory(ctx, nil, "Villeneuve")
			return err == nil && len(f.Sections) == 1 && len(f.Events) == 1
		})
	}

	d := newDriver(t, c)
	login := func(inst *coopoltest.Instance, username string) {
		d.inst = inst
		d.open("/login")
		d.do("log in as "+username, chromedp.SendKeys(chromedp.CSS("#login"), username), chromedp.SendKeys(chromedp.CSS("#password"), "password-"+username),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(openMenu)))
	}
	followFromSearch := func(shotPrefix string) {
		d.open("/search")
		d.do("type Villeneuve", chromedp.SendKeys(chromedp.CSS("#q"), "Villeneuve"),
			chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#results-title")))
		d.mustSee("Section de Villeneuve", "Villeneuve-sur-Lot 47300", "Tractage au marché couvert")
		d.shot(shotPrefix + "-search-villeneuve")
		d.do("open the section", chromedp.Click(chromedp.CSS(`a[href="/@section@section-a.test"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/follow"] button`)))
		d.mustSee("Section de Villeneuve", "Section", "Territoire : Villeneuve-sur-Lot 47300", "Suivre", "Agenda (iCal)")
		if n, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/join"]').length`)); n != 0 {
			t.Fatal("a section page offers to join it")
		}
		d.shot(shotPrefix + "-section-page")
		d.do("follow", chromedp.Click(chromedp.CSS(`form[action$="/follow"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/unfollow"] button`)))
		d.shot(shotPrefix + "-section-followed")
	}

	// C: a sympathisant follows section A from C's pages.
	login(c, "chloe")
	followFromSearch("mobilisation-c")
	chloe, _ := c.Store.LocalAccount(ctx, "chloe")
	sectionOnC, _ := c.Store.AccountByURI(ctx, sectionA.URI)
	coopoltest.Eventually(t, "C's follow accepted", func() bool {
		f, err := c.Store.Follow(ctx, chloe.ID, sectionOnC.ID)
		return err == nil && f.State == model.FollowAccepted
	})
	d.do("log out", chromedp.Click(chromedp.CSS(openMenu)), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`header a[href="/login"]`)))

	// B: a militant finds section A, follows it, sees both actions.
	login(b, "bruno")
	followFromSearch("mobilisation-b")
	bruno, _ := b.Store.LocalAccount(ctx, "bruno")
	sectionOnB, _ := b.Store.AccountByURI(ctx, sectionA.URI)
	coopoltest.Eventually(t, "B's follow accepted", func() bool {
		f, err := b.Store.Follow(ctx, bruno.ID, sectionOnB.ID)
		return err == nil && f.State == model.FollowAccepted
	})
	after := action("Porte-à-porte quartier de la gare", start.Add(24*time.Hour), sectionA.ID)
	var afterOnB *model.Event
	coopoltest.Eventually(t, "both actions on B", func() bool {
		_, err1 := b.Store.EventByURI(ctx, before.URI)
		e, err2 := b.Store.EventByURI(ctx, after.URI)
		afterOnB = e
		return err1 == nil && err2 == nil
	})
	d.open("/events")
	d.mustSee("Tractage au marché couvert", "Porte-à-porte quartier de la gare", "0 inscrit·e sur 2 nécessaires")
	d.shot("mobilisation-b-agenda")
	d.open("/events?group=" + sectionOnB.ID + "&kind=action&place=47300")
	d.mustSee("Tractage au marché couvert", "Porte-à-porte quartier de la gare")
	d.open("/home")
	d.mustSee("Porte-à-porte quartier de la gare")
	d.open("/events/" + afterOnB.ID)
	d.do("sign up", chromedp.Click(chromedp.CSS(`form[action$="/signup"] button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	d.shot("mobilisation-b-signed-up")
	for _, inst := range insts {
		coopoltest.Eventually(t, "gauge 1/2 on "+inst.Host, func() bool {
			e, err := inst.Store.EventByURI(ctx, after.URI)
			return err == nil && e.ParticipantCount == 1
		})
	}

	// An action that reached B by no other path: its URL pasted in
	// search gives the event, with its sign-up button.
	lone := action("Collage d’affiches", start.Add(48*time.Hour), "")
	d.open("/search")
	d.do("paste the URL", chromedp.SendKeys(chromedp.CSS("#q"), lone.Status.URL),
		chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#results-title")))
	d.mustSee("Collage d’affiches", "0 inscrit·e sur 2 nécessaires", "Je m’inscris")
	d.shot("mobilisation-b-search-by-url")
	d.do("sign up from the search", chromedp.Click(chromedp.CSS(`form.signup button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	coopoltest.Eventually(t, "the gauge of the pasted action moves on A", func() bool {
		e, err := a.Store.EventByURI(ctx, lone.URI)
		return err == nil && e.ParticipantCount == 1
	})
	d.open("/sections")
	d.mustSee("Section de Villeneuve", "Prochaines actions", "Tractage au marché couvert")
	d.shot("mobilisation-b-sections")
}
