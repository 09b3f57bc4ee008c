package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Guests of events (people signed up by e-mail, without an account).
// Their place is an ordinary participation (guest_id set), counted with
// the members'; this file keeps the person.

// InsertGuest stores a guest; the caller inserts the participation.
func (s *Storage) InsertGuest(ctx context.Context, db bun.IDB, g *model.EventGuest) error {
	_, err := db.NewInsert().Model(g).Exec(ctx)
	return err
}

// GuestEmailTaken reports whether an address already has a place (held,
// going or waiting) on an event.
func (s *Storage) GuestEmailTaken(ctx context.Context, db bun.IDB, eventID, email string) (bool, error) {
	return db.NewSelect().Model((*model.EventGuest)(nil)).Where("event_id = ? AND email = ?", eventID, email).Exists(ctx)
}

// GuestParticipationByHash finds a guest's participation (with the guest)
// by the hash of its confirmation ("confirm") or cancellation ("cancel")
// link.
func (s *Storage) GuestParticipationByHash(ctx context.Context, db bun.IDB, link, hash string) (*model.Participation, error) {
	where := "guest.confirm_hash = ?"
	if link == "cancel" {
		where = "guest.cancel_hash = ?"
	}
	p := new(model.Participation)
	err := db.NewSelect().Model(p).Relation("Guest").Where(where, hash).Where("guest.erased_at IS NULL").Limit(1).Scan(ctx)
	return p, notFound(err)
}

// ConfirmGuest records the confirmation and spends its link.
func (s *Storage) ConfirmGuest(ctx context.Context, db bun.IDB, guestID string, at time.Time) error {
	_, err := db.NewUpdate().Model((*model.EventGuest)(nil)).Set("confirmed_at = ?", at).Set("confirm_hash = NULL").
		Where("id = ?", guestID).Exec(ctx)
	return err
}

// DeleteGuest removes a guest and (by cascade) their participation.
func (s *Storage) DeleteGuest(ctx context.Context, db bun.IDB, guestID string) error {
	_, err := db.NewDelete().Model((*model.EventGuest)(nil)).Where("id = ?", guestID).Exec(ctx)
	return err
}

// GuestParticipants lists an event's guests with their participations,
// in order of arrival (for its organisers).
func (s *Storage) GuestParticipants(ctx context.Context, eventID string) ([]model.Participation, error) {
	var out []model.Participation
	err := s.DB.NewSelect().Model(&out).Relation("Guest").Where("p.event_id = ? AND p.guest_id IS NOT NULL", eventID).
		Order("p.created_at", "p.id").Scan(ctx)
	return out, err
}

// ExpiredGuestHolds lists the participations of guests who did not
// confirm before their hold ended.
func (s *Storage) ExpiredGuestHolds(ctx context.Context, now time.Time, limit int) ([]model.Participation, error) {
	var out []model.Participation
	err := s.DB.NewSelect().Model(&out).Relation("Guest").
		Where("guest.confirmed_at IS NULL AND guest.erased_at IS NULL AND guest.hold_until <= ?", now).
		Order("guest.hold_until").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// EraseGuestsBefore erases the personal data of the guests of events that
// ended (or, without an end, started) before cutoff. Their participations
// stay, as counts. It returns how many guests were erased.
func (s *Storage) EraseGuestsBefore(ctx context.Context, cutoff, at time.Time) (int, error) {
	res, err := s.DB.NewUpdate().Model((*model.EventGuest)(nil)).
		Set("name = ''").Set("email = NULL").Set("phone = ''").Set("confirm_hash = NULL").Set("cancel_hash = NULL").
		Set("erased_at = ?", at).
		Where("erased_at IS NULL").
		Where("event_id IN (SELECT id FROM events WHERE COALESCE(end_at, start_at) < ?)", cutoff).
		Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// CountHeldGuests counts the places of an event that guests hold without
// having confirmed them yet.
func (s *Storage) CountHeldGuests(ctx context.Context, db bun.IDB, eventID string) (int, error) {
	n, err := db.NewSelect().Model((*model.Participation)(nil)).
		Where("event_id = ? AND state = ?", eventID, model.ParticipationHeld).Count(ctx)
	return int(n), err
}
