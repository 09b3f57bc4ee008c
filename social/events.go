package social

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// NewEvent is an event or field action as a member or secretary writes it.
type NewEvent struct {
	Title, Description string
	Kind               string // event (default) or field_action
	ActionKind         string // for field actions: leafleting, door_to_door, stand, phoning, posters
	StartAt, EndAt     time.Time
	Timezone           string // IANA, default Europe/Paris
	PlaceName          string
	StreetAddress      string
	PostalCode         string
	Locality           string
	Latitude           *float64
	Longitude          *float64
	OnlineURL          string
	Category           string
	Status             string // CONFIRMED (default), TENTATIVE, CANCELLED
	Capacity           *int   // places; for a field action, the number of people needed
	Slots              []NewSlot
	Visibility         string // public (default), unlisted, private, members
	GroupID            string // organising section or group
	PollingStationID   string
}

// NewSlot is one time slot of a field action, with its own need.
type NewSlot struct {
	StartAt, EndAt time.Time
	Need           int
}

// validateEvent checks and completes the fields an event is made of, for
// publishing and for editing alike.
func validateEvent(in *NewEvent) error {
	// A title is one line: it goes into mail subjects, calendars and
	// other servers' headings.
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	if in.Title == "" || len(in.Title) > 200 {
		return invalid("title is required (at most 200 characters)")
	}
	if in.Kind == "" {
		in.Kind = model.EventKindEvent
	}
	if in.Kind != model.EventKindEvent && in.Kind != model.EventKindFieldAction {
		return invalid("kind must be event or field_action")
	}
	if in.Kind == model.EventKindFieldAction {
		if !slices.Contains(model.ActionKinds, in.ActionKind) {
			return invalid("action kind must be one of %s", strings.Join(model.ActionKinds, ", "))
		}
		if (in.Capacity == nil || *in.Capacity < 1) && len(in.Slots) == 0 {
			return invalid("a field action needs the number of people needed")
		}
	}
	if in.StartAt.IsZero() {
		return invalid("start time is required")
	}
	if !in.EndAt.IsZero() && in.EndAt.Before(in.StartAt) {
		return invalid("the end comes before the start")
	}
	if in.Timezone == "" {
		in.Timezone = "Europe/Paris"
	}
	if _, err := time.LoadLocation(in.Timezone); err != nil {
		return invalid("unknown time zone %q", in.Timezone)
	}
	if in.Status == "" {
		in.Status = "CONFIRMED"
	}
	if !slices.Contains([]string{"CONFIRMED", "TENTATIVE", "CANCELLED"}, in.Status) {
		return invalid("status must be CONFIRMED, TENTATIVE or CANCELLED")
	}
	if in.Category == "" {
		in.Category = "MOVEMENTS_POLITICS"
	}
	if in.Capacity != nil && (*in.Capacity < 0 || *in.Capacity > 100000) {
		return invalid("capacity is out of range")
	}
	if in.OnlineURL != "" && !strings.HasPrefix(in.OnlineURL, "https://") && !strings.HasPrefix(in.OnlineURL, "http://") {
		return invalid("online link must be an http(s) URL")
	}
	return nil
}

