package social

// Door to door (issue 14): who may see and tick the turfs of a field
// action. Turfs are the section's working data: the action's organisers
// (its author, the moderators of its group) see them all; a volunteer sees
// only the turf assigned to them; nobody else learns they exist. Nothing
// here is federated.

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/coopol/coopol/elections"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/storage"
)

// CanOrganize reports whether the account runs the event: its author, or
// a moderator of the group it was published in.
func (s *Service) CanOrganize(ctx context.Context, account *model.Account, ev *model.Event) (bool, error) {
	return s.canOrganize(ctx, account, ev)
}

// organizedEvent returns an event the viewer organises; anyone else gets
// ErrNotFound, as if it had no turfs.
func (s *Service) organizedEvent(ctx context.Context, viewer *model.Account, eventID string) (*model.Event, error) {
	ev, err := s.visibleEvent(ctx, viewer, eventID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.canOrganize(ctx, viewer, ev); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotFound
	}
	return ev, nil
}

// ActionTurfs returns the turfs of an action, for its organisers.
func (s *Service) ActionTurfs(ctx context.Context, viewer *model.Account, eventID string) (*model.Event, []model.Turf, error) {
	ev, err := s.organizedEvent(ctx, viewer, eventID)
	if err != nil {
		return nil, nil, err
	}
	turfs, err := s.Store.Turfs(ctx, ev.ID)
	return ev, turfs, err
}

// MakeTurfs splits the action's polling station into turfs of about
// target electors (or one per street), replacing turfs nobody ticked yet.
func (s *Service) MakeTurfs(ctx context.Context, viewer *model.Account, eventID string, target int, byStreet bool) ([]model.Turf, error) {
	ev, err := s.organizedEvent(ctx, viewer, eventID)
	if err != nil {
		return nil, err
	}
	if ev.PollingStationID == nil || *ev.PollingStationID == "" {
		return nil, &ValidationError{Msg: "this action targets no polling station"}
	}
	if !byStreet && (target < 10 || target > 5000) {
		return nil, &ValidationError{Msg: "a turf holds between 10 and 5000 electors"}
	}
	section, err := s.Store.LocalAccount(ctx, s.Config.Section.Username)
	if err != nil {
		return nil, err
	}
	turfs, err := elections.MakeTurfs(ctx, s.Store, section, ev, *ev.PollingStationID, target, byStreet, s.now())
	switch {
	case errors.Is(err, storage.ErrTurfsStarted):
		return nil, &ValidationError{Msg: "volunteers have already ticked doors: the turfs cannot be made again"}
	case errors.Is(err, elections.ErrNoAddresses):
		return nil, &ValidationError{Msg: err.Error()}
	}
	if err != nil {
		return nil, err
	}
	s.Log.Info("doors: turfs made", "event", ev.ID, "turfs", len(turfs), "by", viewer.ID)
	return turfs, nil
}

