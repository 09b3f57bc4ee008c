package storage

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// GroupEntry is a section or group with what it says of itself.
type GroupEntry struct {
	Account model.Account
	Group   model.Group
}

// Sections lists the sections known here (this instance's and those seen
// in federation), this one first, then by name.
func (s *Storage) Sections(ctx context.Context) ([]GroupEntry, error) {
	return s.groupEntries(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("g.kind = 'section'")
	}, 200)
}

// SearchGroups finds sections and groups by name, handle or territory
// (a town or a postal code), anywhere in the text.
func (s *Storage) SearchGroups(ctx context.Context, query string, limit int) ([]GroupEntry, error) {
	like := "%" + escapeLike(strings.ToLower(query)) + "%"
	return s.groupEntries(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where(`(lower(a.display_name) LIKE ? ESCAPE '\' OR lower(a.username) LIKE ? ESCAPE '\' OR lower(g.territory) LIKE ? ESCAPE '\')`, like, like, like)
	}, limit)
}

func (s *Storage) groupEntries(ctx context.Context, where func(*bun.SelectQuery) *bun.SelectQuery, limit int) ([]GroupEntry, error) {
	var groups []model.Group
	err := s.DB.NewSelect().Model(&groups).ModelTableExpr("groups AS g").ColumnExpr("g.*").
		Join("JOIN accounts AS a ON a.id = g.account_id").
		Where("a.suspended_at IS NULL").Where("a.actor_type = ?", model.ActorGroup).
		Apply(where).
		OrderExpr("CASE WHEN a.domain = '' THEN 0 ELSE 1 END, lower(COALESCE(NULLIF(a.display_name, ''), a.username))").
		Limit(int64(limit)).Scan(ctx)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	ids := make([]string, len(groups))
	for i := range groups {
		ids[i] = groups[i].AccountID
	}
	var accounts []model.Account
	if err := s.DB.NewSelect().Model(&accounts).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	byID := map[string]model.Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	out := make([]GroupEntry, 0, len(groups))
	for _, g := range groups {
		if a, ok := byID[g.AccountID]; ok {
			out = append(out, GroupEntry{Account: a, Group: g})
		}
	}
	return out, nil
}

// SearchEvents finds upcoming events and actions whose title, place,
// town or postal code contains query, soonest first, among those visible
// allows.
func (s *Storage) SearchEvents(ctx context.Context, query string, from time.Time, visible StatusFilter, limit int) ([]model.Event, error) {
	like := "%" + escapeLike(strings.ToLower(query)) + "%"
	var ids []string
	err := s.DB.NewSelect().TableExpr("events AS e").Join("JOIN statuses AS s ON s.id = e.status_id").Column("e.id").
		Where("(e.end_at >= ? OR (e.end_at IS NULL AND e.start_at >= ?))", from, from).
		Where(`(lower(e.title) LIKE ? ESCAPE '\' OR lower(e.locality) LIKE ? ESCAPE '\' OR lower(e.place_name) LIKE ? ESCAPE '\' OR e.postal_code LIKE ? ESCAPE '\')`,
			like, like, like, escapeLike(query)+"%").
		Where("s.visibility <> 'unlisted'").
		Apply(visible).
		OrderExpr("e.start_at ASC, e.id ASC").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil {
		return nil, err
	}
	return s.WebEventsByIDs(ctx, ids)
}

// PeopleSearch says whom a local people search may return.
type PeopleSearch struct {
	Query string
	// Members: verified adhérents and staff are found (for a viewer who
	// is one). Sympathisants are found only when they chose to be.
	Members bool
	Limit   int
}

// SearchLocalPeople finds local people by name or handle (anywhere in
// the text) under the rule of in.
func (s *Storage) SearchLocalPeople(ctx context.Context, in PeopleSearch) ([]model.Account, error) {
	like := "%" + escapeLike(strings.ToLower(in.Query)) + "%"
	var out []model.Account
	q := s.DB.NewSelect().Model(&out).
		Where("domain = ''").Where("actor_type = ?", model.ActorPerson).Where("suspended_at IS NULL").
		Where(`(lower(display_name) LIKE ? ESCAPE '\' OR lower(username) LIKE ? ESCAPE '\')`, like, like)
	visible := "id IN (SELECT account_id FROM users WHERE disabled_at IS NULL AND approved = ? AND role = ? AND directory_visible = ?)"
	if in.Members {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(visible, true, model.RoleSympathisant, true).
				WhereOr("id IN (SELECT account_id FROM users WHERE disabled_at IS NULL AND approved = ? AND role <> ?)", true, model.RoleSympathisant)
		})
	} else {
		q = q.Where(visible, true, model.RoleSympathisant, true)
	}
	err := q.OrderExpr("lower(username)").Limit(int64(in.Limit)).Scan(ctx)
	return out, err
}

// DirectoryVisible reports whether a local person chose to be found by
// name.
func (s *Storage) DirectoryVisible(ctx context.Context, accountID string) (bool, error) {
	var visible bool
	err := s.DB.NewSelect().TableExpr("users").Column("directory_visible").Where("account_id = ?", accountID).Scan(ctx, &visible)
	return visible, notFound(err)
}

// SetDirectoryVisible records that choice.
func (s *Storage) SetDirectoryVisible(ctx context.Context, accountID string, visible bool) error {
	_, err := s.DB.NewUpdate().TableExpr("users").Set("directory_visible = ?", visible).Where("account_id = ?", accountID).Exec(ctx)
	return err
}

// agendaFilters applies the agenda's category, date and place filters.
func agendaFilters(q *bun.SelectQuery, in WebEventQuery) *bun.SelectQuery {
	if in.Category != "" {
		q = q.Where("e.category = ?", in.Category)
	}
	if !in.To.IsZero() {
		q = q.Where("e.start_at < ?", in.To)
	}
	if place := strings.TrimSpace(in.Place); place != "" {
		like := "%" + escapeLike(strings.ToLower(place)) + "%"
		q = q.Where(`(lower(e.locality) LIKE ? ESCAPE '\' OR lower(e.place_name) LIKE ? ESCAPE '\' OR e.postal_code LIKE ? ESCAPE '\')`,
			like, like, escapeLike(place)+"%")
	}
	return q
}

// FollowedGroups lists the sections and groups accountID follows.
func (s *Storage) FollowedGroups(ctx context.Context, accountID string) ([]model.Account, error) {
	var out []model.Account
	err := s.DB.NewSelect().Model(&out).Where("actor_type = ?", model.ActorGroup).
		Where("id IN (SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted')", accountID).
		OrderExpr("lower(username)").Limit(100).Scan(ctx)
	return out, err
}