// CreateEvent publishes an event. Events of a group are organised by its
// moderators (a section's secretaries).
func (s *Service) CreateEvent(ctx context.Context, organizer *model.Account, in NewEvent) (*model.Event, error) {
	if err := validateEvent(&in); err != nil {
		return nil, err
	}
	if in.Visibility == "" {
		in.Visibility = model.VisibilityPublic
	}
	if !slices.Contains([]string{model.VisibilityPublic, model.VisibilityUnlisted, model.VisibilityPrivate, model.VisibilityMembers}, in.Visibility) {
		return nil, invalid("visibility must be public, unlisted, private or members")
	}
	var group *model.Account
	if in.GroupID != "" {
		g, err := s.Store.AccountByID(ctx, in.GroupID)
		if err != nil || !g.IsGroup() || !g.IsLocal() {
			return nil, invalid("no such group here")
		}
		if ok, err := s.CanModerate(ctx, organizer, g); err != nil || !ok {
			return nil, orForbidden(err)
		}
		group = g
	} else if in.Visibility == model.VisibilityMembers {
		return nil, invalid("members-only events belong to a group: choose one")
	}

	now := s.now()
	id := model.NewID(now)
	st := &model.Status{
		ID: id, URI: s.URIs.Status(organizer.Username, id), URL: s.URIs.Event(id), AccountID: organizer.ID, Local: true,
		APType: "Event", Title: in.Title, SourceText: in.Description, Language: s.Config.Instance.Language,
		Visibility: in.Visibility, ThreadID: id, CreatedAt: now, UpdatedAt: now, Account: organizer,
	}
	if group != nil {
		st.GroupID = &group.ID
	}
	f := s.format(ctx, in.Description)
	st.Content = f.html
	ev := &model.Event{
		ID: id, StatusID: id, URI: st.URI, AccountID: organizer.ID, Kind: in.Kind, ActionKind: in.ActionKind,
		Title: in.Title, StartAt: in.StartAt.UTC(), Timezone: in.Timezone, PlaceName: in.PlaceName,
		StreetAddress: in.StreetAddress, PostalCode: in.PostalCode, Locality: in.Locality, Latitude: in.Latitude,
		Longitude: in.Longitude, OnlineURL: in.OnlineURL, Category: in.Category, EventStatus: in.Status,
		JoinMode: "free", Capacity: in.Capacity, CreatedAt: now, UpdatedAt: now, Status: st,
	}
	if !in.EndAt.IsZero() {
		end := in.EndAt.UTC()
		ev.EndAt = &end
	}
	if group != nil {
		ev.GroupID = &group.ID
	}
	if in.PollingStationID != "" {
		ev.PollingStationID = &in.PollingStationID
	}
	need := 0
	for _, slot := range in.Slots {
		if slot.Need < 1 || slot.EndAt.Before(slot.StartAt) {
			return nil, invalid("each slot needs a positive need and an end after its start")
		}
		ev.Slots = append(ev.Slots, &model.EventSlot{ID: model.NewID(now), StartAt: slot.StartAt.UTC(), EndAt: slot.EndAt.UTC(), Need: slot.Need})
		need += slot.Need
	}
	if len(ev.Slots) > 0 {
		ev.Capacity = &need
	}
	st.SpoilerText = ""
	err := s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.InsertStatus(ctx, tx, st, nil, f.tags); err != nil {
			return err
		}
		if err := s.Store.InsertEvent(ctx, tx, ev); err != nil {
			return err
		}
		return s.publishStatus(ctx, tx, "Create", st, nil, f.tags)
	})
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// eventSummary is the facts line of an event (in its federated content):
// date · place · gauge, in French first.
func eventSummary(ev *model.Event) string {
	loc, err := time.LoadLocation(ev.Timezone)
	if err != nil {
		loc = time.UTC
	}
	start := ev.StartAt.In(loc)
	days := []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	months := []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	parts := []string{fmt.Sprintf("%s %d %s %d %s (%s)", days[start.Weekday()], start.Day(), months[start.Month()-1], start.Year(), start.Format("15:04"), ev.Timezone)}
	if place := strings.TrimSpace(strings.Join(nonEmpty(ev.PlaceName, ev.Locality), ", ")); place != "" {
		parts = append(parts, place)
	} else if ev.OnlineURL != "" {
		parts = append(parts, "en ligne")
	}
	if ev.Capacity != nil {
		label := "participants"
		if ev.Kind == model.EventKindFieldAction {
			label = "inscrits"
		}
		parts = append(parts, fmt.Sprintf("%d/%d %s", ev.ParticipantCount, *ev.Capacity, label))
	}
	if ev.EventStatus == "CANCELLED" {
		parts = append([]string{"ANNULÉ"}, parts...)
	}
	return strings.Join(parts, " · ")
}

