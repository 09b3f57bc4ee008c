package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// InsertEvent stores an event and its slots (the status exists already).
func (s *Storage) InsertEvent(ctx context.Context, db bun.IDB, ev *model.Event) error {
	if _, err := db.NewInsert().Model(ev).Exec(ctx); err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	for _, slot := range ev.Slots {
		slot.EventID = ev.ID
		if _, err := db.NewInsert().Model(slot).Exec(ctx); err != nil {
			return fmt.Errorf("insert slot: %w", err)
		}
	}
	return nil
}

// UpdateEvent writes every column of an event (remote updates).
func (s *Storage) UpdateEvent(ctx context.Context, db bun.IDB, ev *model.Event) error {
	_, err := db.NewUpdate().Model(ev).WherePK().Exec(ctx)
	return err
}

func (s *Storage) eventQuery(db bun.IDB, out *model.Event) *bun.SelectQuery {
	return db.NewSelect().Model(out).Relation("Status").Relation("Status.Account").
		Relation("Slots", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("start_at", "id") })
}

func (s *Storage) EventByID(ctx context.Context, id string) (*model.Event, error) {
	ev := new(model.Event)
	err := s.eventQuery(s.DB, ev).Where("e.id = ?", id).Scan(ctx)
	return ev, notFound(err)
}

func (s *Storage) EventByURI(ctx context.Context, uri string) (*model.Event, error) {
	ev := new(model.Event)
	err := s.eventQuery(s.DB, ev).Where("e.uri = ?", uri).Scan(ctx)
	return ev, notFound(err)
}

func (s *Storage) EventByStatusID(ctx context.Context, statusID string) (*model.Event, error) {
	ev := new(model.Event)
	err := s.eventQuery(s.DB, ev).Where("e.status_id = ?", statusID).Scan(ctx)
	return ev, notFound(err)
}

// LockEvent serialises sign-ups for one event inside tx, so that
// simultaneous sign-ups never overbook. SQLite transactions here are
// already exclusive (BEGIN IMMEDIATE); PostgreSQL locks the row.
func (s *Storage) LockEvent(ctx context.Context, tx bun.Tx, id string) error {
	if s.Type != "postgres" {
		return nil
	}
	var locked string
	return tx.NewSelect().Model((*model.Event)(nil)).Column("id").Where("id = ?", id).For("UPDATE").Scan(ctx, &locked)
}

// Participation returns accountID's participation in an event slot.
func (s *Storage) Participation(ctx context.Context, db bun.IDB, eventID, slotID, accountID string) (*model.Participation, error) {
	p := new(model.Participation)
	err := db.NewSelect().Model(p).Where("event_id = ? AND slot_id = ? AND account_id = ?", eventID, slotID, accountID).Scan(ctx)
	return p, notFound(err)
}

// ParticipationByURI finds a participation by its Join activity id.
func (s *Storage) ParticipationByURI(ctx context.Context, uri string) (*model.Participation, error) {
	p := new(model.Participation)
	err := s.DB.NewSelect().Model(p).Where("uri = ?", uri).Limit(1).Scan(ctx)
	return p, notFound(err)
}

// UpsertParticipation inserts or updates a participation's state.
func (s *Storage) UpsertParticipation(ctx context.Context, db bun.IDB, p *model.Participation) error {
	_, err := db.NewInsert().Model(p).
		On("CONFLICT (event_id, slot_id, account_id) DO UPDATE").
		Set("state = EXCLUDED.state, uri = EXCLUDED.uri, accept_uri = EXCLUDED.accept_uri, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert participation: %w", err)
	}
	return nil
}