// AssignTurf gives a turf to a volunteer of the action (a local person
// who signed up and is going), or to nobody when accountID is "".
func (s *Service) AssignTurf(ctx context.Context, viewer *model.Account, eventID, turfID, accountID string) error {
	ev, err := s.organizedEvent(ctx, viewer, eventID)
	if err != nil {
		return err
	}
	turf, err := s.Store.Turf(ctx, turfID)
	if err != nil || turf.EventID != ev.ID {
		return ErrNotFound
	}
	var to *string
	if accountID != "" {
		going, err := s.Volunteers(ctx, ev.ID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(going, func(a *model.Account) bool { return a.ID == accountID }) {
			return &ValidationError{Msg: "a turf goes to a volunteer of this instance who signed up for the action"}
		}
		to = &accountID
	}
	return s.Store.AssignTurf(ctx, turf.ID, to)
}

// Volunteers lists the local people going to an action: those a turf can
// be given to (remote volunteers cannot open it here).
func (s *Service) Volunteers(ctx context.Context, eventID string) ([]*model.Account, error) {
	ps, err := s.Store.Participants(ctx, eventID)
	if err != nil {
		return nil, err
	}
	var out []*model.Account
	for _, p := range ps {
		if p.State == model.ParticipationGoing && p.Account != nil && p.Account.IsLocal() &&
			!slices.ContainsFunc(out, func(a *model.Account) bool { return a.ID == p.Account.ID }) {
			out = append(out, p.Account)
		}
	}
	return out, nil
}

// OpenTurf returns a turf to its volunteer or to the action's organisers;
// to anyone else it does not exist. Every opening is logged (ids only).
func (s *Service) OpenTurf(ctx context.Context, viewer *model.Account, turfID string) (*model.Turf, *model.Event, error) {
	if viewer == nil {
		return nil, nil, ErrNotFound
	}
	turf, err := s.Store.Turf(ctx, turfID)
	if err != nil {
		return nil, nil, mapNotFound(err)
	}
	ev, err := s.Store.EventByID(ctx, turf.EventID)
	if err != nil {
		return nil, nil, mapNotFound(err)
	}
	mine := turf.AssigneeID != nil && *turf.AssigneeID == viewer.ID
	if !mine {
		if ok, err := s.canOrganize(ctx, viewer, ev); err != nil {
			return nil, nil, err
		} else if !ok {
			s.Log.Info("doors: turf refused", "turf", turf.ID, "account", viewer.ID)
			return nil, nil, ErrNotFound
		}
	}
	s.Log.Info("doors: turf opened", "turf", turf.ID, "account", viewer.ID)
	return turf, ev, nil
}

// TickDoor records what the volunteer found at a door of their turf.
func (s *Service) TickDoor(ctx context.Context, viewer *model.Account, turfID, doorID, outcome string) error {
	if outcome != "" && !slices.Contains(model.DoorOutcomes, outcome) {
		return &ValidationError{Msg: "unknown outcome"}
	}
	turf, _, err := s.OpenTurf(ctx, viewer, turfID)
	if err != nil {
		return err
	}
	return mapNotFound(s.Store.TickDoor(ctx, turf.ID, doorID, outcome, viewer.ID, s.now()))
}

// EraseOldTurfs deletes the turfs of actions older than the retention.
func (s *Service) EraseOldTurfs(ctx context.Context, retention time.Duration) (int, error) {
	return s.Store.DeleteTurfsBefore(ctx, s.now().Add(-retention))
}

// EraseTurfsWorker erases door-to-door records past their retention.
type EraseTurfsWorker struct {
	river.WorkerDefaults[queue.EraseTurfsArgs]
	Social *Service
}

func (w *EraseTurfsWorker) Work(ctx context.Context, _ *river.Job[queue.EraseTurfsArgs]) error {
	n, err := w.Social.EraseOldTurfs(ctx, w.Social.Config.Events.DoorsRetention)
	if n > 0 {
		w.Social.Log.Info("doors: turfs past retention erased", "count", n)
	}
	if err != nil {
		return err
	}
	// Phone numbers given for an action serve on the day: erased the day
	// after it ends, whatever the doors retention.
	phones, err := w.Social.EraseOldPhones(ctx)
	if phones > 0 {
		w.Social.Log.Info("events: participant phones past the event erased", "count", phones)
	}
	return err
}

// ActionReportForm is what the organisers fill in after an action.
type ActionReportForm struct {
	DoorsKnocked, PeopleMet, Leaflets int
	Notes                             string
	Attended                          []string // account ids of participants who came
}

// ActionReportView is an action's report with what it is made from: the
// participants to tick and the doors volunteers ticked.
type ActionReportView struct {
	Event        *model.Event
	Report       *model.ActionReport // nil before the first save
	Attended     []string
	Participants []model.Participation
	Outcomes     map[string]int
}

// ActionReport returns an action's report, for its organisers only.
func (s *Service) ActionReport(ctx context.Context, viewer *model.Account, eventID string) (*ActionReportView, error) {
	ev, err := s.organizedEvent(ctx, viewer, eventID)
	if err != nil {
		return nil, err
	}
	v := &ActionReportView{Event: ev}
	if v.Report, v.Attended, err = s.Store.ActionReport(ctx, ev.ID); err != nil {
		return nil, err
	}
	if v.Participants, err = s.Store.Participants(ctx, ev.ID); err != nil {
		return nil, err
	}
	v.Outcomes, err = s.Store.DoorOutcomeCounts(ctx, ev.ID)
	return v, err
}

// SaveActionReport records the report; attendance is kept only for people
// who signed up for the action.
func (s *Service) SaveActionReport(ctx context.Context, viewer *model.Account, eventID string, in ActionReportForm) error {
	v, err := s.ActionReport(ctx, viewer, eventID)
	if err != nil {
		return err
	}
	for _, n := range []int{in.DoorsKnocked, in.PeopleMet, in.Leaflets} {
		if n < 0 || n > 1_000_000 {
			return &ValidationError{Msg: "counts are whole numbers from 0 to 1000000"}
		}
	}
	if len([]rune(in.Notes)) > 5000 {
		return &ValidationError{Msg: "the notes are too long (at most 5000 characters)"}
	}
	var attended []string
	for _, id := range in.Attended {
		if slices.ContainsFunc(v.Participants, func(p model.Participation) bool { return p.AccountID == id }) && !slices.Contains(attended, id) {
			attended = append(attended, id)
		}
	}
	r := &model.ActionReport{EventID: v.Event.ID, DoorsKnocked: in.DoorsKnocked, PeopleMet: in.PeopleMet, Leaflets: in.Leaflets,
		Notes: in.Notes, UpdatedBy: viewer.ID, UpdatedAt: s.now()}
	if err := s.Store.SaveActionReport(ctx, r, attended); err != nil {
		return err
	}
	s.Log.Info("doors: action report saved", "event", v.Event.ID, "by", viewer.ID)
	return nil
}
