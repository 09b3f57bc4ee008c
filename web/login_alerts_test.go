package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/mail/mailtest"
	"github.com/coopol/coopol/social"
)

// Issue 12 (hygiene, U-05): when strangers use up the failure budget of a
// login name, its owner is told in the app and by e-mail, once; failures
// on a name nobody has mail nobody.
func TestRepeatedLoginFailuresAreToldToTheOwner(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withConfig(func(c *config.Config) {
		c.SMTP.Host, c.SMTP.Port, c.SMTP.From = catcher.Host, catcher.Port, "section@section-a.test"
		c.HTTP.RateLimits.LoginAccount = config.RateLimit{Requests: 3, Period: time.Hour}
	}))
	alice := inst.CreateUser(t, "alice", false)
	b := newBrowser(t, inst)
	for _, login := range []string{"alice", "nobody@example.org"} {
		for range 4 {
			r := b.submit("/login", "/login", url.Values{"login": {login}, "password": {"a wrong guess"}})
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("failed login as %s: %d", login, r.Status)
			}
		}
	}
	msg := catcher.WaitTo(t, "alice@example.org", "se connecter", 10*time.Second)
	if !strings.Contains(msg.Subject, "Échecs de connexion") || !strings.Contains(msg.Text, "/password/forgot") || strings.Contains(msg.Text, "a wrong guess") {
		t.Fatalf("warning mail:\n%s\n%s", msg.Subject, msg.Text)
	}
	ns, err := inst.Store.Notifications(context.Background(), alice.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, n := range ns {
		if n.Type == social.NotificationLoginFailures {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("alice got %d notifications, want 1", told)
	}
	// One mail queued in all: alice's warning, none for the unknown name.
	if n, err := inst.Store.DB.NewSelect().TableExpr("river_job").Where("kind = 'send_mail'").Count(context.Background()); err != nil || n != 1 {
		t.Fatalf("%d mails queued (%v), want alice's one warning", n, err)
	}
}
