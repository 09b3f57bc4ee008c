package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// WebEventQuery selects upcoming events.
type WebEventQuery struct {
	// From: events not over at this time (end, or start when no end).
	From time.Time
	// Kind keeps "event" or "field_action" ("" = both).
	Kind string
	// GroupID keeps the events of one group or section.
	GroupID string
	// LocalOnly keeps events organised on this instance.
	LocalOnly bool
	// Listed leaves out unlisted events (public listings).
	Listed bool
	Limit  int
	// Agenda filters: a category (MEETING, DEBATE…), events starting
	// before To, a place (town, postal code or place name).
	Category string
	To       time.Time
	Place    string
}

// WebUpcomingEvents lists the events an WebEventQuery selects, soonest first,
// with their status, organiser and slots.
func (s *Storage) WebUpcomingEvents(ctx context.Context, in WebEventQuery, visible StatusFilter) ([]model.Event, error) {
	q := s.DB.NewSelect().TableExpr("events AS e").Join("JOIN statuses AS s ON s.id = e.status_id").
		Column("e.id").
		Where("(e.end_at >= ? OR (e.end_at IS NULL AND e.start_at >= ?))", in.From, in.From).
		Apply(visible)
	if in.Kind != "" {
		q = q.Where("e.kind = ?", in.Kind)
	}
	if in.GroupID != "" {
		q = q.Where("e.group_id = ?", in.GroupID)
	}
	if in.LocalOnly {
		q = q.Where("s.local = ?", true)
	}
	if in.Listed {
		q = q.Where("s.visibility <> 'unlisted'")
	}
	q = agendaFilters(q, in)
	if in.Limit <= 0 {
		in.Limit = 50
	}
	var ids []string
	if err := q.OrderExpr("e.start_at ASC, e.id ASC").Limit(int64(in.Limit)).Scan(ctx, &ids); err != nil {
		return nil, err
	}
	return s.WebEventsByIDs(ctx, ids)
}

// WebEventsByIDs loads events (with status, organiser and slots), soonest
// first; missing ids are skipped.
func (s *Storage) WebEventsByIDs(ctx context.Context, ids []string) ([]model.Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []model.Event
	err := s.DB.NewSelect().Model(&out).Relation("Status").Relation("Status.Account").
		Relation("Slots", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("start_at", "id") }).
		Where("e.id IN (?)", bun.In(ids)).Order("e.start_at", "e.id").Scan(ctx)
	return out, err
}

// WebEventsByStatusIDs returns, per status id, the event it describes.
func (s *Storage) WebEventsByStatusIDs(ctx context.Context, statusIDs []string) (map[string]*model.Event, error) {
	out := map[string]*model.Event{}
	if len(statusIDs) == 0 {
		return out, nil
	}
	var rows []*model.Event
	err := s.DB.NewSelect().Model(&rows).
		Relation("Slots", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("start_at", "id") }).
		Where("e.status_id IN (?)", bun.In(statusIDs)).Scan(ctx)
	for _, ev := range rows {
		out[ev.StatusID] = ev
	}
	return out, err
}