// DeleteParticipation removes a participation.
func (s *Storage) DeleteParticipation(ctx context.Context, db bun.IDB, id string) error {
	_, err := db.NewDelete().Model((*model.Participation)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// CountParticipants counts participations in a state for a slot ("" =
// the whole event).
func (s *Storage) CountParticipants(ctx context.Context, db bun.IDB, eventID, slotID, state string) (int, error) {
	n, err := db.NewSelect().Model((*model.Participation)(nil)).Where("event_id = ? AND slot_id = ? AND state = ?", eventID, slotID, state).Count(ctx)
	return int(n), err
}

// CountTaken counts the places taken in a slot ("" = the whole event):
// members and guests going, and guests' places held until they confirm.
// It is what the no-overbooking rule and the gauge count.
func (s *Storage) CountTaken(ctx context.Context, db bun.IDB, eventID, slotID string) (int, error) {
	n, err := db.NewSelect().Model((*model.Participation)(nil)).
		Where("event_id = ? AND slot_id = ? AND state IN (?, ?)", eventID, slotID, model.ParticipationGoing, model.ParticipationHeld).Count(ctx)
	return int(n), err
}

// SetParticipationState changes one participation's state, by id (a
// guest's participation has no account for UpsertParticipation's key).
func (s *Storage) SetParticipationState(ctx context.Context, db bun.IDB, id, state string, at time.Time) error {
	_, err := db.NewUpdate().Model((*model.Participation)(nil)).Set("state = ?", state).Set("updated_at = ?", at).Where("id = ?", id).Exec(ctx)
	return err
}

// FirstWaitlisted returns the longest-waiting participation of a slot.
func (s *Storage) FirstWaitlisted(ctx context.Context, db bun.IDB, eventID, slotID string) (*model.Participation, error) {
	p := new(model.Participation)
	err := db.NewSelect().Model(p).Where("event_id = ? AND slot_id = ? AND state = ?", eventID, slotID, model.ParticipationWaitlisted).
		Order("created_at", "id").Limit(1).Scan(ctx)
	return p, notFound(err)
}

// SetGauge stores the going count of an event and of a slot.
func (s *Storage) SetGauge(ctx context.Context, db bun.IDB, eventID, slotID string, count int, at time.Time) error {
	if slotID != "" {
		if _, err := db.NewUpdate().Model((*model.EventSlot)(nil)).Set("participant_count = ?", count).Where("id = ?", slotID).Exec(ctx); err != nil {
			return err
		}
		total, err := db.NewSelect().Model((*model.Participation)(nil)).
			Where("event_id = ? AND state IN (?, ?)", eventID, model.ParticipationGoing, model.ParticipationHeld).Count(ctx)
		if err != nil {
			return err
		}
		count = int(total)
	}
	_, err := db.NewUpdate().Model((*model.Event)(nil)).Set("participant_count = ?", count).Set("updated_at = ?", at).Where("id = ?", eventID).Exec(ctx)
	return err
}

// EventGauge reads an event's gauge inside db (a transaction that may
// just have set it): the number going and the capacity (nil: unlimited).
func (s *Storage) EventGauge(ctx context.Context, db bun.IDB, eventID string) (int, *int, error) {
	var row struct {
		Going    int  `bun:"participant_count"`
		Capacity *int `bun:"capacity"`
	}
	err := db.NewSelect().Model((*model.Event)(nil)).Column("participant_count", "capacity").Where("id = ?", eventID).Scan(ctx, &row)
	return row.Going, row.Capacity, err
}

// Participants lists an event's participations with their accounts
// (members, local or remote; guests are in GuestParticipants).
func (s *Storage) Participants(ctx context.Context, eventID string) ([]model.Participation, error) {
	var out []model.Participation
	err := s.DB.NewSelect().Model(&out).Relation("Account").Where("p.event_id = ? AND p.account_id IS NOT NULL", eventID).Order("p.created_at", "p.id").Scan(ctx)
	return out, err
}

// ParticipantInboxes returns the delivery inboxes of an event's remote
// participants (they follow its gauge even if they follow no one here).
func (s *Storage) ParticipantInboxes(ctx context.Context, db bun.IDB, eventID string) ([]string, error) {
	var inboxes []string
	err := db.NewSelect().Model((*model.Account)(nil)).
		ColumnExpr("DISTINCT CASE WHEN shared_inbox_uri <> '' THEN shared_inbox_uri ELSE inbox_uri END").
		Where("domain <> ''").
		Where("id IN (SELECT account_id FROM participations WHERE event_id = ?)", eventID).
		Scan(ctx, &inboxes)
	return inboxes, err
}

// EventsToRemind lists events starting in [from, to) whose reminders
// were not sent yet.
func (s *Storage) EventsToRemind(ctx context.Context, from, to time.Time) ([]model.Event, error) {
	var out []model.Event
	err := s.DB.NewSelect().Model(&out).Where("start_at >= ? AND start_at < ? AND reminder_sent_at IS NULL", from, to).Order("start_at").Scan(ctx)
	return out, err
}

// LocalParticipants lists local accounts going to an event.
func (s *Storage) LocalParticipants(ctx context.Context, eventID string) ([]model.Account, error) {
	var out []model.Account
	err := s.DB.NewSelect().Model(&out).
		Where("id IN (SELECT account_id FROM participations WHERE event_id = ? AND state = ?)", eventID, model.ParticipationGoing).
		Where("domain = ''").Scan(ctx)
	return out, err
}

// MarkReminded records that an event's reminders went out.
func (s *Storage) MarkReminded(ctx context.Context, eventID string, at time.Time) (bool, error) {
	res, err := s.DB.NewUpdate().Model((*model.Event)(nil)).Set("reminder_sent_at = ?", at).
		Where("id = ? AND reminder_sent_at IS NULL", eventID).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// EventFilter restricts an event query (statuses alias "s") to what a
// viewer may see: social.VisibleFilter.
type EventFilter func(q *bun.SelectQuery) *bun.SelectQuery

// EventsAfter lists visible events that end (or start) after from,
// soonest first; groupID and kind narrow the list when not empty.
func (s *Storage) EventsAfter(ctx context.Context, visible EventFilter, from time.Time, groupID, kind string, limit int) ([]model.Event, error) {
	var ids []string
	q := s.DB.NewSelect().TableExpr("events AS e").Column("e.id").
		Join("JOIN statuses AS s ON s.id = e.status_id").
		Where("COALESCE(e.end_at, e.start_at) >= ?", from).
		Apply(visible).OrderExpr("e.start_at ASC, e.id ASC").Limit(int64(limit))
	if groupID != "" {
		q.Where("e.group_id = ?", groupID)
	}
	if kind != "" {
		q.Where("e.kind = ?", kind)
	}
	if err := q.Scan(ctx, &ids); err != nil {
		return nil, err
	}
	return s.eventsByIDs(ctx, ids)
}

func (s *Storage) eventsByIDs(ctx context.Context, ids []string) ([]model.Event, error) {
	out := make([]model.Event, 0, len(ids))
	for _, id := range ids {
		ev, err := s.EventByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *ev)
	}
	return out, nil
}

// AccountEvents lists the events accountID is going to or waiting for.
func (s *Storage) AccountEvents(ctx context.Context, accountID string, from time.Time) ([]model.Event, error) {
	var ids []string
	err := s.DB.NewSelect().TableExpr("events AS e").Column("e.id").
		Where("e.id IN (SELECT event_id FROM participations WHERE account_id = ? AND state IN (?, ?, ?))",
			accountID, model.ParticipationGoing, model.ParticipationWaitlisted, model.ParticipationPending).
		Where("COALESCE(e.end_at, e.start_at) >= ?", from).OrderExpr("e.start_at ASC").Scan(ctx, &ids)
	if err != nil {
		return nil, err
	}
	return s.eventsByIDs(ctx, ids)
}

// AccountParticipations returns accountID's participations in an event.
func (s *Storage) AccountParticipations(ctx context.Context, eventID, accountID string) ([]model.Participation, error) {
	var out []model.Participation
	err := s.DB.NewSelect().Model(&out).Where("event_id = ? AND account_id = ?", eventID, accountID).Order("created_at").Scan(ctx)
	return out, err
}

// SetCalendarToken stores (replacing) the hash of an account's feed token.
func (s *Storage) SetCalendarToken(ctx context.Context, accountID, tokenHash string, at time.Time) error {
	_, err := s.DB.NewInsert().Model(&map[string]any{"account_id": accountID, "token_hash": tokenHash, "created_at": at}).
		TableExpr("calendar_tokens").On("CONFLICT (account_id) DO UPDATE").Set("token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at").Exec(ctx)
	return err
}

// AccountByCalendarToken finds the owner of a feed token hash.
func (s *Storage) AccountByCalendarToken(ctx context.Context, tokenHash string) (*model.Account, error) {
	a := new(model.Account)
	err := s.DB.NewSelect().Model(a).Where("id = (SELECT account_id FROM calendar_tokens WHERE token_hash = ?)", tokenHash).Scan(ctx)
	return a, notFound(err)
}
