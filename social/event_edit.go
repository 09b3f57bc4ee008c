package social

// Adjusting what is published (issue 14): a rainy Saturday, a new meeting
// point. An edit, a cancellation or a postponement is an Update of the
// event that goes where the event went (followers of the organiser and of
// the group, participants' servers), and the people who signed up here are
// told once, in one notification that says what changed.

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// EventEdit is what an organiser may change of a published event. Kind,
// audience, group and target station stay as published.
type EventEdit struct {
	Title, Description string
	ActionKind         string
	StartAt, EndAt     time.Time
	PlaceName          string
	StreetAddress      string
	PostalCode         string
	Locality           string
	OnlineURL          string
	Capacity           *int   // ignored for an action with slots: the slots' needs add up
	Status             string // CONFIRMED, TENTATIVE or CANCELLED

	// SetSlots replaces the action's slots by Slots: a slot with an ID is
	// kept (its time and need as given), one without is added, and a slot
	// missing from the list is removed. Without SetSlots the slots move
	// with the event's start.
	SetSlots bool
	Slots    []SlotEdit
}

// SlotEdit is one time slot in an edit ("" ID: a new slot).
type SlotEdit struct {
	ID             string
	StartAt, EndAt time.Time
	Need           int
}

// Things an edit can change that participants must hear about.
const (
	ChangedTime   = "time"
	ChangedPlace  = "place"
	ChangedStatus = "status"
)

