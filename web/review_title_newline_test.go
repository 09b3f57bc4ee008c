package web_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/mail/mailtest"
)

// Review finding: an event title may hold a line break (the domain only
// trims it); every guest mail puts the title in its Subject, which
// mail.build refuses (ErrInvalid → job cancelled): the guest never gets
// the confirmation link and loses the place when the hold ends.
func TestReviewGuestMailWithLineBreakInTitle(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"}, withConfig(func(c *config.Config) {
		c.SMTP.Host, c.SMTP.Port, c.SMTP.From = catcher.Host, catcher.Port, "section@section-a.test"
	}))[0]
	sec := secretary(t, inst, "secretaire")
	ev := sectionAction(t, inst, sec, "Tractage\nau marché", 2, time.Now().Add(72*time.Hour).Truncate(time.Minute))
	page := "/events/" + ev.ID
	anon := newBrowser(t, inst)
	anon.submit(page, page+"/guests", url.Values{"name": {"Gaston"}, "email": {"gaston@guest.test"}, "consent": {"1"}})
	if guestCount(t, inst, ev.ID) != 1 {
		t.Fatal("guest not stored")
	}
	catcher.WaitTo(t, "gaston@guest.test", "/guests/confirm?token=", 10*time.Second)
}
