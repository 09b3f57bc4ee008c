package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/mail/mailtest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// E-mail notifications (issue 16): immediate mails, digests, the
// one-click unsubscribe link, and the audience rule at the mail door.

func withMail(catcher *mailtest.Catcher) coopoltest.Option {
	return coopoltest.Option(func(c *config.Config) {
		c.SMTP.Host, c.SMTP.Port, c.SMTP.From = catcher.Host, catcher.Port, "section@section-a.test"
	})
}

// jobs counts the queued or done jobs of a kind whose arguments contain
// want: what was asked of the mail worker, without waiting for it.
func jobs(t *testing.T, inst *coopoltest.Instance, kind, want string) int {
	t.Helper()
	n, err := inst.Store.DB.NewSelect().TableExpr("river_job").Where("kind = ?", kind).
		Where("CAST(args AS TEXT) LIKE ?", "%"+want+"%").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// eachMailInstance runs fn on an instance of each backend, each with its
// own SMTP catcher.
func eachMailInstance(t *testing.T, fn func(t *testing.T, inst *coopoltest.Instance, catcher *mailtest.Catcher)) {
	t.Helper()
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			catcher := mailtest.Start(t)
			fn(t, coopoltest.Start(t, backend, []string{"section-a.test"}, withMail(catcher))[0], catcher)
		})
	}
}

func mailPrefs(t *testing.T, inst *coopoltest.Instance, a *model.Account) *model.MailPreferences {
	t.Helper()
	p, err := inst.Store.MailPreferences(context.Background(), nil, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func setMailPrefs(t *testing.T, inst *coopoltest.Instance, a *model.Account, frequency string) {
	t.Helper()
	p := model.DefaultMailPreferences(a.ID)
	p.Frequency = frequency
	if err := inst.Social.SaveMailPreferences(context.Background(), a, p); err != nil {
		t.Fatal(err)
	}
}

func lastNotification(t *testing.T, inst *coopoltest.Instance, a *model.Account, typ string) *model.Notification {
	t.Helper()
	var n model.Notification
	if err := inst.Store.DB.NewSelect().Model(&n).Where("account_id = ? AND type = ?", a.ID, typ).OrderExpr("id DESC").Limit(1).Scan(context.Background()); err != nil {
		t.Fatalf("no %s notification for %s: %v", typ, a.Username, err)
	}
	return &n
}

var unsubscribeRe = regexp.MustCompile(`http://section-a\.test(/mail/unsubscribe/[A-Za-z0-9_.-]+)`)

// P-04: a private message reaches the recipient at once, without its text,
// with a one-click unsubscribe link that works from the mail program
// (RFC 8058 POST, no cookie, no CSRF token); afterwards nothing is sent.
func TestNotificationMailAtOnceThenUnsubscribe_P04(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withMail(catcher))
	ctx := context.Background()
	alice := createUser(t, inst, "alice", model.RoleMember)
	bob := createUser(t, inst, "bob", model.RoleMember)

	const secret = "Le code de la porte est 4521"
	if _, err := inst.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "@bob " + secret, Visibility: model.VisibilityDirect}); err != nil {
		t.Fatal(err)
	}
	m := catcher.WaitTo(t, "bob@example.org", "message privé", 10*time.Second)
	if m.Subject != "alice vous a envoyé un message privé" {
		t.Errorf("subject %q", m.Subject)
	}
	if strings.Contains(m.Text, secret) || strings.Contains(m.Subject, secret) {
		t.Fatalf("the mail carries the private message's text:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "http://section-a.test/messages") {
		t.Errorf("no link to the messages in:\n%s", m.Text)
	}
	link := unsubscribeRe.FindStringSubmatch(m.Text)
	if link == nil {
		t.Fatalf("no unsubscribe link in:\n%s", m.Text)
	}
	if got := m.Header.Get("List-Unsubscribe"); got != "<"+link[0]+">" {
		t.Errorf("List-Unsubscribe %q, the text links %q", got, link[0])
	}
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", m.Header.Get("List-Unsubscribe-Post"))
	}
	if len(catcher.To("alice@example.org")) != 0 {
		t.Fatal("the sender got a mail")
	}

	// Opening the link (a person, or a mail scanner) only asks.
	anon := newBrowser(t, inst)
	r := anon.get(link[1])
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "Ne plus recevoir d’e-mails", `action="`+link[1]+`"`)
	if r.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q", r.Header.Get("Referrer-Policy"))
	}
	if f := mailPrefs(t, inst, bob).Frequency; f != model.MailImmediately {
		t.Fatalf("a GET changed the frequency to %s", f)
	}
	// A forged or altered token changes nothing.
	for _, bad := range []string{"/mail/unsubscribe/" + bob.ID + ".AAAA", strings.TrimSuffix(link[1], link[1][len(link[1])-2:]) + "xx", "/mail/unsubscribe/nope"} {
		wantStatus(t, anon.get(bad), http.StatusNotFound)
		wantStatus(t, anon.post(bad, url.Values{"List-Unsubscribe": {"One-Click"}}), http.StatusNotFound)
	}
	if f := mailPrefs(t, inst, bob).Frequency; f != model.MailImmediately {
		t.Fatalf("a forged token changed the frequency to %s", f)
	}

	// The mail program's one-click POST: no cookie, no CSRF token.
	req, _ := http.NewRequest(http.MethodPost, inst.URL(link[1]), strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
	}
	if f := mailPrefs(t, inst, bob).Frequency; f != model.MailNever {
		t.Fatalf("after unsubscribing: %s", f)
	}

	// Nothing more: no job is even queued, and mailing the notification
	// by hand sends nothing.
	before := jobs(t, inst, "send_mail", "bob@example.org")
	if _, err := inst.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "@bob encore un mot", Visibility: model.VisibilityDirect}); err != nil {
		t.Fatal(err)
	}
	n := lastNotification(t, inst, bob, "mention")
	if k := jobs(t, inst, "notification_mail", n.ID); k != 0 {
		t.Fatalf("%d mail job(s) queued for someone who unsubscribed", k)
	}
	if err := inst.Social.MailNotification(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Social.SendDigests(ctx, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if after := jobs(t, inst, "send_mail", "bob@example.org"); after != before {
		t.Fatalf("%d mail(s) queued after unsubscribing", after-before)
	}
}

// The confirm page's button unsubscribes too (a browser, no login).
func TestUnsubscribeConfirmPage(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withMail(catcher))
	bob := createUser(t, inst, "bob", model.RoleMember)
	url0, err := inst.Social.UnsubscribeURL(context.Background(), bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(url0, "http://section-a.test")
	b := newBrowser(t, inst)
	mustContain(t, b.get(path), "Ne plus recevoir d’e-mails")
	r := b.post(path, url.Values{"List-Unsubscribe": {"One-Click"}})
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "C’est fait")
	if f := mailPrefs(t, inst, bob).Frequency; f != model.MailNever {
		t.Fatalf("after the button: %s", f)
	}
	// In English too.
	b.lang = "en"
	mustContain(t, b.get(path), "You will get no more notification e-mails")
}

