package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/mail/mailtest"
	"github.com/coopol/coopol/model"
)

var dashboardBadge = regexp.MustCompile(`href="/dashboard"[^>]*>[^<]*<span class="badge">(\d+)`)

// TestStaffAreToldWhatWaits (issue 14): a sign-up notifies the staff and
// raises the number on the dashboard link; the staff refuse one account
// with a message, which its owner reads at login, and approve another,
// whose owner finds a notification. A member who is not staff can do
// neither, and nothing changes.
func TestStaffAreToldWhatWaits(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")
		before, err := inst.Store.WebStaffWaiting(ctx, w.section.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"nadia", "omar"} {
			r := newBrowser(t, inst).submit("/signup", "/signup", url.Values{"username": {name}, "email": {name + "@example.org"}, "password": {"correct horse battery"}})
			wantStatus(t, r, http.StatusOK)
		}
		if _, err := inst.Social.Report(ctx, w.alice, w.bob, nil, "propos déplacés"); err != nil {
			t.Fatal(err)
		}
		home := sec.get("/home")
		m := dashboardBadge.FindStringSubmatch(home.Body)
		if m == nil || m[1] != strconv.Itoa(before+3) {
			t.Fatalf("dashboard badge %v, want %d", m, before+3)
		}
		// A member who is not staff sees no such link, nor the notifications.
		alice := newBrowser(t, inst)
		alice.login("alice")
		mustNotContain(t, alice.get("/home"), `href="/dashboard"`)
		mustNotContain(t, alice.get("/notifications"), "a créé un compte", "a fait un signalement")
		r := sec.get("/notifications")
		mustContain(t, r, "a créé un compte", "a fait un signalement", `href="/dashboard#accounts"`, `href="/dashboard#reports"`)

		nadia, _ := inst.Store.UserByLogin(ctx, "nadia")
		omar, _ := inst.Store.UserByLogin(ctx, "omar")
		// Refused to a member who is not staff: 404, nothing stored.
		wantStatus(t, alice.submit("/home", "/dashboard/users/"+nadia.ID+"/refuse", url.Values{"message": {"non"}}), http.StatusNotFound)
		wantStatus(t, alice.submit("/home", "/dashboard/users/"+omar.ID+"/approve", nil), http.StatusNotFound)
		if u, _ := inst.Store.UserByLogin(ctx, "nadia"); u.RefusedAt != nil || u.Approved {
			t.Fatal("a refused form changed nadia's account")
		}
		if u, _ := inst.Store.UserByLogin(ctx, "omar"); u.Approved {
			t.Fatal("a refused form approved omar")
		}

		// The staff refuse nadia with a message.
		wantStatus(t, sec.submit("/dashboard", "/dashboard/users/"+nadia.ID+"/refuse", url.Values{"message": {"Nous ne vous connaissons pas : passez à la permanence du mardi."}}), http.StatusSeeOther)
		mustNotContain(t, sec.get("/dashboard"), "nadia@example.org")
		r = newBrowser(t, inst).submit("/login", "/login", url.Values{"login": {"nadia"}, "password": {"correct horse battery"}})
		wantStatus(t, r, http.StatusForbidden)
		mustContain(t, r, "La section n’a pas validé votre demande de compte.", "passez à la permanence du mardi")
		// With a wrong password the message stays hidden.
		r = newBrowser(t, inst).submit("/login", "/login", url.Values{"login": {"nadia"}, "password": {"wrong password here"}})
		mustNotContain(t, r, "permanence du mardi")

		// The staff approve omar: he logs in and finds the notification.
		wantStatus(t, sec.submit("/dashboard", "/dashboard/users/"+omar.ID+"/approve", nil), http.StatusSeeOther)
		o := newBrowser(t, inst)
		r = o.submit("/login", "/login", url.Values{"login": {"omar"}, "password": {"correct horse battery"}})
		wantStatus(t, r, http.StatusSeeOther)
		mustContain(t, o.get("/notifications"), "a validé votre compte")

		after, _ := inst.Store.WebStaffWaiting(ctx, w.section.ID)
		if after != before+1 { // the report is still open
			t.Fatalf("waiting after answers: %d, want %d", after, before+1)
		}
		var n int64
		if n, err = inst.Store.DB.NewSelect().Model((*model.Notification)(nil)).Where("type = ?", "admin.sign_up").Where("account_id = ?", w.sec.ID).Count(ctx); err != nil || n != 2 {
			t.Fatalf("admin.sign_up notifications for sec: %d %v", n, err)
		}
	})
}

// TestApplicantsAreToldByMail: with SMTP configured, an approved
// applicant gets an e-mail saying they can log in, a refused one the
// staff's message (through the mail package's queue, caught by mailtest).
func TestApplicantsAreToldByMail(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withConfig(func(c *config.Config) {
		c.SMTP.Host, c.SMTP.Port, c.SMTP.From = catcher.Host, catcher.Port, "section@section-a.test"
	}))
	newWorld(t, inst)
	ctx := context.Background()
	for _, name := range []string{"nadia", "omar"} {
		wantStatus(t, newBrowser(t, inst).submit("/signup", "/signup", url.Values{"username": {name}, "email": {name + "@example.org"}, "password": {"correct horse battery"}}), http.StatusOK)
	}
	nadia, _ := inst.Store.UserByLogin(ctx, "nadia")
	omar, _ := inst.Store.UserByLogin(ctx, "omar")
	sec := newBrowser(t, inst)
	sec.login("sec")
	wantStatus(t, sec.submit("/dashboard", "/dashboard/users/"+omar.ID+"/approve", nil), http.StatusSeeOther)
	msg := catcher.WaitTo(t, "omar@example.org", "a validé votre compte", 10*time.Second)
	if !strings.Contains(msg.Text, "/login") || !strings.Contains(msg.Subject, "validé") {
		t.Fatalf("approval mail: %q\n%s", msg.Subject, msg.Text)
	}
	wantStatus(t, sec.submit("/dashboard", "/dashboard/users/"+nadia.ID+"/refuse", url.Values{"message": {"Venez nous voir mardi."}}), http.StatusSeeOther)
	msg = catcher.WaitTo(t, "nadia@example.org", "Venez nous voir mardi.", 10*time.Second)
	if !strings.Contains(msg.Text, "n’a pas validé") {
		t.Fatalf("refusal mail:\n%s", msg.Text)
	}
	// Nobody else was mailed about it (other mails, such as members'
	// notification mails of the world's posts, are not about this).
	for _, m := range catcher.Messages() {
		about := strings.Contains(m.Text, "Venez nous voir mardi.") || strings.Contains(m.Subject, "validé")
		for _, to := range m.To {
			if about && to != "omar@example.org" && to != "nadia@example.org" {
				t.Fatalf("a mail went to %s: %q", to, m.Subject)
			}
		}
	}
}
