package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/coopol/coopol/auth"
	coopolmail "github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
)

// Guests (issue 13): someone without an account signs up for a public
// event or field action of this server with a name, an e-mail address,
// optionally a phone number, and their consent. The place is an ordinary
// participation (same gauge, same event lock, same waiting list as the
// members'), held until the guest opens the confirmation link mailed to
// them, for at most GuestHold and never beyond the start of the event.
// The mail also carries a link that cancels. The person's data stays on
// this server: the event's Update carries the count only, no activity
// names a guest, and it is erased GuestRetention after the event.

// GuestHold is how long an unconfirmed guest's place is kept (and never
// past the event's start): long enough to find the mail, short enough
// that a typo or a prank does not block the gauge.
const GuestHold = 3 * time.Hour

// MaxUnconfirmedGuests is how many places of one event unconfirmed
// guests may hold at once: beyond it a new guest waits on the list, so
// that one person typing made-up addresses cannot fill an action and push
// the members onto the waiting list.
const MaxUnconfirmedGuests = 3

// GuestRetention is how long after an event its guests' name, address
// and phone number are kept (for the organisers' follow-up).
const GuestRetention = 30 * 24 * time.Hour

// ErrGuestsClosed: this event does not take guests (no SMTP here, not a
// public event of this server, cancelled or already started).
var ErrGuestsClosed = errors.New("guest sign-ups are not open for this event")

// ErrGuestLinkExpired: the hold ended before the guest confirmed; the
// place was given back.
var ErrGuestLinkExpired = errors.New("this confirmation link has expired")

// NewGuest is what the guest form carries.
type NewGuest struct {
	Name, Email, Phone string
	SlotID             string
	Consent            bool
	Lang               string // of the mails: fr or en
}

// GuestNotice is what the mail to a guest says; the web layer writes it
// from its catalogues (GuestMail).
type GuestNotice struct {
	Event *model.Event
	Guest *model.EventGuest
	// State is the place given: held (to confirm) or waitlisted; ""
	// when the address already had a place on this event (nothing
	// changed, the mail says so and carries no link).
	State                 string
	ConfirmURL, CancelURL string
}

// GuestMail writes the mail of a notice.
type GuestMail func(GuestNotice) coopolmail.Message

// GuestsOpen reports whether an event takes guests now: mail works here,
// it is a public event organised on this server, not cancelled and not
// started.
func (s *Service) GuestsOpen(ev *model.Event) bool {
	return s.MailEnabled() && ev.Status != nil && ev.Status.Local && ev.Status.Visibility == model.VisibilityPublic &&
		ev.EventStatus != "CANCELLED" && s.now().Before(ev.StartAt)
}

func validateGuest(in *NewGuest) (string, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Phone = strings.TrimSpace(in.Phone)
	in.Email = strings.TrimSpace(in.Email)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 || strings.ContainsFunc(in.Name, unicode.IsControl) {
		return "", invalid("a name is required (at most 100 characters)")
	}
	// The name is written in a mail to whatever address was typed: no
	// links nor addresses in it, so the form cannot carry spam.
	if lower := strings.ToLower(in.Name); strings.ContainsAny(lower, "<>@/") || strings.Contains(lower, "www.") {
		return "", invalid("a name cannot hold a link or an address")
	}
	addr, err := mail.ParseAddress(in.Email)
	if err != nil || addr.Name != "" || addr.Address != in.Email || len(in.Email) > 254 {
		return "", invalid("a valid e-mail address is required")
	}
	if len(in.Phone) > 30 || strings.ContainsFunc(in.Phone, func(r rune) bool {
		return !unicode.IsDigit(r) && !strings.ContainsRune(" +-.()", r)
	}) {
		return "", invalid("the phone number is not valid")
	}
	if !in.Consent {
		return "", invalid("your consent is required to sign up")
	}
	if in.Lang != "en" {
		in.Lang = "fr"
	}
	return strings.ToLower(in.Email), nil
}

