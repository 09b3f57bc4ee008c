package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/mail/mailtest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

var (
	guestConfirmRe = regexp.MustCompile(`http://section-a\.test(/guests/confirm\?token=([A-Za-z0-9_-]+))`)
	guestCancelRe  = regexp.MustCompile(`http://section-a\.test(/guests/cancel\?token=([A-Za-z0-9_-]+))`)
)

// guestLinks reads the confirmation and cancellation links of a mail.
func guestLinks(t *testing.T, text string) (confirmPath, confirmToken, cancelPath, cancelToken string) {
	t.Helper()
	c, k := guestConfirmRe.FindStringSubmatch(text), guestCancelRe.FindStringSubmatch(text)
	if c == nil || k == nil {
		t.Fatalf("no confirm/cancel links in:\n%s", text)
	}
	return c[1], c[2], k[1], k[2]
}

func sectionAction(t *testing.T, inst *coopoltest.Instance, organizer *model.Account, title string, need int, start time.Time) *model.Event {
	t.Helper()
	section, err := inst.Store.LocalAccount(context.Background(), inst.Config.Section.Username)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := inst.Social.CreateEvent(context.Background(), organizer, social.NewEvent{
		Title: title, Description: "Tractage au marché.", Kind: model.EventKindFieldAction, ActionKind: "leafleting",
		StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "Place du marché", Locality: "Villeneuve-sur-Lot",
		Capacity: &need, GroupID: section.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func secretary(t *testing.T, inst *coopoltest.Instance, username string) *model.Account {
	t.Helper()
	u, err := inst.Social.CreateUser(context.Background(), social.NewUser{Username: username, Email: username + "@example.org",
		Password: "password-" + username, Role: model.RoleAdmin, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	return u.Account
}

func guestCount(t *testing.T, inst *coopoltest.Instance, eventID string) int {
	t.Helper()
	n, err := inst.Store.DB.NewSelect().TableExpr("event_guests").Where("event_id = ?", eventID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func guestState(t *testing.T, inst *coopoltest.Instance, eventID, email string) string {
	t.Helper()
	var state string
	err := inst.Store.DB.NewSelect().TableExpr("participations AS p").Column("p.state").
		Join("JOIN event_guests AS g ON g.id = p.guest_id").Where("g.event_id = ? AND g.email = ?", eventID, email).
		Scan(context.Background(), &state)
	if err != nil {
		return ""
	}
	return state
}

func gaugeEverywhere(t *testing.T, insts []*coopoltest.Instance, uri string, want int) {
	t.Helper()
	for _, inst := range insts {
		coopoltest.Eventually(t, "gauge on "+inst.Host, func() bool {
			e, err := inst.Store.EventByURI(context.Background(), uri)
			return err == nil && e.ParticipantCount == want
		})
	}
}

// TestGuestSignUpByMail is issue 13's "a guest sign-up by e-mail": on
// section A (with SMTP, caught on loopback), visitors without an account
// sign up for a field action of 2 people that B follows. The place is
// held and counted at once on A and on B (the event's Update carries the
// count, never the person); the mailed link confirms (once), another
// cancels (once) and the place goes to the guest waiting; the same
// address cannot take two places; organisers see name, address and
// phone, nobody else does, and no activity carries them; unconfirmed
// holds are given back and guests' data erased 30 days after the event
// (the job runs with an injected clock). B, without SMTP, hides the form
// and refuses it.
func TestGuestSignUpByMail(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			catcher := mailtest.Start(t)
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"}, withConfig(func(c *config.Config) {
				if c.Host == "section-a.test" {
					c.SMTP.Host, c.SMTP.Port, c.SMTP.From = catcher.Host, catcher.Port, "section@section-a.test"
				}
			}))
			a, b := insts[0], insts[1]
			ctx := context.Background()
			sec := secretary(t, a, "secretaire")
			bruno := b.CreateUser(t, "bruno", false)
			section := b.Resolve(t, "section", "section-a.test")
			if _, err := b.Social.Follow(ctx, bruno, section); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "B follows section A", func() bool {
				f, err := b.Store.Follow(ctx, bruno.ID, section.ID)
				return err == nil && f.State == model.FollowAccepted
			})
			start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
			ev := sectionAction(t, a, sec, "Tractage du samedi", 2, start)
			coopoltest.Eventually(t, "the action on B", func() bool {
				_, err := b.Store.EventByURI(ctx, ev.URI)
				return err == nil
			})
			page := "/events/" + ev.ID
			signUp := func(br *browser, name, email, phone string) response {
				t.Helper()
				return br.submit(page, page+"/guests", url.Values{"name": {name}, "email": {email}, "phone": {phone}, "consent": {"1"}})
			}

			// The form is offered to visitors, not to members (who sign up
			// with their account).
			anon := newBrowser(t, a)
			mustContain(t, anon.get(page), "S’inscrire sans compte", `action="`+page+`/guests"`)
			member := newBrowser(t, a)
			a.CreateUser(t, "militant", false)
			member.login("militant")
			mustNotContain(t, member.get(page), `action="`+page+`/guests"`)

			// Refused input changes nothing: no consent, a bad address, no
			// CSRF token.
			r := anon.submit(page, page+"/guests", url.Values{"name": {"Gaston Invité"}, "email": {"gaston@guest.test"}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "Votre accord est nécessaire")
			r = anon.submit(page, page+"/guests", url.Values{"name": {"Gaston"}, "email": {"pas une adresse"}, "consent": {"1"}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			r = anon.post(page+"/guests", url.Values{"name": {"Gaston"}, "email": {"gaston@guest.test"}, "consent": {"1"}})
			wantStatus(t, r, http.StatusForbidden) // A-CSRF
			if n := guestCount(t, a, ev.ID); n != 0 {
				t.Fatalf("%d guests stored after refused forms", n)
			}

			// Gaston signs up: a place held, counted on A and B at once.
			r = signUp(anon, "Gaston Invité", "Gaston@Guest.test", "06 12 34 56 78")
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r, "Un e-mail vient de partir")
			msg := catcher.WaitTo(t, "gaston@guest.test", "/guests/confirm?token=", 10*time.Second)
			if !strings.Contains(msg.Text, "Une place vous est retenue") || msg.From != "section@section-a.test" {
				t.Fatalf("mail from %s:\n%s", msg.From, msg.Text)
			}
			confirmPath, confirmToken, cancelPath, cancelToken := guestLinks(t, msg.Text)
			if got := guestState(t, a, ev.ID, "gaston@guest.test"); got != model.ParticipationHeld {
				t.Fatalf("Gaston's place is %q, want held", got)
			}
			gaugeEverywhere(t, insts, ev.URI, 1)

			// The same address cannot take a second place: the same answer
			// (it must not tell who signed up), a mail to the address, and
			// nothing stored.
			r = signUp(newBrowser(t, a), "Quelqu’un d’autre", "gaston@guest.test", "")
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r, "Un e-mail vient de partir")
			catcher.WaitTo(t, "gaston@guest.test", "déjà inscrite", 10*time.Second)
			if n := guestCount(t, a, ev.ID); n != 1 {
				t.Fatalf("%d guests after a second sign-up of the same address", n)
			}

			// The link leads to a button (a mail scanner opening it changes
			// nothing); the button confirms, once.
			r = anon.get(confirmPath)
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r, "Confirmer mon inscription")
			if got := guestState(t, a, ev.ID, "gaston@guest.test"); got != model.ParticipationHeld {
				t.Fatalf("opening the link changed the place to %q", got)
			}
			r = anon.submit(confirmPath, "/guests/confirm", url.Values{"token": {confirmToken}})
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r, "Inscription confirmée")
			if got := guestState(t, a, ev.ID, "gaston@guest.test"); got != model.ParticipationGoing {
				t.Fatalf("after confirmation Gaston is %q", got)
			}
			wantStatus(t, anon.submit(page, "/guests/confirm", url.Values{"token": {confirmToken}}), http.StatusNotFound)
			wantStatus(t, anon.get(confirmPath), http.StatusNotFound)
			// A made-up or mangled token is no link.
			wantStatus(t, anon.submit(page, "/guests/confirm", url.Values{"token": {confirmToken[:len(confirmToken)-1] + "x"}}), http.StatusNotFound)
			wantStatus(t, anon.submit(page, "/guests/cancel", url.Values{"token": {confirmToken}}), http.StatusNotFound)
			gaugeEverywhere(t, insts, ev.URI, 1)

			// Hélène takes the last place; Ivan, with the action full, waits
			// (as a member would).
			wantStatus(t, signUp(newBrowser(t, a), "Hélène", "helene@guest.test", ""), http.StatusOK)
			heleneMail := catcher.WaitTo(t, "helene@guest.test", "/guests/confirm?token=", 10*time.Second)
			gaugeEverywhere(t, insts, ev.URI, 2)
			wantStatus(t, signUp(newBrowser(t, a), "Ivan", "ivan@guest.test", ""), http.StatusOK)
			catcher.WaitTo(t, "ivan@guest.test", "liste d’attente", 10*time.Second)
			if got := guestState(t, a, ev.ID, "ivan@guest.test"); got != model.ParticipationWaitlisted {
				t.Fatalf("Ivan is %q on a full action", got)
			}
			gaugeEverywhere(t, insts, ev.URI, 2)

			// The organisers see who the guests are; nobody else does.
			org := newBrowser(t, a)
			org.login("secretaire")
			mustContain(t, org.get(page), "Gaston Invité", "gaston@guest.test", "06 12 34 56 78", "Hélène", "ivan@guest.test")
			for _, r := range []response{anon.get(page), member.get(page)} {
				mustNotContain(t, r, "Gaston", "gaston@guest.test", "06 12 34 56 78", "helene@guest.test")
			}
			onB := newBrowser(t, b)
			onB.login("bruno")
			evB, _ := b.Store.EventByURI(ctx, ev.URI)
			mustNotContain(t, onB.get("/events/"+evB.ID), "Gaston", "gaston@guest.test")
			// A visitor of B's copy is sent to A's page to sign up without an
			// account (B cannot take guests for A's action).
			mustContain(t, newBrowser(t, b).get("/events/"+evB.ID), "guest-at-origin", "http://section-a.test/")

			// Gaston cancels (once): Ivan takes the place, still to confirm,
			// and is told by mail; the gauge stays 2/2 everywhere.
			r = anon.get(cancelPath)
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r, "Annuler mon inscription")
			r = anon.submit(cancelPath, "/guests/cancel", url.Values{"token": {cancelToken}})
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r, "annulée")
			wantStatus(t, anon.submit(page, "/guests/cancel", url.Values{"token": {cancelToken}}), http.StatusNotFound)
			catcher.WaitTo(t, "ivan@guest.test", "Une place s’est libérée", 10*time.Second)
			if got := guestState(t, a, ev.ID, "ivan@guest.test"); got != model.ParticipationHeld {
				t.Fatalf("Ivan is %q after Gaston cancelled", got)
			}
			if got := guestState(t, a, ev.ID, "gaston@guest.test"); got != "" {
				t.Fatalf("Gaston is still there (%q) after cancelling", got)
			}
			gaugeEverywhere(t, insts, ev.URI, 2)

			// Hélène confirms; Ivan does not: the job (its clock a day on)
			// gives his place back, and the gauge follows on B.
			_, heleneToken, _, _ := guestLinks(t, heleneMail.Text)
			wantStatus(t, newBrowser(t, a).submit(page, "/guests/confirm", url.Values{"token": {heleneToken}}), http.StatusOK)
			later := func(d time.Duration) *social.GuestsWorker {
				return &social.GuestsWorker{Social: a.Social, Now: func() time.Time { return time.Now().Add(d) }}
			}
			if err := later(25*time.Hour).Work(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if got := guestState(t, a, ev.ID, "ivan@guest.test"); got != "" {
				t.Fatalf("Ivan's unconfirmed place is still %q after his hold", got)
			}
			gaugeEverywhere(t, insts, ev.URI, 1)

			// No activity this server sent names a guest, and B stored
			// nothing about them.
			for _, secret := range []string{"guest.test", "Gaston", "Hélène", "06 12 34 56 78"} {
				n, err := a.Store.DB.NewSelect().TableExpr("outbox_activities").Where("body LIKE ?", "%"+secret+"%").Count(ctx)
				if err != nil || n != 0 {
					t.Fatalf("%d activities of A carry %q (%v)", n, secret, err)
				}
				n, err = b.Store.DB.NewSelect().TableExpr("statuses").Where("content LIKE ? OR title LIKE ?", "%"+secret+"%", "%"+secret+"%").Count(ctx)
				if err != nil || n != 0 {
					t.Fatalf("%d statuses on B carry %q (%v)", n, secret, err)
				}
			}

			// 29 days after the action the organisers still have Hélène's
			// details; 31 days after, they are gone (the count stays).
			sinceEnd := time.Until(start.Add(2 * time.Hour))
			if err := later(sinceEnd+29*24*time.Hour).Work(ctx, nil); err != nil {
				t.Fatal(err)
			}
			mustContain(t, org.get(page), "helene@guest.test")
			if err := later(sinceEnd+31*24*time.Hour).Work(ctx, nil); err != nil {
				t.Fatal(err)
			}
			var left []model.EventGuest
			if err := a.Store.DB.NewSelect().Model(&left).Where("event_id = ?", ev.ID).Scan(ctx); err != nil || len(left) != 1 {
				t.Fatalf("guests left: %+v %v", left, err)
			}
			if g := left[0]; g.Name != "" || g.Email != nil || g.Phone != "" || g.ErasedAt == nil || g.CancelHash != nil {
				t.Fatalf("guest not erased: %+v", g)
			}
			mustNotContain(t, org.get(page), "Hélène", "helene@guest.test")
			if e, _ := a.Store.EventByID(ctx, ev.ID); e.ParticipantCount != 1 {
				t.Fatalf("gauge after erasure: %d", e.ParticipantCount)
			}

			// B has no SMTP: its own public action shows no guest form, and
			// a guest form posted anyway is refused, storing nothing.
			secB := secretary(t, b, "secretaireb")
			evOnB := sectionAction(t, b, secB, "Tractage de B", 3, start)
			anonB := newBrowser(t, b)
			pageB := "/events/" + evOnB.ID
			mustNotContain(t, anonB.get(pageB), "S’inscrire sans compte", "/guests")
			r = anonB.submit("/login", pageB+"/guests", url.Values{"name": {"Zoé"}, "email": {"zoe@guest.test"}, "consent": {"1"}})
			wantStatus(t, r, http.StatusForbidden)
			if n := guestCount(t, b, evOnB.ID); n != 0 {
				t.Fatalf("B stored %d guests without SMTP", n)
			}
			if _, err := b.Social.SignUpGuest(ctx, evOnB.ID, social.NewGuest{Name: "Zoé", Email: "zoe@guest.test", Consent: true},
				func(social.GuestNotice) mail.Message { return mail.Message{} }); err != social.ErrGuestsClosed {
				t.Fatalf("domain sign-up without SMTP: %v", err)
			}
		})
	}
}