func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// eventInfo describes an event for the wire.
func eventInfo(ev *model.Event) *ap.EventInfo {
	info := &ap.EventInfo{StartTime: ev.StartAt, Timezone: ev.Timezone, JoinMode: ev.JoinMode, Status: ev.EventStatus,
		Category: ev.Category, Capacity: ev.Capacity, ParticipantCount: ev.ParticipantCount, OnlineURL: ev.OnlineURL,
		Kind: ev.Kind, ActionKind: ev.ActionKind}
	if ev.EndAt != nil {
		info.EndTime = *ev.EndAt
	}
	if ev.PlaceName != "" || ev.StreetAddress != "" || ev.Locality != "" || ev.Latitude != nil {
		info.Place = &ap.Place{Name: ev.PlaceName, StreetAddress: ev.StreetAddress, PostalCode: ev.PostalCode, Locality: ev.Locality,
			Region: ev.Region, Country: ev.Country, Latitude: ev.Latitude, Longitude: ev.Longitude}
	}
	for _, slot := range ev.Slots {
		info.Slots = append(info.Slots, ap.EventSlot{ID: slot.ID, StartTime: slot.StartAt, EndTime: slot.EndAt, Need: slot.Need, Participants: slot.ParticipantCount})
	}
	return info
}

// attachEvent completes a post describing an event status.
func (s *Service) attachEvent(ctx context.Context, db bun.IDB, st *model.Status, post *ap.Post) error {
	if st.APType != "Event" {
		return nil
	}
	ev := new(model.Event)
	if err := db.NewSelect().Model(ev).Relation("Slots").Where("e.status_id = ?", st.ID).Scan(ctx); err != nil {
		return fmt.Errorf("event of status %s: %w", st.ID, err)
	}
	post.Event = eventInfo(ev)
	post.Name = ev.Title
	// GoToSocial and Mastodon show a summary as a content warning: the
	// title and the key facts open the content instead, and there is no
	// summary (issue 15). Mobilizon reads name, startTime and location.
	post.Summary = ""
	post.Content = eventContent(ev) + post.Content
	return nil
}

// eventContent is the head of an event's federated content: its title,
// then date · place · gauge, as plain HTML any microblog renders.
func eventContent(ev *model.Event) string {
	return "<p><strong>" + html.EscapeString(ev.Title) + "</strong></p><p>" + html.EscapeString(eventSummary(ev)) + "</p>"
}

// visibleEvent loads an event the viewer may see.
func (s *Service) visibleEvent(ctx context.Context, viewer *model.Account, eventID string) (*model.Event, error) {
	ev, err := s.Store.EventByID(ctx, eventID)
	if err != nil {
		return nil, mapNotFound(err)
	}
	if ok, err := s.CanView(ctx, viewer, ev.Status); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotFound
	}
	return ev, nil
}

// Event returns an event the viewer may see.
func (s *Service) Event(ctx context.Context, viewer *model.Account, eventID string) (*model.Event, error) {
	return s.visibleEvent(ctx, viewer, eventID)
}

// EventSignUp is the outcome of a sign-up.
type EventSignUp struct {
	Participation *model.Participation
	Event         *model.Event
}

// SignUp registers account (local) for an event (or one slot of a field
// action). Places are given in order of arrival; once the need is met,
// later sign-ups wait on a list. For a remote event the organiser's
// server decides and answers; until then the participation is pending.
func (s *Service) SignUp(ctx context.Context, account *model.Account, eventID, slotID string) (*EventSignUp, error) {
	ev, err := s.visibleEvent(ctx, account, eventID)
	if err != nil {
		return nil, err
	}
	if ev.EventStatus == "CANCELLED" {
		return nil, invalid("this event is cancelled")
	}
	if err := checkSlot(ev, slotID); err != nil {
		return nil, err
	}
	if existing, err := s.Store.Participation(ctx, s.Store.DB, ev.ID, slotID, account.ID); err == nil && existing.State != model.ParticipationRejected {
		return &EventSignUp{Participation: existing, Event: ev}, nil
	}
	if ev.Status.Account.IsLocal() {
		p, err := s.admitParticipant(ctx, ev, account, slotID, "")
		if err != nil {
			return nil, err
		}
		ev, _ = s.Store.EventByID(ctx, ev.ID)
		return &EventSignUp{Participation: p, Event: ev}, nil
	}
	now := s.now()
	_, joinURI := s.newActivityID()
	p := &model.Participation{ID: model.NewID(now), EventID: ev.ID, SlotID: slotID, AccountID: account.ID,
		State: model.ParticipationPending, URI: joinURI, CreatedAt: now, UpdatedAt: now}
	organizer := ev.Status.Account
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpsertParticipation(ctx, tx, p); err != nil {
			return err
		}
		return s.publishDocument(ctx, tx, account, joinDocument(joinURI, account.URI, ev.URI, organizer.URI, slotID), []string{organizer.InboxURI})
	})
	if err != nil {
		return nil, err
	}
	return &EventSignUp{Participation: p, Event: ev}, nil
}