// SignUpGuest registers a guest for a public event organised here and
// mails them (in the same transaction) the links that confirm and cancel.
// The answer does not tell whether the address already had a place: in
// that case nothing changes and the mail says so. It returns the state
// given (held or waitlisted), "" for an address already signed up.
func (s *Service) SignUpGuest(ctx context.Context, eventID string, in NewGuest, write GuestMail) (string, error) {
	if !s.MailEnabled() {
		return "", ErrGuestsClosed
	}
	ev, err := s.visibleEvent(ctx, nil, eventID)
	if err != nil {
		return "", err
	}
	if !s.GuestsOpen(ev) {
		return "", ErrGuestsClosed
	}
	email, err := validateGuest(&in)
	if err != nil {
		return "", err
	}
	if err := checkSlot(ev, in.SlotID); err != nil {
		return "", err
	}
	state := ""
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.LockEvent(ctx, tx, ev.ID); err != nil {
			return err
		}
		now := s.now()
		g := &model.EventGuest{ID: model.NewID(now), EventID: ev.ID, Name: in.Name, Email: &email, Phone: in.Phone,
			Lang: in.Lang, ConsentAt: now, CreatedAt: now, HoldUntil: minTime(now.Add(GuestHold), ev.StartAt)}
		taken, err := s.Store.GuestEmailTaken(ctx, tx, ev.ID, email)
		if err != nil {
			return err
		}
		if taken {
			return s.SendMail(ctx, &tx, write(GuestNotice{Event: ev, Guest: g}))
		}
		confirm, cancel := auth.NewToken(), auth.NewToken()
		confirmHash, cancelHash := auth.HashToken(confirm), auth.HashToken(cancel)
		g.ConfirmHash, g.CancelHash = &confirmHash, &cancelHash
		if err := s.Store.InsertGuest(ctx, tx, g); err != nil {
			// The driver's message could quote the address: not passed on.
			return errors.New("insert guest: database error")
		}
		p := &model.Participation{ID: model.NewID(now), EventID: ev.ID, SlotID: in.SlotID, GuestID: g.ID,
			State: model.ParticipationHeld, CreatedAt: now, UpdatedAt: now}
		held, err := s.Store.CountHeldGuests(ctx, tx, ev.ID)
		if err != nil {
			return err
		}
		if held >= MaxUnconfirmedGuests {
			p.State = model.ParticipationWaitlisted
		}
		if err := s.takePlace(ctx, tx, ev, p, nil); err != nil {
			return err
		}
		state = p.State
		base := s.Config.BaseURL()
		return s.SendMail(ctx, &tx, write(GuestNotice{Event: ev, Guest: g, State: p.State,
			ConfirmURL: base + "/guests/confirm?token=" + confirm, CancelURL: base + "/guests/cancel?token=" + cancel}))
	})
	return state, err
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// GuestLink finds the event and the guest's participation a confirmation
// ("confirm") or cancellation ("cancel") link is for; ErrNotFound for an
// unknown, used or erased link.
func (s *Service) GuestLink(ctx context.Context, link, token string) (*model.Event, *model.Participation, error) {
	if token == "" {
		return nil, nil, ErrNotFound
	}
	p, err := s.Store.GuestParticipationByHash(ctx, s.Store.DB, link, auth.HashToken(token))
	if err != nil {
		return nil, nil, mapNotFound(err)
	}
	ev, err := s.Store.EventByID(ctx, p.EventID)
	if err != nil {
		return nil, nil, mapNotFound(err)
	}
	return ev, p, nil
}

// ConfirmGuest makes a held place firm (a guest on the waiting list stays
// there, confirmed). The link works once. After the hold ended, the
// place is given back and ErrGuestLinkExpired returned.
func (s *Service) ConfirmGuest(ctx context.Context, token string) (*model.Event, *model.Participation, error) {
	ev, _, err := s.GuestLink(ctx, "confirm", token)
	if err != nil {
		return nil, nil, err
	}
	var p *model.Participation
	expired := false
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.LockEvent(ctx, tx, ev.ID); err != nil {
			return err
		}
		var err error
		if p, err = s.Store.GuestParticipationByHash(ctx, tx, "confirm", auth.HashToken(token)); err != nil {
			return mapNotFound(err) // spent meanwhile
		}
		now := s.now()
		if !now.Before(p.Guest.HoldUntil) {
			expired = true
			if err := s.releasePlaceTx(ctx, tx, ev, nil, p); err != nil {
				return err
			}
			return s.Store.DeleteGuest(ctx, tx, p.GuestID)
		}
		if err := s.Store.ConfirmGuest(ctx, tx, p.GuestID, now); err != nil {
			return err
		}
		if p.State == model.ParticipationHeld {
			p.State = model.ParticipationGoing
			return s.Store.SetParticipationState(ctx, tx, p.ID, p.State, now)
		}
		return nil
	})
	if err == nil && expired {
		err = ErrGuestLinkExpired
	}
	return ev, p, err
}

// CancelGuest withdraws a guest (their place goes to the first person
// waiting) and forgets them at once. The link works once.
func (s *Service) CancelGuest(ctx context.Context, token string) (*model.Event, error) {
	ev, _, err := s.GuestLink(ctx, "cancel", token)
	if err != nil {
		return nil, err
	}
	return ev, s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.LockEvent(ctx, tx, ev.ID); err != nil {
			return err
		}
		p, err := s.Store.GuestParticipationByHash(ctx, tx, "cancel", auth.HashToken(token))
		if err != nil {
			return mapNotFound(err)
		}
		if err := s.releasePlaceTx(ctx, tx, ev, nil, p); err != nil {
			return err
		}
		return s.Store.DeleteGuest(ctx, tx, p.GuestID)
	})
}

