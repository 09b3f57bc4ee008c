package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Queries the web interface needs beyond those of the client API. As in
// timelines.go, who may see a status is never decided here: every query
// over statuses takes the domain's StatusFilter.

// WebStatusQuery selects the statuses of a profile, a group or a section.
type WebStatusQuery struct {
	// AccountID keeps statuses by this account; GroupID those posted in
	// this group. With both, either matches (a section's page shows its
	// own posts and those of its group).
	AccountID, GroupID string
	// TopLevel leaves out replies to others (self-replies stay: threads).
	TopLevel bool
	// NoReblogs leaves out boosts.
	NoReblogs bool
	// PublicOnly keeps public statuses only (feeds, OpenGraph).
	PublicOnly bool
	// NoEvents leaves out the statuses of events (pages that list events
	// on their own).
	NoEvents bool
	// ViewerID hides what the viewer blocked or muted ("" = anonymous).
	ViewerID string
}

// WebStatuses pages the statuses a WebStatusQuery selects, newest first.
func (s *Storage) WebStatuses(ctx context.Context, in WebStatusQuery, visible StatusFilter, now time.Time, p Page) ([]Entry, error) {
	q := s.statuses().Apply(visible)
	switch {
	case in.AccountID != "" && in.GroupID != "":
		q = q.Where("(s.account_id = ? OR s.group_id = ?)", in.AccountID, in.GroupID)
	case in.AccountID != "":
		q = q.Where("s.account_id = ?", in.AccountID)
	case in.GroupID != "":
		q = q.Where("s.group_id = ?", in.GroupID)
	}
	if in.TopLevel {
		q = q.Where("(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id)")
	}
	if in.NoReblogs {
		q = q.Where("s.reblog_of_id IS NULL")
	}
	if in.PublicOnly {
		q = q.Where("s.visibility = 'public'")
	}
	if in.NoEvents {
		q = q.Where("s.ap_type <> 'Event'")
	}
	q = hideUnwanted(q, in.ViewerID, now)
	return pageEntries(ctx, q, "s.id", "s.id", p)
}

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

// WebCountUnreadNotifications counts accountID's unread notifications (up
// to limit).
func (s *Storage) WebCountUnreadNotifications(ctx context.Context, accountID string, limit int) (int, error) {
	inner := s.DB.NewSelect().TableExpr("notifications AS n").Column("n.id").
		Where("n.account_id = ?", accountID).Where("n.read = ?", false).Limit(int64(limit))
	n, err := s.DB.NewSelect().TableExpr("(?) AS u", inner).Count(ctx)
	return int(n), err
}

// WebMarkNotificationsRead marks accountID's notifications up to upToID read.
func (s *Storage) WebMarkNotificationsRead(ctx context.Context, accountID, upToID string) error {
	_, err := s.DB.NewUpdate().Model((*model.Notification)(nil)).Set("read = ?", true).
		Where("account_id = ?", accountID).Where("id <= ?", upToID).Where("read = ?", false).Exec(ctx)
	return err
}

// WebFigures are a section's activity figures.
type WebFigures struct {
	Registered int // local people who can log in
	Active     int // seen or posting since the given time
	Members    int // verified adhérents (and staff)
	Pending    int // accounts waiting for approval
}

// WebUserFigures counts local users for the section dashboard.
func (s *Storage) WebUserFigures(ctx context.Context, activeSince time.Time) (WebFigures, error) {
	var f WebFigures
	users := func() *bun.SelectQuery {
		return s.DB.NewSelect().Model((*model.User)(nil)).Where("u.disabled_at IS NULL")
	}
	count := func(q *bun.SelectQuery, into *int) error {
		n, err := q.Count(ctx)
		*into = int(n)
		return err
	}
	if err := count(users().Where("u.approved = ?", true), &f.Registered); err != nil {
		return f, err
	}
	if err := count(users().Where("u.approved = ?", true).
		Where("(u.last_seen_at >= ? OR EXISTS (SELECT 1 FROM statuses fs WHERE fs.account_id = u.account_id AND fs.created_at >= ?))", activeSince, activeSince), &f.Active); err != nil {
		return f, err
	}
	if err := count(users().Where("u.approved = ?", true).Where("u.role IN ('admin', 'moderator', 'member')"), &f.Members); err != nil {
		return f, err
	}
	return f, count(users().Where("u.approved = ?", false).Where("u.refused_at IS NULL"), &f.Pending)
}