// TestGuestHoldEndsAtTheStart: a place taken two hours before the start
// is held until the start, not 24 hours; a confirmation after that is
// refused and the place goes back (the domain's clock is injected). The
// guest form shares the mail forms' rate limit (per address): past it, a
// 429 and nothing stored. A confirmed guest is reminded by mail, and
// cancelling the action mails its guests; a name cannot carry a link.
func TestGuestHoldEndsAtTheStart(t *testing.T) {
	catcher := mailtest.Start(t)
	a := start(t, withConfig(func(c *config.Config) { c.SMTP.Host, c.SMTP.Port = catcher.Host, catcher.Port }))
	ctx := context.Background()
	sec := secretary(t, a, "secretaire")
	start := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	ev := sectionAction(t, a, sec, "Tractage de dernière minute", 3, start)
	page := "/events/" + ev.ID
	anon := newBrowser(t, a)
	r := anon.submit(page, page+"/guests", url.Values{"name": {"Léa"}, "email": {"lea@guest.test"}, "consent": {"1"}})
	wantStatus(t, r, http.StatusOK)
	_, token, _, _ := guestLinks(t, catcher.WaitTo(t, "lea@guest.test", "/guests/confirm", 10*time.Second).Text)
	var g model.EventGuest
	if err := a.Store.DB.NewSelect().Model(&g).Where("event_id = ?", ev.ID).Scan(ctx); err != nil || !g.HoldUntil.Equal(start) {
		t.Fatalf("hold until %v, want the start %v (%v)", g.HoldUntil, start, err)
	}
	onTime := a.Social.Now
	a.Social.Now = func() time.Time { return start.Add(time.Minute) }
	_, _, err := a.Social.ConfirmGuest(ctx, token)
	a.Social.Now = onTime
	if err != social.ErrGuestLinkExpired {
		t.Fatalf("confirmation after the start: %v", err)
	}
	if n := guestCount(t, a, ev.ID); n != 0 {
		t.Fatalf("%d guests left after the hold ended", n)
	}
	if e, _ := a.Store.EventByID(ctx, ev.ID); e.ParticipantCount != 0 {
		t.Fatalf("gauge %d after the hold ended", e.ParticipantCount)
	}

	// A confirmed guest gets the reminder by mail; a name cannot carry a
	// link (the mail goes to whatever address was typed).
	var marcToken string
	if _, err := a.Social.SignUpGuest(ctx, ev.ID, social.NewGuest{Name: "Marc", Email: "marc@guest.test", Consent: true},
		func(n social.GuestNotice) mail.Message {
			marcToken = strings.TrimPrefix(n.ConfirmURL, a.Config.BaseURL()+"/guests/confirm?token=")
			return mail.Message{To: *n.Guest.Email, Subject: "x", Text: "x"}
		}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Social.ConfirmGuest(ctx, marcToken); err != nil {
		t.Fatal(err)
	}
	// (The periodic reminder job may have claimed the action before Marc
	// confirmed: it is reminded anew here.)
	if _, err := a.Store.DB.NewUpdate().TableExpr("events").Set("reminder_sent_at = NULL").Where("id = ?", ev.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.SendReminders(ctx, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	catcher.WaitTo(t, "marc@guest.test", "Rappel", 10*time.Second)
	var ve *social.ValidationError
	if _, err := a.Social.SignUpGuest(ctx, ev.ID, social.NewGuest{Name: "Gagnez sur www.spam.example", Email: "victim@guest.test", Consent: true},
		func(social.GuestNotice) mail.Message { return mail.Message{} }); !errors.As(err, &ve) {
		t.Fatalf("a name with a link: %v", err)
	}

	// The rate limit (10 mail forms an hour per address; one used above).
	for i := 1; i <= 10; i++ {
		r := anon.submit(page, page+"/guests", url.Values{"name": {"Robot"}, "email": {fmt.Sprintf("robot%d@guest.test", i)}, "consent": {"1"}})
		if want := http.StatusOK; i == 10 {
			wantStatus(t, r, http.StatusTooManyRequests)
		} else {
			wantStatus(t, r, want)
		}
	}
	if n := guestCount(t, a, ev.ID); n != 10 {
		t.Fatalf("%d guests stored, want Marc and the 9 sign-ups under the limit", n)
	}

	// Cancelling the action tells its guests by mail, as members are
	// notified.
	if _, err := a.Social.CancelEvent(ctx, sec, ev.ID); err != nil {
		t.Fatal(err)
	}
	catcher.WaitTo(t, "robot9@guest.test", "Il est annulé", 10*time.Second)
}

// TestGuestsAndMembersNeverOverbook: guests and members sign up at the
// same moment for an action of 3; exactly 3 places are taken, the others
// wait, and the gauge says 3.
func TestGuestsAndMembersNeverOverbook(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			catcher := mailtest.Start(t)
			a := coopoltest.Start(t, backend, []string{"section-a.test"}, withConfig(func(c *config.Config) {
				c.SMTP.Host, c.SMTP.Port = catcher.Host, catcher.Port
			}))[0]
			ctx := context.Background()
			sec := secretary(t, a, "secretaire")
			ev := sectionAction(t, a, sec, "Collage", 3, time.Now().Add(48*time.Hour).Truncate(time.Minute))
			var members []*model.Account
			for i := 0; i < 4; i++ {
				members = append(members, a.CreateUser(t, fmt.Sprintf("m%d", i), false))
			}
			noMail := func(n social.GuestNotice) mail.Message {
				return mail.Message{To: *n.Guest.Email, Subject: "x", Text: "x"}
			}
			errs := make(chan error, 8)
			for i := 0; i < 4; i++ {
				go func() {
					_, err := a.Social.SignUpGuest(ctx, ev.ID, social.NewGuest{Name: "Invité", Email: fmt.Sprintf("g%d@guest.test", i), Consent: true}, noMail)
					errs <- err
				}()
				go func() {
					_, err := a.Social.SignUp(ctx, members[i], ev.ID, "")
					errs <- err
				}()
			}
			for i := 0; i < 8; i++ {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			count := func(states ...string) int {
				n, err := a.Store.DB.NewSelect().TableExpr("participations").Where("event_id = ? AND state IN (?)", ev.ID, bun.In(states)).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return int(n)
			}
			if taken, waiting := count(model.ParticipationGoing, model.ParticipationHeld), count(model.ParticipationWaitlisted); taken != 3 || waiting != 5 {
				t.Fatalf("%d places taken and %d waiting for a need of 3", taken, waiting)
			}
			if e, _ := a.Store.EventByID(ctx, ev.ID); e.ParticipantCount != 3 {
				t.Fatalf("gauge %d", e.ParticipantCount)
			}
		})
	}
}

// TestUnconfirmedGuestsCannotFillAnAction: one person typing made-up
// addresses holds at most social.MaxUnconfirmedGuests places of an
// action; the next guests wait, and the members still get the places.
func TestUnconfirmedGuestsCannotFillAnAction(t *testing.T) {
	catcher := mailtest.Start(t)
	a := coopoltest.Start(t, "sqlite", []string{"section-a.test"}, withConfig(func(c *config.Config) {
		c.SMTP.Host, c.SMTP.Port = catcher.Host, catcher.Port
	}))[0]
	ctx := context.Background()
	sec := secretary(t, a, "secretaire")
	ev := sectionAction(t, a, sec, "Tractage", 6, time.Now().Add(48*time.Hour).Truncate(time.Minute))
	noMail := func(n social.GuestNotice) mail.Message {
		return mail.Message{To: *n.Guest.Email, Subject: "x", Text: "x"}
	}
	for i := range social.MaxUnconfirmedGuests + 2 {
		if _, err := a.Social.SignUpGuest(ctx, ev.ID, social.NewGuest{Name: "Invité", Email: fmt.Sprintf("fake%d@guest.test", i), Consent: true}, noMail); err != nil {
			t.Fatal(err)
		}
	}
	count := func(state string) int {
		n, err := a.Store.DB.NewSelect().TableExpr("participations").Where("event_id = ? AND state = ?", ev.ID, state).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	if held, waiting := count(model.ParticipationHeld), count(model.ParticipationWaitlisted); held != social.MaxUnconfirmedGuests || waiting != 2 {
		t.Fatalf("%d places held and %d waiting after %d unconfirmed guests", held, waiting, social.MaxUnconfirmedGuests+2)
	}
	// The members are not pushed to the waiting list.
	for i := range 3 {
		if _, err := a.Social.SignUp(ctx, a.CreateUser(t, fmt.Sprintf("m%d", i), false), ev.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if going := count(model.ParticipationGoing); going != 3 {
		t.Fatalf("%d members going, want 3", going)
	}
	if e, _ := a.Store.EventByID(ctx, ev.ID); e.ParticipantCount != 6 {
		t.Fatalf("gauge %d, want 6", e.ParticipantCount)
	}
}
