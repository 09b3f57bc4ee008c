package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/mail/mailtest"
)

// TestBrowserGuestSignUp: a visitor without an account signs up for a
// field action from its page on a phone, opens the mailed link and
// confirms; the gauge shows the place. Screenshots: guest-form,
// guest-confirm, guest-gauge.
func TestBrowserGuestSignUp(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withConfig(func(c *config.Config) { c.SMTP.Host, c.SMTP.Port = catcher.Host, catcher.Port }))
	sec := secretary(t, inst, "secretaire")
	ev := sectionAction(t, inst, sec, "Tractage au marché", 6, time.Now().Add(72*time.Hour).Truncate(time.Hour))
	d := newDriver(t, inst)
	page := "/events/" + ev.ID
	d.open(page)
	d.mustSee("S’inscrire sans compte", "0 inscrit·e sur 6")
	d.do("fill the guest form",
		chromedp.SendKeys(chromedp.CSS("#guest-name"), "Gaston Invité"),
		chromedp.SendKeys(chromedp.CSS("#guest-email"), "gaston@guest.test"),
		chromedp.SendKeys(chromedp.CSS("#guest-phone"), "06 12 34 56 78"),
		chromedp.Click(chromedp.CSS(`.guest-signup input[name="consent"]`)),
		chromedp.ScrollIntoView(chromedp.CSS(".guest-signup")),
	)
	d.shot("guest-form")
	d.do("send the guest form", chromedp.Submit(chromedp.CSS(`.guest-signup form`)), chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)))
	d.mustSee("Un e-mail vient de partir")
	confirmPath, _, _, _ := guestLinks(t, catcher.WaitTo(t, "gaston@guest.test", "/guests/confirm", 10*time.Second).Text)
	d.open(confirmPath)
	d.mustSee("Confirmer mon inscription", "Tractage au marché")
	d.shot("guest-confirm")
	d.do("confirm", chromedp.Click(chromedp.CSS(`form[action="/guests/confirm"] button`)), chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)))
	d.mustSee("Inscription confirmée")
	d.open(page)
	d.mustSee("1 inscrit·e sur 6")
	d.shot("guest-gauge")
}