// WebUnapprovedUsers lists accounts waiting for approval, oldest first.
func (s *Storage) WebUnapprovedUsers(ctx context.Context) ([]model.User, error) {
	var out []model.User
	err := s.DB.NewSelect().Model(&out).Relation("Account").
		Where("u.approved = ?", false).Where("u.disabled_at IS NULL").Where("u.refused_at IS NULL").Order("u.id ASC").Limit(200).Scan(ctx)
	return out, err
}

// WebApproveUser lets a registered person log in.
func (s *Storage) WebApproveUser(ctx context.Context, userID string, now time.Time) error {
	res, err := s.DB.NewUpdate().Model((*model.User)(nil)).Set("approved = ?", true).Set("updated_at = ?", now).
		Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// WebUserByID returns a user with its account.
func (s *Storage) WebUserByID(ctx context.Context, id string) (*model.User, error) {
	u := new(model.User)
	err := s.DB.NewSelect().Model(u).Relation("Account").Where("u.id = ?", id).Scan(ctx)
	return u, notFound(err)
}

// WebDomainRule is one domain block or allow rule.
type WebDomainRule struct {
	Domain    string    `bun:"domain"`
	Kind      string    `bun:"kind"`
	Severity  string    `bun:"severity"`
	Reason    string    `bun:"reason"`
	CreatedAt time.Time `bun:"created_at"`
}

// WebDomainRules lists the domain rules, by kind then domain.
func (s *Storage) WebDomainRules(ctx context.Context) ([]WebDomainRule, error) {
	var out []WebDomainRule
	err := s.DB.NewSelect().TableExpr("domain_rules").Column("domain", "kind", "severity", "reason", "created_at").
		Order("kind", "domain").Scan(ctx, &out)
	return out, err
}

// WebDeleteDomainRule lifts a domain rule.
func (s *Storage) WebDeleteDomainRule(ctx context.Context, domain string) error {
	_, err := s.DB.NewDelete().TableExpr("domain_rules").Where("domain = ?", domain).Exec(ctx)
	return err
}

// WebOpenReports lists unresolved reports, oldest first.
func (s *Storage) WebOpenReports(ctx context.Context, limit int) ([]model.Report, error) {
	var out []model.Report
	err := s.DB.NewSelect().Model(&out).Where("resolved_at IS NULL").Order("id ASC").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// WebResolveReport closes a report.
func (s *Storage) WebResolveReport(ctx context.Context, id string, now time.Time) error {
	res, err := s.DB.NewUpdate().Model((*model.Report)(nil)).Set("resolved_at = ?", now).
		Where("id = ?", id).Where("resolved_at IS NULL").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// WebGroupsByAccountIDs returns the group rows of Group actors, by id.
func (s *Storage) WebGroupsByAccountIDs(ctx context.Context, ids []string) (map[string]model.Group, error) {
	out := map[string]model.Group{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []model.Group
	err := s.DB.NewSelect().Model(&rows).Where("account_id IN (?)", bun.In(ids)).Scan(ctx)
	for _, g := range rows {
		out[g.AccountID] = g
	}
	return out, err
}

// WebMembershipsOf returns accountID's memberships (any state) of the groups
// ids, by group id.
func (s *Storage) WebMembershipsOf(ctx context.Context, accountID string, groupIDs []string) (map[string]model.Membership, error) {
	out := map[string]model.Membership{}
	if len(groupIDs) == 0 || accountID == "" {
		return out, nil
	}
	var rows []model.Membership
	err := s.DB.NewSelect().Model(&rows).Where("account_id = ?", accountID).Where("group_account_id IN (?)", bun.In(groupIDs)).Scan(ctx)
	for _, m := range rows {
		out[m.GroupAccountID] = m
	}
	return out, err
}