// joinDocument is an event Join, addressed to the organiser only: who
// signs up for a field action is nobody else's business.
func joinDocument(id, actor, event, organizer, slotID string) ap.Document {
	doc := ap.Document{"@context": []any{"https://www.w3.org/ns/activitystreams", map[string]any{"coopol": ap.CoopolNS, "slot": "coopol:slot"}},
		"id": id, "type": "Join", "actor": actor, "object": event, "to": []string{organizer}}
	if slotID != "" {
		doc["slot"] = slotID
	}
	return doc
}

func checkSlot(ev *model.Event, slotID string) error {
	if slotID == "" {
		if len(ev.Slots) > 0 {
			return invalid("choose a slot of this action")
		}
		return nil
	}
	for _, slot := range ev.Slots {
		if slot.ID == slotID {
			return nil
		}
	}
	return invalid("no such slot")
}

// admitParticipant runs on the organiser's server: one transaction with
// the event locked, so simultaneous sign-ups from several sections can
// never overbook. joinURI is the remote Join ("" for a local member).
func (s *Service) admitParticipant(ctx context.Context, ev *model.Event, account *model.Account, slotID, joinURI string) (*model.Participation, error) {
	var p *model.Participation
	err := s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.LockEvent(ctx, tx, ev.ID); err != nil {
			return err
		}
		now := s.now()
		if existing, err := s.Store.Participation(ctx, tx, ev.ID, slotID, account.ID); err == nil && existing.State != model.ParticipationRejected {
			p = existing // a repeated Join: answer again below
		} else {
			p = &model.Participation{ID: model.NewID(now), EventID: ev.ID, SlotID: slotID, AccountID: account.ID,
				State: model.ParticipationGoing, URI: joinURI, CreatedAt: now, UpdatedAt: now}
			if err := s.takePlace(ctx, tx, ev, p, account); err != nil {
				return err
			}
		}
		if !account.IsLocal() {
			return s.answerParticipation(ctx, tx, ev, account, p)
		}
		return nil
	})
	return p, err
}

// takePlace stores a new participation p (a member's, or a guest's) in
// tx, with the event locked: the place it asks for (going, or held for a
// guest) while the need is not met, the waiting list once it is. A taken
// place moves the gauge, tells the organiser and sends the event's Update
// (the count only) to every server that has it. from is the member (nil
// for a guest).
func (s *Service) takePlace(ctx context.Context, tx bun.Tx, ev *model.Event, p *model.Participation, from *model.Account) error {
	taken, err := s.Store.CountTaken(ctx, tx, ev.ID, p.SlotID)
	if err != nil {
		return err
	}
	capacity := slotCapacity(ev, p.SlotID)
	if capacity >= 0 && taken >= capacity {
		p.State = model.ParticipationWaitlisted
	}
	if err := s.Store.UpsertParticipation(ctx, tx, p); err != nil {
		return err
	}
	if p.State == model.ParticipationWaitlisted {
		return nil
	}
	taken++
	if err := s.Store.SetGauge(ctx, tx, ev.ID, p.SlotID, taken, s.now()); err != nil {
		return err
	}
	if err := s.notifyEvent(ctx, tx, ev.Status.Account, "coopol.action_signup", from, ev); err != nil {
		return err
	}
	if capacity > 0 && taken == capacity {
		if err := s.notifyEvent(ctx, tx, ev.Status.Account, "coopol.action_full", from, ev); err != nil {
			return err
		}
	}
	return s.publishEventUpdate(ctx, tx, ev.ID)
}