// A daily digest gathers two notifications and the section's new action,
// goes out once however often the job runs, and repeats nothing that
// went at once.
func TestDailyDigestOnce(t *testing.T) {
	eachMailInstance(t, func(t *testing.T, inst *coopoltest.Instance, catcher *mailtest.Catcher) {
		ctx := context.Background()
		alice := createUser(t, inst, "alice", model.RoleMember)
		bob := createUser(t, inst, "bob", model.RoleMember)
		sec := createUser(t, inst, "sec", model.RoleAdmin)
		section, err := inst.Store.LocalAccount(ctx, inst.Config.Section.Username)
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.Social.VerifyMember(ctx, sec, sec, true); err != nil {
			t.Fatal(err)
		}

		// Bob chooses a daily digest in his settings.
		b := newBrowser(t, inst)
		b.login("bob")
		page := b.get("/settings")
		mustContain(t, page, "E-mails", `value="immediately" checked`, `name="kinds" value="actions" checked`)
		r := b.submit("/settings", "/settings/mail", url.Values{"frequency": {"weekly-ish"}, "kinds": {"mentions"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Choisissez quand recevoir les e-mails.")
		if p := mailPrefs(t, inst, bob); p.Frequency != model.MailImmediately || !p.Messages {
			t.Fatalf("a refused form stored %+v", p)
		}
		r = b.submit("/settings", "/settings/mail", url.Values{"frequency": {"daily"},
			"kinds": {"messages", "mentions", "signups", "actions"}})
		wantStatus(t, r, http.StatusSeeOther)
		if p := mailPrefs(t, inst, bob); p.Frequency != model.MailDaily || !p.Mentions || !p.Actions || p.Reminders {
			t.Fatalf("stored %+v", p)
		}
		mustContain(t, b.get("/settings"), `value="daily" checked`)

		for _, text := range []string{"@bob tu viens samedi ?", "@bob on compte sur toi"} {
			if _, err := inst.Social.CreateStatus(ctx, alice, social.NewStatus{Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		// A mention goes at once only to people who chose "immediately".
		before := jobs(t, inst, "send_mail", "bob@example.org")
		if err := inst.Social.MailNotification(ctx, lastNotification(t, inst, bob, "mention").ID); err != nil {
			t.Fatal(err)
		}
		if jobs(t, inst, "send_mail", "bob@example.org") != before {
			t.Fatal("a mention was mailed at once to someone who chose a daily digest")
		}
		start, need := time.Now().Add(72*time.Hour).Truncate(time.Hour), 4
		action, err := inst.Social.CreateEvent(ctx, sec, social.NewEvent{Title: "Porte-à-porte quartier Gare", Kind: model.EventKindFieldAction,
			ActionKind: "door_to_door", StartAt: start, EndAt: start.Add(2 * time.Hour), Locality: "Lyon", Capacity: &need, GroupID: section.ID})
		if err != nil {
			t.Fatal(err)
		}

		now := time.Now().Add(time.Minute) // the injected clock
		n1, err := inst.Social.SendDigests(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		n2, err := inst.Social.SendDigests(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if n1 < 1 || n2 != 0 {
			t.Fatalf("digests queued: %d then %d", n1, n2)
		}
		m := catcher.WaitTo(t, "bob@example.org", "Votre résumé du jour", 10*time.Second)
		for _, want := range []string{"Bonjour bob,", "alice vous a mentionné·e", "Porte-à-porte quartier Gare", "http://section-a.test/events/" + action.ID, "/mail/unsubscribe/"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("digest lacks %q:\n%s", want, m.Text)
			}
		}
		if c := strings.Count(m.Text, "alice vous a mentionné·e"); c != 2 {
			t.Errorf("%d mentions in the digest, want 2:\n%s", c, m.Text)
		}
		if m.Header.Get("List-Unsubscribe") == "" {
			t.Error("a digest without List-Unsubscribe")
		}
		if got := jobs(t, inst, "send_mail", "bob@example.org"); got != before+1 {
			t.Fatalf("%d digest mail(s) queued for bob, want 1", got-before)
		}
		// Alice (the default: at once) gets the new action in her weekly
		// digest; the secretary who posted it does not hear of it.
		if got := jobs(t, inst, "send_mail", "Porte-à-porte"); got != 2 || n1 != 2 {
			t.Errorf("the new action went out %d times in %d digests, want twice (bob, alice)", got, n1)
		}
		catcher.WaitTo(t, "alice@example.org", "Porte-à-porte quartier Gare", 10*time.Second)
		if got := jobs(t, inst, "send_mail", "sec@example.org"); got != 0 {
			t.Errorf("%d mail(s) to the action's author", got)
		}
	})
}

// "Never" means no notification mail at all: not at once, not in a
// digest, whatever happens.
func TestNeverMeansNoMail(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withMail(catcher))
	ctx := context.Background()
	alice := createUser(t, inst, "alice", model.RoleMember)
	bob := createUser(t, inst, "bob", model.RoleMember)
	sec := createUser(t, inst, "sec", model.RoleAdmin)
	if err := inst.Social.VerifyMember(ctx, sec, sec, true); err != nil {
		t.Fatal(err)
	}
	section, err := inst.Store.LocalAccount(ctx, inst.Config.Section.Username)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, inst)
	b.login("bob")
	wantStatus(t, b.submit("/settings", "/settings/mail", url.Values{"frequency": {"never"},
		"kinds": {"messages", "mentions", "signups", "actions", "reminders"}}), http.StatusSeeOther)

	if _, err := inst.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "@bob un message privé", Visibility: model.VisibilityDirect}); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "@bob une mention publique"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	if _, err := inst.Social.CreateEvent(ctx, sec, social.NewEvent{Title: "Collage d’affiches", StartAt: start, GroupID: section.ID}); err != nil {
		t.Fatal(err)
	}
	n := lastNotification(t, inst, bob, "mention")
	if k := jobs(t, inst, "notification_mail", n.ID); k != 0 {
		t.Fatalf("%d mail job(s) queued for someone who chose never", k)
	}
	if err := inst.Social.MailNotification(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	// The digest job, as the periodic schedule queues it.
	if err := inst.Social.Queue.Enqueue(ctx, queue.DigestArgs{}); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "the digest job ran", func() bool {
		n, _ := inst.Store.DB.NewSelect().TableExpr("river_job").Where("kind = 'mail_digests' AND state = 'completed'").Count(ctx)
		return n == 1
	})
	if k := jobs(t, inst, "send_mail", "bob@example.org"); k != 0 {
		t.Fatalf("%d mail(s) queued for someone who chose never", k)
	}
	// The control: alice, left at the defaults, does get the new action.
	catcher.WaitTo(t, "alice@example.org", "Collage d’affiches", 10*time.Second)
	if len(catcher.To("bob@example.org")) != 0 {
		t.Fatal("bob got a mail")
	}
}

// P-14 at the mail door: a notification about a members-only post is
// mailed (without the post's text) while the person is a member, and not
// at all once they have left the group, at once or in a digest.
func TestMembersOnlyNotificationNotMailedAfterLeaving_P14(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withMail(catcher))
	ctx := context.Background()
	alice := createUser(t, inst, "alice", model.RoleMember)
	bob := createUser(t, inst, "bob", model.RoleMember)
	ecole, err := inst.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "ecole", DisplayName: "École",
		Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Social.JoinGroup(ctx, bob, ecole); err != nil {
		t.Fatal(err)
	}
	const secret = "Réunion du groupe chez Paul, code 7731"
	if _, err := inst.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "@bob " + secret, Visibility: model.VisibilityMembers, GroupID: ecole.ID}); err != nil {
		t.Fatal(err)
	}
	m := catcher.WaitTo(t, "bob@example.org", "vous a mentionné·e", 10*time.Second)
	if strings.Contains(m.Text, secret) || strings.Contains(m.Subject, secret) {
		t.Fatalf("the mail carries the members-only text:\n%s", m.Text)
	}
	n := lastNotification(t, inst, bob, "mention")

	if err := inst.Social.LeaveGroup(ctx, bob, ecole); err != nil {
		t.Fatal(err)
	}
	before := jobs(t, inst, "send_mail", "bob@example.org")
	if err := inst.Social.MailNotification(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	setMailPrefs(t, inst, bob, model.MailDaily)
	sent, err := inst.Social.SendDigests(ctx, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if after := jobs(t, inst, "send_mail", "bob@example.org"); after != before || sent != 0 {
		t.Fatalf("%d mail(s) queued to bob (%d digests) after he left the group", after-before, sent)
	}
}

// The mails' sentences exist in both catalogues.
func TestMailCatalogueKeys(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withMail(catcher))
	for _, lang := range []string{"fr", "en"} {
		for _, key := range social.MailTextKeys() {
			if got := inst.Social.MailText(lang, key, "From", "x", "Name", "x", "Instance", "x"); got == key || got == "" {
				t.Errorf("%s: %s is missing", lang, key)
			}
		}
	}
	if !slices.Contains(social.MailTextKeys(), "mailnotif.type.action_promoted") {
		t.Fatal("the type keys are not listed")
	}
}

// Without SMTP the settings page has no e-mail section, its form is a
// 404 that stores nothing, and no mail job is ever queued.
func TestMailSettingsHiddenWithoutSMTP(t *testing.T) {
	inst := start(t)
	ctx := context.Background()
	alice := createUser(t, inst, "alice", model.RoleMember)
	bob := createUser(t, inst, "bob", model.RoleMember)
	b := newBrowser(t, inst)
	b.login("bob")
	page := b.get("/settings")
	wantStatus(t, page, http.StatusOK)
	if strings.Contains(page.Body, `id="mail-title"`) || strings.Contains(page.Body, `action="/settings/mail"`) {
		t.Fatal("an e-mail section without SMTP")
	}
	wantStatus(t, b.submit("/settings", "/settings/mail", url.Values{"frequency": {"never"}}), http.StatusNotFound)
	stored, err := inst.Store.DB.NewSelect().TableExpr("mail_preferences").Count(ctx)
	if err != nil || stored != 0 {
		t.Fatalf("%d preference rows stored, %v", stored, err)
	}
	if _, err := inst.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "@bob salut", Visibility: model.VisibilityDirect}); err != nil {
		t.Fatal(err)
	}
	lastNotification(t, inst, bob, "mention")
	if k := jobs(t, inst, "notification_mail", ""); k != 0 {
		t.Fatalf("%d mail job(s) queued without SMTP", k)
	}
}

// The mails speak the language the person chose their settings in.
func TestMailInTheMembersLanguage(t *testing.T) {
	catcher := mailtest.Start(t)
	inst := start(t, withMail(catcher))
	alice := createUser(t, inst, "alice", model.RoleMember)
	createUser(t, inst, "bob", model.RoleMember)
	b := newBrowser(t, inst)
	b.lang = "en"
	b.login("bob")
	mustContain(t, b.get("/settings"), "What I get by e-mail")
	wantStatus(t, b.submit("/settings", "/settings/mail", url.Values{"frequency": {"immediately"}, "kinds": {"messages"}}), http.StatusSeeOther)
	if _, err := inst.Social.CreateStatus(context.Background(), alice, social.NewStatus{Text: "@bob hello", Visibility: model.VisibilityDirect}); err != nil {
		t.Fatal(err)
	}
	m := catcher.WaitTo(t, "bob@example.org", "private message", 10*time.Second)
	if m.Subject != "alice sent you a private message" || !strings.Contains(m.Text, "To stop these e-mails: http://section-a.test/mail/unsubscribe/") {
		t.Fatalf("subject %q:\n%s", m.Subject, m.Text)
	}
}
