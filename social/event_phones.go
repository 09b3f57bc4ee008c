package social

// A phone number "pour vous joindre le jour J" (issue 14): a participant
// of an action organised here may give one, with their consent, to its
// organisers alone. It never leaves this server: a remote sign-up (a Join)
// has no field for it and none is sent, and a member of this server
// signing up for a remote action cannot give one (the organiser's server
// would have to receive it). It is never logged, never on a public page,
// and erased when the participant withdraws and the day after the event.

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// PhoneRetention: phone numbers are kept until this long after the event
// ends (they serve on the day itself).
const PhoneRetention = 24 * time.Hour

// NormalizePhone checks a phone number as a person types it: digits,
// spaces, dots, dashes and a leading +, 6 to 20 digits. It returns it
// with single spaces. Nothing else passes (no letters: a number exported
// to a spreadsheet can never be a formula).
func NormalizePhone(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	digits := 0
	var b strings.Builder
	for i, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			digits++
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-':
			if s := b.String(); s != "" && !strings.HasSuffix(s, " ") {
				b.WriteByte(' ')
			}
		default:
			return "", invalid("a phone number has only digits, spaces and a leading +")
		}
	}
	if digits < 6 || digits > 20 {
		return "", invalid("a phone number has 6 to 20 digits")
	}
	return strings.TrimSpace(b.String()), nil
}

// SetParticipantPhone stores the phone number a local participant gives
// the organisers of an action organised here. consent must be given.
func (s *Service) SetParticipantPhone(ctx context.Context, account *model.Account, eventID, phone string, consent bool) error {
	if !consent {
		return invalid("tick the box to let the organisers call you")
	}
	normal, err := NormalizePhone(phone)
	if err != nil {
		return err
	}
	ev, err := s.visibleEvent(ctx, account, eventID)
	if err != nil {
		return err
	}
	if account == nil || !account.IsLocal() || !ev.Status.Local {
		return invalid("a phone number can only be given for an action organised here")
	}
	ps, err := s.Store.AccountParticipations(ctx, ev.ID, account.ID)
	if err != nil {
		return err
	}
	signed := false
	for _, p := range ps {
		if p.State != model.ParticipationRejected {
			signed = true
		}
	}
	if !signed {
		return invalid("sign up first")
	}
	return s.Store.SetParticipantPhone(ctx, s.Store.DB, &model.ParticipantPhone{EventID: ev.ID, AccountID: account.ID, Phone: normal, ConsentedAt: s.now()})
}

// forgetPhoneIfGone erases a participant's phone number once they have no
// sign-up left for the event.
func (s *Service) forgetPhoneIfGone(ctx context.Context, eventID, accountID string) error {
	ps, err := s.Store.AccountParticipations(ctx, eventID, accountID)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return nil
	}
	return s.Store.DeleteParticipantPhone(ctx, s.Store.DB, eventID, accountID)
}

// ExportRow is one participant in an organiser's export. Handle is
// user@domain, without the leading @ a spreadsheet could read as a formula.
type ExportRow struct {
	Name, Handle, State string
	Slot                *model.EventSlot // nil: the whole event
	Phone               string
}

// ExportParticipants lists an event's participants with the phone numbers
// they gave, for its organisers only. The export is logged: who, which
// event, how many rows, never what is in them.
func (s *Service) ExportParticipants(ctx context.Context, viewer *model.Account, eventID string) (*model.Event, []ExportRow, error) {
	ev, err := s.organizedEvent(ctx, viewer, eventID)
	if err != nil {
		return nil, nil, err
	}
	ps, err := s.Store.Participants(ctx, ev.ID)
	if err != nil {
		return nil, nil, err
	}
	phones, err := s.ParticipantPhones(ctx, viewer, ev)
	if err != nil {
		return nil, nil, err
	}
	var rows []ExportRow
	for _, p := range ps {
		if p.Account == nil || p.State == model.ParticipationRejected {
			continue
		}
		row := ExportRow{Name: p.Account.DisplayName, Handle: p.Account.Username + "@" + s.accountDomain(p.Account), State: p.State, Phone: phones[p.AccountID]}
		if row.Name == "" {
			row.Name = p.Account.Username
		}
		for _, slot := range ev.Slots {
			if slot.ID == p.SlotID {
				row.Slot = slot
			}
		}
		rows = append(rows, row)
	}
	s.Log.Info("event: participants exported", "event", ev.ID, "by", viewer.ID, "count", len(rows))
	return ev, rows, nil
}

func (s *Service) accountDomain(a *model.Account) string {
	if a.Domain != "" {
		return a.Domain
	}
	return s.Config.Host
}

// ParticipantPhones returns the phone numbers of an event's participants,
// by account id, for its organisers only (an empty map for anyone else).
func (s *Service) ParticipantPhones(ctx context.Context, viewer *model.Account, ev *model.Event) (map[string]string, error) {
	if ok, err := s.canOrganize(ctx, viewer, ev); err != nil || !ok {
		return map[string]string{}, err
	}
	return s.Store.ParticipantPhones(ctx, ev.ID)
}

// HasGivenPhone says whether account gave a phone number for the event.
func (s *Service) HasGivenPhone(ctx context.Context, account *model.Account, eventID string) bool {
	if account == nil {
		return false
	}
	n, err := s.Store.DB.NewSelect().Model((*model.ParticipantPhone)(nil)).Where("event_id = ? AND account_id = ?", eventID, account.ID).Count(ctx)
	return err == nil && n > 0
}

// EraseOldPhones erases the phone numbers of events that ended more than
// PhoneRetention ago.
func (s *Service) EraseOldPhones(ctx context.Context) (int, error) {
	n, err := s.Store.DeletePhonesOfEventsEndedBefore(ctx, s.now().Add(-PhoneRetention))
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	return n, err
}
