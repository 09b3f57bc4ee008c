package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/mail/mailtest"
	"github.com/coopol/coopol/model"
)

// Review finding: with registrations: open and mail, an account the staff
// refused while it waited for its address to be confirmed is approved
// anyway by the confirmation link (WebApproveUser ignores refused_at), and
// logs in.
func TestReviewConfirmLinkOverridesRefusal(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"}, withConfig(func(c *config.Config) {
		c.Registrations = "open"
		c.SMTP.Host, c.SMTP.Port, c.SMTP.From = catcher.Host, catcher.Port, "section@section-a.test"
	}))[0]
	ctx := context.Background()
	admin := createUser(t, inst, "secretaire", model.RoleAdmin)
	b := newBrowser(t, inst)
	b.csrf("/signup")
	b.submit("/signup", "/signup", url.Values{"username": {"spammeur"}, "email": {"spam@example.org"}, "password": {"correct horse battery"}})
	msg := catcher.WaitTo(t, "spam@example.org", "/signup/confirm", 10*time.Second)
	m := confirmLinkRe.FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no link in %s", msg.Text)
	}
	u, err := inst.Store.UserByLogin(ctx, "spammeur")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Social.RefuseUser(ctx, admin, u.ID, "Non."); err != nil {
		t.Fatal(err)
	}
	b.get(m[1])
	r := b.submit("/login", "/login", url.Values{"login": {"spammeur"}, "password": {"correct horse battery"}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("a refused account logs in after following its confirmation link: %d", r.Status)
	}
}