// EditEvent applies an organiser's changes. It returns what changed among
// time, place and status (the participants are notified of those).
func (s *Service) EditEvent(ctx context.Context, editor *model.Account, eventID string, in EventEdit) (*model.Event, []string, error) {
	ev, err := s.organizedEvent(ctx, editor, eventID)
	if err != nil {
		return nil, nil, err
	}
	if !ev.Status.Local {
		return nil, nil, ErrNotFound
	}
	check := NewEvent{Title: in.Title, Kind: ev.Kind, ActionKind: in.ActionKind, StartAt: in.StartAt, EndAt: in.EndAt,
		Timezone: ev.Timezone, OnlineURL: in.OnlineURL, Status: in.Status, Capacity: in.Capacity, Category: ev.Category}
	if ev.Kind != model.EventKindFieldAction {
		check.ActionKind = ""
	}
	slotCount := len(ev.Slots)
	if in.SetSlots {
		slotCount = len(in.Slots)
	}
	if slotCount > 0 {
		check.Slots = []NewSlot{{StartAt: in.StartAt, EndAt: in.StartAt, Need: 1}} // the slots carry the need
		check.Capacity = nil
	}
	if err := validateEvent(&check); err != nil {
		return nil, nil, err
	}
	var plan *slotPlan
	if in.SetSlots {
		if plan, err = s.planSlots(ctx, ev, in.Slots); err != nil {
			return nil, nil, err
		}
	}

	before := *ev
	newEnd := in.EndAt.UTC()

	// Slots move with the event: a postponed Saturday keeps its two slots.
	shift := in.StartAt.UTC().Sub(ev.StartAt)
	now := s.now()
	ev.Title, ev.StartAt, ev.PlaceName, ev.StreetAddress = check.Title, in.StartAt.UTC(), in.PlaceName, in.StreetAddress
	ev.PostalCode, ev.Locality, ev.OnlineURL, ev.EventStatus, ev.UpdatedAt = in.PostalCode, in.Locality, in.OnlineURL, check.Status, now
	if ev.Kind == model.EventKindFieldAction {
		ev.ActionKind = check.ActionKind
	}
	ev.EndAt = nil
	if !in.EndAt.IsZero() {
		ev.EndAt = &newEnd
	}
	grew := false
	if plan != nil {
		ev.Slots = plan.slots
		if len(plan.slots) > 0 {
			need := 0
			for _, slot := range plan.slots {
				need += slot.Need
			}
			ev.Capacity = &need
		} else if in.Capacity != nil {
			ev.Capacity = in.Capacity
		}
		shift = 0
	} else if len(ev.Slots) == 0 && in.Capacity != nil {
		grew = ev.Capacity != nil && *in.Capacity > *ev.Capacity
		ev.Capacity = in.Capacity
	}
	changed := eventChanges(&before, ev)
	if plan != nil && plan.movedTaken && !slices.Contains(changed, ChangedTime) {
		changed = append([]string{ChangedTime}, changed...)
	}
	st := ev.Status
	f := s.format(ctx, in.Description)
	st.Title, st.SourceText, st.Content, st.EditedAt, st.UpdatedAt = ev.Title, in.Description, f.html, &now, now

	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.LockEvent(ctx, tx, ev.ID); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(ev).Column("title", "action_kind", "start_at", "end_at", "place_name", "street_address",
			"postal_code", "locality", "online_url", "event_status", "capacity", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		for _, slot := range ev.Slots {
			if shift == 0 {
				break
			}
			slot.StartAt, slot.EndAt = slot.StartAt.Add(shift), slot.EndAt.Add(shift)
			if _, err := tx.NewUpdate().Model(slot).Column("start_at", "end_at").WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		if plan != nil {
			if err := s.applySlots(ctx, tx, ev, plan); err != nil {
				return err
			}
		}
		if _, err := tx.NewUpdate().Model(st).Column("title", "source_text", "content", "edited_at", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if grew {
			if err := s.promoteWaiting(ctx, tx, ev); err != nil {
				return err
			}
		}
		if len(changed) > 0 {
			if err := s.notifyParticipantsOfChange(ctx, tx, ev, editor, strings.Join(changed, ",")); err != nil {
				return err
			}
			if err := s.mailGuestsOfChange(ctx, tx, ev, changed); err != nil {
				return err
			}
		}
		return s.publishStatus(ctx, tx, "Update", st, nil, f.tags)
	})
	if err != nil {
		return nil, nil, err
	}
	s.Log.Info("event edited", "event", ev.ID, "changed", strings.Join(changed, ","))
	return ev, changed, nil
}

// CancelEvent cancels an event: it stays visible, marked cancelled.
func (s *Service) CancelEvent(ctx context.Context, editor *model.Account, eventID string) (*model.Event, error) {
	ev, err := s.organizedEvent(ctx, editor, eventID)
	if err != nil {
		return nil, err
	}
	in := editOf(ev)
	in.Status = "CANCELLED"
	ev, _, err = s.EditEvent(ctx, editor, eventID, in)
	return ev, err
}

// DuplicateEvent publishes a copy of an event (same place, need, slots,
// group and target) at a new start; its slots keep their offsets.
func (s *Service) DuplicateEvent(ctx context.Context, organizer *model.Account, eventID string, start time.Time) (*model.Event, error) {
	ev, err := s.organizedEvent(ctx, organizer, eventID)
	if err != nil {
		return nil, err
	}
	shift := start.UTC().Sub(ev.StartAt)
	in := NewEvent{Title: ev.Title, Description: ev.Status.SourceText, Kind: ev.Kind, ActionKind: ev.ActionKind,
		StartAt: start, Timezone: ev.Timezone, PlaceName: ev.PlaceName, StreetAddress: ev.StreetAddress,
		PostalCode: ev.PostalCode, Locality: ev.Locality, Latitude: ev.Latitude, Longitude: ev.Longitude,
		OnlineURL: ev.OnlineURL, Category: ev.Category, Capacity: ev.Capacity, Visibility: ev.Status.Visibility}
	if ev.EndAt != nil {
		in.EndAt = ev.EndAt.Add(shift)
	}
	if ev.GroupID != nil {
		in.GroupID = *ev.GroupID
	}
	if ev.PollingStationID != nil {
		in.PollingStationID = *ev.PollingStationID
	}
	for _, slot := range ev.Slots {
		in.Slots = append(in.Slots, NewSlot{StartAt: slot.StartAt.Add(shift), EndAt: slot.EndAt.Add(shift), Need: slot.Need})
	}
	if len(in.Slots) > 0 {
		in.Capacity = nil
	}
	return s.CreateEvent(ctx, organizer, in)
}

// editOf is an event's current values as an edit.
func editOf(ev *model.Event) EventEdit {
	in := EventEdit{Title: ev.Title, Description: ev.Status.SourceText, ActionKind: ev.ActionKind, StartAt: ev.StartAt,
		PlaceName: ev.PlaceName, StreetAddress: ev.StreetAddress, PostalCode: ev.PostalCode, Locality: ev.Locality,
		OnlineURL: ev.OnlineURL, Capacity: ev.Capacity, Status: ev.EventStatus}
	if ev.EndAt != nil {
		in.EndAt = *ev.EndAt
	}
	return in
}

// EditOf is what the edit form starts from.
func EditOf(ev *model.Event) EventEdit { return editOf(ev) }

// eventChanges says what participants must hear of between two versions
// of an event: its time, its place, its status.
func eventChanges(old, fresh *model.Event) []string {
	var changed []string
	end := func(e *model.Event) time.Time {
		if e.EndAt == nil {
			return time.Time{}
		}
		return e.EndAt.UTC()
	}
	if !old.StartAt.Equal(fresh.StartAt) || !end(old).Equal(end(fresh)) {
		changed = append(changed, ChangedTime)
	}
	if old.PlaceName != fresh.PlaceName || old.StreetAddress != fresh.StreetAddress || old.PostalCode != fresh.PostalCode ||
		old.Locality != fresh.Locality || old.OnlineURL != fresh.OnlineURL {
		changed = append(changed, ChangedPlace)
	}
	if old.EventStatus != fresh.EventStatus {
		changed = append(changed, ChangedStatus)
	}
	return changed
}

// notifyParticipantsOfChange tells the local people going or waiting, once
// each, what changed.
func (s *Service) notifyParticipantsOfChange(ctx context.Context, tx bun.IDB, ev *model.Event, from *model.Account, detail string) error {
	ps, err := s.Store.Participants(ctx, ev.ID)
	if err != nil {
		return err
	}
	told := map[string]bool{}
	var fromID *string
	if from != nil {
		fromID = &from.ID
		told[from.ID] = true // the editor knows
	}
	for _, p := range ps {
		if told[p.AccountID] || p.Account == nil || !p.Account.IsLocal() ||
			!slices.Contains([]string{model.ParticipationGoing, model.ParticipationWaitlisted, model.ParticipationPending}, p.State) {
			continue
		}
		told[p.AccountID] = true
		n := &model.Notification{ID: model.NewID(s.now()), AccountID: p.AccountID, FromAccountID: fromID, Type: NotificationEventChanged,
			EventID: &ev.ID, StatusID: &ev.StatusID, Detail: detail, CreatedAt: s.now()}
		if err := s.Store.InsertNotification(ctx, tx, n); err != nil {
			return err
		}
		s.emit(ctx, tx, "notification", n.ID, p.AccountID)
	}
	return nil
}

// NotificationEventChanged: an event one signed up for changed its time,
// place or status.
const NotificationEventChanged = "coopol.event_changed"

// promoteWaiting gives the places a larger need opened to the people
// waiting, first come first served, under the event's row lock.
func (s *Service) promoteWaiting(ctx context.Context, tx bun.Tx, ev *model.Event) error {
	for {
		going, err := s.Store.CountTaken(ctx, tx, ev.ID, "")
		if err != nil {
			return err
		}
		if ev.Capacity == nil || going >= *ev.Capacity {
			return s.Store.SetGauge(ctx, tx, ev.ID, "", going, s.now())
		}
		next, err := s.Store.FirstWaitlisted(ctx, tx, ev.ID, "")
		if err != nil {
			return s.Store.SetGauge(ctx, tx, ev.ID, "", going, s.now())
		}
		if err := s.promote(ctx, tx, ev, next); err != nil {
			return err
		}
	}
}

// slotPlan is what an edit does to an action's slots.
type slotPlan struct {
	slots   []*model.EventSlot // the slots after the edit, in order
	removed []string           // ids of slots nobody signed up for
	added   map[string]bool
	// grown: slots whose need grew (people waiting may get a place).
	grown []string
	// movedTaken: a slot someone signed up for changed its time.
	movedTaken bool
}

// planSlots checks an edit of the slots. A slot someone signed up for (or
// waits for) cannot be removed: they would lose their place without a
// word. The organiser changes its time instead (they are told) or asks
// them to withdraw first. Nor can its need fall below the people going.
// Slots cannot be added to, or all removed from, an action people signed
// up for as a whole or by slot: their places would hang on nothing.
func (s *Service) planSlots(ctx context.Context, ev *model.Event, in []SlotEdit) (*slotPlan, error) {
	if len(in) > 50 {
		return nil, invalid("at most 50 slots")
	}
	ps, err := s.Store.Participants(ctx, ev.ID)
	if err != nil {
		return nil, err
	}
	taken := map[string]int{} // slot id → participations (any state but rejected)
	going := map[string]int{}
	for _, p := range ps {
		if p.State == model.ParticipationRejected {
			continue
		}
		taken[p.SlotID]++
		if p.State == model.ParticipationGoing {
			going[p.SlotID]++
		}
	}
	if len(ev.Slots) == 0 && len(in) > 0 && taken[""] > 0 {
		return nil, invalid("people signed up for the whole action: slots can only be added before anyone signs up")
	}
	old := map[string]*model.EventSlot{}
	for _, slot := range ev.Slots {
		old[slot.ID] = slot
	}
	plan := &slotPlan{added: map[string]bool{}}
	kept := map[string]bool{}
	now := s.now()
	for _, e := range in {
		if e.Need < 1 || e.Need > 100000 || e.StartAt.IsZero() || e.EndAt.Before(e.StartAt) {
			return nil, invalid("each slot needs a positive need and an end after its start")
		}
		if e.ID == "" {
			slot := &model.EventSlot{ID: model.NewID(now), EventID: ev.ID, StartAt: e.StartAt.UTC(), EndAt: e.EndAt.UTC(), Need: e.Need}
			plan.added[slot.ID] = true
			plan.slots = append(plan.slots, slot)
			continue
		}
		prev, ok := old[e.ID]
		if !ok || kept[e.ID] {
			return nil, invalid("no such slot")
		}
		kept[e.ID] = true
		if e.Need < going[e.ID] {
			return nil, invalid("a slot's need cannot fall below the number of people going")
		}
		slot := *prev
		slot.StartAt, slot.EndAt, slot.Need = e.StartAt.UTC(), e.EndAt.UTC(), e.Need
		if taken[e.ID] > 0 && (!slot.StartAt.Equal(prev.StartAt) || !slot.EndAt.Equal(prev.EndAt)) {
			plan.movedTaken = true
		}
		if slot.Need > prev.Need {
			plan.grown = append(plan.grown, slot.ID)
		}
		plan.slots = append(plan.slots, &slot)
	}
	for _, slot := range ev.Slots {
		if kept[slot.ID] {
			continue
		}
		if taken[slot.ID] > 0 {
			return nil, invalid("a slot people signed up for cannot be removed: change its time (they are told) or ask them to withdraw first")
		}
		plan.removed = append(plan.removed, slot.ID)
	}
	slices.SortStableFunc(plan.slots, func(a, b *model.EventSlot) int { return a.StartAt.Compare(b.StartAt) })
	return plan, nil
}

// applySlots writes a slot plan inside the edit's transaction, then gives
// the places a larger need opened to the people waiting.
func (s *Service) applySlots(ctx context.Context, tx bun.Tx, ev *model.Event, plan *slotPlan) error {
	if len(plan.removed) > 0 {
		if _, err := tx.NewDelete().Model((*model.EventSlot)(nil)).Where("event_id = ? AND id IN (?)", ev.ID, bun.In(plan.removed)).Exec(ctx); err != nil {
			return err
		}
	}
	for _, slot := range plan.slots {
		if plan.added[slot.ID] {
			if _, err := tx.NewInsert().Model(slot).Exec(ctx); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.NewUpdate().Model(slot).Column("start_at", "end_at", "need").WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	for _, id := range plan.grown {
		if err := s.promoteWaitingSlot(ctx, tx, ev, id); err != nil {
			return err
		}
	}
	return nil
}

// promoteWaitingSlot gives the places a grown slot now has to the
// people waiting for it, in order: members and guests alike, counted as
// takePlace counts (places held by guests included), so growing a need
// never overbooks.
func (s *Service) promoteWaitingSlot(ctx context.Context, tx bun.Tx, ev *model.Event, slotID string) error {
	for {
		taken, err := s.Store.CountTaken(ctx, tx, ev.ID, slotID)
		if err != nil {
			return err
		}
		if capacity := slotCapacity(ev, slotID); capacity >= 0 && taken >= capacity {
			return s.Store.SetGauge(ctx, tx, ev.ID, slotID, taken, s.now())
		}
		next, err := s.Store.FirstWaitlisted(ctx, tx, ev.ID, slotID)
		if err != nil {
			return s.Store.SetGauge(ctx, tx, ev.ID, slotID, taken, s.now())
		}
		if err := s.promote(ctx, tx, ev, next); err != nil {
			return err
		}
	}
}