// promote gives a freed place to next, the first person waiting, and
// tells them: a notification here, an Accept to a remote member's
// server, a mail to a guest.
func (s *Service) promote(ctx context.Context, tx bun.Tx, ev *model.Event, next *model.Participation) error {
	if next.GuestID != "" {
		return s.promoteGuest(ctx, tx, ev, next)
	}
	next.State, next.UpdatedAt = model.ParticipationGoing, s.now()
	if err := s.Store.SetParticipationState(ctx, tx, next.ID, next.State, next.UpdatedAt); err != nil {
		return err
	}
	promoted, err := s.Store.AccountByID(ctx, next.AccountID)
	if err != nil {
		return err
	}
	if promoted.IsLocal() {
		return s.notifyEvent(ctx, tx, promoted, "coopol.action_promoted", ev.Status.Account, ev)
	}
	return s.answerParticipation(ctx, tx, ev, promoted, next)
}

func slotCapacity(ev *model.Event, slotID string) int {
	if slotID != "" {
		for _, slot := range ev.Slots {
			if slot.ID == slotID {
				return slot.Need
			}
		}
	}
	if ev.Capacity == nil {
		return -1
	}
	return *ev.Capacity
}

func (s *Service) notifyEvent(ctx context.Context, db bun.IDB, recipient *model.Account, typ string, from *model.Account, ev *model.Event) error {
	if recipient == nil || !recipient.IsLocal() {
		return nil
	}
	n := &model.Notification{ID: model.NewID(s.now()), AccountID: recipient.ID, Type: typ, EventID: &ev.ID, StatusID: &ev.StatusID, CreatedAt: s.now()}
	if from != nil {
		n.FromAccountID = &from.ID
	}
	if typ == "coopol.action_signup" || typ == "coopol.action_full" {
		// The gauge as this sign-up left it (the caller set it in tx):
		// the notification keeps telling that moment.
		going, capacity, err := s.Store.EventGauge(ctx, db, ev.ID)
		if err != nil {
			return err
		}
		n.GaugeGoing, n.GaugeCapacity = &going, capacity
	}
	if err := s.Store.InsertNotification(ctx, db, n); err != nil {
		return err
	}
	s.emit(ctx, db, "notification", n.ID, recipient.ID)
	return nil
}

// answerParticipation tells a remote participant where they stand:
// Accept (going), TentativeAccept (on the waiting list) or Reject.
func (s *Service) answerParticipation(ctx context.Context, tx bun.Tx, ev *model.Event, participant *model.Account, p *model.Participation) error {
	typ := "Accept"
	switch p.State {
	case model.ParticipationWaitlisted:
		typ = "TentativeAccept"
	case model.ParticipationRejected:
		typ = "Reject"
	}
	join := joinDocument(p.URI, participant.URI, ev.URI, ev.Status.Account.URI, p.SlotID)
	delete(join, "@context")
	_, id := s.newActivityID()
	doc := ap.Document{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": typ,
		"actor": ev.Status.Account.URI, "object": join, "to": []string{participant.URI}}
	return s.publishDocument(ctx, tx, ev.Status.Account, doc, []string{participant.InboxURI})
}

// publishEventUpdate re-sends the event with its new gauge to everyone
// who received it, and to remote participants.
func (s *Service) publishEventUpdate(ctx context.Context, tx bun.Tx, eventID string) error {
	st := new(model.Status)
	if err := tx.NewSelect().Model(st).Relation("Account").Where("s.id = (SELECT status_id FROM events WHERE id = ?)", eventID).Scan(ctx); err != nil {
		return err
	}
	now := s.now()
	st.EditedAt = &now
	if _, err := tx.NewUpdate().Model(st).Column("edited_at").WherePK().Exec(ctx); err != nil {
		return err
	}
	return s.publishStatus(ctx, tx, "Update", st, nil, nil)
}