// GuestParticipants lists an event's guests (name, address, phone), for
// its organisers only.
func (s *Service) GuestParticipants(ctx context.Context, viewer *model.Account, eventID string) ([]model.Participation, error) {
	ev, err := s.visibleEvent(ctx, viewer, eventID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.canOrganize(ctx, viewer, ev); err != nil || !ok {
		return nil, orForbidden(err)
	}
	return s.Store.GuestParticipants(ctx, ev.ID)
}

// promoteGuest gives a freed place to a guest who was waiting: firm if
// they confirmed, held otherwise (until their hold ends); a mail tells
// them.
func (s *Service) promoteGuest(ctx context.Context, tx bun.Tx, ev *model.Event, next *model.Participation) error {
	g := new(model.EventGuest)
	if err := tx.NewSelect().Model(g).Where("id = ?", next.GuestID).Scan(ctx); err != nil {
		return fmt.Errorf("guest of participation %s: %w", next.ID, err)
	}
	next.State = model.ParticipationHeld
	if g.ConfirmedAt != nil {
		next.State = model.ParticipationGoing
	}
	next.UpdatedAt = s.now()
	if err := s.Store.SetParticipationState(ctx, tx, next.ID, next.State, next.UpdatedAt); err != nil {
		return err
	}
	if g.Email == nil {
		return nil
	}
	return s.SendMail(ctx, &tx, guestPromotedMail(g, ev, s.Config.BaseURL()))
}

// guestPromotedMail is the one guest mail the domain writes itself (it
// happens far from any web request): a place freed up.
func guestPromotedMail(g *model.EventGuest, ev *model.Event, base string) coopolmail.Message {
	link := base + "/events/" + ev.ID
	if g.Lang == "en" {
		text := "Hello " + g.Name + ",\n\nA place freed up for “" + ev.Title + "”: it is yours.\n" + link + "\n\n"
		if g.ConfirmedAt == nil {
			text += "Please confirm it with the link of our first message before " + g.HoldUntil.UTC().Format("2006-01-02 15:04") + " UTC, or it goes to the next person.\n"
		} else {
			text += "If you cannot come any more, the cancellation link of our first message gives it back.\n"
		}
		return coopolmail.Message{To: *g.Email, Subject: "A place for you: " + ev.Title, Text: text}
	}
	text := "Bonjour " + g.Name + ",\n\nUne place s’est libérée pour « " + ev.Title + " » : elle est à vous.\n" + link + "\n\n"
	if g.ConfirmedAt == nil {
		text += "Confirmez-la avec le lien de notre premier message avant le " + g.HoldUntil.UTC().Format("02/01/2006 15:04") + " (UTC), sinon elle passera à la personne suivante.\n"
	} else {
		text += "Si vous ne pouvez plus venir, le lien d’annulation de notre premier message la rend.\n"
	}
	return coopolmail.Message{To: *g.Email, Subject: "Une place pour vous : " + ev.Title, Text: text}
}

// ExpireGuestHolds gives back the places of guests who did not confirm
// in time, and forgets them. It returns how many were released.
func (s *Service) ExpireGuestHolds(ctx context.Context, now time.Time) (int, error) {
	expired, err := s.Store.ExpiredGuestHolds(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range expired {
		p := &expired[i]
		ev, err := s.Store.EventByID(ctx, p.EventID)
		if err != nil {
			return n, err
		}
		err = s.Store.InTx(ctx, func(tx bun.Tx) error {
			if err := s.Store.LockEvent(ctx, tx, ev.ID); err != nil {
				return err
			}
			// Confirmed or cancelled meanwhile?
			current := new(model.Participation)
			if err := tx.NewSelect().Model(current).Relation("Guest").Where("p.id = ?", p.ID).
				Where("guest.confirmed_at IS NULL").Scan(ctx); errors.Is(err, sql.ErrNoRows) {
				return nil
			} else if err != nil {
				return err
			}
			if err := s.releasePlaceTx(ctx, tx, ev, nil, current); err != nil {
				return err
			}
			n++
			return s.Store.DeleteGuest(ctx, tx, current.GuestID)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// EraseOldGuests erases the personal data of guests of events that ended
// more than GuestRetention before now.
func (s *Service) EraseOldGuests(ctx context.Context, now time.Time) (int, error) {
	return s.Store.EraseGuestsBefore(ctx, now.Add(-GuestRetention), now)
}

// GuestsWorker releases unconfirmed holds and erases old guests' data
// (queue.Guests schedules it). Now is its clock (nil: the service's).
type GuestsWorker struct {
	river.WorkerDefaults[queue.GuestsArgs]
	Social *Service
	Now    func() time.Time
}

func (w *GuestsWorker) Work(ctx context.Context, _ *river.Job[queue.GuestsArgs]) error {
	now := w.Social.now()
	if w.Now != nil {
		now = w.Now().UTC()
	}
	released, err := w.Social.ExpireGuestHolds(ctx, now)
	if released > 0 {
		w.Social.Log.Info("guests: unconfirmed places given back", "count", released)
	}
	if err != nil {
		return err
	}
	erased, err := w.Social.EraseOldGuests(ctx, now)
	if erased > 0 {
		w.Social.Log.Info("guests: personal data erased after retention", "count", erased)
	}
	return err
}

// mailGuestsOfChange tells an event's guests (held, going or waiting)
// that its time, place or status changed, as members are notified.
func (s *Service) mailGuestsOfChange(ctx context.Context, tx bun.Tx, ev *model.Event, changed []string) error {
	var guests []model.EventGuest
	if err := tx.NewSelect().Model(&guests).Where("event_id = ? AND email IS NOT NULL AND erased_at IS NULL", ev.ID).Scan(ctx); err != nil {
		return err
	}
	for i := range guests {
		if err := s.SendMail(ctx, &tx, guestChangeMail(&guests[i], ev, changed, s.Config.BaseURL())); err != nil {
			return err
		}
	}
	return nil
}

func guestChangeMail(g *model.EventGuest, ev *model.Event, changed []string, base string) coopolmail.Message {
	link := base + "/events/" + ev.ID
	words := map[string][2]string{ChangedTime: {"l’horaire", "the time"}, ChangedPlace: {"le lieu", "the place"}, ChangedStatus: {"le statut", "the status"}}
	lang := 0
	if g.Lang == "en" {
		lang = 1
	}
	var what []string
	for _, c := range changed {
		if w, ok := words[c]; ok {
			what = append(what, w[lang])
		}
	}
	if lang == 1 {
		text := "Hello " + g.Name + ",\n\n“" + ev.Title + "”, which you signed up for, changed: " + strings.Join(what, ", ") + ".\n"
		if ev.EventStatus == "CANCELLED" {
			text += "It is cancelled.\n"
		}
		text += "See the details: " + link + "\n"
		return coopolmail.Message{To: *g.Email, Subject: "Changed: " + ev.Title, Text: text}
	}
	text := "Bonjour " + g.Name + ",\n\n« " + ev.Title + " », auquel vous êtes inscrit·e, a changé : " + strings.Join(what, ", ") + ".\n"
	if ev.EventStatus == "CANCELLED" {
		text += "Il est annulé.\n"
	}
	text += "Voir le détail : " + link + "\n"
	return coopolmail.Message{To: *g.Email, Subject: "Modifié : " + ev.Title, Text: text}
}

// remindGuests mails the reminder of an event to its guests who have a
// firm place.
func (s *Service) remindGuests(ctx context.Context, ev *model.Event) (int, error) {
	var guests []model.EventGuest
	err := s.Store.DB.NewSelect().Model(&guests).
		Where("event_id = ? AND email IS NOT NULL AND erased_at IS NULL", ev.ID).
		Where("id IN (SELECT guest_id FROM participations WHERE event_id = ? AND state = ?)", ev.ID, model.ParticipationGoing).
		Scan(ctx)
	if err != nil {
		return 0, err
	}
	for i := range guests {
		if err := s.SendMail(ctx, nil, guestReminderMail(&guests[i], ev, s.Config.BaseURL())); err != nil {
			return i, err
		}
	}
	return len(guests), nil
}

func guestReminderMail(g *model.EventGuest, ev *model.Event, base string) coopolmail.Message {
	link := base + "/events/" + ev.ID
	loc, err := time.LoadLocation(ev.Timezone)
	if err != nil {
		loc = time.UTC
	}
	if g.Lang == "en" {
		return coopolmail.Message{To: *g.Email, Subject: "Reminder: " + ev.Title,
			Text: "Hello " + g.Name + ",\n\nA reminder: “" + ev.Title + "” starts on " + ev.StartAt.In(loc).Format("2006-01-02 at 15:04") +
				".\n" + link + "\n\nIf you cannot come, the cancellation link of our first message gives your place to someone else.\n"}
	}
	return coopolmail.Message{To: *g.Email, Subject: "Rappel : " + ev.Title,
		Text: "Bonjour " + g.Name + ",\n\nRappel : « " + ev.Title + " » commence le " + ev.StartAt.In(loc).Format("02/01/2006 à 15:04") +
			".\n" + link + "\n\nSi vous ne pouvez pas venir, le lien d’annulation de notre premier message donne votre place à quelqu’un d’autre.\n"}
}