// CancelParticipation withdraws account's (local) sign-up. On the
// organiser's server the first person waiting takes the place and is
// told so.
func (s *Service) CancelParticipation(ctx context.Context, account *model.Account, eventID, slotID string) error {
	ev, err := s.Store.EventByID(ctx, eventID)
	if err != nil {
		return mapNotFound(err)
	}
	p, err := s.Store.Participation(ctx, s.Store.DB, ev.ID, slotID, account.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if ev.Status.Account.IsLocal() {
		if err := s.releasePlace(ctx, ev, account, p); err != nil {
			return err
		}
		return s.forgetPhoneIfGone(ctx, ev.ID, account.ID)
	}
	organizer := ev.Status.Account
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.DeleteParticipation(ctx, tx, p.ID); err != nil {
			return err
		}
		join := joinDocument(p.URI, account.URI, ev.URI, organizer.URI, slotID)
		delete(join, "@context")
		_, id := s.newActivityID()
		doc := ap.Document{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Leave",
			"actor": account.URI, "object": ev.URI, "to": []string{organizer.URI}}
		if slotID != "" {
			doc["slot"] = slotID
		}
		return s.publishDocument(ctx, tx, account, doc, []string{organizer.InboxURI})
	})
}

// releasePlace runs on the organiser's server when someone withdraws.
func (s *Service) releasePlace(ctx context.Context, ev *model.Event, account *model.Account, p *model.Participation) error {
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.LockEvent(ctx, tx, ev.ID); err != nil {
			return err
		}
		return s.releasePlaceTx(ctx, tx, ev, account, p)
	})
}

// releasePlaceTx removes p, with the event locked in tx; a place it took
// goes to the first person waiting. account is who withdraws (nil for a
// guest).
func (s *Service) releasePlaceTx(ctx context.Context, tx bun.Tx, ev *model.Event, account *model.Account, p *model.Participation) error {
	if err := s.Store.DeleteParticipation(ctx, tx, p.ID); err != nil {
		return err
	}
	if p.State != model.ParticipationGoing && p.State != model.ParticipationHeld {
		return nil
	}
	if err := s.notifyEvent(ctx, tx, ev.Status.Account, "coopol.action_cancel", account, ev); err != nil {
		return err
	}
	next, err := s.Store.FirstWaitlisted(ctx, tx, ev.ID, p.SlotID)
	if err == nil {
		if err := s.promote(ctx, tx, ev, next); err != nil {
			return err
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	taken, err := s.Store.CountTaken(ctx, tx, ev.ID, p.SlotID)
	if err != nil {
		return err
	}
	if err := s.Store.SetGauge(ctx, tx, ev.ID, p.SlotID, taken, s.now()); err != nil {
		return err
	}
	return s.publishEventUpdate(ctx, tx, ev.ID)
}

// Participants lists an event's participants, for its organisers only.
func (s *Service) Participants(ctx context.Context, viewer *model.Account, eventID string) ([]model.Participation, error) {
	ev, err := s.visibleEvent(ctx, viewer, eventID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.canOrganize(ctx, viewer, ev); err != nil || !ok {
		return nil, orForbidden(err)
	}
	return s.Store.Participants(ctx, ev.ID)
}

func (s *Service) canOrganize(ctx context.Context, account *model.Account, ev *model.Event) (bool, error) {
	if account == nil || !account.IsLocal() {
		return false, nil
	}
	if ev.AccountID == account.ID {
		return true, nil
	}
	if ev.GroupID != nil {
		group, err := s.Store.AccountByID(ctx, *ev.GroupID)
		if err != nil {
			return false, err
		}
		return s.CanModerate(ctx, account, group)
	}
	return false, nil
}

// SendReminders notifies local participants of events starting within
// `ahead`; each event is reminded once (a scheduled job runs it).
func (s *Service) SendReminders(ctx context.Context, ahead time.Duration) (int, error) {
	now := s.now()
	events, err := s.Store.EventsToRemind(ctx, now, now.Add(ahead))
	if err != nil {
		return 0, err
	}
	sent := 0
	for i := range events {
		ev := &events[i]
		if ev.EventStatus == "CANCELLED" {
			continue
		}
		claimed, err := s.Store.MarkReminded(ctx, ev.ID, now)
		if err != nil || !claimed {
			continue // another replica took it
		}
		participants, err := s.Store.LocalParticipants(ctx, ev.ID)
		if err != nil {
			return sent, err
		}
		for j := range participants {
			if err := s.notifyEvent(ctx, s.Store.DB, &participants[j], "coopol.action_reminder", nil, ev); err != nil {
				return sent, err
			}
			sent++
		}
		n, err := s.remindGuests(ctx, ev)
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// storeRemoteEvent keeps the event data of a remote Event status.
func (s *Service) storeRemoteEvent(ctx context.Context, db bun.IDB, st *model.Status, post *ap.Post) error {
	if post.Event == nil {
		return nil
	}
	ev := eventFromInfo(st, post)
	return s.Store.InsertEvent(ctx, db, ev)
}

func eventFromInfo(st *model.Status, post *ap.Post) *model.Event {
	info := post.Event
	ev := &model.Event{ID: st.ID, StatusID: st.ID, URI: st.URI, AccountID: st.AccountID, GroupID: st.GroupID,
		Kind: info.Kind, ActionKind: text.StripHTML(info.ActionKind), Title: text.StripHTML(post.Name), StartAt: info.StartTime,
		Timezone: info.Timezone, OnlineURL: info.OnlineURL, Category: info.Category, EventStatus: info.Status,
		JoinMode: info.JoinMode, Capacity: info.Capacity, ParticipantCount: info.ParticipantCount,
		CreatedAt: st.CreatedAt, UpdatedAt: st.UpdatedAt}
	if ev.Kind == "" {
		ev.Kind = model.EventKindEvent
	}
	if _, err := time.LoadLocation(ev.Timezone); err != nil || ev.Timezone == "" {
		ev.Timezone = "UTC"
	}
	if !info.EndTime.IsZero() {
		end := info.EndTime
		ev.EndAt = &end
	}
	if p := info.Place; p != nil {
		ev.PlaceName, ev.StreetAddress, ev.PostalCode = text.StripHTML(p.Name), text.StripHTML(p.StreetAddress), text.StripHTML(p.PostalCode)
		ev.Locality, ev.Region, ev.Country = text.StripHTML(p.Locality), text.StripHTML(p.Region), text.StripHTML(p.Country)
		ev.Latitude, ev.Longitude = p.Latitude, p.Longitude
	}
	for _, slot := range info.Slots {
		if len(ev.Slots) >= 50 {
			break
		}
		ev.Slots = append(ev.Slots, &model.EventSlot{ID: slot.ID, EventID: ev.ID, StartAt: slot.StartTime, EndAt: slot.EndTime, Need: slot.Need, ParticipantCount: slot.Participants})
	}
	return ev
}

// updateRemoteEvent applies an Update of a remote event (its gauge).
func (s *Service) updateRemoteEvent(ctx context.Context, db bun.IDB, st *model.Status, post *ap.Post) error {
	if post.Event == nil {
		return nil
	}
	existing, err := s.Store.EventByStatusID(ctx, st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return s.storeRemoteEvent(ctx, db, st, post)
	} else if err != nil {
		return err
	}
	fresh := eventFromInfo(st, post)
	fresh.ID, fresh.CreatedAt, fresh.ReminderSentAt = existing.ID, existing.CreatedAt, existing.ReminderSentAt
	fresh.UpdatedAt = s.now()
	if err := s.Store.UpdateEvent(ctx, db, fresh); err != nil {
		return err
	}
	// The slots as the organiser now has them: times and needs changed,
	// slots added, removed ones gone (the organiser's server refuses to
	// remove a slot people signed up for; one still referenced here stays).
	movedTaken, err := s.syncRemoteSlots(ctx, db, existing, fresh)
	if err != nil {
		return err
	}
	// People here who signed up hear of a new time, place or status, as
	// the organiser's own participants do.
	changed := eventChanges(existing, fresh)
	if movedTaken && !slices.Contains(changed, ChangedTime) {
		changed = append([]string{ChangedTime}, changed...)
	}
	if len(changed) > 0 {
		var organizer *model.Account
		if existing.Status != nil {
			organizer = existing.Status.Account
		}
		if err := s.notifyParticipantsOfChange(ctx, db, fresh, organizer, strings.Join(changed, ",")); err != nil {
			return err
		}
	}
	return nil
}

// syncRemoteSlots makes a remote event's stored slots those of its latest
// version. It says whether a slot someone here signed up for moved.
func (s *Service) syncRemoteSlots(ctx context.Context, db bun.IDB, existing, fresh *model.Event) (bool, error) {
	var taken []string
	if err := db.NewSelect().Model((*model.Participation)(nil)).Column("slot_id").Distinct().
		Where("event_id = ? AND slot_id <> ''", existing.ID).Scan(ctx, &taken); err != nil {
		return false, err
	}
	old := map[string]*model.EventSlot{}
	for _, slot := range existing.Slots {
		old[slot.ID] = slot
	}
	moved := false
	keep := map[string]bool{}
	for _, slot := range fresh.Slots {
		slot.EventID = existing.ID
		keep[slot.ID] = true
		prev, ok := old[slot.ID]
		if !ok {
			if _, err := db.NewInsert().Model(slot).On("CONFLICT (id) DO NOTHING").Exec(ctx); err != nil {
				return false, err
			}
			continue
		}
		if slices.Contains(taken, slot.ID) && (!prev.StartAt.Equal(slot.StartAt) || !prev.EndAt.Equal(slot.EndAt)) {
			moved = true
		}
		if _, err := db.NewUpdate().Model(slot).Column("start_at", "end_at", "need", "participant_count").
			Where("id = ? AND event_id = ?", slot.ID, existing.ID).Exec(ctx); err != nil {
			return false, err
		}
	}
	for id := range old {
		if keep[id] || slices.Contains(taken, id) {
			continue
		}
		if _, err := db.NewDelete().Model((*model.EventSlot)(nil)).Where("id = ? AND event_id = ?", id, existing.ID).Exec(ctx); err != nil {
			return false, err
		}
	}
	return moved, nil
}

// receiveEventJoin: a remote person signs up for an event organised here.
func (s *Service) receiveEventJoin(ctx context.Context, actor *model.Account, in *ap.Incoming, ev *model.Event) error {
	if !ev.Status.Account.IsLocal() {
		return rejected("this event is not organised here") // FEP-8a8e would answer Ignore
	}
	if ok, err := s.CanView(ctx, actor, ev.Status); err != nil {
		return err
	} else if !ok {
		return rejected("no such event")
	}
	slotID := ap.Str(in.Raw, "slot")
	if err := checkSlot(ev, slotID); err != nil {
		return rejected("%v", err)
	}
	if ev.EventStatus == "CANCELLED" {
		return rejected("this event is cancelled")
	}
	_, err := s.admitParticipant(ctx, ev, actor, slotID, in.ID)
	return err
}

// receiveEventLeave: a remote participant withdraws.
func (s *Service) receiveEventLeave(ctx context.Context, actor *model.Account, in *ap.Incoming, ev *model.Event) error {
	p, err := s.Store.Participation(ctx, s.Store.DB, ev.ID, ap.Str(in.Raw, "slot"), actor.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return s.releasePlace(ctx, ev, actor, p)
}

// receiveParticipationAnswer: the organiser's server tells us where our
// member stands. Only the event's organiser may answer (as A-07).
func (s *Service) receiveParticipationAnswer(ctx context.Context, actor *model.Account, in *ap.Incoming, p *model.Participation) error {
	ev, err := s.Store.EventByID(ctx, p.EventID)
	if err != nil {
		return err
	}
	if ev.AccountID != actor.ID {
		return rejected("only the organiser may answer a sign-up")
	}
	previous := p.State
	switch in.Type {
	case "Accept":
		p.State = model.ParticipationGoing
	case "TentativeAccept":
		p.State = model.ParticipationWaitlisted
	default:
		p.State = model.ParticipationRejected
	}
	p.AcceptURI, p.UpdatedAt = in.ID, s.now()
	member, err := s.Store.AccountByID(ctx, p.AccountID)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpsertParticipation(ctx, tx, p); err != nil {
			return err
		}
		if previous == model.ParticipationWaitlisted && p.State == model.ParticipationGoing {
			return s.notifyEvent(ctx, tx, member, "coopol.action_promoted", actor, ev)
		}
		return nil
	})
}
